"""Slow clients against `quizapp serve`: does a normal request still get an answer while N clients each send one
header line every few seconds and never finish their request?

    .venv/bin/python bench/slowloris.py --clients 16 --workers 2 --threads 1 [--worker-class sync|gthread|asgi]

Starts `quizapp serve` on SQLite in a scratch folder, opens the slow connections, then times GET /healthz every
second for `--seconds`. Prints the worst and median latency and how many requests got no answer within 5 s,
with no slow clients (the baseline, same run) and with them. Exit status 1 when any request went unanswered.
"""
from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, timeout: float = 5.0) -> float | None:
    """Seconds for GET /healthz (None: no answer within `timeout`)."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            return time.monotonic() - started if data.startswith(b"HTTP/1.1 200") else None
    except OSError:
        return None


def slow_client(port: int, stop: threading.Event, interval: float) -> None:
    """Start a request and send one more header line every `interval` seconds, never finishing it."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                number = 0
                while not stop.wait(interval):
                    sock.sendall(f"X-Slow-{number}: {'a' * 10}\r\n".encode())
                    number += 1
        except OSError:
            stop.wait(0.2)  # the server closed it: open another, as an attacker would


def measure(port: int, seconds: float) -> list[float | None]:
    results = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        results.append(get(port))
        time.sleep(max(0.0, 1.0 - (results[-1] or 0)))
    return results


def summary(label: str, results: list[float | None]) -> str:
    answered = [r for r in results if r is not None]
    median = statistics.median(answered) * 1000 if answered else float("nan")
    worst = max(answered) * 1000 if answered else float("nan")
    return (f"{label}: {len(results)} requests, {len(results) - len(answered)} unanswered within 5 s, "
            f"median {median:.1f} ms, worst {worst:.1f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between a slow client's lines")
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "QUIZAPP_INSTANCE_PATH": scratch, "SECRET_KEY": "bench",
               "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite", "QUIZAPP_BIND": f"127.0.0.1:{port}",
               "QUIZAPP_WORKERS": str(args.workers), "QUIZAPP_THREADS": str(args.threads)}
        if args.worker_class:
            env["QUIZAPP_WORKER_CLASS"] = args.worker_class
        subprocess.run([sys.executable, "-m", "quizapp", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        server = subprocess.Popen([sys.executable, "-m", "quizapp", "serve"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        stop = threading.Event()
        try:
            for _ in range(100):
                if get(port, 1.0) is not None:
                    break
                time.sleep(0.2)
            baseline = measure(port, min(5.0, args.seconds))
            clients = [threading.Thread(target=slow_client, args=(port, stop, args.interval), daemon=True)
                       for _ in range(args.clients)]
            for thread in clients:
                thread.start()
            time.sleep(1.0)
            attacked = measure(port, args.seconds)
        finally:
            stop.set()
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
    print(f"quizapp serve --workers {args.workers} --threads {args.threads} "
          f"{'(' + args.worker_class + ')' if args.worker_class else '(default worker)'}; "
          f"{args.clients} slow clients, one header line every {args.interval:g} s")
    print(summary("  baseline (no slow clients)", baseline))
    print(summary("  with the slow clients     ", attacked))
    return 1 if any(r is None for r in attacked) else 0


if __name__ == "__main__":
    sys.exit(main())
