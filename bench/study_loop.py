"""Study loop under load: 50 simulated learners on `quizapp serve` (gunicorn) with PostgreSQL, each looping
next card -> submit answer -> feedback, against a bare Flask endpoint on the same gunicorn setup (the baseline,
measured in the same run). Loopback only; bounded duration. Prints requests/s, p50/p99 latency and the ratios.

Baselines, measured in the same run: a bare Flask endpoint (`return "ok"`) and the fair limit, a Flask endpoint
on the same gunicorn doing the study loop's essential SQL through psycopg (SAME_SQL below), driven by the same
three requests per answer (question, answer, feedback). The study loop's learners act as study.js does: they
answer the next question the feedback page carries (`<template id="next-question">`), two requests per answer,
and request the study page only when the feedback carries none. Targets (issue 17): the study loop >= 0.6x
the same-SQL endpoint per request and >= 0.4x per answer; paced p99 < 50 ms with 50 learners (latency at a
given load, not at saturation). The load generator (aiohttp) runs on the same 2 cores as the servers and PostgreSQL, and takes its share of them. Two modes per server: "saturated" (no think time: every learner sends its next request as soon as the answer
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

# The fair limit: the study loop's essential database work through psycopg directly, on the same gunicorn setup,
# measured in the same run. Each request is one transaction on its thread's own connection (psycopg prepares a
# statement after 5 uses and keeps it) and renders a tiny Jinja template. Study page: the learner, the pack, today's
# answers, the card states of the pack's id range (4 statements), then the next card chosen as the app does (a new
# card, else the earliest due). Answer: the card state's version, an upsert of the state, the answer's row (3
# statements, COMMIT), 302 to the feedback. Feedback: the answer with its card and question, today's answers (2).
# No session cookie, CSRF, rate limit, login or ORM: those are what the app adds on top.
SAME_SQL = """
import sys
import threading
from datetime import datetime, timedelta, timezone

import psycopg
from flask import Flask, redirect, render_template_string, request
from quizapp.serve import gunicorn_options, run_gunicorn

PAGE = "<!doctype html><title>study</title><p>card {{ card }} of {{ slug }}</p><form method=post></form>"
FEEDBACK = "<!doctype html><title>feedback</title><p>answer {{ log }}: {{ 'right' if correct else 'wrong' }}</p>"


def app():
    web = Flask("same_sql")
    local = threading.local()

    def db():  # one connection per thread: the asgi worker runs requests in a pool of threads (as the app's pool)
        if not hasattr(local, "connection"):
            local.connection = psycopg.connect(sys.argv[4])
        return local.connection

    with db().transaction():  # the pack's cards, once (the app caches them per process too)
        card_ids = [row[0] for row in db().execute(
            "SELECT cards.id FROM cards JOIN questions ON questions.id = cards.question_id "
            "JOIN packs ON packs.id = questions.pack_id WHERE packs.slug = %s ORDER BY cards.id", (sys.argv[5],))]
    low, high = card_ids[0], card_ids[-1]  # not every id in between is the pack's (other packs' cards)
    pack = set(card_ids)

    def today(user_id):
        start = datetime.now(timezone.utc) - timedelta(hours=12)
        return db().execute("SELECT card_id, state_before->>'state' FROM review_logs "
                                  "WHERE user_id = %s AND reviewed_at >= %s", (user_id, start)).fetchall()

    @web.get("/study/<int:user_id>")
    def study(user_id):
        with db().transaction():
            db().execute("SELECT id, email, display_name, timezone, rollover_hour, new_per_day FROM users "
                               "WHERE id = %s", (user_id,)).fetchone()
            slug = db().execute("SELECT id, slug, visibility, created_at, content_stamp FROM packs "
                                      "WHERE slug = %s", (sys.argv[5],)).fetchone()[1]
            today(user_id)
            states = {card: due for card, _state, due, suspended in db().execute(
                "SELECT card_id, fsrs_state, due, suspended FROM card_states WHERE user_id = %s "
                "AND card_id BETWEEN %s AND %s", (user_id, low, high)) if not suspended and card in pack}
        fresh = next((card for card in card_ids if card not in states), None)
        card = fresh if fresh is not None else min(states, key=states.get)
        return render_template_string(PAGE, card=card, slug=slug)

    @web.post("/study/<int:user_id>")
    def answer(user_id):
        card = int(request.form["card"])
        now = datetime.now(timezone.utc)
        with db().transaction():
            db().execute("SELECT version FROM card_states WHERE user_id = %s AND card_id = %s",
                               (user_id, card)).fetchone()
            db().execute(
                "INSERT INTO card_states (user_id, card_id, fsrs_state, stability, difficulty, due, last_review, "
                "reps, lapses, suspended, version) VALUES (%s, %s, 2, 3.0, 5.0, %s, %s, 1, 0, false, 1) "
                "ON CONFLICT (user_id, card_id) DO UPDATE SET due = EXCLUDED.due, last_review = EXCLUDED.last_review, "
                "reps = card_states.reps + 1, version = card_states.version + 1",
                (user_id, card, now + timedelta(days=3), now))
            log = db().execute(
                "INSERT INTO review_logs (user_id, card_id, reviewed_at, rating, suggested_rating, answer, correct, "
                "state_before, state_after, content_hash) VALUES (%s, %s, %s, 3, 3, '{\\"choice\\": 0}', true, "
                "'{\\"state\\": 1}', '{\\"state\\": 2}', 'h') RETURNING id", (user_id, card, now)).fetchone()[0]
        return redirect(f"/feedback/{user_id}/{log}")

    @web.get("/feedback/<int:user_id>/<int:log_id>")
    def feedback(user_id, log_id):
        with db().transaction():
            row = db().execute(
                "SELECT review_logs.id, review_logs.correct, questions.title FROM review_logs "
                "JOIN cards ON cards.id = review_logs.card_id JOIN questions ON questions.id = cards.question_id "
                "WHERE review_logs.id = %s AND review_logs.user_id = %s", (log_id, user_id)).fetchone()
            today(user_id)
        return render_template_string(FEEDBACK, log=row[0], correct=row[1])

    return web


