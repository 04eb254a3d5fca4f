"""A scratch PostgreSQL database for one benchmark run: created empty, dropped at the end even when the run
fails (the benchmarks that need one: study_profile.py, study_phases.py)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def scratch_postgres(admin_url: str, prefix: str) -> Iterator[str]:
    """Yields the new database's URL (on `admin_url`'s server, named `prefix_<random>`)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
