"""The embedded default serves a classroom: 50 learners answering for a minute on `quizapp serve` (gunicorn, the
server `make run` starts) with SQLite in WAL mode, against the same run on PostgreSQL (the baseline, same
machine, same load generator, same run).

Each learner logs in and loops: study page -> answer (POST, 302) -> feedback page, as bench/study_loop.py does.
Checked at the end, per database: every answer the server accepted (302) is in `review_logs` (nothing lost);
no response was a 5xx; the server's log never says "database is locked". Printed: requests/s, answers/s,
p50/p99 latency, and the SQLite/PostgreSQL ratios. Modes: saturated (no think time: the worst case for SQLite's
single writer) and paced (--think seconds between requests, as a class studies).

    .venv/bin/python bench/classroom_sqlite.py [--learners 50] [--duration 60] [--think 1.0] [--workers N]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import prepare_database  # noqa: E402
from study_loop import Run, stagger, stop, study_form, wait_up  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class ClassRun(Run):
    """A Run that also counts the answers the server accepted, from the start (warm-up included)."""

    def __init__(self, base: str) -> None:
        super().__init__(base)
        self.accepted = 0
        self.accepted_recorded = 0


async def log_in(client: aiohttp.ClientSession, run: ClassRun, email: str, password: str) -> None:
    page = await run.timed(client, "GET", "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    await run.timed(client, "POST", "/login", data={"csrf_token": token, "email": email, "password": password})


async def learner(client: aiohttp.ClientSession, pack: str, run: ClassRun, until: float, think: float, number: int):
    await asyncio.sleep(stagger(think, number))
    while time.monotonic() < until:
        question = await run.timed(client, "GET", f"/packs/{pack}/study")
        await asyncio.sleep(think)
        form = study_form(question.text) if question is not None and question.status_code == 200 else None
        if not form:
            continue
        answered = await run.timed(client, "POST", f"/packs/{pack}/study", data=form)
        await asyncio.sleep(think)
        if answered is not None and answered.status_code == 302:
            run.accepted += 1
            run.accepted_recorded += run.record
            await run.timed(client, "GET", answered.headers["Location"])
        await asyncio.sleep(think)


async def measure(base: str, learners, pack: str, think: float, duration: float, warmup: float):
    """Every learner logs in first (password hashing is deliberately slow: not the study loop), then studies."""
    run = ClassRun(base)
    clients = [aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) for _ in learners]
    try:
        await asyncio.gather(*(log_in(c, run, e, p) for c, (e, p, _t) in zip(clients, learners)))
        until = time.monotonic() + warmup + duration
        tasks = [asyncio.create_task(learner(c, pack, run, until, think, n)) for n, c in enumerate(clients)]
        await asyncio.sleep(warmup)
        run.record = True
        started = time.monotonic()
        await asyncio.gather(*tasks)
        return run, time.monotonic() - started
    finally:
        for client in clients:
            await client.close()


def stored_answers(url: str, emails: list[str]) -> int:
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM review_logs JOIN users ON users.id = review_logs.user_id "
                 "WHERE users.email IN :emails").bindparams(bindparam("emails", expanding=True)),
            {"emails": emails}).scalar_one()
    engine.dispose()
    return count


def serve_and_measure(label: str, url: str, folder: Path, port: int, args) -> dict[str, dict]:
    learners = prepare_database(url, folder / "instance", args.learners)
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as connection:
        pack = connection.execute(text("SELECT slug FROM packs ORDER BY title LIMIT 1")).scalar_one()
        if url.startswith("sqlite"):
            mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar_one()
            print(f"SQLite journal_mode: {mode}")
    engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "QUIZAPP_INSTANCE_PATH": str(folder),
           "QUIZAPP_BIND": f"127.0.0.1:{port}"}
    if args.workers:
        env["QUIZAPP_WORKERS"] = str(args.workers)
    log_path = folder / f"{label}-server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "quizapp", "serve"], env=env, cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    results = {}
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz", server)
        for mode, think in (("saturated", 0.0), ("paced", args.think)):
            before = stored_answers(url, [e for e, _p, _t in learners])
            run, seconds = asyncio.run(measure(f"http://127.0.0.1:{port}", learners, pack, think, args.duration,
                                               args.warmup))
            stored = stored_answers(url, [e for e, _p, _t in learners]) - before
            summary = run.summary(seconds)
            summary.update(answers=run.accepted_recorded / seconds, accepted=run.accepted, stored=stored,
                           errors=run.errors, server_errors=sum(n for s, n in run.statuses.items() if s >= 500),
                           statuses=run.statuses)
            results[mode] = summary
    finally:
        stop(server)
    text_log = log_path.read_text(errors="replace")
    locked = text_log.lower().count("database is locked")
    for summary in results.values():
        summary["locked"] = locked
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a learner's requests (paced)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: quizapp serve's)")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"quizapp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    pg_url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    root = Path(tempfile.mkdtemp())
    load = os.getloadavg()
    print(f"{args.learners} learners, quizapp serve (gunicorn, {args.workers or 'default'} workers), "
          f"{args.duration:.0f} s measured after {args.warmup:.0f} s warm-up; load average before: "
          f"{load[0]:.2f} on {os.cpu_count()} cores")
    try:
        (root / "sqlite").mkdir()
        (root / "pg").mkdir()
        sqlite_url = f"sqlite:///{root / 'sqlite' / 'quizapp.sqlite'}"
        results = {"SQLite (WAL)": serve_and_measure("sqlite", sqlite_url, root / "sqlite", 8811, args),
                   "PostgreSQL": serve_and_measure("pg", pg_url, root / "pg", 8812, args)}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    ok = True
    for mode in ("saturated", "paced"):
        print(f"\n{mode} ({'no think time' if mode == 'saturated' else f'{args.think:.1f} s think time'}):")
        for label, by_mode in results.items():
            r = by_mode[mode]
            lost = r["accepted"] - r["stored"]
            print(f"  {label:<13} {r['rps']:7.1f} req/s  {r['answers']:6.1f} answers/s  p50 {r['p50']:6.1f} ms  "
                  f"p99 {r['p99']:6.1f} ms  | answers accepted {r['accepted']}, stored {r['stored']} (lost {lost}); "
                  f"5xx {r['server_errors']}; failed connections {r['errors']}; 'database is locked' in the log "
                  f"{r['locked']}")
            ok = ok and lost == 0 and r["server_errors"] == 0 and r["errors"] == 0 and r["locked"] == 0
        lite, pg = results["SQLite (WAL)"][mode], results["PostgreSQL"][mode]
        print(f"  ratio SQLite/PostgreSQL: throughput {lite['rps'] / pg['rps']:.2f}x, p99 {lite['p99'] / pg['p99']:.2f}x")
    print("\nPASS: nothing lost, no 5xx, no 'database is locked'" if ok else "\nFAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