run_gunicorn(gunicorn_options(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), 30, False), app)
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


def next_question_form(page: str) -> dict[str, str] | None:
    """The answer form of the next question a feedback page carries (`<template id="next-question">`, which
    study.js shows without a request), filled as `study_form` fills it; None when the page carries none (nothing
    left to study, or a server before that change)."""
    start = page.find('<template id="next-question"')
    return study_form(page[start:page.find("</template>", start)]) if start >= 0 else None


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
        self.answers = 0  # answers accepted (302) while recording
        self.study_gets = 0  # study pages requested while recording (the feedback carried no next question)
        self.ready = 0  # learners logged in (password hashing is deliberately slow: never measured)
        self.until = float("inf")  # set when the measured window starts

    async def timed(self, client: aiohttp.ClientSession, method: str, path: str, **kwargs) -> Reply | None:
        begin = time.perf_counter()
        try:
            async with client.request(method, self.base + path, allow_redirects=False, **kwargs) as response:
                reply = Reply(response.status, await response.text(), dict(response.headers))
        except aiohttp.ClientError:
            self.errors += 1
            return None
        if self.record:
            # A request the server shed (503 + Retry-After, quizapp/buffered.py) was not served: counted in the
            # statuses, not in the throughput or the latencies.
            if reply.status_code != 503:
                self.latencies.append(time.perf_counter() - begin)
            self.statuses[reply.status_code] = self.statuses.get(reply.status_code, 0) + 1
        if reply.status_code == 503:  # shed: wait as asked, as a person seeing "try again in a few seconds" would
            await asyncio.sleep(float(reply.headers.get("Retry-After", "1")))
        return reply

    def summary(self, seconds: float) -> dict[str, float]:
        return {"rps": len(self.latencies) / seconds, "p50": statistics.median(self.latencies) * 1000,
                "p99": percentile(self.latencies, 0.99) * 1000, "requests": len(self.latencies),
                "aps": self.answers / seconds}


def stagger(think: float, number: int) -> float:
    """The paced learners' start offsets: spread over one think time, the same in every run."""
    return random.Random(number).uniform(0, think) if think else 0.0


