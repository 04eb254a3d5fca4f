"""How requests use database connections: the round trips a request does not need, avoided.

1. Read-only pages run without a transaction. A view marked `@read_only` (GET/HEAD only) gets its connection in
   autocommit mode: no BEGIN before its first statement and no ROLLBACK at its end (two round trips fewer). The
   ROLLBACK mattered more than its round trip: psycopg empties its prepared-statement cache on every rollback
   (and sends DEALLOCATE ALL), so statements never reached psycopg's prepare threshold and PostgreSQL planned each
   of them on every request; now they are prepared after five uses and kept for the connection's life. The cost:
   the page's statements do not share one snapshot, so an answer committed between two of them may show in one
   and not the other -- the page is a view of the learner's own progress and every write it leads to re-checks
   what it relies on (the card state's version, the idempotency key). Only views that write nothing are marked.
2. No ping round trip per request. SQLAlchemy's `pool_pre_ping` sent `SELECT 1` at every checkout; now only a
   connection idle longer than `PING_AFTER_IDLE` seconds is pinged. A connection the server closed while it was
   in use more recently (a restart, `pg_terminate_backend`) fails the one request that uses it; SQLAlchemy then
   invalidates the whole pool. (A socket check without a round trip was tried and withdrawn: it broke the 408
   of a slowly dripped body on PostgreSQL, tests/production/test_slow_clients.py, cause not found.) SQLite
   connections are never pinged.
"""
from __future__ import annotations

import time
from typing import Any, Callable, TypeVar

from flask import Flask, g, request
from sqlalchemy import event, exc
from sqlalchemy.pool import Pool

PING_AFTER_IDLE = 30.0  # seconds a pooled connection may sit unused before its checkout pings the server
_clock = time.monotonic  # the idle time's clock

View = TypeVar("View", bound=Callable[..., Any])


def read_only(view: View) -> View:
    """Mark a view that never writes: its GET/HEAD requests run in autocommit mode (see above)."""
    view.read_only = True  # type: ignore[attr-defined]
    return view


def init_transactions(app: Flask, db: Any) -> None:
    """Register before any other request hook, so that no statement runs before the connection's mode is set."""

    @app.before_request
    def _autocommit_reads() -> None:
        if request.method in ("GET", "HEAD") and not db.session().in_transaction():
            view = app.view_functions.get(request.endpoint or "")
            if getattr(view, "read_only", False):
                db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                g.autocommit_reads = True

    @app.teardown_request
    def _end_reads(_error: BaseException | None) -> None:
        # Hand the connection back now (its mode reset by the pool), even where the session outlives the request
        # (a test's app context). No round trip: psycopg sends no ROLLBACK outside a transaction, and keeps its
        # prepared statements.
        if g.pop("autocommit_reads", False):
            db.session.rollback()


@event.listens_for(Pool, "checkin")
def _idle_since(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info["idle_since"] = _clock()


@event.listens_for(Pool, "checkout")
def _check_alive(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    pgconn = getattr(dbapi_connection, "pgconn", None)
    if pgconn is None:  # not psycopg: SQLite (a local file) has nothing to check
        return
    if _clock() - record.info.get("idle_since", _clock()) > PING_AFTER_IDLE:
        try:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as error:  # any failure: replace the connection (the pool retries the checkout)
            raise exc.DisconnectionError(f"ping failed: {error}") from error
