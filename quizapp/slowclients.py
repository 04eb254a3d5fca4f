"""Deadlines for reading a request under gunicorn's asyncio worker, so a slow client cannot keep a connection.

Gunicorn's `asgi` worker (27) reads requests on an event loop, so a client that drips its headers costs a
coroutine, not a thread (quizapp/buffered.py). But it gives the *first* request of a connection unlimited time to
finish its headers (later requests on a kept-alive connection are bounded by `keepalive`), and the body is read
by the app. Clients dripping one header line every few seconds would each keep a socket and a file descriptor
for ever, until a worker runs out of them and stops accepting anyone.

`DeadlineASGIWorker` is gunicorn's `ASGIWorker` whose connections use `HeaderDeadlineProtocol`: the first
request's headers must be complete `HEADER_TIMEOUT` seconds after the connection opened, however steadily bytes
arrive (a deadline, not an idle timeout); past it the connection is closed, as gunicorn closes an idle
keep-alive connection. The body then has `BODY_TIMEOUT` seconds (BufferedWSGI answers 408 past it).
`quizapp serve --header-timeout` and `--body-timeout` set them (QUIZAPP_HEADER_TIMEOUT, QUIZAPP_BODY_TIMEOUT; the
master sets them before forking).
"""
from __future__ import annotations

from gunicorn.asgi.protocol import ASGIProtocol
from gunicorn.workers import gasgi

HEADER_TIMEOUT = 10.0  # seconds from connect until the first request's headers are complete
BODY_TIMEOUT = 60.0  # seconds from the headers until the whole body is in (a 32 MiB upload at ~4 Mbit/s)


class HeaderDeadlineProtocol(ASGIProtocol):
    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        if self._request_ready is not None and not self._closed:  # HTTP/1 (h2 and uwsgi frame their own)
            # gunicorn's keep-alive timer closes the connection and wakes its loop; it is cancelled as soon as
            # a request's headers are complete, and re-armed (with `keepalive`) between requests.
            self._keepalive_handle = self.worker.loop.call_later(HEADER_TIMEOUT, self._keepalive_timeout)


class DeadlineASGIWorker(gasgi.ASGIWorker):
    def init_process(self) -> None:
        # gasgi builds each connection's protocol from its module-level name ASGIProtocol; this process runs
        # only this worker, so the name is pointed at the subclass here (tests/production/test_slow_clients.py
        # fails if a gunicorn release stops honouring it).
        gasgi.ASGIProtocol = HeaderDeadlineProtocol
        super().init_process()
