"""Study loop under load: 50 simulated learners on `quizapp serve` (gunicorn) with PostgreSQL, each looping
next card -> submit answer -> feedback, against a bare Flask endpoint on the same gunicorn setup (the baseline,
measured in the same run). Loopback only; bounded duration. Prints requests/s, p50/p99 latency and the ratios.

Targets: the study loop at least half the bare endpoint's throughput; p99 under 50 ms on the 2-core machine.
The load generator (aiohttp) runs on the same
2 cores as the servers and PostgreSQL, and takes its share of them. Two modes per server: "saturated" (no think time: every learner sends its next request as soon as the answer
arrives; throughput is the server's limit, and latency is mostly queueing) and "paced" (each learner waits
--think seconds between requests, as people do; latency is the service time at that load). In paced mode each
learner starts after a random delay within one think time (seeded): otherwise all 50 would send in lockstep, a
burst of 50 requests at once every second, which people studying on their own do not do.

    .venv/bin/python bench/study_loop.py [--learners 50] [--duration 30] [--workers 4] [--think 1.0]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import fill_answer_form, prepare_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BARE = """
import sys
from flask import Flask
from quizapp.serve import gunicorn_options, run_gunicorn

def bare():
    app = Flask("bare")

    @app.get("/")
    def hello():
        return "ok"
    return app

