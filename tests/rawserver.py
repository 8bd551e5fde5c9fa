"""A raw-socket HTTP server on loopback that answers exactly the bytes it is given.

For byte-level faults no framework would send: a gzip header on a body that is not gzip,
a proxy's error page echoing the request's headers. Each connection reads one request
and gets the next canned answer (the last one repeats), then is closed.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


def answer(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    """The bytes of one HTTP/1.1 answer with a Content-Length and `Connection: close`."""
    lines = [f"HTTP/1.1 {status} Whatever"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


class RawServer:
    """Serves canned answers in order; `requests` holds each request's head as received."""

    def __init__(self, answers: list[bytes]) -> None:
        self._answers = list(answers)
        self.requests: list[bytes] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return  # closed
            with connection:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                head += _rest_of_body(connection, head)
                self.requests.append(head)
                reply = self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]
                connection.sendall(reply)

    @contextmanager
    def running(self) -> Iterator[RawServer]:
        self._thread.start()
        try:
            yield self
        finally:
            self._socket.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            self._socket.close()
            self._thread.join(timeout=5)


@contextmanager
def raw_server(*answers: bytes) -> Iterator[RawServer]:
    """A started RawServer serving `answers`; closed on exit."""
    with RawServer(list(answers)).running() as server:
        yield server


def _rest_of_body(connection: socket.socket, received: bytes) -> bytes:
    """Read the body's bytes not yet received, so closing never resets an unread request."""
    head, _, body = received.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    rest = b""
    while len(body) + len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest
