"""`client.trainings.with_raw_response`: the HTTP answer beside the parsed Training, on the
local Replicate over loopback, sync and async."""

from __future__ import annotations

import json

import httpx
import pytest
from replicate_trainings import (
    AsyncClient,
    Client,
    NotFoundError,
    RawResponse,
    ServerError,
    Training,
    TrainingStatus,
)
from replicate_trainings.testing import Fault, LocalReplicate

from tests import payloads

REF = f"stability-ai/sdxl:{payloads.VERSION}"
INPUT = {"input_images": "https://example.com/data.zip"}
JSON = {"Content-Type": "application/json"}


def _check(raw: RawResponse[Training], status: int, method: str) -> Training:
    """The raw answer's parts agree with each other; returns the parsed training."""
    assert isinstance(raw, RawResponse)
    assert raw.status_code == status
    assert isinstance(raw.http_response, httpx.Response)
    assert raw.http_response.request.method == method
    assert raw.headers is raw.http_response.headers
    assert raw.headers["content-type"].startswith("application/json")
    training = raw.parse()
    assert isinstance(training, Training)
    assert raw.parse() is training
    assert training.to_dict() == raw.http_response.json()  # the body stays readable
    assert repr(raw) == f"<RawResponse [{status}] {method} {raw.http_response.request.url.path}>"
    return training


def test_create_get_cancel_with_raw_response(
    client: Client, local_replicate: LocalReplicate
) -> None:
    raws = client.trainings.with_raw_response
    created = _check(
        raws.create(REF, destination="acme/tuned", input=INPUT, extra_body={"note": "x"}),
        201,
        "POST",
    )
    got = _check(raws.get(created.id, extra_headers={"X-Trace-Id": "t"}), 200, "GET")
    canceled = _check(raws.cancel(created.id), 200, "POST")

    assert created.status is TrainingStatus.STARTING
    assert got.id == created.id
    assert canceled.status is TrainingStatus.CANCELED
    create_sent, get_sent, _ = local_replicate.requests
    assert create_sent.json()["note"] == "x"
    assert get_sent.headers["x-trace-id"] == "t"


def test_raw_response_shows_the_answers_headers(
    client: Client, local_replicate: LocalReplicate
) -> None:
    body = json.dumps(payloads.succeeded()).encode()
    local_replicate.faults.add(Fault.error(503), operation="get")  # retried first
    headers = {**JSON, "X-Request-Id": "req-42", "X-RateLimit-Remaining": "99"}
    local_replicate.faults.add(Fault.respond(200, body, headers), operation="get")

    raw = client.trainings.with_raw_response.get("zz4ibbonubfz7carwiefibzgga")

    training = _check(raw, 200, "GET")  # the answer of the attempt that succeeded
    assert raw.headers["x-request-id"] == "req-42"
    assert raw.headers["x-ratelimit-remaining"] == "99"
    assert training == Training.from_dict(payloads.succeeded())


def test_raw_calls_raise_what_plain_calls_raise(
    client: Client, local_replicate: LocalReplicate
) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.trainings.with_raw_response.get("missing")
    assert caught.value.status_code == 404
    local_replicate.faults.add(Fault.error(500, after=True), operation="create")
    with pytest.raises(ServerError, match="may have been created"):
        client.trainings.with_raw_response.create(REF, destination="acme/tuned", input=INPUT)
    with pytest.raises(ValueError, match="training_id"):
        client.trainings.with_raw_response.cancel("../x")


@pytest.mark.anyio
async def test_async_create_get_cancel_with_raw_response(
    aclient: AsyncClient, local_replicate: LocalReplicate
) -> None:
    raws = aclient.trainings.with_raw_response
    created = _check(
        await raws.create(REF, destination="acme/tuned", input=INPUT, extra_query={"q": 1}),
        201,
        "POST",
    )
    got = _check(await raws.get(created.id, timeout=10), 200, "GET")
    canceled = _check(await raws.cancel(created.id), 200, "POST")

    assert got.id == canceled.id == created.id
    assert canceled.status is TrainingStatus.CANCELED
    assert local_replicate.requests[0].params == {"q": ["1"]}
    with pytest.raises(NotFoundError):
        await raws.get("missing")
