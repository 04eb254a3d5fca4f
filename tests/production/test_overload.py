"""Overload is shed with 503 + Retry-After, not queued without bound (quizapp/buffered.py).

The adapter is driven directly as the ASGI app gunicorn's worker calls, with a WSGI app that holds its only
thread: requests beyond what may wait are refused at once, a request that waited too long for the thread is
dropped without running the app, the requests that are run are run in arrival order, and a response given while
a queue waits asks its client to reconnect (so kept-alive connections spread over the workers)."""
from __future__ import annotations

import asyncio
import threading
import time

from quizapp.buffered import BufferedWSGI


def slow_app(ran: list[str], gate: threading.Event, later: threading.Event | None = None):
    """Holds its thread until `gate` is set (the requests after the first: until `later` is, when given)."""
    def app(environ, start_response):
        ran.append(environ["PATH_INFO"])
        (later if later is not None and len(ran) > 1 else gate).wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]
    return app


async def call(app: BufferedWSGI, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": path, "query_string": b"", "headers": [],
             "http_version": "1.1", "scheme": "http"}
    await app(scope, receive, send)
    return sent[0]["status"], dict(sent[0]["headers"]), sent[1]["body"]


def test_requests_beyond_the_waiting_limit_get_503_with_retry_after_at_once():
    ran: list[str] = []
    gate, later = threading.Event(), threading.Event()
    app = BufferedWSGI(slow_app(ran, gate, later), threads=1, max_body=1024, body_timeout=5, max_waiting=3)

    async def scenario():
        first = asyncio.ensure_future(call(app, "/1"))  # takes the thread
        await asyncio.sleep(0.2)
        queued = [asyncio.ensure_future(call(app, f"/{n}")) for n in (2, 3, 4)]  # wait for it
        await asyncio.sleep(0.1)
        started = time.monotonic()
        refused = await call(app, "/5")  # a fourth would wait: refused without waiting
        refused_after = time.monotonic() - started
        gate.set()
        answered_first = await first  # /2 holds the thread now, /3 and /4 still wait
        later.set()
        return answered_first, [await task for task in queued], refused, refused_after

    try:
        first, queued, refused, refused_after = asyncio.run(scenario())
    finally:
        app.executor.shutdown(wait=True)
    assert first[0] == 200 and [reply[0] for reply in queued] == [200, 200, 200]
    # Answered while two or three waited behind it on one thread: its client is asked to reconnect (elsewhere)...
    assert first[1].get(b"connection") == b"close"
    assert queued[-1][1].get(b"connection") is None  # ...the last one, with nothing waiting, keeps its connection
    status, headers, body = refused
    assert status == 503 and headers[b"retry-after"] == b"2" and b"busy" in body
    assert refused_after < 1.0
    assert ran == ["/1", "/2", "/3", "/4"]  # first come, first served; the refused one never ran


def test_a_request_that_waited_too_long_for_a_thread_is_answered_503_without_running():
    ran: list[str] = []
    gate = threading.Event()
    app = BufferedWSGI(slow_app(ran, gate), threads=1, max_body=1024, body_timeout=5, queue_timeout=0.3)

    async def scenario():
        first = asyncio.ensure_future(call(app, "/first"))
        await asyncio.sleep(0.1)
        late = asyncio.ensure_future(call(app, "/late"))
        await asyncio.sleep(0.6)  # /late waits longer than queue_timeout behind /first
        gate.set()
        return await first, await late, await call(app, "/after")

    try:
        first, late, after = asyncio.run(scenario())
    finally:
        app.executor.shutdown(wait=True)
    assert first[0] == 200 and after[0] == 200
    assert late[0] == 503 and late[1][b"retry-after"] == b"2"
    assert ran == ["/first", "/after"]  # the late request's app never ran: its work would be for nobody
    assert app.waiting == 0
