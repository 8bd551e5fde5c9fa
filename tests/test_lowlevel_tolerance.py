"""The low-level client reads a training as the facade does: one reader for both layers.

`TrainingModel` is a `TrainingShape` read by `training_shape.read_training`, the reader
`replicate_trainings.Training` uses. Recorded and malformed answers go through every
operation of the low-level client (sync and async, a real loopback server) and each is
read field for field as `Training.from_dict` reads it, and kept whole in `to_dict()`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import replicate_trainings
from replicate_trainings import Training
from replicate_trainings.testing import Fault, LocalReplicate
from replicate_trainings_api import AuthenticatedClient
from replicate_trainings_api.api.trainings import (
    trainings_cancel,
    trainings_create,
    trainings_get,
    trainings_list,
)
from replicate_trainings_api.models import (
    TrainingModel,
    TrainingPageModel,
    TrainingRequestModel,
    TrainingRequestModelInput,
)
from replicate_trainings_api.training_shape import (
    TRAINING_FIELDS,
    TrainingShape,
    UnreadableField,
)
from replicate_trainings_api.types import DetailedResponse

from tests import payloads

TRAINING_ID = "zz4ibbonubfz7carwiefibzgga"
JSON = {"Content-Type": "application/json"}

# Values the schema does not allow, each in a finished training: the facade reads each
# as missing (tests/test_training.py), so the low-level client must too.
UNUSABLE: list[dict[str, Any]] = [
    {"status": 3},
    {"input": []},
    {"input": None},
    {"model": None},
    {"created_at": "yesterday"},
    {"created_at": ""},
    {"created_at": "2022-04-26T20:00:84.583803Z"},
    {"completed_at": 5},
    {"metrics": {"predict_time": "fast"}},
    {"output": "weights"},
    {"output": {"weights": 5}},
    {"metrics": []},
    {"metrics": {"total_time": True}},
    {"source": {}},
    {"urls": {"get": 1}},
    {"urls": None},
    {"logs": True},
    {"status": "queued", "deadline": "2030-01-01T00:00:00Z"},
]

BODIES: list[dict[str, Any]] = [
    payloads.succeeded(),
    payloads.just_created(),
    *(dict(body) for body in payloads.RECORDED),
    *(payloads.succeeded() | change for change in UNUSABLE),
    {"id": "bare"},
]


def assert_reads_as_the_facade(model: object, body: dict[str, Any]) -> None:
    """Every declared field reads as the facade's Training reads it; the body is kept."""
    assert isinstance(model, TrainingModel), model
    facade = Training.from_dict(body)
    for field in TRAINING_FIELDS:
        assert getattr(model, field.attr) == getattr(facade, field.attr), (field.name, body)
    assert model.to_dict() == body
    declared = {field.name for field in TRAINING_FIELDS}
    assert model.additional_properties == {k: v for k, v in body.items() if k not in declared}


# -- the loopback server -----------------------------------------------------------------


@pytest.fixture(scope="module")
def app() -> LocalReplicate:
    return LocalReplicate(token="r8_lowlevel_tolerance_0123456789", ticker=False)


@pytest.fixture(scope="module")
def base_url(app: LocalReplicate) -> Iterator[str]:
    with app.serve() as server:
        yield server.base_url


def client(app: LocalReplicate, base_url: str) -> AuthenticatedClient:
    # trust_env=False: a proxy set in the environment must not intercept loopback calls.
    return AuthenticatedClient(base_url=base_url, token=app.token, httpx_args={"trust_env": False})


def answer(app: LocalReplicate, operation: str, body: object, status: int = 200) -> None:
    """The next `operation` request gets exactly `body`, as JSON."""
    fault = Fault.respond(status, json.dumps(body).encode(), JSON)
    app.faults.add(fault, operation=operation)  # type: ignore[arg-type]


REQUEST = TrainingRequestModel(
    destination="acme/tuned", input_=TrainingRequestModelInput.from_dict({"a": 1})
)
CREATE = {"model_owner": "stability-ai", "model_name": "sdxl", "version_id": payloads.VERSION}

# operation -> (its detailed function, sync and async; its arguments; its success status)
Detailed = Callable[..., Any]
OPERATIONS: dict[str, tuple[Detailed, Detailed, dict[str, Any], int]] = {
    "create": (
        trainings_create.sync_detailed,
        trainings_create.asyncio_detailed,
        CREATE | {"body": REQUEST},
        201,
    ),
    "get": (
        trainings_get.sync_detailed,
        trainings_get.asyncio_detailed,
        {"training_id": TRAINING_ID},
        200,
    ),
    "cancel": (
        trainings_cancel.sync_detailed,
        trainings_cancel.asyncio_detailed,
        {"training_id": TRAINING_ID},
        200,
    ),
    "list": (trainings_list.sync_detailed, trainings_list.asyncio_detailed, {}, 200),
}


