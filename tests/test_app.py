"""The factory and configuration: environment-driven, no side effects, instance prepared by entry points."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from quizapp import create_app
from quizapp.config import config_from_env, normalize_database_url
from quizapp.instance import prepare_instance


def test_defaults_to_sqlite_in_the_instance_folder(tmp_path: Path):
    config = config_from_env(tmp_path, {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'quizapp.sqlite'}"
    assert config["SECRET_KEY"] is None


def test_database_url_and_secret_from_environment(tmp_path: Path):
    config = config_from_env(tmp_path, {"DATABASE_URL": "postgres://u@h/db", "SECRET_KEY": "s"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert config["SECRET_KEY"] == "s"
    assert normalize_database_url("postgresql://x/y") == "postgresql+psycopg://x/y"


def test_secret_key_is_generated_once_and_kept(tmp_path: Path):
    prepare_instance(tmp_path / "inst")
    key = (tmp_path / "inst" / "secret_key").read_text()
    prepare_instance(tmp_path / "inst")
    assert (tmp_path / "inst" / "secret_key").read_text() == key and len(key) == 64
    assert config_from_env(tmp_path / "inst", {})["SECRET_KEY"] == key


def test_create_app_has_no_side_effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    instance = tmp_path / "fresh"
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"})
    assert app.instance_path == str(instance)
    assert not instance.exists()  # no folder, no database file, no key written


def test_create_app_refuses_to_run_without_a_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path / "none"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_sqlite_runs_with_wal_and_foreign_keys(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite pragmas apply to the SQLite run only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_wsgi_module_exposes_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import importlib
    import sys

    monkeypatch.setenv("QUIZAPP_INSTANCE_PATH", str(tmp_path / "wsgi-instance"))
    sys.modules.pop("wsgi", None)
    wsgi = importlib.import_module("wsgi")
    assert wsgi.app.name == "quizapp"
    assert (tmp_path / "wsgi-instance" / "secret_key").exists()
    sys.modules.pop("wsgi", None)


def test_limits_are_checked_by_their_views_without_an_idle_hook(app):
    """No app-wide, default or blueprint limit exists, so Flask-Limiter's per-request hook is dropped; the
    decorated limits still count (a limit on the answer POST: tests/study; on log-in: tests/production)."""
    from quizapp.extensions import limiter

    assert limiter._check_request_limit not in app.before_request_funcs.get(None, [])
    assert "quizapp.study.routes.answer.answer" in limiter._marked_for_limiting


def test_an_app_wide_limit_keeps_the_limiter_hook(app, monkeypatch: pytest.MonkeyPatch):
    from quizapp.extensions import limiter
    from quizapp.factory import skip_idle_limit_hook

    app.before_request_funcs.setdefault(None, []).append(limiter._check_request_limit)
    monkeypatch.setattr(limiter.limit_manager, "_blueprint_limits", {"study": ["a limit on a blueprint"]})
    skip_idle_limit_hook(app)
    assert limiter._check_request_limit in app.before_request_funcs[None]
