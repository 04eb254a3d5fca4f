"""Benchmark for the packet lab (issue 12 item 5): a trace through the web against the bare CLI trace.

Builds the shipped content into a temporary SQLite database, serves the app over real HTTP (werkzeug, one
thread, on 127.0.0.1) and times, for the shipped sim scenarios in turn:

  * web, shared scenario:  GET /lab/q<ID>?from=..&to=..&seed=N   (the lab page: drawing, trace SVG, CLI text)
  * web, sandboxed text:   POST /api/v1/trace {scenario: <text>}  (a learner's text: forked child with limits)
  * bare CLI trace:        load_scenario(text) + trace() + format_trace() in this process, what
                           `quizapp sim trace` does once its interpreter is up

Each request uses a fresh seed so the server's trace cache never answers. Prints p50/p95 of each and the
p95 ratios to the bare trace. Target: the shared-scenario page under 100 ms at p95.

    .venv/bin/python bench/lab_trace.py [--rounds 3]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def serve(tmp: Path):
    os.environ["QUIZAPP_INSTANCE_PATH"] = str(tmp / "instance")
    from flask_migrate import upgrade
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from quizapp import create_app
    from quizapp.auth.service import create_token, create_user
    from quizapp.content import compile_paths
    from quizapp.content.store import write_bank
    from quizapp.extensions import db
    from quizapp.models import Question

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
                      "LAB_TRACE_LIMIT": "1000000 per minute"})
    with app.app_context():
        upgrade()
        result = compile_paths([ROOT / "content"])
        assert result.ok, result.problems
        write_bank(db.session, result.bank)
        user = create_user(db.session, "bench@example.org", "Bench", "correct horse battery")
        _row, token = create_token(db.session, user, "bench")
        db.session.commit()
        questions = [(q.id, q.data) for q in db.session.scalars(select(Question).where(Question.qtype == "sim"))]
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, token, questions


def request(port: int, method: str, path: str, body: dict | None = None, token: str = "") -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the shipped sim scenarios")
    args = parser.parse_args()

    from quizapp.content.sim_type import substitute
    from quizapp.sim import format_trace, load_scenario, trace

    with tempfile.TemporaryDirectory(prefix="lab-bench-") as folder:
        server, token, questions = serve(Path(folder))
        port = server.server_port
        cases = []
        for question_id, data in questions:
            variant = data["variants"][0]
            cases.append((question_id, substitute(data["scenario_text"], variant["params"]), variant["from"],
                          variant["to"]))
        for question_id, _text, src, dst in cases:  # warm-up: each scenario's drawing is cached per process
            request(port, "GET", f"/lab/q{question_id}?" + urlencode({"from": src, "to": dst, "seed": 0}))
        bare, page, sandboxed = [], [], []
        seed = 1
        for _ in range(args.rounds):
            for question_id, text, src, dst in cases:
                started = time.perf_counter()
                format_trace(trace(load_scenario(text), src, dst, seed=seed))
                bare.append(time.perf_counter() - started)
                status, elapsed = request(port, "GET", f"/lab/q{question_id}?" + urlencode(
                    {"from": src, "to": dst, "seed": seed}))
                assert status == 200, status
                page.append(elapsed)
                status, elapsed = request(port, "POST", "/api/v1/trace",
                                          {"scenario": text, "from": src, "to": dst, "seed": seed}, token)
                assert status == 200, status
                sandboxed.append(elapsed)
                seed += 1
        server.shutdown()

    def line(name: str, values: list[float]) -> str:
        return (f"{name:<44} n={len(values):<4} p50 {statistics.median(values) * 1000:7.2f} ms   "
                f"p95 {percentile(values, .95) * 1000:7.2f} ms")

    print(f"{len(cases)} shipped sim scenarios x {args.rounds} rounds, load average {os.getloadavg()[0]:.2f}")
    print(line("bare CLI trace (load + trace + format)", bare))
    print(line("web: lab page, shared scenario (GET)", page))
    print(line("web: API trace of scenario text (sandboxed)", sandboxed))
    base = percentile(bare, .95)
    print(f"p95 ratio lab page / bare trace:      {percentile(page, .95) / base:6.1f}x")
    print(f"p95 ratio sandboxed API / bare trace: {percentile(sandboxed, .95) / base:6.1f}x")
    verdict = "met" if percentile(page, .95) < 0.100 else "MISSED"
    print(f"target: lab page p95 < 100 ms: {verdict}")


if __name__ == "__main__":
    main()
