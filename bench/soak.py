"""Soak: mixed traffic on `quizapp serve` for a bounded time (5 minutes by default), loopback only. Reports the
5xx count and the servers' memory (RSS of the gunicorn master and workers) after a warm-up and at the end.

Pass: no 5xx, no failed connection, and RSS growth after warm-up within the stated bound, RSS_BOUND_MB per
worker (the caches of SQLAlchemy, Jinja and the bank fill during warm-up; growth after it would be a leak).

    .venv/bin/python bench/soak.py [--duration 300] [--clients 10] [--workers 2] [--database-url URL]

Without --database-url it builds a scratch SQLite database (migrated, the shipped content/ built) in a temporary
folder. Traffic per simulated learner, in a loop: anonymous pages and a static file, log in, the study loop
through the forms (question -> answer -> feedback), the dashboard and stats, the JSON API (next, answer with an
Idempotency-Key, stats), the health check and a 404. The baseline in the same run is the first window's request
rate: the last window's rate is printed as a ratio to it (a server that slows down over time shows < 1).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RSS_BOUND_MB = 25
WARMUP_FRACTION = 0.25


def rss_bytes(pgid: int) -> int:
    """Resident memory of every process in the server's process group (master and workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getpgid(int(entry)) != pgid:
                continue
            with open(f"/proc/{entry}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        except (OSError, ProcessLookupError):
            continue
    return total


@dataclass
class Report:
    statuses: Counter = field(default_factory=Counter)
    transport_errors: int = 0
    requests: int = 0
    windows: list[int] = field(default_factory=list)  # requests per window
    rss_after_warmup: int = 0
    rss_end: int = 0
    workers: int = 2

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def rss_growth_mb(self) -> float:
        return (self.rss_end - self.rss_after_warmup) / 2**20

    @property
    def ok(self) -> bool:
        return self.server_errors == 0 and self.transport_errors == 0 and \
            self.rss_growth_mb <= RSS_BOUND_MB * self.workers


INPUT = re.compile(r"<input\b[^>]*>", re.S)
SELECT = re.compile(r'<select name="([^"]+)"')


def attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return found.group(1) if found else None


def fill_answer_form(page: str) -> dict[str, str] | None:
    """Fill the study page's answer form the way a hurried learner would: first choice, a plausible text."""
    start = page.find('class="answer"')
    if start < 0:
        return None
    form = page[start:page.find("</form>", start)]
    data: dict[str, str] = {}
    for tag in INPUT.findall(form):
        name, kind = attr(tag, "name"), attr(tag, "type") or "text"
        if not name:
            continue
        if kind == "hidden":
            data[name] = attr(tag, "value") or ""
        elif kind in ("radio", "checkbox"):
            data.setdefault(name, attr(tag, "value") or "")
        else:
            data[name] = "10.244.1.5"
    for name in SELECT.findall(form):
        data[name] = "1"
    if "knew" not in data and "Show answer" in form:
        data["knew"] = "yes"
    return data


class Learner:
    def __init__(self, base: str, email: str, password: str, token: str, report: Report) -> None:
        self.base, self.email, self.password, self.token, self.report = base, email, password, token, report
        self.client = httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False)

    async def request(self, method: str, path: str, **kwargs) -> httpx.Response | None:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError:
            self.report.transport_errors += 1
            return None
        self.report.statuses[response.status_code] += 1
        self.report.requests += 1
        return response

    async def login(self) -> None:
        page = await self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1) if page else ""
        await self.request("POST", "/login", data={"csrf_token": token, "email": self.email,
                                                   "password": self.password})

    async def round(self, pack: str, static: str) -> None:
        await self.request("GET", "/")
        await self.request("GET", static)
        await self.request("GET", f"/packs/{pack}/study")
        page = await self.request("GET", f"/packs/{pack}/study")
        form = fill_answer_form(page.text) if page is not None and page.status_code == 200 else None
        if form:
            answered = await self.request("POST", f"/packs/{pack}/study", data=form)
            if answered is not None and answered.status_code == 302:
                await self.request("GET", answered.headers["Location"])
        await self.request("GET", "/stats")
        auth = {"Authorization": f"Bearer {self.token}"}
        nxt = await self.request("GET", f"/api/v1/packs/{pack}/next", headers=auth)
        card = nxt.json().get("card") if nxt is not None and nxt.status_code == 200 else None
        if card:
            body = {"card_id": card["id"], "seed": card["seed"], "response": {"knew": True}
                    if card["type"] == "flashcard" else {"choice": 0}}
            await self.request("POST", "/api/v1/answers", json=body,
                               headers={**auth, "Idempotency-Key": uuid.uuid4().hex})
        await self.request("GET", "/api/v1/stats", headers=auth)
        await self.request("GET", "/healthz")
        await self.request("GET", "/no-such-page")


