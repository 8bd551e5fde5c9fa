"""The real way in: an HTTP/1.1 server on loopback over the same core.

A `ThreadingHTTPServer` with keep-alive and one `sendall` per answer, so httpx
connection pools reuse connections and hundreds of them can be open at once.
It carries out the core's delays and dropped connections on the real socket.
"""

from __future__ import annotations

import contextlib
import http
import io
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import httpx

from ._messages import PREFIX, Request, Response

if TYPE_CHECKING:
    from ._app import LocalReplicate

log = logging.getLogger(__name__)


class LocalServer:
    """A running HTTP server for a `LocalReplicate`: `with app.serve() as server: ...`."""

    def __init__(self, app: LocalReplicate, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        return self._address[1]

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The API base URL to give a client, e.g. `http://127.0.0.1:54321/v1`."""
        return self.origin + PREFIX

    @property
    def token(self) -> str:
        return self.app.token

    def start(self) -> LocalServer:
        """Bind and serve from a background thread; returns self."""
        if self._httpd is not None:
            raise RuntimeError("already started")
        httpd = _HTTPServer(self._address, _Handler)
        httpd.app = self.app
        self._address = (self.host, httpd.port)
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.01},  # how long `stop` may wait
            name=f"local-replicate-http-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    """Threads per connection; remembers open connections so `stop` can close them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    app: LocalReplicate

    def __init__(self, address: tuple[str, int], handler: type[_Handler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def opened(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            _shutdown(connection)


class _Handler(BaseHTTPRequestHandler):
    """Turns each HTTP request into a core `Request` and writes back its `Response`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        self.server.closed(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def do_any(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body")
            return
        path, _, query = self.path.partition("?")
        host = self.headers.get("Host") or f"{self.server.host}:{self.server.port}"
        headers = httpx.Headers(self.headers.items(), encoding="latin-1")  # as http.client read
        request = Request(self.command, path, query, headers, body, "http://" + host)
        answer = self.server.app.handle(request)
        if answer.delay:
            time.sleep(answer.delay)
        if answer.disconnect is not None:
            self.close_connection = True
            _shutdown(self.connection)
            return
        try:
            self.wfile.write(self._encode(answer))
        except OSError:
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_any

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return _read_chunked(self.rfile)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length) if length else b""

    def _encode(self, answer: Response) -> bytes:
        try:
            reason = http.HTTPStatus(answer.status).phrase
        except ValueError:
            reason = "Unknown"
        lines = [f"HTTP/1.1 {answer.status} {reason}"]
        lines += [f"{name}: {value}" for name, value in answer.framed_headers()]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head if self.command == "HEAD" else head + answer.body

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    chunks: list[bytes] = []
    while True:
        size = int(stream.readline(1024).split(b";")[0].strip(), 16)
        if size == 0:
            while stream.readline(1024).strip():  # trailers
                pass
            return b"".join(chunks)
        chunks.append(stream.read(size))
        stream.readline(1024)


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
