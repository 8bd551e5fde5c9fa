"""The sans-IO boundary: what the core receives and what it answers.

Both ways in (the in-process httpx transport and the real HTTP server) turn
their I/O into a `Request`, call the core, and carry out the `Response`,
including its delay and its instruction to drop the connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs

import httpx

Disconnect = Literal["before", "after"]
"""Drop the connection without an answer: `before` the request took effect, or `after`."""

PREFIX = "/v1"
"""The API's base path, as in `https://api.replicate.com/v1`."""

DEFAULT_ORIGIN = "http://replicate.test"
"""Where requests with no known origin (and trainings made without a request) live."""

MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest request body accepted (16 MiB); a larger one is answered 413."""

_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as the core sees it.

    `origin` is where the client sent it (`scheme://host[:port]`), so the URLs
    the core writes (`urls.get`, `next`) point back at the same server.
    """

    method: str
    path: str
    query: str = ""
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytes = b""
    origin: str = DEFAULT_ORIGIN

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string, decoded."""
        return parse_qs(self.query, keep_blank_values=True)


class App(Protocol):
    """What a way in (the HTTP server, the httpx transport) needs of the app it serves."""

    @property
    def token(self) -> str: ...

    def handle(self, request: Request) -> Response:
        """The answer to one request."""
        ...


@dataclass(frozen=True, slots=True)
class Response:
    """The core's answer: bytes to send after `delay` seconds, or a connection to drop."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    delay: float = 0.0
    disconnect: Disconnect | None = None

    def framed_headers(self) -> list[tuple[str, str]]:
        """The headers to send: the given ones, with framing (`Content-Length`) set by us."""
        headers = [(k, v) for k, v in self.headers if k.lower() not in _FRAMING]
        headers.append(("Content-Length", str(len(self.body))))
        return headers


Handler = Callable[[Request], Response]
"""The core as the ways in see it."""


def json_response(status: int, body: bytes, extra: tuple[tuple[str, str], ...] = ()) -> Response:
    """An `application/json` answer with a ready-made body."""
    return Response(status, (("Content-Type", JSON), *extra), body)


def problem(
    status: int,
    title: str,
    detail: str,
    headers: tuple[tuple[str, str], ...] = (),
    **members: Any,
) -> Response:
    """An RFC 9457 problem-details answer, as the API sends its errors (extra `members` too)."""
    body = json.dumps({"title": title, "detail": detail, "status": status, **members}).encode()
    return Response(status, (("Content-Type", PROBLEM_JSON), *headers), body)
