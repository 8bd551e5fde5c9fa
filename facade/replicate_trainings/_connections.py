"""The httpx clients the facade makes itself: deadline-keeping and fork-safe connections.

They are httpx's clients and transports (proxies from the environment, TLS settings and
pool limits all as usual) with two changes to every transport's connection pool: its
network backend keeps the request's deadline (`_deadline`), and a pool used in another
process than the one that made it (a child after `os.fork()`) is dropped for a fresh one,
so the child opens its own connections and never reads answers meant for its parent.
The parent's connections are left unclosed in the child: closing could write on them.

This reaches into httpx's private `Client._init_transport` / `_init_proxy_transport` and
`HTTPTransport._pool`, and httpcore's `ConnectionPool._network_backend` (as in httpx 0.28
and httpcore 1.0); `tests/reliability/test_hostile_io.py` fails if any of them moves.
httpx has no public way to give its transports a network backend, and building a
transport from scratch would lose httpx's proxy and TLS handling.

A client passed in as `http_client=` is the caller's: the facade cannot swap its pool,
so a call made through it in another process than the one that handed it over is refused.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import httpx


class _Transport(httpx.HTTPTransport):
    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._open()

    def _open(self) -> None:
        from ._network import DeadlineBackend  # noqa: PLC0415 - httpcore loads with a client

        super().__init__(**self._settings)
        self._pool._network_backend = DeadlineBackend(self._pool._network_backend)
        self._pid = os.getpid()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self._pid != os.getpid():  # forked: the pool's connections are the parent's
            self._open()
        return super().handle_request(request)


class _AsyncTransport(httpx.AsyncHTTPTransport):
    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._open()

    def _open(self) -> None:
        from ._network import AsyncDeadlineBackend  # noqa: PLC0415 - as in _Transport

        super().__init__(**self._settings)
        self._pool._network_backend = AsyncDeadlineBackend(self._pool._network_backend)
        self._pid = os.getpid()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._pid != os.getpid():
            self._open()
        return await super().handle_async_request(request)


class OwnClient(httpx.Client):
    """An httpx.Client whose transports (proxies' included) are deadline-keeping and fork-safe."""

    def _init_transport(self, *args: Any, **settings: Any) -> httpx.BaseTransport:
        assert not args  # httpx passes its settings by name
        transport = settings.pop("transport", None)
        settings.pop("app", None)  # httpx 0.27's deprecated argument; never given here
        return transport if transport is not None else _Transport(**settings)

    def _init_proxy_transport(self, *args: Any, **settings: Any) -> httpx.BaseTransport:
        (proxy,) = args  # httpx passes the proxy first, the rest by name
        return _Transport(proxy=proxy, **settings)


class OwnAsyncClient(httpx.AsyncClient):
    """An httpx.AsyncClient whose transports are deadline-keeping and fork-safe."""

    def _init_transport(self, *args: Any, **settings: Any) -> httpx.AsyncBaseTransport:
        assert not args
        transport = settings.pop("transport", None)
        settings.pop("app", None)
        return transport if transport is not None else _AsyncTransport(**settings)

    def _init_proxy_transport(self, *args: Any, **settings: Any) -> httpx.AsyncBaseTransport:
        (proxy,) = args
        return _AsyncTransport(proxy=proxy, **settings)


_adopted: weakref.WeakKeyDictionary[httpx.Client | httpx.AsyncClient, int] = (
    weakref.WeakKeyDictionary()
)


def adopt(http: httpx.Client | httpx.AsyncClient) -> None:
    """Remember the process a caller's http_client was handed over in."""
    _adopted.setdefault(http, os.getpid())


def check_process(http: httpx.Client | httpx.AsyncClient) -> None:
    """The clear RuntimeError if a caller's http_client is used in a forked child."""
    pid = _adopted.get(http)
    if pid is not None and pid != os.getpid():
        raise RuntimeError(
            f"this client's http_client was handed over in process {pid}, and this is "
            f"process {os.getpid()} (a child after fork()): its pooled connections are the "
            "parent's. Create the client (and your httpx client) in the child, or leave out "
            "http_client= so that the client opens its own connections in each process."
        )
