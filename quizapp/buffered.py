"""Run the WSGI app behind gunicorn's asyncio (ASGI) worker, so slow clients cost a coroutine, not a thread.

With gunicorn's sync and gthread workers a client that sends its request slowly (one header line every few
seconds: "slowloris") holds a worker or thread until it finishes; a handful of them stopped every other request
(bench/slowloris.py measures it). Gunicorn's `asgi` worker reads requests on an event loop; this adapter waits
there until a request's headers and whole body have arrived (the body up to the app's MAX_CONTENT_LENGTH), and
only then runs the Flask app in a thread of a small pool. The response is collected in the thread and sent from
the event loop, so a client reading slowly does not hold a thread either.

Overload is shed, not queued without bound. Complete requests wait for a thread in arrival order (the pool's
queue is FIFO), but a worker that accepts more than its threads can serve builds a queue that only grows: before
this, a saturated server answered every request eventually, some after tens of seconds (long after a browser or a
proxy gave up, the work done for nobody), and said nothing. Now, as proxies and servers that protect themselves
do (Envoy's pending-request limit, Heroku's router, the "load shedding" of Google's SRE book), a request is
answered `503 Service Unavailable` with `Retry-After` instead of being run when (a) `max_waiting` requests already
wait for a thread when it arrives, or (b) it waited longer than `queue_timeout` seconds for one (checked when a
thread takes it: it is dropped without running the app). Either is logged (at most once per 10 s, with counts).
And a worker with more requests waiting than threads answers with `Connection: close`, so kept-alive clients
reconnect and spread over the other workers instead of queueing behind one (see `__call__`).
A shed request did nothing, so retrying it is safe (answers carry an idempotency key in any case).
"""
from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable
from urllib.parse import unquote_to_bytes

Send = Callable[[dict[str, Any]], Any]
log = logging.getLogger("quizapp.buffered")

QUEUE_TIMEOUT = 10.0  # seconds a complete request may wait for a thread before it is answered 503
WAITING_PER_THREAD = 16  # complete requests allowed to wait per thread; past it new ones are answered 503
RETRY_AFTER = 2  # seconds, in the 503's Retry-After
BUSY = b"The server is busy: please try again in a few seconds.\n"


class BufferedWSGI:
    """An ASGI application running `wsgi_app` on complete requests, in `threads` threads."""

    def __init__(self, wsgi_app: Callable, threads: int, max_body: int, body_timeout: float | None = None,
                 queue_timeout: float = QUEUE_TIMEOUT, max_waiting: int | None = None) -> None:
        self.wsgi_app = wsgi_app
        self.max_body = max_body
        self.threads = max(1, threads)
        self.queue_timeout = queue_timeout
        self.max_waiting = max_waiting if max_waiting is not None else WAITING_PER_THREAD * max(1, threads)
        self.waiting = 0  # complete requests handed to the pool that no thread has taken yet
        self._lock = threading.Lock()
        self._shed = {"full": 0, "late": 0}
        self._logged_at = 0.0
        if body_timeout is None:
            from quizapp.slowclients import BODY_TIMEOUT

            body_timeout = BODY_TIMEOUT
        self.body_timeout = body_timeout
        self.executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="wsgi")

    async def __call__(self, scope: dict[str, Any], receive: Callable, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    self.executor.shutdown(wait=True)
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        body = bytearray()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout  # a body dripped in slowly does not keep the socket
        while True:
            # Each receive() races the deadline in a task of its own: cancelling the awaiting coroutine (what
            # asyncio.timeout does) was not always honoured while bytes kept trickling in, so the 408 never came.
            pending = asyncio.ensure_future(receive())
            done, _ = await asyncio.wait({pending}, timeout=max(0.0, deadline - loop.time()))
            if not done:
                pending.cancel()
                await _plain(send, 408, b"The request body did not arrive in time.\n")
                return
            message = pending.result()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.max_body:
                await _plain(send, 413, b"The request body is too large.\n")
                return
            if not message.get("more_body", False):
                break
        environ = wsgi_environ(scope, bytes(body))
        with self._lock:
            full = self.waiting >= self.max_waiting
            if not full:
                self.waiting += 1
        if full:
            self._note_shed("full")
            await _busy(send)
            return
        status, headers, chunks = await loop.run_in_executor(self.executor, self._run, environ, time.monotonic())
        if self.waiting > self.threads:
            # A queue is building in this worker: this client is asked to reconnect, and the kernel hands the new
            # connection to whichever worker accepts first (a less busy one: this one's loop shares its GIL with
            # busy threads). Without it kept-alive connections stay where they first landed, and one worker held
            # 30-43 of 50 learners' connections while the others idled (its requests waited tens of seconds).
            headers = [*headers, (b"connection", b"close")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    def _note_shed(self, why: str) -> None:
        with self._lock:
            self._shed[why] += 1
            now = time.monotonic()
            if now - self._logged_at < 10.0:
                return
            self._logged_at, counts, self._shed = now, self._shed, {"full": 0, "late": 0}
            waiting = self.waiting
        log.warning("overloaded: answered 503 to %d request(s) that found %d already waiting for a thread and to "
                    "%d that waited over %.1f s for one (%d waiting now)", counts["full"], self.max_waiting,
                    counts["late"], self.queue_timeout, waiting)

    def _run(self, environ: dict[str, Any], queued_at: float) -> tuple[int, list[tuple[bytes, bytes]], list[bytes]]:
        with self._lock:
            self.waiting -= 1
        if time.monotonic() - queued_at > self.queue_timeout:  # its client has waited too long already: drop it
            self._note_shed("late")
            return 503, _BUSY_HEADERS, [BUSY]
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                                  for name, value in headers]
            return lambda data: chunks.append(data)

        chunks: list[bytes] = []
        result = self.wsgi_app(environ, start_response)
        try:
            for chunk in result:
                if chunk:
                    chunks.append(chunk)
        finally:
            if hasattr(result, "close"):
                result.close()
        return started["status"], started["headers"], chunks


_BUSY_HEADERS = [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", str(RETRY_AFTER).encode()),
                 (b"cache-control", b"no-store")]


async def _busy(send: Send) -> None:
    await send({"type": "http.response.start", "status": 503, "headers": _BUSY_HEADERS})
    await send({"type": "http.response.body", "body": BUSY})


async def _plain(send: Send, status: int, text: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": text})


def wsgi_environ(scope: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The PEP 3333 environ of an ASGI HTTP scope (as gunicorn's own WSGI workers would build it)."""
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = unquote_to_bytes(raw_path.split(b"?", 1)[0]).decode("latin-1")
    root = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root):]
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"], "SCRIPT_NAME": root, "PATH_INFO": path,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]), "SERVER_PORT": str(server[1] or 80),
        "REMOTE_ADDR": client[0], "REMOTE_PORT": str(client[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0), "wsgi.url_scheme": scope.get("scheme", "http"), "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in scope.get("headers", []):
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
        elif key == "CONTENT_LENGTH":
            continue  # the body's real length, set above
        else:
            key = "HTTP_" + key
            environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ
