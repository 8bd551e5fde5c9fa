"""A deadline for a whole request, kept by the network streams on every read and write.

httpx's timeouts bound each socket operation, so a server that trickles its headers or
body a byte at a time keeps a request alive for ever. The facade's own connections use
the network backends below: every connect, read and write waits at most until the
deadline of the request in progress (a context variable the drivers set around a send
and its body), and fails with httpcore's own timeout error once it has passed, which
httpx maps to `httpx.ConnectTimeout` / `ReadTimeout` / `WriteTimeout` as usual.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar, Token
from typing import Any

import httpcore
import httpx

_deadline: ContextVar[float | None] = ContextVar("replicate_trainings_deadline", default=None)

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
    return _deadline.set(deadline)


def stop(token: Token[float | None]) -> None:
    _deadline.reset(token)


def _within(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to the time left before the current deadline; `expired` once it passed."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's timeout ran out")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A blocking network stream whose every operation ends by the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _within(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _within(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = _within(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, limit))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """A blocking network backend (wrapping httpcore's) whose streams keep the deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = _within(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        limit = _within(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(self._inner.connect_unix_socket(path, limit, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    """An async network stream whose every operation ends by the current deadline."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, _within(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, _within(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        limit = _within(timeout, httpcore.ConnectTimeout)
        inner = await self._inner.start_tls(ssl_context, server_hostname, limit)
        return AsyncDeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """An async network backend (wrapping httpcore's) whose streams keep the deadline."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        limit = _within(timeout, httpcore.ConnectTimeout)
        stream = await self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return AsyncDeadlineStream(stream)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        limit = _within(timeout, httpcore.ConnectTimeout)
        stream = await self._inner.connect_unix_socket(path, limit, socket_options)
        return AsyncDeadlineStream(stream)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
