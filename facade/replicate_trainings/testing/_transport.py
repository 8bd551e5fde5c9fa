"""The in-process way in: an httpx transport (sync and async) over the core, no sockets.

It carries out what the core answers as a network would: a delay longer than
the client's read timeout becomes `httpx.ReadTimeout`, a dropped connection
becomes `httpx.ConnectError` (before the request took effect) or
`httpx.RemoteProtocolError` (after it did).
"""

from __future__ import annotations

import time
from typing import Generic, TypeVar

import anyio
import httpx

from ._messages import DEFAULT_ORIGIN, PREFIX, App, Request, Response

LOCAL_BASE_URL = DEFAULT_ORIGIN + PREFIX
"""A base URL for clients on the transport (any host works; this one is reserved for tests)."""


_A = TypeVar("_A", bound=App)


class Transport(httpx.BaseTransport, httpx.AsyncBaseTransport, Generic[_A]):
    """Answers httpx requests from an app (`LocalTransport` from a `LocalReplicate`)."""

    base_url = LOCAL_BASE_URL

    def __init__(self, app: _A) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.app.handle(_to_core(request, request.read()))
        wait, timed_out = _wait(answer, request)
        if wait:
            time.sleep(wait)
        return _to_httpx(answer, request, timed_out)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.app.handle(_to_core(request, await request.aread()))
        wait, timed_out = _wait(answer, request)
        if wait:
            await anyio.sleep(wait)
        return _to_httpx(answer, request, timed_out)


def _to_core(request: httpx.Request, body: bytes) -> Request:
    url = request.url
    origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
    return Request(
        request.method,
        url.raw_path.decode("ascii").partition("?")[0],
        url.query.decode("ascii"),
        httpx.Headers(request.headers),
        body,
        origin,
    )


def _wait(answer: Response, request: httpx.Request) -> tuple[float, bool]:
    """How long to hold the answer, and whether the client's read timeout runs out first."""
    timeouts = request.extensions.get("timeout", {})
    limit = timeouts.get("read") if isinstance(timeouts, dict) else None
    if isinstance(limit, int | float) and answer.delay >= limit:
        return float(limit), True
    return answer.delay, False


def _to_httpx(answer: Response, request: httpx.Request, timed_out: bool) -> httpx.Response:
    if timed_out:
        raise httpx.ReadTimeout("The read operation timed out", request=request)
    if answer.disconnect == "before":
        raise httpx.ConnectError("Connection refused (local transport fault)", request=request)
    if answer.disconnect == "after":
        raise httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    return httpx.Response(
        answer.status, headers=answer.framed_headers(), content=answer.body, request=request
    )
