"""Memory stays flat: an answer, body included, is freed as soon as the library drops it.

httpx 0.28 links each response and its stream both ways (encode/httpx#3733), which left
every page body to the cycle collector. These tests turn that collector off: what is not
freed by reference counting alone stays alive, and the weak references show it.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import httpx
import pytest
from replicate_trainings import AsyncClient, Client
from replicate_trainings.testing import Endpoint


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.mark.local_replicate(seed=250, page_size=50)
@pytest.mark.usefixtures("no_cycle_collector")
def test_sync_answers_are_freed_without_the_cycle_collector(
    local_replicate_endpoint: Endpoint,
) -> None:
    endpoint = local_replicate_endpoint
    seen: list[weakref.ref[httpx.Response]] = []

    def record(response: httpx.Response) -> None:
        seen.append(weakref.ref(response))

    http = endpoint.client(event_hooks={"response": [record]})
    with Client(endpoint.token, base_url=endpoint.base_url, http_client=http) as client:
        assert sum(1 for _ in client.trainings.list()) == 250
        client.trainings.get(endpoint.app.training_ids()[0])

        assert len(seen) == 6  # five pages and a get
        assert [ref() for ref in seen] == [None] * 6


@pytest.mark.local_replicate(seed=250, page_size=50)
@pytest.mark.usefixtures("no_cycle_collector")
@pytest.mark.anyio
async def test_async_answers_are_freed_without_the_cycle_collector(
    local_replicate_endpoint: Endpoint,
) -> None:
    endpoint = local_replicate_endpoint
    seen: list[weakref.ref[httpx.Response]] = []

    async def record(response: httpx.Response) -> None:
        seen.append(weakref.ref(response))

    http = endpoint.async_client(event_hooks={"response": [record]})
    async with AsyncClient(endpoint.token, base_url=endpoint.base_url, http_client=http) as client:
        assert len([t async for t in client.trainings.list()]) == 250
        await client.trainings.get(endpoint.app.training_ids()[0])

        assert len(seen) == 6
        assert [ref() for ref in seen] == [None] * 6
