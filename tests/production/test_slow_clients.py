"""Slow clients (issue #13, item 5): with the default worker, clients that send their request one header line
at a time cannot stop the server from answering others (before: two such clients stopped every request)."""
from __future__ import annotations

import socket
import threading
import time

import httpx

from tests.production.servers import start_server


def test_slowloris_clients_do_not_stop_the_default_server(database_url, tmp_path):
    server = start_server(database_url, tmp_path / "slow", workers=1)
    port = int(server.url.rsplit(":", 1)[1])
    stop = threading.Event()
    sockets = []
    try:
        for _ in range(30):  # more slow clients than the worker has threads, many times over
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
            sockets.append(sock)

        def drip():
            number = 0
            while not stop.wait(1.0):
                for sock in sockets:
                    try:
                        sock.sendall(f"X-Slow-{number}: a\r\n".encode())
                    except OSError:
                        pass
                number += 1

        threading.Thread(target=drip, daemon=True).start()
        time.sleep(1.5)
        for _ in range(5):
            started = time.monotonic()
            response = httpx.get(server.url + "/healthz", timeout=5)
            assert response.status_code == 200 and time.monotonic() - started < 2
    finally:
        stop.set()
        for sock in sockets:
            sock.close()
        server.kill()
