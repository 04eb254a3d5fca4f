"""The health endpoint checks the database; error pages show no stack trace or exception text."""
from __future__ import annotations

from pathlib import Path

from quizapp import create_app
from tests.conftest import BASE_CONFIG


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    broken = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.sqlite"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "unreachable"}
    assert "missing" not in response.get_data(as_text=True)  # no path, no driver message


def _production_app(tmp_path: Path, monkeypatch, database_url: str):
    """An app as it runs in production: not debug, not testing, exceptions handled (not propagated)."""
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": database_url})
    assert not app.debug and not app.testing

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail: password=hunter2 at /srv/quizapp/db.py")

    @app.get("/api/v1/boom")
    def api_boom():
        raise KeyError("internal-key-name")

    return app


def test_error_pages_leak_no_stack_trace(tmp_path: Path, monkeypatch, database_url, caplog):
    client = _production_app(tmp_path, monkeypatch, database_url).test_client()
    for path, method, code in (("/no/such/page", "get", 404), ("/healthz", "post", 405), ("/boom", "get", 500)):
        response = getattr(client, method)(path)
        body = response.get_data(as_text=True)
        assert response.status_code == code, path
        assert response.mimetype == "text/html"
        assert f"{code} ·" in body
        for leak in ("Traceback", "RuntimeError", "hunter2", "/srv/quizapp", "File \"", "werkzeug", "line "):
            assert leak not in body, (path, leak)
    assert client.post("/healthz").headers["Allow"]  # 405 still says what is allowed
    assert "hunter2" in caplog.text  # the exception went to the log instead


def test_api_errors_are_json_without_internals(tmp_path: Path, monkeypatch, database_url):
    client = _production_app(tmp_path, monkeypatch, database_url).test_client()
    missing = client.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    boom = client.get("/api/v1/boom")
    assert boom.status_code == 500 and boom.is_json
    assert "internal-key-name" not in boom.get_data(as_text=True)
    assert "Traceback" not in boom.get_data(as_text=True)
