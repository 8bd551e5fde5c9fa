"""Shared fixtures: the bundled local Replicate (see replicate_trainings.testing), and a
`client` / `aclient` on it over loopback (a module may define its own instead)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from replicate_trainings import AsyncClient, Client
from replicate_trainings.testing import LocalServer
from replicate_trainings.training import FieldWarnings

from tests.clients import FAST_RETRIES

pytest_plugins = ["replicate_trainings.testing.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the backend AsyncClient supports)."""
    return "asyncio"


@pytest.fixture
def unlimited_warnings(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fresh warning budget for a test (the package's own is shared and rate-limited), for
    a module that counts field warnings: `pytestmark = pytest.mark.usefixtures(...)`."""
    monkeypatch.setattr("replicate_trainings.training.report", FieldWarnings(burst=1_000))


@pytest.fixture
def client(local_replicate_server: LocalServer) -> Iterator[Client]:
    """A Client on the local Replicate's server, with fast retries; closed afterwards."""
    with Client(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        max_retries=FAST_RETRIES,
    ) as client:
        yield client


@pytest.fixture
async def aclient(local_replicate_server: LocalServer) -> AsyncIterator[AsyncClient]:
    """An AsyncClient on the local Replicate's server, with fast retries; closed afterwards."""
    async with AsyncClient(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        max_retries=FAST_RETRIES,
    ) as client:
        yield client
