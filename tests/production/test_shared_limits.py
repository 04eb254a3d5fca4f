"""Without Redis the log-in limits hold across workers and servers: their counters live in the database every
process shares (quizapp/limiter_store.py). Real `quizapp serve` processes, two workers each, real sockets."""
from __future__ import annotations

import re

import httpx
from sqlalchemy import func, select

from quizapp.models import RateLimitCounter
from tests.production.servers import start_server

NO_REDIS = {"REDIS_URL": ""}


def attempt(server, password: str) -> int:
    """One log-in from a fresh browser over new connections (`Connection: close`: each request is accepted by
    whichever worker the kernel picks)."""
    with httpx.Client(base_url=server.url, headers={"Connection": "close"}, timeout=30) as browser:
        page = browser.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return browser.post("/login", data={"email": "ada@example.org", "password": password,
                                            "csrf_token": token}).status_code


def test_failed_logins_count_once_across_two_servers_of_two_workers(database_url, tmp_path, make_user, db):
    make_user()
    first = start_server(database_url, tmp_path / "one", workers=2, extra_env=NO_REDIS)
    second = start_server(database_url, tmp_path / "two", workers=2, extra_env=NO_REDIS)
    try:
        # ten wrong passwords for one account from one address (the limit), spread over four processes
        assert [attempt((first, second)[number % 2], "wrong") for number in range(10)] == [400] * 10
        # per process that was 2-3 failures each, far under 10: counted in the database it is the limit
        assert attempt(first, "correct horse") == 429
        assert attempt(second, "correct horse") == 429
        db.session.remove()
        counts = db.session.scalars(select(RateLimitCounter.count)).all()
        assert max(counts) >= 12 and db.session.scalar(select(func.count()).select_from(RateLimitCounter)) == 3
    finally:
        first.kill()
        second.kill()
