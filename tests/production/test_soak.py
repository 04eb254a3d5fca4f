"""A short soak (20 s) of mixed traffic on `quizapp serve`: no 5xx, no failed connection, memory within the
bound that bench/soak.py states. The 5-minute soak is `bench/soak.py` (figures in docs/performance.md)."""
from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

from quizapp.auth.service import create_token, create_user
from tests.production.servers import start_server

SOAK_SECONDS = 20


def load_soak():
    path = Path(__file__).resolve().parents[2] / "bench" / "soak.py"
    spec = importlib.util.spec_from_file_location("bench_soak", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_short_soak_has_no_5xx_and_bounded_memory(database_url, bank, db, tmp_path):
    soak = load_soak()
    learners = []
    for number in range(6):
        user = create_user(db.session, f"soak{number}@example.org", "Soak", "correct horse battery")
        learners.append((user.email, "correct horse battery", create_token(db.session, user, "soak")[1]))
    db.session.commit()
    db.session.remove()
    server = start_server(database_url, tmp_path / "soak", workers=2)
    try:
        report = asyncio.run(soak.drive(server.url, server.process.pid, learners, SOAK_SECONDS, "fixture-pack",
                                        workers=2, window=4.0, log=lambda *_: None))
    finally:
        server.stop()
    assert report.requests > 200
    assert report.server_errors == 0, report.statuses
    assert report.transport_errors == 0
    assert report.statuses[200] > report.requests / 2
    assert report.rss_growth_mb <= soak.RSS_BOUND_MB * 2, report.rss_growth_mb
