"""`quizapp serve`: the production server, gunicorn run in-process on the same app as `wsgi.py`.

Every worker builds its own app after the fork (no preloading): no database connection or pool is ever shared
between processes. Options win over the environment (QUIZAPP_BIND, QUIZAPP_WORKERS, QUIZAPP_THREADS,
QUIZAPP_TIMEOUT), which wins over the defaults.
"""
from __future__ import annotations

import os
from typing import Any

import click

DEFAULT_BIND = "127.0.0.1:8000"


def default_workers() -> int:
    """Two processes per core: one can wait on the database while the other runs Python."""
    return 2 * (os.cpu_count() or 1)


WORKER_CLASSES = ("asgi", "gthread", "sync")
ASGI_MIN_THREADS = 4  # threads running the app in each asgi worker (requests arrive there complete)
# `asgi` is gunicorn's asyncio worker with a deadline on each connection's first request (quizapp/slowclients.py)
ASGI_WORKER = "quizapp.slowclients.DeadlineASGIWorker"


def gunicorn_options(bind: str, workers: int, threads: int, timeout: int, access_log: bool,
                     worker_class: str = "asgi") -> dict[str, Any]:
    """`asgi` (the default): requests are read on an event loop, within a deadline, and run, once complete, in
    a thread pool (quizapp.buffered), so slow clients cannot hold the workers; `gthread`/`sync`: gunicorn's
    threaded or one-request-at-a-time workers (any slow client holds one until it finishes)."""
    if worker_class == "sync" and threads > 1:
        worker_class = "gthread"
    options: dict[str, Any] = {
        "bind": [part.strip() for part in bind.split(",") if part.strip()],
        "workers": workers,
        "threads": max(threads, ASGI_MIN_THREADS) if worker_class == "asgi" else threads,
        "worker_class": ASGI_WORKER if worker_class == "asgi" else worker_class,
        "timeout": timeout,
        "graceful_timeout": 20,
        "keepalive": 5,
        "preload_app": False,
        "proc_name": "quizapp",
        # A worker is recycled after many requests (with jitter, so they do not all restart at once): a slow
        # leak in any library cannot grow without bound.
        "max_requests": 20_000,
        "max_requests_jitter": 2_000,
    }
    if access_log:
        options["accesslog"] = "-"
    return options


def run_gunicorn(options: dict[str, Any], load_app: Any = None) -> None:
    """Run gunicorn in this process. `load_app` (called in each worker) defaults to the app of wsgi.py; the
    benchmarks pass a bare Flask app to measure the server itself."""
    from gunicorn.app.base import BaseApplication

    class QuizappServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):  # called in each worker after the fork; wsgi.py builds its app the same way
            if load_app is not None:
                app = load_app()
            else:
                from quizapp.cli import create_prepared_app

                app = create_prepared_app()
            if options["worker_class"] != ASGI_WORKER:
                return app
            from quizapp.buffered import BufferedWSGI

            limit = getattr(app, "config", {}).get("MAX_CONTENT_LENGTH") or 32 * 1024 * 1024
            return BufferedWSGI(app, options["threads"], limit)

    QuizappServer().run()


@click.command("serve")
@click.option("--bind", "-b", envvar="QUIZAPP_BIND", default=DEFAULT_BIND, show_default=True,
              help="HOST:PORT to listen on (several: comma-separated). Env: QUIZAPP_BIND.")
@click.option("--workers", "-w", envvar="QUIZAPP_WORKERS", type=click.IntRange(1, 256), default=None,
              help="Worker processes (default: 2 per core). Env: QUIZAPP_WORKERS.")
@click.option("--threads", "-t", envvar="QUIZAPP_THREADS", type=click.IntRange(1, 256), default=1,
              show_default=True, help="Threads per worker (more than 1: gthread workers). Env: QUIZAPP_THREADS.")
@click.option("--timeout", envvar="QUIZAPP_TIMEOUT", type=click.IntRange(1, 3600), default=30, show_default=True,
              help="Seconds before a silent worker is killed and replaced. Env: QUIZAPP_TIMEOUT.")
@click.option("--worker-class", envvar="QUIZAPP_WORKER_CLASS", type=click.Choice(WORKER_CLASSES), default="asgi",
              show_default=True, help="asgi: slow clients cannot hold workers (requests run once complete); "
                                      "gthread/sync: gunicorn's classic workers. Env: QUIZAPP_WORKER_CLASS.")
@click.option("--header-timeout", envvar="QUIZAPP_HEADER_TIMEOUT", type=click.FloatRange(0.5, 600), default=10,
              show_default=True, help="asgi worker: seconds from connecting until a request's headers are complete; "
                                      "slower clients are disconnected. Env: QUIZAPP_HEADER_TIMEOUT.")
@click.option("--body-timeout", envvar="QUIZAPP_BODY_TIMEOUT", type=click.FloatRange(0.5, 3600), default=60,
              show_default=True, help="asgi worker: seconds from a request's headers until its whole body has "
                                      "arrived (408 past it). Env: QUIZAPP_BODY_TIMEOUT.")
@click.option("--access-log/--no-access-log", envvar="QUIZAPP_ACCESS_LOG", default=False,
              help="Log every request to stdout. Env: QUIZAPP_ACCESS_LOG=1.")
def serve_command(bind: str, workers: int | None, threads: int, timeout: int, worker_class: str,
                  header_timeout: float, body_timeout: float, access_log: bool) -> None:
    """Serve quizapp with gunicorn (the production server). Run `quizapp db upgrade` first."""
    workers = workers or default_workers()
    if worker_class == "asgi":
        from quizapp import slowclients

        slowclients.HEADER_TIMEOUT = header_timeout  # set in the master: every forked worker inherits them
        slowclients.BODY_TIMEOUT = body_timeout
    warning = limits_warning(workers, os.environ)
    if warning:
        click.secho(warning, fg="yellow", bold=True, err=True)
    run_gunicorn(gunicorn_options(bind, workers, threads, timeout, access_log, worker_class))


def limits_warning(workers: int, environ: Any) -> str | None:
    """Said loudly at start: without Redis the log-in, sign-up and invitation limits are counted in the database
    (shared: quizapp/limiter_store.py), but every worker counts answers, imports and traces on its own, so those
    limits are multiplied by the number of workers."""
    if workers <= 1 or environ.get("REDIS_URL"):
        return None
    return (f"WARNING: without REDIS_URL, log-in, sign-up and invitation limits are shared through the database, "
            f"but answer, import and trace rate limits are per process: {workers} workers each count them on their "
            f"own, so those limits are {workers} times what is configured. Set REDIS_URL "
            "(e.g. redis://127.0.0.1:6379/0) to share every counter.")
