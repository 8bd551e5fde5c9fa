"""The request log: what a client really sent."""

from __future__ import annotations

import httpx
import pytest
from replicate_trainings.testing import Endpoint, Fault, LocalReplicate

from tests.testing.helpers import BODY, CREATE


def test_requests_are_recorded_as_sent(
    api: httpx.Client, endpoint: Endpoint, local_replicate: LocalReplicate
) -> None:
    api.post(CREATE, json=BODY, headers={"X-Trace": "1"})
    api.get("/trainings", params={"cursor": "abc=", "x": ["1", "2"]})
    create, listing = local_replicate.requests
    assert (create.method, create.path, create.query, create.operation) == (
        "POST",
        "/v1" + CREATE,
        "",
        "create",
    )
    assert create.json() == BODY
    assert create.headers["authorization"] == f"Bearer {endpoint.token}"
    assert create.headers["content-type"] == "application/json"
    assert create.headers["x-trace"] == "1"
    assert (listing.method, listing.path, listing.operation) == ("GET", "/v1/trainings", "list")
    assert listing.query == "cursor=abc%3D&x=1&x=2"
    assert listing.params == {"cursor": ["abc="], "x": ["1", "2"]}
    assert listing.body == b""


def test_rejected_faulted_and_unknown_requests_are_recorded_too(
    raw: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.error(503))
    raw.get("/trainings")
    raw.get("/trainings", headers={"Authorization": "Bearer wrong"})
    raw.delete("/somewhere")
    operations = [(r.method, r.operation) for r in local_replicate.requests]
    assert operations == [("GET", "list"), ("GET", "list"), ("DELETE", "other")]


def test_the_log_can_be_cleared(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    api.get("/trainings")
    local_replicate.clear_requests()
    assert local_replicate.requests == []
    api.get("/trainings/x")
    assert [r.operation for r in local_replicate.requests] == ["get"]


@pytest.mark.local_replicate(record_requests=False)
def test_recording_can_be_switched_off(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    api.get("/trainings")
    assert local_replicate.requests == []
