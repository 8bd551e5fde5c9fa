"""httpcore network backends that keep the deadline of the request in progress.

Each is given `within`, the reader of that deadline (`_transport.within`), rather than
importing it: `_transport` loads this module with the first client it makes, so that
importing the package does not import httpcore (as httpx itself does not).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any

import httpcore

Within = Callable[[float | None, type[Exception]], float | None]
"""A timeout cut to the time left before the current deadline; raises the given error
once it has passed."""


class DeadlineStream(httpcore.NetworkStream):
    """A blocking network stream whose every operation ends by the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream, within: Within) -> None:
        self._inner, self._within = inner, within

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._within(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._within(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._within(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, limit), self._within
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """A blocking network backend (wrapping httpcore's) whose streams keep the deadline."""

    def __init__(self, inner: httpcore.NetworkBackend, within: Within) -> None:
        self._inner, self._within = inner, within

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        limit = self._within(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return DeadlineStream(stream, self._within)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        limit = self._within(timeout, httpcore.ConnectTimeout)
        return DeadlineStream(
            self._inner.connect_unix_socket(path, limit, socket_options), self._within
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class AsyncDeadlineStream(httpcore.AsyncNetworkStream):
    """An async network stream whose every operation ends by the current deadline."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, within: Within) -> None:
        self._inner, self._within = inner, within

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, self._within(timeout, httpcore.ReadTimeout))

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, self._within(timeout, httpcore.WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
    ) -> httpcore.AsyncNetworkStream:
        limit = self._within(timeout, httpcore.ConnectTimeout)
        inner = await self._inner.start_tls(ssl_context, server_hostname, limit)
        return AsyncDeadlineStream(inner, self._within)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class AsyncDeadlineBackend(httpcore.AsyncNetworkBackend):
    """An async network backend (wrapping httpcore's) whose streams keep the deadline."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend, within: Within) -> None:
        self._inner, self._within = inner, within

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        limit = self._within(timeout, httpcore.ConnectTimeout)
        stream = await self._inner.connect_tcp(host, port, limit, local_address, socket_options)
        return AsyncDeadlineStream(stream, self._within)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        limit = self._within(timeout, httpcore.ConnectTimeout)
        stream = await self._inner.connect_unix_socket(path, limit, socket_options)
        return AsyncDeadlineStream(stream, self._within)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
