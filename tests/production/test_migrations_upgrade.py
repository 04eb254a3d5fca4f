"""Migrations: a database of the first release (2e1082d062ce) with data upgrades to head keeping every row,
downgrades cleanly to an empty database, and upgrades again."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from quizapp.extensions import db as _db
from tests.conftest import make_app

FIRST_RELEASE = "2e1082d062ce"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)

ROWS = [
    ("packs", {"id": 1, "slug": "net", "title": "Networking", "language": "en", "is_public": True,
               "created_at": NOW, "updated_at": NOW}),
    ("users", {"id": 1, "email": "ada@example.org", "display_name": "Ada", "password_hash": "scrypt:x",
               "role": "learner", "created_at": NOW}),
    ("topics", {"id": 1, "pack_id": 1, "slug": "ports", "title": "Ports", "intro_html": "", "tags": "[]",
                "source_path": "ports.md", "position": 0, "retired_at": None}),
    ("questions", {"id": 1, "pack_id": 1, "topic_id": 1, "slug": "q1", "qtype": "truefalse", "title": "Q1",
                   "data": json.dumps({"answer": True}), "tags": "[]", "difficulty": 2, "content_hash": "h" * 64,
                   "source_path": "ports.md", "source_line": 3, "position": 0, "created_at": NOW,
                   "updated_at": NOW, "retired_at": None}),
    ("cards", {"id": 1, "question_id": 1, "card_key": "main", "position": 0, "retired_at": None}),
    ("card_states", {"id": 1, "user_id": 1, "card_id": 1, "fsrs_state": 2, "step": None, "stability": 3.2,
                     "difficulty": 5.1, "due": NOW, "last_review": NOW, "reps": 4, "lapses": 1,
                     "suspended": False}),
    ("review_logs", {"id": 1, "user_id": 1, "card_id": 1, "reviewed_at": NOW, "rating": 3,
                     "answer": json.dumps({"value": True}), "correct": True, "response_ms": 4200,
                     "state_before": None, "state_after": json.dumps({"state": 2}), "variant_seed": 7,
                     "content_hash": "h" * 64}),
]


def test_first_release_data_survives_upgrade_and_downgrade_is_clean(empty_database, tmp_path):
    app = make_app(empty_database, tmp_path / "instance")
    with app.app_context():
        upgrade(revision=FIRST_RELEASE)
        with _db.engine.begin() as connection:
            for table, row in ROWS:
                columns = ", ".join(row)
                values = ", ".join(f":{name}" for name in row)
                connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({values})"), row)

        upgrade()  # to head, through every migration

        with _db.engine.connect() as connection:
            for table, row in ROWS:
                found = connection.execute(text(f"SELECT * FROM {table} WHERE id = 1")).mappings().one()
                for name, value in row.items():
                    if table == "packs" and name == "is_public" and "is_public" not in found:
                        assert found["visibility"] == "public"  # a later migration turned it into visibility
                        continue
                    got = found[name]
                    if isinstance(value, datetime):
                        got = got if isinstance(got, datetime) else datetime.fromisoformat(str(got))
                        got = got.replace(tzinfo=got.tzinfo or timezone.utc)
                    elif name in ("tags", "data", "answer", "state_after") and isinstance(got, str):
                        got = json.dumps(json.loads(got))
                    elif name in ("tags", "data", "answer", "state_after"):
                        got = json.dumps(got)
                    elif isinstance(value, bool):
                        got = bool(got)
                    assert got == value, (table, name, got, value)
            state = connection.execute(text("SELECT version FROM card_states WHERE id = 1")).scalar_one()
            key = connection.execute(text("SELECT idempotency_key FROM review_logs WHERE id = 1")).scalar_one()
            assert state == 1 and key is None  # new columns: defaults for old rows

        # The upgraded database works through the app: the old learner's state and answer are there.
        from quizapp.models import CardState, ReviewLog, User
        user = _db.session.get(User, 1)
        assert user.email == "ada@example.org" and user.new_per_day == 20  # a later column, defaulted
        assert _db.session.get(CardState, 1).reps == 4 and _db.session.get(ReviewLog, 1).response_ms == 4200
        _db.session.remove()

        downgrade(revision="base")
        assert set(inspect(_db.engine).get_table_names()) - {"alembic_version"} == set()
        upgrade()
        assert {"card_states", "review_logs"} <= set(inspect(_db.engine).get_table_names())
        _db.session.remove()
        _db.engine.dispose()
