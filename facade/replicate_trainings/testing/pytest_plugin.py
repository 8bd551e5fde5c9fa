"""Pytest fixtures for the local Replicate; enable with `pytest_plugins = [__name__]`.

Configure the server with keyword arguments for `LocalReplicate`: for one test
with the `local_replicate` marker, for a module or folder by overriding the
`local_replicate_options` fixture (the marker wins):

    @pytest.mark.local_replicate(seed=250, page_size=50)
    def test_pages(local_replicate_server): ...

    @pytest.mark.local_replicate(rate_limit=True, progression=Progression.ends_after(2.0))
    def test_under_replicates_limits(local_replicate_server): ...   # 429s as Replicate sends
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._app import LocalReplicate, LocalServer, LocalTransport
from ._endpoint import Endpoint


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "local_replicate(**options): options for the local Replicate of this test"
    )


@pytest.fixture
def local_replicate_options() -> dict[str, Any]:
    """Keyword arguments for `LocalReplicate`; override to configure a module's server."""
    return {}


@pytest.fixture
def local_replicate(
    request: pytest.FixtureRequest, local_replicate_options: dict[str, Any]
) -> Iterator[LocalReplicate]:
    """A fresh local Replicate (state, faults, records) for one test."""
    marker = request.node.get_closest_marker("local_replicate")
    options = local_replicate_options | ({} if marker is None else marker.kwargs)
    with LocalReplicate(**options) as app:
        yield app


@pytest.fixture
def local_replicate_server(local_replicate: LocalReplicate) -> Iterator[LocalServer]:
    """`local_replicate` served over HTTP on a free loopback port."""
    with local_replicate.serve() as server:
        yield server


@pytest.fixture
def local_replicate_transport(local_replicate: LocalReplicate) -> LocalTransport:
    """An httpx transport (sync and async) onto `local_replicate`; base URL `LOCAL_BASE_URL`."""
    return local_replicate.transport()


@pytest.fixture(params=["transport", "server"])
def local_replicate_endpoint(
    request: pytest.FixtureRequest, local_replicate: LocalReplicate
) -> Iterator[Endpoint]:
    """`local_replicate` reached one way, then the other: the test runs once per way in."""
    if request.param == "transport":
        transport = local_replicate.transport()
        yield Endpoint(local_replicate, transport.base_url, local_replicate.token, transport)
        return
    with local_replicate.serve() as server:
        yield Endpoint(local_replicate, server.base_url, local_replicate.token)
