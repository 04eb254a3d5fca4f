"""Rate-limit counters without Redis: the account-protecting limits in the database, the rest in memory.

Flask-Limiter keeps its counters in a `limits` storage named by RATELIMIT_STORAGE_URI. With REDIS_URL set that
is Redis (shared by every worker and server). Without it, `quizappdb://` (this module) is used:

- counters of the scopes in `SHARED_SCOPES` (log-in failures per account, per (account, address) and per
  address; sign-ups, confirmation resends and owner invitations, each of which sends an e-mail) live in the
  table `rate_limit_counters` of the app's own database, which every worker and every server already shares.
  So `quizapp serve --workers 4` allows 10 failed log-ins per account and address, not 40. One upsert per
  counted request (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on SQLite and PostgreSQL alike); the key is
  stored as its SHA-256 (it names an e-mail address and a client address);
- every other counter (answers, imports, traces: the hot path, where a write per request would cost more than
  the limit protects) stays in each process's memory, as before.

Fixed windows (Flask-Limiter's default strategy): a counter starts at its first hit and expires `expiry`
seconds later. Expired rows are overwritten by the next hit and swept now and then.
"""
from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

from limits.storage import MemoryStorage, Storage
from sqlalchemy import case, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

SHARED_SCOPES = ("login-", "signup-", "resend-", "owner-invite")
SWEEP_EVERY = 256  # hits between two deletions of expired rows (per process)


def _shared(key: str) -> bool:
    """Flask-Limiter's keys read LIMITER/<key_func value>/<endpoint>:<scope>/<amount>/<multiples>/<granularity>
    (the key_func value may hold slashes: the scope is counted from the end)."""
    parts = key.split("/")
    return len(parts) >= 5 and parts[-4].rpartition(":")[2].startswith(SHARED_SCOPES)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseStorage(Storage):
    """`quizappdb://`: shared scopes in the app's database, the others in memory."""

    STORAGE_SCHEME = ["quizappdb"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any) -> None:
        self.memory = MemoryStorage()
        self._hits = itertools.count(1)
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @staticmethod
    def _engine():
        from quizapp.extensions import db  # the app's engine: the limiter only runs inside requests

        return db.engine

    @staticmethod
    def _table():
        from quizapp.models import RateLimitCounter

        return RateLimitCounter.__table__

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        if not _shared(key):
            return self.memory.incr(key, expiry, amount)
        engine, table, now = self._engine(), self._table(), time.time()
        insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
        expired = table.c.expires_at <= now
        statement = insert(table).values(key=_digest(key), count=amount, expires_at=now + expiry)
        statement = statement.on_conflict_do_update(index_elements=[table.c.key], set_={
            "count": case((expired, amount), else_=table.c.count + amount),
            "expires_at": case((expired, now + expiry), else_=table.c.expires_at),
        }).returning(table.c.count)
        with engine.begin() as connection:
            count = connection.execute(statement).scalar_one()
            if next(self._hits) % SWEEP_EVERY == 0:
                connection.execute(delete(table).where(table.c.expires_at < now))
        return int(count)

    def _row(self, key: str) -> tuple[int, float] | None:
        table = self._table()
        with self._engine().connect() as connection:
            row = connection.execute(select(table.c.count, table.c.expires_at)
                                     .where(table.c.key == _digest(key))).first()
        if row is None or row.expires_at <= time.time():
            return None
        return int(row.count), float(row.expires_at)

    def get(self, key: str) -> int:
        if not _shared(key):
            return self.memory.get(key)
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        if not _shared(key):
            return self.memory.get_expiry(key)
        row = self._row(key)
        return row[1] if row else time.time()

    def clear(self, key: str) -> None:
        if not _shared(key):
            return self.memory.clear(key)
        table = self._table()
        with self._engine().begin() as connection:
            connection.execute(delete(table).where(table.c.key == _digest(key)))

    def reset(self) -> int | None:
        self.memory.reset()
        with self._engine().begin() as connection:
            return connection.execute(delete(self._table())).rowcount

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False
