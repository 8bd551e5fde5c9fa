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
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Generic, Self, TypeVar

import httpx

from ._messages import MAX_BODY_BYTES, PREFIX, App, Request, Response, problem

log = logging.getLogger(__name__)


_A = TypeVar("_A", bound=App)


class HTTPServer(Generic[_A]):
    """A running HTTP server for an app (`LocalServer` serves a `LocalReplicate`)."""

    def __init__(self, app: _A, host: str = "127.0.0.1", port: int = 0) -> None:
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

    def start(self) -> Self:
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

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    """Threads per connection; remembers open connections so `stop` can close them."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    app: App

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
    """Turns each HTTP request into a core `Request` and writes back its `Response`.

    A request it cannot frame or place (bad `Content-Length` or chunks, a body over
    `MAX_BODY_BYTES`, a missing or invalid `Host`) gets a problem-details 400 (413 for
    size) and the connection is closed: what follows its head cannot be trusted.
    """

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
            origin = self._origin()
            body = self._read_body()
        except _Refused as refusal:
            self._refuse(refusal.answer)
            return
        path, _, query = self.path.partition("?")
        headers = httpx.Headers(self.headers.items(), encoding="latin-1")  # as http.client read
        request = Request(self.command, path, query, headers, body, origin)
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

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """What `http.server` answers to a request it cannot parse, as problem details."""
        try:
            title = http.HTTPStatus(code).phrase
        except ValueError:
            title = "Error"
        self.log_message("refused: %d %s", code, message or title)
        self._refuse(problem(code, title, message or title))

    def _refuse(self, answer: Response) -> None:
        """Send `answer` and close, reading (and dropping) what the client still sends so
        that closing does not reset the connection before the client reads the answer."""
        self.close_connection = True
        try:
            self.wfile.write(self._encode(answer))
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)
            self.connection.settimeout(_LINGER_SECONDS)
            for _ in range(_LINGER_READS):
                if not self.connection.recv(65536):
                    break
        except OSError:  # the client went away (or kept sending): nothing more to do
            pass

    def _origin(self) -> str:
        """`http://` and the request's `Host`: where the links in the answer point."""
        hosts = self.headers.get_all("Host") or []
        if not hosts and self.request_version == "HTTP/1.0":
            return f"http://{self.server.host}:{self.server.port}"
        if len(hosts) != 1 or not _valid_host(hosts[0]):
            raise _Refused(400, "The request needs one Host header of the form host[:port]")
        return "http://" + hosts[0].strip()

    def _read_body(self) -> bytes:
        codings = self.headers.get_all("Transfer-Encoding")
        lengths = self.headers.get_all("Content-Length")
        if codings:
            if lengths:
                raise _Refused(400, "Content-Length and Transfer-Encoding in one request")
            if [c.strip().lower() for c in ",".join(codings).split(",")] != ["chunked"]:
                raise _Refused(501, "The only Transfer-Encoding accepted is chunked")
            return _read_chunked(self.rfile)
        if not lengths:
            return b""
        if len({v.strip() for v in lengths}) != 1 or not _DIGITS.fullmatch(lengths[0].strip()):
            raise _Refused(400, "Content-Length is not one decimal number")
        length = int(lengths[0])
        if length > MAX_BODY_BYTES:
            raise _Refused(413, f"The request body is over {MAX_BODY_BYTES} bytes")
        body = self.rfile.read(length) if length else b""
        if len(body) != length:
            raise _Refused(400, "The request body ended before its Content-Length")
        return body

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


class _Refused(Exception):
    """A request the server answers with a problem and a closed connection."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        title = http.HTTPStatus(status).phrase
        self.answer = problem(status, title, detail)


_DIGITS = re.compile(r"[0-9]+")
_HEX = re.compile(rb"[0-9A-Fa-f]+")
_HOST = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::(?P<port>[0-9]{0,5}))?")
_MAX_LINE = 4096
_MAX_TRAILERS = 100
_LINGER_SECONDS = 1.0
_LINGER_READS = 16


def _valid_host(value: str) -> bool:
    """True for `host[:port]`: a name or address, and a port up to 65535 (RFC 9110 7.2)."""
    found = _HOST.fullmatch(value.strip())
    return found is not None and int(found["port"] or 0) <= 65535


def _read_chunked(stream: io.BufferedIOBase) -> bytes:
    """A chunked body (RFC 9112 7.1), at most `MAX_BODY_BYTES`; `_Refused` if malformed."""
    chunks: list[bytes] = []
    total = 0
    while True:
        size_text = _line(stream).split(b";")[0].strip()
        if _HEX.fullmatch(size_text) is None:
            raise _Refused(400, "A chunk size is not a hexadecimal number")
        size = int(size_text, 16)
        total += size
        if total > MAX_BODY_BYTES:
            raise _Refused(413, f"The request body is over {MAX_BODY_BYTES} bytes")
        if size == 0:
            break
        chunk = stream.read(size)
        if len(chunk) != size or _line(stream).strip():
            raise _Refused(400, "A chunk is shorter or longer than its size")
        chunks.append(chunk)
    for _ in range(_MAX_TRAILERS):
        if not _line(stream).strip():
            return b"".join(chunks)
    raise _Refused(400, "Too many trailer lines")


def _line(stream: io.BufferedIOBase) -> bytes:
    line = stream.readline(_MAX_LINE)
    if not line.endswith(b"\n"):
        raise _Refused(400, "A chunked body line is too long or cut short")
    return line


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):
        connection.shutdown(socket.SHUT_RDWR)
