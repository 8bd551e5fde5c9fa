"""Sending: the httpx clients the facade makes, the whole request's deadline, and the
process and event loop a client's connections belong to.

The drivers (`_effects`) send through these; nothing above them knows a socket.
"""

from __future__ import annotations

import os
import time
import weakref
from contextvars import ContextVar, Token
from typing import Any

import httpx

NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Errors raised before a byte of the request left this machine: the server cannot have
acted, so even `create` may be sent again."""


# -- the whole request's deadline ------------------------------------------------------
#
# A deadline for a whole request, kept by the network streams on every read and write.
#
# httpx's timeouts bound each socket operation, so a server that trickles its headers or
# body a byte at a time keeps a request alive for ever. The facade's own connections use
# the network backends below: every connect, read and write waits at most until the
# deadline of the request in progress (a context variable the drivers set around a send
# and its body), and fails with httpcore's own timeout error once it has passed, which
# httpx maps to `httpx.ConnectTimeout` / `ReadTimeout` / `WriteTimeout` as usual.


_current_deadline: ContextVar[float | None] = ContextVar(
    "replicate_trainings_deadline", default=None
)

_LONGEST = 7 * 24 * 3600.0
"""Longer than this is no limit: sockets and event loops cannot take infinite timeouts."""


def total(timeout: httpx.Timeout) -> float | None:
    """The longest of `timeout`'s limits, which bounds the whole request; None: no bound."""
    longest = 0.0
    for limit in (timeout.connect, timeout.read, timeout.write, timeout.pool):
        if limit is None or limit > _LONGEST:
            return None
        longest = max(longest, limit)
    return longest


def finite(timeout: httpx.Timeout) -> httpx.Timeout:
    """`timeout` with infinite or absurdly long limits as None (no limit), which sockets take."""
    for limit in (timeout.connect, timeout.read, timeout.write, timeout.pool):
        if limit is not None and limit > _LONGEST:
            break
    else:
        return timeout  # the usual case (NaN cannot get here: timeouts are checked)

    def one(limit: float | None) -> float | None:
        return None if limit is None or limit > _LONGEST else limit

    return httpx.Timeout(
        connect=one(timeout.connect),
        read=one(timeout.read),
        write=one(timeout.write),
        pool=one(timeout.pool),
    )


def start(deadline: float | None) -> Token[float | None]:
    """From now, network operations of the facade's connections end by `deadline` (a
    `time.monotonic()` value; None: no deadline), until `stop(token)`."""
    return _current_deadline.set(deadline)


def stop(token: Token[float | None]) -> None:
    _current_deadline.reset(token)


def within(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to the time left before the current deadline; `expired` once it passed."""
    deadline = _current_deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's timeout ran out")
    return left if timeout is None else min(timeout, left)


# -- the facade's own clients: deadline-keeping and fork-safe --------------------------
#
# The httpx clients the facade makes itself: deadline-keeping and fork-safe connections.
#
# They are httpx's clients and transports (proxies from the environment, TLS settings and
# pool limits all as usual) with two changes to every transport's connection pool: its
# network backend keeps the request's deadline (above), and a pool used in another
# process than the one that made it (a child after `os.fork()`) is dropped for a fresh one,
# so the child opens its own connections and never reads answers meant for its parent.
# The parent's connections are left unclosed in the child: closing could write on them.
#
# This reaches into httpx's private `Client._init_transport` / `_init_proxy_transport` and
# `HTTPTransport._pool`, and httpcore's `ConnectionPool._network_backend` (as in httpx 0.28
# and httpcore 1.0); `tests/reliability/test_hostile_io.py` fails if any of them moves.
# httpx has no public way to give its transports a network backend, and building a
# transport from scratch would lose httpx's proxy and TLS handling.
#
# A client passed in as `http_client=` is the caller's: the facade cannot swap its pool,
# so a call made through it in another process than the one that handed it over is refused.


class _Transport(httpx.HTTPTransport):
    def __init__(self, **settings: Any) -> None:
        self._settings = settings
        self._open()

    def _open(self) -> None:
        from ._network import DeadlineBackend  # noqa: PLC0415 - httpcore loads with a client

        super().__init__(**self._settings)
        self._pool._network_backend = DeadlineBackend(self._pool._network_backend, within)
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
        self._pool._network_backend = AsyncDeadlineBackend(self._pool._network_backend, within)
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


# -- which event loop an AsyncClient belongs to ----------------------------------------
#
# Which event loop an httpx.AsyncClient belongs to: its connections live in the loop that
# opened them, so using it from another loop is refused with a clear error.


_loops: weakref.WeakKeyDictionary[httpx.AsyncClient, Any] = weakref.WeakKeyDictionary()


def check_loop(http: httpx.AsyncClient) -> None:
    """The clear RuntimeError if `http` was first used in another event loop than this one."""
    import asyncio  # noqa: PLC0415 - only async users pay for importing asyncio

    if http in _loops:
        enter_loop(http, asyncio.get_running_loop())


def enter_loop(http: httpx.AsyncClient, loop: Any) -> None:
    """Bind `http` to `loop` on first use; the clear RuntimeError if it belongs to another."""
    first = _loops.setdefault(http, loop)
    if first is not loop:
        raise RuntimeError(
            "this AsyncClient was first used in another event loop; its connections belong "
            "to that loop. Create one AsyncClient per event loop (for example, per asyncio.run())."
        )
