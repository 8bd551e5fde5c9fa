"""Answers as Replicate really sent them, through every operation, sync and async.

Recorded bodies lack `model`, carry `input: null`, empty or impossible timestamps, unknown
statuses and numbers where strings go. Each operation reads them: what can be used is
there, the rest reads as missing and stays in `to_dict()`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from replicate_trainings import Training, TrainingStatus
from replicate_trainings.testing import Endpoint, Fault, LocalReplicate

from tests import payloads
from tests.clients import async_client, sync_client

REF = f"stability-ai/sdxl:{payloads.VERSION}"
TRAINING_ID = "zz4ibbonubfz7carwiefibzgga"
JSON = {"Content-Type": "application/json"}


def answer(app: LocalReplicate, body: object, operation: str, status: int = 200) -> None:
    app.faults.add(Fault.respond(status, json.dumps(body).encode(), JSON), operation=operation)  # type: ignore[arg-type]


def recorded(index: int) -> dict[str, Any]:
    """A recorded body about the training the test asks for."""
    return payloads.RECORDED[index] | {"id": TRAINING_ID}


def check(training: Training, body: dict[str, Any]) -> None:
    assert training.id == body["id"]
    assert training.to_dict() == body
    for name in ("model", "version", "status", "logs", "error"):
        value = body.get(name)
        assert getattr(training, name) == (value if isinstance(value, str) else None)


SYNC: dict[str, Callable[[Any], Training | list[Training]]] = {
    "create": lambda c: c.trainings.create(REF, destination="acme/tuned", input={"a": 1}),
    "get": lambda c: c.trainings.get(TRAINING_ID),
    "cancel": lambda c: c.trainings.cancel(TRAINING_ID),
    "list": lambda c: list(c.trainings.list()),
}


async def _alist(c: Any) -> list[Training]:
    return [t async for t in c.trainings.list()]


ASYNC: dict[str, Callable[[Any], Awaitable[Training | list[Training]]]] = {
    "create": lambda c: c.trainings.create(REF, destination="acme/tuned", input={"a": 1}),
    "get": lambda c: c.trainings.get(TRAINING_ID),
    "cancel": lambda c: c.trainings.cancel(TRAINING_ID),
    "list": _alist,
}


def scripted(app: LocalReplicate, operation: str, index: int) -> list[dict[str, Any]]:
    """Script the answer to `operation`; return the bodies it carries."""
    if operation == "list":
        bodies = [dict(body) for body in payloads.RECORDED]
        answer(app, {"next": None, "previous": None, "results": bodies}, "list")
        return bodies
    body = recorded(index)
    answer(app, body, operation, 201 if operation == "create" else 200)
    return [body]


@pytest.mark.parametrize("index", range(len(payloads.RECORDED)))
@pytest.mark.parametrize("operation", sorted(SYNC))
def test_recorded_answers_read_through_every_operation(
    local_replicate_endpoint: Endpoint, operation: str, index: int
) -> None:
    bodies = scripted(local_replicate_endpoint.app, operation, index)
    with sync_client(local_replicate_endpoint) as client:
        result = SYNC[operation](client)
    trainings = result if isinstance(result, list) else [result]
    assert len(trainings) == len(bodies)
    for training, body in zip(trainings, bodies, strict=True):
        check(training, body)


@pytest.mark.anyio
@pytest.mark.parametrize("index", range(len(payloads.RECORDED)))
@pytest.mark.parametrize("operation", sorted(ASYNC))
async def test_recorded_answers_read_through_every_async_operation(
    local_replicate_endpoint: Endpoint, operation: str, index: int
) -> None:
    bodies = scripted(local_replicate_endpoint.app, operation, index)
    async with async_client(local_replicate_endpoint) as client:
        result = await ASYNC[operation](client)
    trainings = result if isinstance(result, list) else [result]
    assert len(trainings) == len(bodies)
    for training, body in zip(trainings, bodies, strict=True):
        check(training, body)


def running_yet_completed() -> dict[str, Any]:
    return payloads.succeeded() | {"status": "processing", "output": None}


def test_wait_keeps_polling_a_processing_training_that_has_completed_at(
    local_replicate_endpoint: Endpoint,
) -> None:
    app = local_replicate_endpoint.app
    for body in (running_yet_completed(), running_yet_completed(), payloads.succeeded()):
        answer(app, body, "get")
    with sync_client(local_replicate_endpoint) as client:
        training = client.trainings.wait(TRAINING_ID, poll_interval=0.001, timeout=30)

    assert training.status is TrainingStatus.SUCCEEDED
    assert [r.method for r in app.requests] == ["GET", "GET", "GET"]


@pytest.mark.anyio
async def test_async_wait_keeps_polling_a_processing_training_that_has_completed_at(
    local_replicate_endpoint: Endpoint,
) -> None:
    app = local_replicate_endpoint.app
    for body in (running_yet_completed(), payloads.succeeded()):
        answer(app, body, "get")
    async with async_client(local_replicate_endpoint) as client:
        training = await client.trainings.wait(TRAINING_ID, poll_interval=0.001, timeout=30)

    assert training.status is TrainingStatus.SUCCEEDED
    assert len(app.requests) == 2
