"""A raw-socket HTTP server on loopback that answers with whatever bytes a test scripts.

Each connection's request (up to its blank line, plus a `Content-Length` body) is read,
then `answer(connection, request)` writes what it likes: a byte every tenth of a second,
a 2 GB `Content-Length` and nothing else, an endless chunked body. A write failing because
the client went away ends the answer quietly. `Canned` answers with given bytes in turn,
for faults no framework would send (a gzip header on a body that is not gzip).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

Answer = Callable[[socket.socket, bytes], None]

DRIP_INTERVAL = 0.05


def read_request(connection: socket.socket) -> bytes:
    """The request's head and body; b"" if the client closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


@contextmanager
def raw_server(answer: Answer) -> Iterator[str]:
    """Serve `answer` on 127.0.0.1 (each connection in a thread); yield the base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            try:
                while not stop.is_set():
                    request = read_request(connection)
                    if not request:
                        return
                    answer(connection, request)
            except OSError:  # the client hung up: the answer ends
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(30)
            threading.Thread(target=serve, args=(connection,), daemon=True).start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop.set()
        acceptor.join()
        listener.close()


def drip(connection: socket.socket, data: bytes, *, forever: bytes = b"") -> None:
    """Send `data` a byte at a time, then `forever` repeated, each byte DRIP_INTERVAL apart."""
    for byte in data:
        connection.sendall(bytes([byte]))
        time.sleep(DRIP_INTERVAL)
    while forever:
        for byte in forever:
            connection.sendall(bytes([byte]))
            time.sleep(DRIP_INTERVAL)


def head(status: str = "200 OK", **headers: str) -> bytes:
    """A response head: status line, `headers` (underscores as dashes), blank line."""
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def response(status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> bytes:
    """One whole answer: `headers`, a Content-Length and `Connection: close`, then `body`."""
    fields = {**(headers or {}), "Content-Length": str(len(body)), "Connection": "close"}
    return head(f"{status} Whatever", **fields) + body


class Canned:
    """An `Answer` sending `responses` in turn (the last one repeats); `requests` holds
    each request as received."""

    def __init__(self, *responses: bytes) -> None:
        self._responses = list(responses)
        self._lock = threading.Lock()
        self.requests: list[bytes] = []

    def __call__(self, connection: socket.socket, request: bytes) -> None:
        with self._lock:
            self.requests.append(request)
            reply = self._responses.pop(0) if len(self._responses) > 1 else self._responses[0]
        connection.sendall(reply)
