"""Imports that cannot forge: states rebuilt by replaying the answers, only cards the learner may study, every
field checked with its JSON path, imported progress left out of class reports unless the instructor opts in,
a newer local state never rolled back, and stored stability 0/NaN never a 500 (issue #13, item 1)."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from quizapp.classes import progress, service as classes
from quizapp.export import importing, service
from quizapp.models import Card, CardState, Pack, Question, ReviewLog
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from tests.instructor.helpers import make_zip, pack_files

NOW = datetime.now(timezone.utc).replace(microsecond=0)
PASSWORD = "correct horse battery"


@pytest.fixture
def instructor(make_user):
    return make_user("ines@example.org", PASSWORD, role="instructor")


@pytest.fixture
def classroom(db, instructor):
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(pack_files()))])).bank.packs.values()))
    publishing.publish_spec(db.session, instructor, spec, source="upload")
    room = classes.create_class(db.session, instructor, "Networking 101")
    pack = db.session.scalar(select(Pack).where(Pack.slug == "ports-quiz"))
    pack.visibility = "classes"
    classes.assign_pack(db.session, instructor, room, pack.id)
    db.session.commit()
    return room


def keys(db, pack="ports-quiz"):
    return db.session.execute(select(Pack.slug, Question.slug, Card.card_key).join(Question, Question.pack_id == Pack.id)
                              .join(Card, Card.question_id == Question.id).where(Pack.slug == pack)
                              .order_by(Card.id)).all()


def forged(card_keys, stability=36500.0, reviews=True):
    """What the issue's attacker uploaded: Review-state cards with a huge stability, and one Easy answer each."""
    state = {"state": 2, "step": None, "stability": stability, "difficulty": 1.0,
             "due": (NOW + timedelta(days=3650)).isoformat(), "last_review": (NOW - timedelta(hours=1)).isoformat(),
             "reps": 40, "lapses": 0, "suspended": False}
    ref = [{"pack": p, "question": q, "card": c} for p, q, c in card_keys]
    return {"format": "quizapp-progress", "version": 1, "learner": {"settings": {}},
            "card_states": [{**r, "state": state} for r in ref],
            "reviews": [{**r, "reviewed_at": (NOW - timedelta(hours=1)).isoformat(), "rating": 4, "correct": True,
                         "suggested_rating": 4, "answer": None, "response_ms": 1000, "state_before": None,
                         "state_after": state, "variant_seed": 1, "content_hash": ""} for r in ref] if reviews else []}


def test_a_forged_import_is_replayed_and_does_not_count_in_the_gradebook(client, db, classroom, instructor,
                                                                         make_user):
    mallory = make_user("mallory@example.org", PASSWORD)
    classes.join(db.session, mallory, classroom.join_code)
    db.session.commit()
    service.import_progress(db.session, mallory, forged(keys(db)))
    db.session.commit()
    states = db.session.scalars(select(CardState).where(CardState.user_id == mallory.id)).all()
    assert states and all(s.from_import for s in states)
    assert max(s.stability for s in states) < 100  # one Easy answer, replayed: days, not 100 years
    assert all(log.imported for log in db.session.scalars(select(ReviewLog)))

    report = progress.class_progress(db.session, classroom.id)
    row = next(r for r in report.learners if r.user_id == mallory.id)
    assert row.reviews == 0 and row.mastery == 0.0 and report.questions == []
    client.post("/login", data={"email": instructor.email, "password": PASSWORD})
    gradebook = list(csv.reader(io.StringIO(client.get(f"/classes/{classroom.id}/gradebook.csv")
                                            .get_data(as_text=True))))
    assert gradebook[2][gradebook[0].index("Final Score")] == "0.00"

    # the instructor opts in: the replayed (modest) progress counts
    assert client.post(f"/classes/{classroom.id}/imported").status_code == 302
    counted = progress.class_progress(db.session, classroom.id)
    row = next(r for r in counted.learners if r.user_id == mallory.id)
    assert row.reviews == len(keys(db)) and 0 < row.mastery <= 1


def test_cards_of_a_pack_the_learner_may_not_see_are_refused_like_missing_ones(db, classroom, make_user):
    outsider = make_user("outsider@example.org", PASSWORD)  # not in the class: the pack is not visible to them
    private = forged(keys(db))
    missing = forged([("ports-quiz-nope", "q", "main")])
    messages = []
    for document in (private, missing):
        with pytest.raises(importing.ImportProblem) as problem:
            service.import_progress(db.session, outsider, document)
        messages.append(problem.value.problems[0].split(": card ")[1].split(" is ")[1])
    assert messages[0] == messages[1]  # nothing tells a private pack from a missing one
    db.session.rollback()
    assert db.session.scalar(select(func.count(CardState.id)).where(CardState.user_id == outsider.id)) == 0


