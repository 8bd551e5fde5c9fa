"""The pytest fixtures, configuration paths and the `Endpoint` helper."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from replicate_trainings.testing import (
    LOCAL_BASE_URL,
    Endpoint,
    LocalReplicate,
    LocalServer,
    LocalTransport,
)


@pytest.fixture
def local_replicate_options() -> dict[str, Any]:
    return {"seed": 5, "token": "r8_module"}


def test_options_come_from_the_options_fixture(local_replicate: LocalReplicate) -> None:
    assert (len(local_replicate), local_replicate.token) == (5, "r8_module")


@pytest.mark.local_replicate(seed=2)
def test_the_marker_wins_over_the_options_fixture(local_replicate: LocalReplicate) -> None:
    assert (len(local_replicate), local_replicate.token) == (2, "r8_module")


def test_the_server_fixture(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    assert local_replicate_server.app is local_replicate
    headers = {"Authorization": "Bearer r8_module"}
    page = httpx.get(local_replicate_server.base_url + "/trainings", headers=headers).json()
    assert len(page["results"]) == 5


def test_the_transport_fixture(
    local_replicate_transport: LocalTransport, local_replicate: LocalReplicate
) -> None:
    assert local_replicate_transport.app is local_replicate
    assert local_replicate_transport.base_url == LOCAL_BASE_URL
    with httpx.Client(
        transport=local_replicate_transport,
        base_url=LOCAL_BASE_URL,
        headers={"Authorization": "Bearer r8_module"},
    ) as client:
        assert len(client.get("/trainings").json()["results"]) == 5


def test_the_endpoint_fixture_runs_each_way_in(
    local_replicate_endpoint: Endpoint, local_replicate: LocalReplicate
) -> None:
    endpoint = local_replicate_endpoint
    assert endpoint.app is local_replicate
    assert endpoint.token == "r8_module"
    if endpoint.kind == "transport":
        assert endpoint.base_url == LOCAL_BASE_URL
        assert isinstance(endpoint.transport, LocalTransport)
    else:
        assert endpoint.base_url.startswith("http://127.0.0.1:")
        assert endpoint.transport is None
    with endpoint.client(headers={"X-Extra": "1"}) as client:
        assert client.headers["authorization"] == "Bearer r8_module"
        assert client.get("/trainings").status_code == 200
    assert local_replicate.requests[-1].headers["x-extra"] == "1"
