"""Alembic migrations: empty database -> head -> base, and the models match what the migrations build."""
from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from quizapp.extensions import db as _db
from tests.conftest import TEST_DATABASE_URL, make_app, reset_postgres


def fresh_database(tmp_path: Path) -> str:
    if TEST_DATABASE_URL:
        from quizapp.config import normalize_database_url

        url = normalize_database_url(TEST_DATABASE_URL)
        reset_postgres(url)
        return url
    return f"sqlite:///{tmp_path / 'migrations.sqlite'}"


def test_upgrade_from_empty_matches_the_models_and_downgrades_cleanly(tmp_path: Path, database_template):
    url = fresh_database(tmp_path)
    app = make_app(url, tmp_path / "instance")
    try:
        with app.app_context():
            upgrade()
            with _db.engine.connect() as connection:
                # The full-text index is not a model (an FTS5 virtual table and its shadow tables on SQLite, a
                # tsvector table on PostgreSQL: quizapp/browse/search.py).
                context = MigrationContext.configure(connection, opts={
                    "compare_type": True,
                    "include_name": lambda name, kind, _parent: not (kind == "table" and name
                                                                     and name.startswith("question_search"))})
                diffs = compare_metadata(context, _db.metadata)
            assert diffs == [], f"models and migrations disagree: {diffs}"
            tables = set(inspect(_db.engine).get_table_names())
            assert {"packs", "topics", "questions", "cards", "users", "card_states", "review_logs"} <= tables

            downgrade(revision="base")
            remaining = set(inspect(_db.engine).get_table_names()) - {"alembic_version"}
            assert remaining == set()
            _db.engine.dispose()
    finally:
        if TEST_DATABASE_URL:  # leave the shared database migrated for the tests that follow
            reset_postgres(url)
            with app.app_context():
                upgrade()
                _db.engine.dispose()
