"""The AsyncClient against the local Replicate: the same surface as Client, awaited."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from replicate_trainings import (
    AsyncClient,
    NotFoundError,
    ResponseParseError,
    ServerError,
    Training,
    TrainingStatus,
    WaitTimeoutError,
)
from replicate_trainings.testing import Endpoint, Fault, LocalReplicate

from tests import payloads
from tests.clients import async_client

pytestmark = pytest.mark.anyio

REF = f"stability-ai/sdxl:{payloads.VERSION}"


@pytest.fixture
def app(local_replicate_endpoint: Endpoint) -> LocalReplicate:
    return local_replicate_endpoint.app


@pytest.fixture
async def client(local_replicate_endpoint: Endpoint) -> AsyncIterator[AsyncClient]:
    async with async_client(local_replicate_endpoint) as client:
        yield client


async def create(client: AsyncClient) -> Training:
    return await client.trainings.create(REF, destination="acme/tuned", input={"a": 1})


async def test_create_get_cancel(client: AsyncClient, app: LocalReplicate) -> None:
    app.plan("processing")
    created = await create(client)

    assert created.status is TrainingStatus.STARTING
    assert (await client.trainings.get(created.id)).id == created.id
    assert (await client.trainings.cancel(created.id)).status is TrainingStatus.CANCELED
    assert app.requests[0].json() == {"destination": "acme/tuned", "input": {"a": 1}}


async def test_every_request_carries_the_headers_also_from_a_with_options_clone(
    client: AsyncClient, app: LocalReplicate
) -> None:
    clone = client.with_options(timeout=5, max_retries=0)
    training = await create(clone)
    await clone.trainings.get(training.id)

    for sent in app.requests:
        assert sent.headers["authorization"] == f"Bearer {app.token}"
        assert sent.headers["user-agent"].startswith("replicate-trainings/")
        assert sent.headers["accept"] == "application/json"
    assert app.requests[0].headers["content-type"] == "application/json"


@pytest.mark.local_replicate(seed=250)
async def test_list_pages_and_cursors(client: AsyncClient, app: LocalReplicate) -> None:
    ids = [t.id async for t in client.trainings.list()]
    assert ids == app.training_ids()

    pages = [page async for page in client.trainings.list().pages()]
    assert [len(p.results) for p in pages] == [100, 100, 50]
    resumed = [t async for t in client.trainings.list(cursor=pages[1].next_cursor)]
    assert resumed == pages[2].results
    back = [t async for t in client.trainings.list(cursor=pages[2].previous_cursor).pages()]
    assert back[0].results == pages[1].results


async def test_watch_and_wait(client: AsyncClient, app: LocalReplicate) -> None:
    training = await create(client)
    states = [s async for s in client.trainings.watch(training, poll_interval=0.001)]
    assert states[0].status == "starting"
    assert states[-1].succeeded

    app.plan("failed", error="boom")
    failed = await client.trainings.wait((await create(client)).id, poll_interval=0.001)
    assert (failed.status, failed.error) == ("failed", "boom")

    app.plan("processing")
    stuck = await create(client)
    with pytest.raises(WaitTimeoutError) as caught:
        await client.trainings.wait(stuck, timeout=0.2, poll_interval=0.02)
    assert caught.value.training is not None
    assert caught.value.training.status == "processing"


async def test_errors_and_retries(client: AsyncClient, app: LocalReplicate) -> None:
    with pytest.raises(NotFoundError):
        await client.trainings.get("nope")

    training = await create(client)
    app.faults.add(Fault.error(503), operation="get")
    app.faults.add(Fault.rate_limit(retry_after=0), operation="get")
    assert (await client.trainings.get(training.id)).id == training.id

    app.faults.add(Fault.error(500, after=True), operation="create")
    with pytest.raises(ServerError, match="may have been created"):
        await create(client)
    assert len(app) == 2


async def test_a_foreign_next_url_is_refused(client: AsyncClient, app: LocalReplicate) -> None:
    page: dict[str, object] = {
        "results": [],
        "next": "https://evil.example/v1/trainings?cursor=1",
        "previous": None,
    }
    app.faults.add(Fault.respond(200, json.dumps(page).encode()), operation="list")
    with pytest.raises(ResponseParseError, match="refusing"):
        [t async for t in client.trainings.list()]
    assert len(app.requests) == 1


async def test_concurrent_calls_share_one_client(client: AsyncClient, app: LocalReplicate) -> None:
    created = [await create(client) for _ in range(5)]
    got = await asyncio.gather(*(client.trainings.get(t.id) for t in created * 10))
    assert [t.id for t in got] == [t.id for t in created * 10]


def test_a_second_event_loop_is_a_clear_error(local_replicate_endpoint: Endpoint) -> None:
    client = async_client(local_replicate_endpoint)

    async def walk() -> int:
        return len([t async for t in client.trainings.list()])

    assert asyncio.run(walk()) == 0
    with pytest.raises(RuntimeError, match="another event loop"):
        asyncio.run(walk())


async def test_an_event_hook_that_raises_for_status_still_gets_the_typed_error(
    local_replicate_endpoint: Endpoint, app: LocalReplicate
) -> None:
    endpoint = local_replicate_endpoint

    async def raise_for_status(response: httpx.Response) -> None:
        response.raise_for_status()

    http = endpoint.async_client(event_hooks={"response": [raise_for_status]})
    async with AsyncClient(endpoint.token, base_url=endpoint.base_url, http_client=http) as client:
        training = await create(client)
        assert (await client.trainings.get(training.id)).id == training.id
        with pytest.raises(NotFoundError):
            await client.trainings.get("no-such-training")
