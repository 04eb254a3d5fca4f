"""Fixtures for the production tests: a scratch PostgreSQL database, migrated and holding the fixture pack."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from quizapp.config import normalize_database_url
from tests.conftest import TEST_DATABASE_URL, make_app, migrate_to_head, write_fixture_pack
from tests.requirements import require

LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str | None:
    """The PostgreSQL server to make scratch databases on: TEST_DATABASE_URL's, else the local one if it answers."""
    if TEST_DATABASE_URL and normalize_database_url(TEST_DATABASE_URL).startswith("postgresql"):
        return make_url(normalize_database_url(TEST_DATABASE_URL)).set(database="postgres").render_as_string(
            hide_password=False)
    try:
        engine = create_engine(LOCAL_POSTGRES, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return LOCAL_POSTGRES
    except Exception:  # noqa: BLE001 (any failure means: no server here)
        return None


@contextmanager
def scratch_database(purpose: str) -> Iterator[str]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards. Fails under
    QUIZAPP_REQUIRE_ALL=1 (CI) when no PostgreSQL server answers."""
    admin = postgres_admin_url()
    require(admin is not None, f"{purpose} needs PostgreSQL: set TEST_DATABASE_URL=postgresql+psycopg://... "
                               "or run a server on 127.0.0.1:5432")
    assert admin is not None
    name = f"quizapp_scratch_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture
def scratch_postgres(tmp_path) -> Iterator[str]:
    """A PostgreSQL database of its own, migrated to head, with the fixture pack and ada@example.org."""
    with scratch_database("two servers sharing one database") as url:
        migrate_to_head(url, tmp_path / "pg-instance")
        app = make_app(url, tmp_path / "pg-instance")
        with app.app_context():
            from quizapp.auth.service import create_user
            from quizapp.extensions import db

            write_fixture_pack(db.session)
            create_user(db.session, "ada@example.org", "Ada", "correct horse")
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        yield url


@pytest.fixture
def empty_database(tmp_path) -> Iterator[str]:
    """An empty database of the kind the suite runs on: a new SQLite file, or a scratch PostgreSQL database."""
    if TEST_DATABASE_URL:
        with scratch_database("the PostgreSQL run") as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
