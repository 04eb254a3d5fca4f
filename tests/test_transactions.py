"""Round trips a request does not need (quizapp/transactions.py): the study page and the feedback page run
without a transaction, so psycopg keeps its prepared statements; an answer is still one transaction; no ping
per request, only after a connection sat idle."""
from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import text

from quizapp import transactions
from tests.conftest import TEST_DATABASE_URL
from tests.study.test_query_counts import hidden

postgres_only = pytest.mark.skipif(not TEST_DATABASE_URL, reason="psycopg's round trips: PostgreSQL only")
ANY_ANSWER = {"choice": "0", "choices": "0", "value": "true", "text": "x", "knew": "yes", "blank-0": "x",
              "blank-1": "x", "position-0": "1", "position-1": "2", "position-2": "3", "match-0": "0", "match-1": "1"}


@pytest.fixture
def sent(monkeypatch):
    """What psycopg sends besides statements: BEGIN, COMMIT, ROLLBACK (counted by their first word)."""
    from psycopg import _connection_base

    commands: Counter = Counter()
    original = _connection_base.BaseConnection._exec_command

    def counted(self, command, *args, **kwargs):
        commands[bytes(command).split()[0].decode().upper()] += 1
        return original(self, command, *args, **kwargs)
    monkeypatch.setattr(_connection_base.BaseConnection, "_exec_command", counted)
    return commands


def study_round(app, client, sent: Counter) -> dict[str, Counter]:
    seen = {}

    def request(kind: str, method: str, path: str, **kwargs):
        with app.app_context():  # each request in its own app context, as on a server
            sent.clear()
            response = client.open(path, method=method, **kwargs)
            seen[kind] = Counter(sent)
            return response
    page = request("page", "GET", "/packs/fixture-pack/study")
    assert page.status_code == 200
    answered = request("answer", "POST", "/packs/fixture-pack/study",
                       data={**hidden(page.get_data(as_text=True)), **ANY_ANSWER})
    assert answered.status_code == 302, answered.get_data(as_text=True)[:300]
    assert request("feedback", "GET", answered.headers["Location"]).status_code == 200
    return seen


@postgres_only
def test_study_pages_run_without_a_transaction_and_keep_prepared_statements(app, bank, make_user, login, client,
                                                                          db, sent):
    make_user()
    login()
    db.session.commit()
    db.session.close()
    db.engine.dispose()  # an empty pool: the requests below take turns on one connection
    for _ in range(7):  # psycopg prepares a statement at its fifth use
        seen = study_round(app, client, sent)
        assert seen["page"] == Counter() and seen["feedback"] == Counter()  # no BEGIN, no ROLLBACK
        assert seen["answer"] == Counter({"BEGIN": 1, "COMMIT": 1})  # the answer: one transaction, committed
    with app.app_context():  # the same pooled connection: its prepared statements survived the requests
        prepared = db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements"))
        db.session.rollback()
    assert prepared > 0


def test_a_read_only_page_leaves_no_transaction_behind(app, bank, make_user, login, client, db):
    make_user()
    login()
    db.session.commit()
    assert client.get("/packs/fixture-pack/study").status_code == 200
    assert not db.session().in_transaction()  # the connection went back to the pool, its mode reset
    db.session.execute(text("SELECT 1"))
    assert db.session.connection().get_isolation_level() != "AUTOCOMMIT"
    db.session.rollback()


@postgres_only
def test_a_connection_idle_for_long_is_pinged_once(app, bank, make_user, login, client, db, monkeypatch):
    from psycopg import Cursor

    make_user()
    login()
    db.session.commit()
    db.session.close()
    db.engine.dispose()  # an empty pool: the requests below take turns on one connection
    pings = []
    execute = Cursor.execute

    def record(self, query, *args, **kwargs):
        if query == "SELECT 1":
            pings.append(query)
        return execute(self, query, *args, **kwargs)
    monkeypatch.setattr(Cursor, "execute", record)
    clock = transactions._clock
    later = {"by": 0.0}
    monkeypatch.setattr(transactions, "_clock", lambda: clock() + later["by"])
    for _ in range(2):  # checked out again within PING_AFTER_IDLE: no ping
        with app.app_context():
            assert client.get("/packs/fixture-pack/study").status_code == 200
    assert pings == []
    later["by"] = transactions.PING_AFTER_IDLE + 1  # idle for longer: one ping at checkout, then none
    for _ in range(2):
        with app.app_context():
            assert client.get("/packs/fixture-pack/study").status_code == 200
    assert pings == ["SELECT 1"]