async def learner_loop(email: str, password: str, pack: str, run: Run, until: float, think: float,
                       number: int = 0) -> None:
    await asyncio.sleep(stagger(think, number))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        while True:  # until logged in: a login the server shed (503) is tried again, as a person would
            page = await run.timed(client, "GET", "/login")
            if page is None or page.status_code != 200:
                continue
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
            done = await run.timed(client, "POST", "/login",
                                   data={"csrf_token": token, "email": email, "password": password})
            if done is not None and done.status_code == 302:
                break
        run.ready += 1
        form = None  # the next question's form, when the last feedback page carried it
        while time.monotonic() < run.until:
            if not form:  # as the browser without the next question: the study page (the third request)
                question = await run.timed(client, "GET", f"/packs/{pack}/study")
                run.study_gets += run.record
                if think:
                    await asyncio.sleep(think)
                form = study_form(question.text) if question is not None and question.status_code == 200 else None
                if not form:
                    continue
            answered = await run.timed(client, "POST", f"/packs/{pack}/study", data=form)
            form = None
            if think:
                await asyncio.sleep(think)
            if answered is not None and answered.status_code == 302:
                run.answers += run.record
                feedback = await run.timed(client, "GET", answered.headers["Location"])
                # as study.js: answer the question the feedback carries, with no request in between
                form = next_question_form(feedback.text) if feedback is not None and \
                    feedback.status_code == 200 else None
            if think:
                await asyncio.sleep(think)


async def same_sql_loop(user_id: int, run: Run, until: float, think: float, number: int = 0) -> None:
    """The same three requests per answer against the same-SQL psycopg endpoint."""
    await asyncio.sleep(stagger(think, number))
    run.ready += 1
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < run.until:
            page = await run.timed(client, "GET", f"/study/{user_id}")
            if think:
                await asyncio.sleep(think)
            found = re.search(r"card (\d+) of", page.text) if page is not None else None
            if not found:
                continue
            answered = await run.timed(client, "POST", f"/study/{user_id}", data={"card": found.group(1)})
            if think:
                await asyncio.sleep(think)
            if answered is not None and answered.status_code == 302:
                run.answers += run.record
                await run.timed(client, "GET", answered.headers["Location"])
            if think:
                await asyncio.sleep(think)


async def bare_loop(run: Run, until: float, think: float, number: int = 0) -> None:
    await asyncio.sleep(stagger(think, number))
    run.ready += 1
    async with aiohttp.ClientSession() as client:
        while time.monotonic() < run.until:
            await run.timed(client, "GET", "/")
            if think:
                await asyncio.sleep(think)


