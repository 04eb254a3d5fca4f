"""Shared fixtures: `app`, `db`, `client`, `runner`, each test on a fresh, migrated database.

SQLite by default (a copy of a database migrated once per run); PostgreSQL when TEST_DATABASE_URL is set
(migrated once per run, every table emptied after each test).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, text

from quizapp import create_app
from quizapp.config import normalize_database_url
from quizapp.extensions import db as _db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BASE_CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False}


def make_app(database_url: str, instance: Path, **extra: object) -> Flask:
    os.environ["QUIZAPP_INSTANCE_PATH"] = str(instance)
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **extra})


def migrate_to_head(database_url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = make_app(database_url, instance)
    with app.app_context():
        upgrade()
        _db.engine.dispose()


def reset_postgres(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per run: a SQLite file to copy, or the PostgreSQL URL itself."""
    instance = tmp_path_factory.mktemp("instance")
    if TEST_DATABASE_URL:
        url = normalize_database_url(TEST_DATABASE_URL)
        reset_postgres(url)
        migrate_to_head(url, instance)
        return url
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    migrate_to_head(f"sqlite:///{path}", instance)
    return str(path)


@pytest.fixture
def database_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    if TEST_DATABASE_URL:
        yield database_template
        engine = create_engine(database_template)
        tables = [name for name in inspect(engine).get_table_names() if name != "alembic_version"]
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "test.sqlite"
        shutil.copyfile(database_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path / "instance")
    with application.app_context():
        yield application
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    return _db


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
