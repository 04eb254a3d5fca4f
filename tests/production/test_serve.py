"""`quizapp serve`: gunicorn on the app of wsgi.py, configured by options or the environment; two servers on
one PostgreSQL serve the same learner consistently."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import httpx
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from quizapp import serve
from tests.production.servers import start_server


def captured_options(monkeypatch, args: list[str], env: dict[str, str]) -> dict:
    seen: dict = {}
    monkeypatch.setattr(serve, "run_gunicorn", seen.update)
    result = CliRunner().invoke(serve.serve_command, args, env=env)
    assert result.exit_code == 0, result.output
    return seen


def test_serve_takes_options_then_environment_then_defaults(monkeypatch):
    for name in ("QUIZAPP_BIND", "QUIZAPP_WORKERS", "QUIZAPP_THREADS", "QUIZAPP_TIMEOUT", "QUIZAPP_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    defaults = captured_options(monkeypatch, [], {})
    assert defaults["bind"] == ["127.0.0.1:8000"] and defaults["workers"] == serve.default_workers()
    assert defaults["worker_class"] == "quizapp.slowclients.DeadlineASGIWorker" and defaults["preload_app"] is False
    assert defaults["threads"] == serve.ASGI_MIN_THREADS
    env = captured_options(monkeypatch, [], {"QUIZAPP_WORKERS": "3", "QUIZAPP_THREADS": "4",
                                             "QUIZAPP_BIND": "0.0.0.0:9000", "QUIZAPP_WORKER_CLASS": "sync"})
    assert (env["workers"], env["threads"], env["worker_class"], env["bind"]) == (3, 4, "gthread", ["0.0.0.0:9000"])
    options = captured_options(monkeypatch, ["--workers", "5", "--bind", "127.0.0.1:1,127.0.0.1:2"],
                               {"QUIZAPP_WORKERS": "3"})
    assert options["workers"] == 5 and options["bind"] == ["127.0.0.1:1", "127.0.0.1:2"]


def test_quizapp_serve_runs_gunicorn_with_health_and_cached_static_files(database_url, tmp_path):
    server = start_server(database_url, tmp_path / "served", workers=2)
    try:
        health = httpx.get(server.url + "/healthz")
        assert health.status_code == 200 and health.json()["database"] == "ok"
        page = httpx.get(server.url + "/login")
        assert page.status_code == 200 and page.headers["X-Frame-Options"] == "DENY"
        css = re.search(r'href="(/static/app\.css\?v=[0-9a-f]+)"', page.text).group(1)
        assert httpx.get(server.url + css).headers["Cache-Control"] == "public, max-age=31536000, immutable"
    finally:
        server.stop()
    assert server.process.returncode == 0  # SIGTERM: a graceful stop


def login(client: httpx.Client, base: str) -> None:
    form = client.get(base + "/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post(base + "/login", data={"csrf_token": token, "email": "ada@example.org",
                                                  "password": "correct horse"})
    assert response.status_code == 302, response.text[:300]


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_two_servers_on_one_postgresql_serve_the_same_learner(scratch_postgres, tmp_path):
    engine = create_engine(scratch_postgres)
    with engine.connect() as connection:
        card_id = connection.execute(text(
            "SELECT c.id FROM cards c JOIN questions q ON q.id = c.question_id "
            "WHERE q.slug = 'default-service-type'")).scalar_one()
    one = start_server(scratch_postgres, tmp_path / "one", workers=1)
    two = start_server(scratch_postgres, tmp_path / "two", workers=1)
    try:
        with httpx.Client(timeout=10) as client:  # cookies are per host, not per port: one browser
            login(client, one.url)
            page = client.get(f"{one.url}/packs/fixture-pack/study?card={card_id}").text
            form = {name: hidden(page, name) for name in ("csrf_token", "card", "seed", "shown")}
            for optional in ("idempotency_key", "state_version"):
                if f'name="{optional}"' in page:
                    form[optional] = hidden(page, optional)
            answered = client.post(f"{one.url}/packs/fixture-pack/study", data={**form, "choice": "1"})
            assert answered.status_code == 302, answered.text[:500]
            feedback_path = answered.headers["Location"]
            log_id = int(feedback_path.rsplit("/", 1)[1])

            # The other server knows the session (signed cookie, same SECRET_KEY) and the answer.
            feedback = client.get(two.url + feedback_path)
            assert feedback.status_code == 200 and "Right" in feedback.text
            next_page = client.get(f"{two.url}/packs/fixture-pack/study").text
            assert int(hidden(next_page, "card")) != card_id  # scheduled for later, not shown again now
        with engine.connect() as connection:
            due, log_card = connection.execute(text(
                "SELECT s.due, l.card_id FROM card_states s JOIN review_logs l ON l.card_id = s.card_id "
                "AND l.user_id = s.user_id WHERE l.id = :id"), {"id": log_id}).one()
        assert log_card == card_id and due > datetime.now(timezone.utc)
    finally:
        one.stop()
        two.stop()
        engine.dispose()
