"""Real `quizapp serve` (gunicorn) processes for the production tests, on loopback ports, always stopped."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group: the gunicorn master and every worker."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # SIGKILL leaves no time to reap: make sure no orphaned worker keeps the port or the database.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        self.kill(signal.SIGTERM)


def start_server(database_url: str, instance: Path, *, secret: str = "test-secret", workers: int = 2,
                 threads: int = 1, port: int | None = None, extra_env: dict[str, str] | None = None,
                 timeout: float = 30.0) -> Server:
    port = port or free_port()
    instance.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret, "QUIZAPP_INSTANCE_PATH": str(instance),
           "QUIZAPP_BIND": f"127.0.0.1:{port}", "QUIZAPP_WORKERS": str(workers), "QUIZAPP_THREADS": str(threads),
           "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    env.pop("FLASK_APP", None)
    log = instance / f"server-{port}.log"
    process = subprocess.Popen([sys.executable, "-m", "quizapp", "serve"], cwd=ROOT, env=env,
                               stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(port, process, log, env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"quizapp serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(server.url + "/healthz", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"quizapp serve did not answer within {timeout} s:\n{log.read_text()[-3000:]}")
