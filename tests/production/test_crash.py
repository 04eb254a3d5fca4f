"""A server killed with SIGKILL while 20 clients answer loses no acknowledged answer, and the database stays
consistent; in-flight answers retried with their Idempotency-Key after the restart are recorded once."""
from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
from sqlalchemy import create_engine, select, text

from quizapp.auth.service import create_token, create_user
from quizapp.models import Card, Question
from tests.conftest import RIGHT_ANSWERS
from tests.production.servers import start_server

CLIENTS = 20


@dataclass
class Learner:
    token: str
    acked: dict[str, int] = field(default_factory=dict)  # idempotency key -> review id, for every 201
    in_flight: dict | None = None  # the request sent when the server died, to retry


def answers(db) -> list[dict]:
    rows = db.session.execute(select(Card.id, Card.card_key, Question.slug, Question.qtype).join(Question)).all()
    out = []
    for card_id, key, slug, qtype in rows:
        response = RIGHT_ANSWERS[slug][key] if qtype == "cloze" else RIGHT_ANSWERS[slug]
        out.append({"card_id": card_id, "response": response, "seed": 0, "response_ms": 3000})
    return out


def run_client(base: str, learner: Learner, bodies: list[dict], stop: threading.Event, offset: int) -> None:
    with httpx.Client(base_url=base, timeout=10, headers={"Authorization": f"Bearer {learner.token}"}) as client:
        number = offset
        while not stop.is_set():
            body = bodies[number % len(bodies)]
            number += 1
            key = uuid.uuid4().hex
            learner.in_flight = {"body": body, "key": key}
            try:
                if number % 3 == 0:
                    client.get("/api/v1/packs/fixture-pack/next")
                response = client.post("/api/v1/answers", json=body, headers={"Idempotency-Key": key})
            except httpx.HTTPError:
                return  # the server is gone; in_flight stays to be retried
            if response.status_code == 201:
                learner.acked[key] = response.json()["review"]["id"]
            learner.in_flight = None


def test_sigkill_loses_no_acknowledged_answer(database_url, bank, db, tmp_path):
    learners = []
    for number in range(CLIENTS):
        user = create_user(db.session, f"learner{number}@example.org", f"L{number}", "correct horse")
        learners.append(Learner(create_token(db.session, user, "load")[1]))
    db.session.commit()
    bodies = answers(db)
    db.session.remove()

    server = start_server(database_url, tmp_path / "crash", workers=2, threads=4)
    stop = threading.Event()
    threads = [threading.Thread(target=run_client, args=(server.url, learner, bodies, stop, number), daemon=True)
               for number, learner in enumerate(learners)]
    try:
        for thread in threads:
            thread.start()
        # Kill after 300 answers, or after 20 s with at least 100; a busy machine gets up to 180 s to reach 100.
        started = time.monotonic()
        while time.monotonic() - started < 180:
            done = sum(len(learner.acked) for learner in learners)
            if done >= 300 or (done >= 100 and time.monotonic() - started >= 20):
                break
            time.sleep(0.05)
        server.kill()  # SIGKILL to the master and every worker, mid-traffic
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        stop.set()
        server.kill()
    acked = {key: review for learner in learners for key, review in learner.acked.items()}
    assert len(acked) >= 100, f"too little traffic before the kill: {len(acked)} answers"

    restarted = start_server(database_url, tmp_path / "crash", workers=1)
    try:
        # Clients retry what was in flight, with the same key: recorded once, whether or not it had committed.
        retried = 0
        for learner in learners:
            if learner.in_flight is None:
                continue
            response = httpx.post(restarted.url + "/api/v1/answers", json=learner.in_flight["body"],
                                  headers={"Authorization": f"Bearer {learner.token}",
                                           "Idempotency-Key": learner.in_flight["key"]}, timeout=10)
            assert response.status_code == 201, response.text
            again = httpx.post(restarted.url + "/api/v1/answers", json=learner.in_flight["body"],
                               headers={"Authorization": f"Bearer {learner.token}",
                                        "Idempotency-Key": learner.in_flight["key"]}, timeout=10)
            assert again.json()["review"]["id"] == response.json()["review"]["id"]
            retried += 1
    finally:
        restarted.stop()

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = dict(connection.execute(text(
                "SELECT idempotency_key, id FROM review_logs WHERE idempotency_key IS NOT NULL")).all())
            missing = {key: review for key, review in acked.items() if stored.get(key) != review}
            assert not missing, f"{len(missing)} acknowledged answers lost: {list(missing.items())[:5]}"
            total = connection.execute(text("SELECT count(*) FROM review_logs")).scalar_one()
            assert total == len(stored)  # every answer came with a key, none twice
            assert len(acked) <= total <= len(acked) + retried + CLIENTS

            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
            orphans = connection.execute(text(
                "SELECT count(*) FROM review_logs l LEFT JOIN users u ON u.id = l.user_id "
                "LEFT JOIN cards c ON c.id = l.card_id WHERE u.id IS NULL OR c.id IS NULL")).scalar_one()
            assert orphans == 0
            # State and log are written in one transaction: each card state has seen exactly its answers.
            inconsistent = connection.execute(text(
                "SELECT s.user_id, s.card_id, s.reps, s.version, count(l.id) FROM card_states s "
                "LEFT JOIN review_logs l ON l.user_id = s.user_id AND l.card_id = s.card_id "
                "GROUP BY s.user_id, s.card_id, s.reps, s.version "
                "HAVING count(l.id) <> s.reps OR count(l.id) <> s.version")).all()
            assert inconsistent == []
            logged_pairs = connection.execute(text(
                "SELECT count(*) FROM (SELECT DISTINCT user_id, card_id FROM review_logs) AS pairs")).scalar_one()
            assert logged_pairs == connection.execute(text("SELECT count(*) FROM card_states")).scalar_one()
    finally:
        engine.dispose()