@pytest.mark.parametrize("path, value, message", [
    ("reviews.0.rating", True, "$.reviews[0].rating: must be a whole number"),
    ("reviews.0.rating", 7, "$.reviews[0].rating: must be a whole number"),
    ("reviews.0.reviewed_at", "2999-01-01T00:00:00+00:00", "$.reviews[0].reviewed_at: 2999"),
    ("reviews.0.reviewed_at", "2026-01-01T00:00:00", "$.reviews[0].reviewed_at: must be an ISO 8601 time"),
    ("reviews.0.response_ms", 10**15, "$.reviews[0].response_ms:"),
    ("reviews.0.variant_seed", 2**40, "$.reviews[0].variant_seed:"),
    ("reviews.0.correct", "yes", "$.reviews[0].correct:"),
    ("reviews.0.answer", {"text": "x" * 20_000}, "$.reviews[0].answer: longer than"),
    ("reviews.0.card", "", "$.reviews[0].card:"),
    ("card_states.0.state.suspended", "no", "$.card_states[0].state.suspended:"),
    ("learner.settings.desired_retention", 5, "$.learner.settings.desired_retention:"),
    ("learner.settings.rollover_hour", 99, "$.learner.settings.rollover_hour:"),
    ("learner.settings.timezone", "Mars/Base", "$.learner.settings.timezone:"),
])
def test_every_field_is_checked_and_named_by_its_json_path(db, classroom, make_user, path, value, message):
    learner = make_user("lea@example.org", PASSWORD)
    document = forged(keys(db))
    target = document
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    with pytest.raises(importing.ImportProblem) as problem:
        service.import_progress(db.session, learner, document)
    assert any(p.startswith(message) for p in problem.value.problems), problem.value.problems


def test_too_many_answers_are_refused_before_any_work(db, classroom, make_user):
    learner = make_user("lea@example.org", PASSWORD)
    document = forged(keys(db)[:1])
    document["reviews"] = document["reviews"] * (importing.MAX_REVIEWS + 1)
    with pytest.raises(importing.ImportProblem) as problem:
        service.import_progress(db.session, learner, document)
    assert "at most 20000 answers" in problem.value.problems[0]


def test_a_newer_local_state_is_kept_and_the_preview_says_so(db, classroom, make_user):
    learner = make_user("lea@example.org", PASSWORD)
    classes.join(db.session, learner, classroom.join_code)
    first = keys(db)[0]
    card_id = db.session.scalar(select(Card.id).join(Question).where(Question.slug == first[1],
                                                                      Card.card_key == first[2]))
    local = CardState(user_id=learner.id, card_id=card_id, fsrs_state=2, step=None, stability=3.0, difficulty=5.0,
                      due=NOW + timedelta(days=3), last_review=NOW - timedelta(minutes=5), reps=3, lapses=0,
                      suspended=False)
    db.session.add(local)
    db.session.commit()
    plan = importing.plan_import(db.session, learner, forged([first]))  # its answer is an hour old
    assert [c.action for c in plan.changes] == ["kept"] and plan.answers_added == 0
    importing.apply_import(db.session, learner, plan)
    db.session.commit()
    db.session.refresh(local)
    assert local.stability == 3.0 and not local.from_import


def test_deep_nan_and_forged_files_through_the_page(client, db, classroom, make_user):
    make_user("lea@example.org", PASSWORD)
    client.post("/login", data={"email": "lea@example.org", "password": PASSWORD})

    def post(body: bytes):
        return client.post("/export/import", data={"file": (io.BytesIO(body), "p.json")},
                           content_type="multipart/form-data")

    deep = post(b"[" * 100_000 + b"]" * 100_000)
    assert deep.status_code == 400 and "nested too deeply" in deep.get_data(as_text=True)
    nan = json.dumps(forged(keys(db))).replace('"stability": 36500.0', '"stability": NaN').encode()
    assert post(nan).status_code == 400


def test_stored_stability_zero_or_nan_never_breaks_class_pages(client, db, classroom, instructor, make_user):
    """Rows written by the old import (which copied states from the file) must not 500 the class pages."""
    for index, bad in enumerate((0.0, float("nan"), -1.0, float("inf"))):
        learner = make_user(f"l{index}@example.org", PASSWORD)
        classes.join(db.session, learner, classroom.join_code)
        card_id = db.session.scalar(select(Card.id).order_by(Card.id).limit(1))
        db.session.add(CardState(user_id=learner.id, card_id=card_id, fsrs_state=2, step=None, stability=bad,
                                 difficulty=5.0, due=NOW, last_review=NOW - timedelta(days=1), reps=1, lapses=0,
                                 suspended=False))
    db.session.commit()
    client.post("/login", data={"email": instructor.email, "password": PASSWORD})
    page = client.get(f"/classes/{classroom.id}")
    assert page.status_code == 200 and "nan" not in page.get_data(as_text=True).lower().replace("nanosecond", "")
    gradebook = client.get(f"/classes/{classroom.id}/gradebook.csv")
    assert gradebook.status_code == 200 and "nan" not in gradebook.get_data(as_text=True)