def calls(
    app: LocalReplicate, base_url: str, operation: str, mode: str, count: int = 1
) -> list[DetailedResponse[Any]]:
    """`count` calls of `operation`, the sync or the async way, on one client it closes."""
    sync, asynchronous, arguments, _ = OPERATIONS[operation]
    if mode == "sync":
        with client(app, base_url) as api:
            return [sync(client=api, **arguments) for _ in range(count)]

    async def run() -> list[DetailedResponse[Any]]:
        async with client(app, base_url) as api:
            return [await asynchronous(client=api, **arguments) for _ in range(count)]

    return asyncio.run(run())


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


# -- one reader ---------------------------------------------------------------------------


def test_the_low_level_model_and_the_facade_share_the_generated_reader() -> None:
    assert issubclass(TrainingModel, TrainingShape)
    assert issubclass(replicate_trainings.Training, TrainingShape)
    # No field of its own: each is TrainingShape's, as the facade's Training has it.
    for field in TRAINING_FIELDS:
        assert vars(TrainingShape)[field.attr] is getattr(TrainingModel, field.attr)
        assert field.attr not in vars(TrainingModel)


@pytest.mark.parametrize("body", BODIES, ids=lambda body: json.dumps(body)[-48:])
def test_from_dict_reads_every_body_as_the_facade_does(body: dict[str, Any]) -> None:
    assert_reads_as_the_facade(TrainingModel.from_dict(body), body)


def test_a_training_without_a_string_id_is_unreadable_as_in_the_facade() -> None:
    for body in ({}, {"id": 5}, {"id": None, "status": "starting"}):
        with pytest.raises(UnreadableField, match="field 'id' is "):
            TrainingModel.from_dict(body)
        with pytest.raises(replicate_trainings.ResponseParseError, match="field 'id' is "):
            Training.from_dict(body)
    with pytest.raises(TypeError, match="a training is a JSON object, not list"):
        TrainingModel.from_dict([])  # type: ignore[arg-type]


def test_equality_repr_and_the_kept_body() -> None:
    body = payloads.RECORDED[3]
    first, second = TrainingModel.from_dict(body), TrainingModel.from_dict(dict(body))

    assert first == second
    assert first != TrainingModel.from_dict(body | {"logs": "more"})
    assert repr(first) == "TrainingModel(id='qastef62trgcbhbmw6glv2tqve', status='queued')"
    copy = first.to_dict()
    copy["id"] = "changed"
    assert first.to_dict() == body


# -- through every operation, sync and async ------------------------------------------------


@MODES
@pytest.mark.parametrize("operation", ["create", "get", "cancel"])
def test_every_body_reads_through_an_operation_as_the_facade_reads_it(
    app: LocalReplicate, base_url: str, operation: str, mode: str
) -> None:
    status = OPERATIONS[operation][3]
    for body in BODIES:
        answer(app, operation, body, status)
    responses = calls(app, base_url, operation, mode, len(BODIES))

    for response, body in zip(responses, BODIES, strict=True):
        assert response.status_code == status
        assert json.loads(response.content) == body
        assert_reads_as_the_facade(response.parsed, body)


@MODES
def test_a_page_of_every_body_reads_as_the_facade_reads_it(
    app: LocalReplicate, base_url: str, mode: str
) -> None:
    next_url = f"{base_url}/trainings?cursor=abc"
    answer(app, "list", {"next": next_url, "previous": None, "results": BODIES})

    [response] = calls(app, base_url, "list", mode)

    page = response.parsed
    assert isinstance(page, TrainingPageModel)
    assert (page.next_, page.previous) == (next_url, None)
    assert len(page.results) == len(BODIES)
    for model, body in zip(page.results, BODIES, strict=True):
        assert_reads_as_the_facade(model, body)
    assert page.to_dict()["results"] == BODIES


@MODES
def test_an_operation_raises_unreadable_field_for_a_training_without_an_id(
    app: LocalReplicate, base_url: str, mode: str
) -> None:
    answer(app, "get", {"status": "starting"})
    with pytest.raises(UnreadableField, match="field 'id' is missing"):
        calls(app, base_url, "get", mode)
