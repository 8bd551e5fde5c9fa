"""Where a client reaches a local server: a base URL, a token, maybe a transport.

The one value both ways in share, so a test (or a parametrized fixture) can
build its client the same way whether it talks over loopback or in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from ._app import LocalReplicate, LocalServer, LocalTransport
from ._ssl import shared_ssl_context


@dataclass(frozen=True, slots=True)
class Endpoint:
    """`base_url` and `token` for a client; `transport` is set for the in-process way in."""

    app: LocalReplicate
    base_url: str
    token: str
    transport: LocalTransport | None = None

    @property
    def kind(self) -> str:
        """`transport` or `server`."""
        return "server" if self.transport is None else "transport"

    def client(self, **kwargs: Any) -> httpx.Client:
        """An `httpx.Client` on this endpoint, with the bearer token set."""
        return httpx.Client(**self._options(kwargs))

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` on this endpoint, with the bearer token set."""
        return httpx.AsyncClient(**self._options(kwargs))

    def _options(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        options: dict[str, Any] = {
            "base_url": self.base_url,
            "headers": headers,
            "verify": shared_ssl_context(),
        }
        if self.transport is not None:
            options["transport"] = self.transport
        return options | kwargs


@contextmanager
def serve(**options: Any) -> Iterator[LocalServer]:
    """A fresh `LocalReplicate(**options)` served on a free loopback port until the block ends."""
    with LocalReplicate(**options) as app, app.serve() as server:
        yield server