async def measure(base: str, loops, duration: float, warmup: float) -> tuple[Run, float]:
    """Every learner logs in first; the warm-up starts once all have, then `duration` seconds are measured."""
    run = Run(base)
    tasks = [asyncio.create_task(loop(run, None)) for loop in loops]
    while run.ready < len(loops):
        await asyncio.sleep(0.05)
    await asyncio.sleep(warmup)
    run.latencies.clear()
    run.record = True
    started = time.monotonic()
    run.until = started + duration
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
    parser.add_argument("--modes", default="saturated,paced", help="which of saturated,paced to run")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--logs", help="a folder for the servers' output (default: discarded)")
    parser.add_argument("--port", type=int, default=8801, help="the study loop's port; the baselines take the next two")
    parser.add_argument("--root", type=Path, default=ROOT,
                        help="the checkout whose code the study loop server runs (e.g. a worktree of an older "
                             "commit, with its own .venv), for a before/after at the same time")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: still stop the servers, drop the database
    study_url, bare_url, same_url = (f"http://127.0.0.1:{args.port + n}" for n in range(3))

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    database = f"quizapp_bench_{uuid.uuid4().hex[:10]}"  # dropped at the end
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(args.admin_url).set(database=database).render_as_string(hide_password=False)
    folder = tempfile.mkdtemp()
    processes = []
    try:
        learners = prepare_database(url, Path(folder) / "instance", args.learners)
        engine = create_engine(url)
        with engine.connect() as connection:
            pack = connection.execute(text("SELECT slug FROM packs ORDER BY title LIMIT 1")).scalar_one()
            cards = connection.execute(text("SELECT count(*) FROM cards")).scalar_one()
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "QUIZAPP_INSTANCE_PATH": folder,
               "QUIZAPP_BIND": study_url.removeprefix("http://"), "QUIZAPP_WORKERS": str(args.workers),
               "QUIZAPP_THREADS": str(args.threads)}
        log = (lambda name: open(Path(args.logs) / f"{name}.log", "w")) if args.logs else \
            (lambda _name: subprocess.DEVNULL)
        app_server = subprocess.Popen([str(args.root / ".venv/bin/python"), "-m", "quizapp", "serve"], env=env,
                                      cwd=args.root,
                                      stdout=log("study"), stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(app_server)
        bare_server = subprocess.Popen([sys.executable, "-c", BARE, bare_url.removeprefix("http://"), str(args.workers),
                                        str(args.threads)], cwd=ROOT, stdout=log("bare"),
                                       stderr=subprocess.STDOUT, start_new_session=True)
        processes.append(bare_server)
        with engine.begin() as connection:
            baseline_users = list(connection.execute(text(
                "INSERT INTO users (email, display_name, password_hash, role, created_at) "
                "SELECT 'same-sql-' || n || '@example.org', 'Same SQL ' || n, 'x', 'learner', now() "
                "FROM generate_series(1, :n) AS n RETURNING id"), {"n": args.learners}).scalars())
        engine.dispose()
        same_server = subprocess.Popen([sys.executable, "-c", SAME_SQL, same_url.removeprefix("http://"), str(args.workers),
                                        str(args.threads), url.replace("postgresql+psycopg://", "postgresql://"),
                                        pack], cwd=ROOT, stdout=log("same_sql"), stderr=subprocess.STDOUT,
                                       start_new_session=True)
        processes.append(same_server)
        wait_up(f"{study_url}/healthz", app_server)
        wait_up(f"{bare_url}/", bare_server)
        wait_up(f"{same_url}/study/{baseline_users[0]}", same_server)
        print(f"{args.learners} learners, gunicorn {args.workers} workers x {args.threads} threads, PostgreSQL, "
              f"pack {pack!r} ({cards} cards); {args.duration:.0f} s measured after {args.warmup:.0f} s warm-up")
        load = os.getloadavg()
        if args.root != ROOT:
            print(f"study loop server: the code in {args.root}")
        print(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
        for mode, think in (("saturated", 0.0), ("paced", args.think)):
            if mode not in args.modes.split(","):
                continue
            runs = {}
            runs["bare"] = asyncio.run(measure(
                bare_url, [lambda run, until, n=n: bare_loop(run, until, think, n)
                                          for n in range(args.learners)], args.duration, args.warmup))
            runs["same"] = asyncio.run(measure(
                same_url, [lambda run, until, u=u, n=n: same_sql_loop(u, run, until, think, n)
                                          for n, u in enumerate(baseline_users)], args.duration, args.warmup))
            runs["study"] = asyncio.run(measure(
                study_url,
                [lambda run, until, e=e, p=p, n=n: learner_loop(e, p, pack, run, until, think, n)
                 for n, (e, p, _token) in enumerate(learners)], args.duration, args.warmup))
            figures = {name: run.summary(seconds) for name, (run, seconds) in runs.items()}
            print(f"\n{mode} ({'no think time' if not think else f'{think:.1f} s think time'}):")
            for server, label in (("bare", "bare Flask endpoint"), ("same", "same SQL (psycopg)"),
                                ("study", "study loop")):
                f, run = figures[server], runs[server][0]
                answers = f"{f['aps']:6.1f} answers/s" if server != "bare" else " " * 16
                print(f"  {label + ':':<21}{f['rps']:8.1f} req/s {answers}  p50 {f['p50']:6.1f} ms  "
                      f"p99 {f['p99']:6.1f} ms  ({f['requests']} requests, {run.errors} errors, "
                      f"statuses {run.statuses})")
            study, same, bare = figures["study"], figures["same"], figures["bare"]
            study_run = runs["study"][0]
            print(f"  study loop: {study_run.study_gets} study pages requested for {study_run.answers} answers "
                  f"({(study['requests'] / study_run.answers if study_run.answers else 0):.2f} requests per answer; "
                  f"the others answered the question their feedback page carried)")
            print(f"  study / same SQL: {study['rps'] / same['rps']:.2f}x per request (target >= 0.6x), "
                  f"{study['aps'] / same['aps']:.2f}x per answer (target >= 0.4x);  study / bare: "
                  f"{study['rps'] / bare['rps']:.2f}x per request")
            if think:
                print(f"  study loop p99 at {study['rps']:.0f} req/s: {study['p99']:.1f} ms (target < 50 ms)")
        load = os.getloadavg()
        print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    finally:
        for process in processes:
            stop(process)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
