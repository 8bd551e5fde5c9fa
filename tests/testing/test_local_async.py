"""The same server through httpx's async client, in-process and over loopback."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest
from replicate_trainings.testing import Endpoint, Fault, LocalReplicate, LocalTransport

from tests.testing.helpers import BODY, CREATE, check

pytestmark = pytest.mark.anyio  # on asyncio: tests/conftest.py's `anyio_backend`


async def acheck(response: httpx.Response) -> None:
    await response.aread()
    check(response)


async def test_the_four_operations(endpoint: Endpoint) -> None:
    async with endpoint.async_client(event_hooks={"response": [acheck]}) as client:
        made = (await client.post(CREATE, json=BODY)).json()
        assert made["status"] == "starting"
        got = (await client.get(f"/trainings/{made['id']}")).json()
        assert got["status"] == "processing"
        page = (await client.get("/trainings")).json()
        assert [t["id"] for t in page["results"]] == [made["id"]]
        canceled = (await client.post(f"/trainings/{made['id']}/cancel")).json()
        assert canceled["status"] == "canceled"
        assert (await client.get("/trainings/nope")).status_code == 404


async def test_slow_answers_do_not_block_each_other(
    endpoint: Endpoint, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.slow(0.3), times=5)
    codes: list[int] = []

    async def get(client: httpx.AsyncClient) -> None:
        codes.append((await client.get("/trainings")).status_code)

    started = time.perf_counter()
    async with endpoint.async_client() as client, anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(get, client)
    assert codes == [200] * 5
    assert time.perf_counter() - started < 1.2


async def test_a_slow_answer_times_out(endpoint: Endpoint, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.slow(2))
    async with endpoint.async_client(timeout=httpx.Timeout(5, read=0.1)) as client:
        with pytest.raises(httpx.ReadTimeout):
            await client.get("/trainings")


async def test_dropped_connections(endpoint: Endpoint, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.drop(after=True))
    async with endpoint.async_client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post(CREATE, json=BODY)
    assert len(local_replicate) == 1


def test_one_transport_serves_sync_and_async_clients(
    local_replicate_transport: LocalTransport,
) -> None:
    transport = local_replicate_transport
    assert isinstance(transport, httpx.BaseTransport)
    assert isinstance(transport, httpx.AsyncBaseTransport)
    options: dict[str, Any] = {
        "transport": transport,
        "base_url": transport.base_url,
        "headers": {"Authorization": f"Bearer {transport.app.token}"},
    }
    with httpx.Client(**options) as client:
        made = client.post(CREATE, json=BODY).json()

    async def get() -> dict[str, Any]:
        async with httpx.AsyncClient(**options) as client:
            training: dict[str, Any] = (await client.get(f"/trainings/{made['id']}")).json()
            return training

    assert anyio.run(get)["id"] == made["id"]