async def drive(base: str, pgid: int, learners: list[tuple[str, str, str]], duration: float, pack: str,
                workers: int = 2, window: float = 5.0, log=print) -> Report:
    """Run the mixed traffic for `duration` seconds; sample RSS after the warm-up and at the end."""
    report = Report(workers=workers)
    async with httpx.AsyncClient(base_url=base) as probe:
        login_page = (await probe.get("/login")).text
    static = re.search(r'href="(/static/app\.css[^"]*)"', login_page).group(1)
    clients = [Learner(base, email, password, token, report) for email, password, token in learners]
    await asyncio.gather(*(client.login() for client in clients))
    end = time.monotonic() + duration
    warm_at = time.monotonic() + duration * WARMUP_FRACTION

    async def loop(client: Learner) -> None:
        while time.monotonic() < end:
            await client.round(pack, static)

    async def sampler() -> None:
        last = 0
        while time.monotonic() < end:
            await asyncio.sleep(min(window, max(0.0, end - time.monotonic())))
            report.windows.append(report.requests - last)
            last = report.requests
            if not report.rss_after_warmup and time.monotonic() >= warm_at:
                report.rss_after_warmup = rss_bytes(pgid)
            log(f"  {report.requests:7d} requests, 5xx {report.server_errors}, RSS {rss_bytes(pgid) / 2**20:.1f} MB")

    await asyncio.gather(sampler(), *(loop(client) for client in clients))
    report.rss_end = rss_bytes(pgid)
    if not report.rss_after_warmup:
        report.rss_after_warmup = report.rss_end
    for client in clients:
        await client.client.aclose()
    return report


def prepare_database(url: str, instance: Path, learners: int) -> list[tuple[str, str, str]]:
    """Migrate, build the shipped content and create learners with API tokens (the app's own functions)."""
    os.environ["QUIZAPP_INSTANCE_PATH"] = str(instance)
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.auth.service import create_token, create_user
    from quizapp.extensions import db

    app = create_app({"SECRET_KEY": "soak", "SQLALCHEMY_DATABASE_URI": url})
    out = []
    with app.app_context():
        upgrade()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "soak"}
    subprocess.run([sys.executable, "-m", "quizapp", "content", "build", str(ROOT / "content")], env=env,
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    with app.app_context():
        for number in range(learners):
            email = f"soak-{uuid.uuid4().hex[:8]}@example.org"
            user = create_user(db.session, email, "Soak", "correct horse battery")
            out.append((email, "correct horse battery", create_token(db.session, user, "soak")[1]))
        db.session.commit()
        db.engine.dispose()
    return out


def start(url: str, instance: Path, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "soak", "QUIZAPP_INSTANCE_PATH": str(instance),
           "QUIZAPP_BIND": f"127.0.0.1:{port}", "QUIZAPP_WORKERS": str(workers)}
    process = subprocess.Popen([sys.executable, "-m", "quizapp", "serve"], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("the server did not start")


def print_report(report: Report, duration: float) -> None:
    first, last = (report.windows[0], report.windows[-1]) if report.windows else (0, 0)
    print(f"requests: {report.requests} in {duration:.0f} s ({report.requests / duration:.1f}/s)")
    print(f"statuses: {dict(sorted(report.statuses.items()))}")
    print(f"5xx: {report.server_errors}   failed connections: {report.transport_errors}")
    print(f"RSS after warm-up: {report.rss_after_warmup / 2**20:.1f} MB   at the end: {report.rss_end / 2**20:.1f} MB"
          f"   growth: {report.rss_growth_mb:+.1f} MB (bound: {RSS_BOUND_MB} MB per worker x {report.workers})")
    if first:
        print(f"last window / first window request rate: {last / first:.2f}x (baseline: the first window)")
    print("PASS" if report.ok else "FAIL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300.0)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        instance = Path(folder) / "instance"
        url = args.database_url or f"sqlite:///{Path(folder) / 'soak.sqlite'}"
        learners = prepare_database(url, instance, args.clients)
        from sqlalchemy import create_engine, text

        engine = create_engine(url)
        with engine.connect() as connection:
            pack = connection.execute(text("SELECT slug FROM packs ORDER BY title LIMIT 1")).scalar_one()
        engine.dispose()
        process = start(url, instance, args.port, args.workers)
        try:
            report = asyncio.run(drive(f"http://127.0.0.1:{args.port}", process.pid, learners, args.duration,
                                       pack, workers=args.workers))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    print_report(report, args.duration)
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
