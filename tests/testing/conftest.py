"""Fixtures for the local Replicate's own tests.

`api` is an httpx client on `local_replicate_endpoint` (so each test using it
runs once in-process and once over loopback) that checks every answer against
openapi.yaml as it arrives.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from replicate_trainings.testing import Endpoint

from tests.testing.helpers import check


@pytest.fixture
def endpoint(local_replicate_endpoint: Endpoint) -> Endpoint:
    return local_replicate_endpoint


@pytest.fixture
def api(endpoint: Endpoint) -> Iterator[httpx.Client]:
    """A client on `endpoint` whose every answer is checked against openapi.yaml."""
    with endpoint.client(event_hooks={"response": [check]}) as client:
        yield client


@pytest.fixture
def raw(endpoint: Endpoint) -> Iterator[httpx.Client]:
    """A client on `endpoint` with no checks, for answers that break the contract on purpose."""
    with endpoint.client() as client:
        yield client