run_gunicorn(gunicorn_options(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), 30, False), bare)
"""


def study_form(page: str) -> dict[str, str] | None:
    """The answer form as soak's hurried learner fills it, except that ordering questions get distinct
    positions (1, 2, 3, ... in page order): with every select at 1 the answer is refused (400) and the learner
    would be shown the same card forever, measuring the error page instead of the study loop."""
    form = fill_answer_form(page)
    if form:
        positions = [name for name in form if name.startswith("position-")]
        for number, name in enumerate(positions, 1):
            form[name] = str(number)
    return form


def wait_up(url: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            if process.poll() is not None:
                raise SystemExit("the server exited")
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


@dataclass
class Reply:
    status_code: int
    text: str
    headers: dict[str, str]


class Run:
    """Requests through aiohttp (httpx's async client could not load even the bare endpoint: ~240 requests/s)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.latencies: list[float] = []
        self.errors = 0
        self.statuses: dict[int, int] = {}
        self.record = False

    async def timed(self, client: aiohttp.ClientSession, method: str, path: str, **kwargs) -> Reply | None:
        begin = time.perf_counter()
        try:
            async with client.request(method, self.base + path, allow_redirects=False, **kwargs) as response:
                reply = Reply(response.status, await response.text(), dict(response.headers))
        except aiohttp.ClientError:
            self.errors += 1
            return None
        if self.record:
            self.latencies.append(time.perf_counter() - begin)
            self.statuses[reply.status_code] = self.statuses.get(reply.status_code, 0) + 1
        return reply

    def summary(self, seconds: float) -> dict[str, float]:
        return {"rps": len(self.latencies) / seconds, "p50": statistics.median(self.latencies) * 1000,
                "p99": percentile(self.latencies, 0.99) * 1000, "requests": len(self.latencies)}


def stagger(think: float, number: int) -> float:
    """The paced learners' start offsets: spread over one think time, the same in every run."""
    return random.Random(number).uniform(0, think) if think else 0.0


async def learner_loop(email: str, password: str, pack: str, run: Run, until: float, think: float,
                       number: int = 0) -> None:
    await asyncio.sleep(stagger(think, number))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        page = await run.timed(client, "GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        await run.timed(client, "POST", "/login", data={"csrf_token": token, "email": email, "password": password})
        while time.monotonic() < until:
            question = await run.timed(client, "GET", f"/packs/{pack}/study")
            if think:
                await asyncio.sleep(think)
            form = study_form(question.text) if question is not None and question.status_code == 200 else None
            if not form:
                continue
            answered = await run.timed(client, "POST", f"/packs/{pack}/study", data=form)
            if think:
                await asyncio.sleep(think)
            if answered is not None and answered.status_code == 302:
                await run.timed(client, "GET", answered.headers["Location"])
            if think:
                await asyncio.sleep(think)


async def bare_loop(run: Run, until: float, think: float, number: int = 0) -> None:
    await asyncio.sleep(stagger(think, number))
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < until:
            await run.timed(client, "GET", "/")
            if think:
                await asyncio.sleep(think)


async def measure(base: str, loops, duration: float, warmup: float) -> tuple[Run, float]:
    run = Run(base)
    until = time.monotonic() + warmup + duration
    tasks = [asyncio.create_task(loop(run, until)) for loop in loops]
    await asyncio.sleep(warmup)
    run.record = True
    started = time.monotonic()
    await asyncio.gather(*tasks)
    return run, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--think", type=float, default=1.0, help="seconds between a learner's requests (paced)")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"quizapp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    folder = tempfile.mkdtemp()
    processes = []
    try:
        learners = prepare_database(url, Path(folder) / "instance", args.learners)
        engine = create_engine(url)
        with engine.connect() as connection:
            pack = connection.execute(text("SELECT slug FROM packs ORDER BY title LIMIT 1")).scalar_one()
            cards = connection.execute(text("SELECT count(*) FROM cards")).scalar_one()
        engine.dispose()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "QUIZAPP_INSTANCE_PATH": folder,
               "QUIZAPP_BIND": "127.0.0.1:8801", "QUIZAPP_WORKERS": str(args.workers),
               "QUIZAPP_THREADS": str(args.threads)}
        app_server = subprocess.Popen([sys.executable, "-m", "quizapp", "serve"], env=env, cwd=ROOT,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        processes.append(app_server)
        bare_server = subprocess.Popen([sys.executable, "-c", BARE, "127.0.0.1:8802", str(args.workers),
                                        str(args.threads)], cwd=ROOT, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, start_new_session=True)
        processes.append(bare_server)
        wait_up("http://127.0.0.1:8801/healthz", app_server)
        wait_up("http://127.0.0.1:8802/", bare_server)
        print(f"{args.learners} learners, gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL, "
              f"pack {pack!r} ({cards} cards); {args.duration:.0f} s measured after {args.warmup:.0f} s warm-up")
        results = {}
        for mode, think in (("saturated", 0.0), ("paced", args.think)):
            bare_run, bare_seconds = asyncio.run(measure(
                "http://127.0.0.1:8802", [lambda run, until, n=n: bare_loop(run, until, think, n)
                                          for n in range(args.learners)],
                args.duration, args.warmup))
            study_run, study_seconds = asyncio.run(measure(
                "http://127.0.0.1:8801",
                [lambda run, until, e=e, p=p, n=n: learner_loop(e, p, pack, run, until, think, n)
                 for n, (e, p, _token) in enumerate(learners)], args.duration, args.warmup))
            bare, study = bare_run.summary(bare_seconds), study_run.summary(study_seconds)
            results[mode] = (bare, study)
            print(f"\n{mode} ({'no think time' if not think else f'{think:.1f} s think time'}):")
            print(f"  bare Flask endpoint: {bare['rps']:8.1f} req/s  p50 {bare['p50']:6.1f} ms  p99 {bare['p99']:6.1f} ms"
                  f"  ({bare['requests']} requests, {bare_run.errors} errors)")
            print(f"  study loop:          {study['rps']:8.1f} req/s  p50 {study['p50']:6.1f} ms  p99 {study['p99']:6.1f} ms"
                  f"  ({study['requests']} requests, {study_run.errors} errors, statuses {study_run.statuses})")
            print(f"  ratio study/bare throughput: {study['rps'] / bare['rps']:.2f}x (target >= 0.5x)   "
                  f"p99 {study['p99']:.1f} ms (target < 50 ms)")
    finally:
        for process in processes:
            stop(process)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
