"""The generated client against a real HTTP server on 127.0.0.1, with realistic payloads.

Each operation is called through `sync_detailed` and `asyncio_detailed`. The server
answers canned bodies shaped like the API's (nulls, {} metrics, nanosecond and offset
timestamps, values and fields the spec does not know) and records what it received,
so both directions are checked: the request on the wire and the parsed response.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

import pytest
from replicate_trainings_api import AuthenticatedClient
from replicate_trainings_api.api.trainings import (
    trainings_cancel,
    trainings_create,
    trainings_get,
    trainings_list,
)
from replicate_trainings_api.models.problem_details_model import ProblemDetailsModel
from replicate_trainings_api.models.training_model import TrainingModel
from replicate_trainings_api.models.training_page_model import TrainingPageModel
from replicate_trainings_api.models.training_request_model import TrainingRequestModel
from replicate_trainings_api.models.training_request_model_input import TrainingRequestModelInput
from replicate_trainings_api.models.webhook_event_type import WebhookEventType
from replicate_trainings_api.training_shape import (
    TrainingMetrics,
    TrainingOutput,
    TrainingSource,
    TrainingStatus,
    TrainingURLs,
    UnknownSource,
    UnknownStatus,
)
from replicate_trainings_api.types import DetailedResponse

T = TypeVar("T")

TOKEN = "r8_test_0123456789abcdef"
VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"
TRAINING_ID = "zz4ibbonubfz7carwiefibzgga"
PROBLEM_JSON = "application/problem+json"


def urls(training_id: str = TRAINING_ID) -> dict[str, str]:
    """The `urls` object the API sends with a training."""
    api = f"https://api.replicate.com/v1/trainings/{training_id}"
    return {
        "get": api,
        "cancel": f"{api}/cancel",
        "web": f"https://replicate.com/p/{training_id}",
    }


STARTING: dict[str, Any] = {
    "id": TRAINING_ID,
    "model": "stability-ai/sdxl",
    "version": VERSION,
    "input": {"input_images": "https://example.com/my-input-images.zip"},
    "logs": None,
    "output": None,
    "error": None,
    "status": "starting",
    "source": "api",
    "created_at": "2023-09-08T16:32:56.990893084Z",
    "started_at": None,
    "completed_at": None,
    "metrics": {},
    "urls": urls(),
}

SUCCEEDED: dict[str, Any] = {
    **STARTING,
    "id": "q5fgh2l6ethjjqoxk2w6tn5oeu",
    "logs": "Downloading weights...\nTraining step 1000/1000\n",
    "output": {
        "version": "me/my-sdxl:8a1b2c3d",
        "weights": "https://replicate.delivery/pbxt/abc/trained_model.tar",
    },
    "status": "succeeded",
    "created_at": "2023-09-08T16:32:57Z",
    "started_at": "2023-09-08T18:32:57.112647+02:00",
    "completed_at": "2023-09-08T16:41:19.826523+00:00",
    "metrics": {"predict_time": 502.713876, "total_time": 503.1},
    "urls": urls("q5fgh2l6ethjjqoxk2w6tn5oeu"),
}

FROM_THE_FUTURE: dict[str, Any] = {
    **STARTING,
    "id": "p7kq9x3rb5d2mcqw1z8vkn4hta",
    "status": "paused",
    "source": "scheduler",
    "logs": "",
    "metrics": {"predict_time": 10.5, "image_count": 24},
    "urls": {**urls("p7kq9x3rb5d2mcqw1z8vkn4hta"), "stream": "https://stream.replicate.com/v1/x"},
    "data_removed": False,
    "deadline": "2023-09-09T16:32:56Z",
}


# -- the loopback server ----------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A canned answer: status, JSON body, content type, extra headers."""

    status: int
    body: Any
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    """One request as the server saw it (path includes the query string)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body, parsed as JSON."""
        return json.loads(self.body)


@dataclass
class FakeApi:
    """What the server answers per (method, path) and every request it received."""

    base_url: str = ""
    replies: dict[tuple[str, str], Reply] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def reply(self, method: str, path: str, reply: Reply) -> None:
        """Answer method+path (path without query, below /v1) with a canned reply."""
        self.replies[(method, f"/v1{path}")] = reply


class _Server(ThreadingHTTPServer):
    """A threading HTTP server that carries the FakeApi its handler serves."""

    def __init__(self, api: FakeApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.api = api


class _Handler(BaseHTTPRequestHandler):
    """Records each request and answers it from the FakeApi (404 problem when unknown)."""

    server: _Server

    def do_GET(self) -> None:
        """Answer a GET."""
        self._answer()

    def do_POST(self) -> None:
        """Answer a POST."""
        self._answer()

    def _answer(self) -> None:
        """Record the request, then send the canned reply for its route."""
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        api = self.server.api
        api.received.append(Received(self.command, self.path, headers, body))
        missing = Reply(404, {"title": "Not found", "status": 404}, PROBLEM_JSON)
        reply = api.replies.get((self.command, self.path.split("?")[0]), missing)
        data = json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: pytest shows failures, not access logs."""


@pytest.fixture
def api() -> Iterator[FakeApi]:
    """A FakeApi served on 127.0.0.1 (port 0) in a thread for the length of a test."""
    fake = FakeApi()
    server = _Server(fake)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    # A short poll interval: shutdown() waits for the serving loop's next poll.
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


def call(
    mode: str,
    sync: Callable[..., DetailedResponse[T]],
    asynchronous: Callable[..., Awaitable[DetailedResponse[T]]],
    api: FakeApi,
    **kwargs: Any,
) -> DetailedResponse[T]:
    """Call an operation the sync or the async way, each with a fresh client it closes."""

    def client() -> AuthenticatedClient:
        # trust_env=False: a proxy set in the environment must not intercept loopback calls.
        return AuthenticatedClient(
            base_url=api.base_url, token=TOKEN, httpx_args={"trust_env": False}
        )

    if mode == "sync":
        with client() as sync_client:
            return sync(client=sync_client, **kwargs)

    async def run() -> DetailedResponse[T]:
        async with client() as async_client:
            return await asynchronous(client=async_client, **kwargs)

    return asyncio.run(run())


MODES = pytest.mark.parametrize("mode", ["sync", "async"])


def parsed_training(
    response: DetailedResponse[ProblemDetailsModel | TrainingModel],
) -> TrainingModel:
    """The parsed body, which must be a TrainingModel."""
    assert isinstance(response.parsed, TrainingModel), response.content
    return response.parsed


def assert_authorized(request: Received) -> None:
    """The request carried the token as a bearer credential."""
    assert request.headers["authorization"] == f"Bearer {TOKEN}"


# -- the operations ---------------------------------------------------------------------


@MODES
def test_create_sends_the_body_and_parses_a_starting_training(mode: str, api: FakeApi) -> None:
    """create: POST to the version's trainings path with the JSON body; nulls and {} parse."""
    api.reply(
        "POST", f"/models/stability-ai/sdxl/versions/{VERSION}/trainings", Reply(201, STARTING)
    )
    body = TrainingRequestModel(
        destination="me/my-sdxl",
        input_=TrainingRequestModelInput.from_dict(
            {"input_images": "https://example.com/data.zip"}
        ),
        webhook="https://example.com/hook",
        webhook_events_filter=[WebhookEventType.START, WebhookEventType.COMPLETED],
    )
    response = call(
        mode,
        trainings_create.sync_detailed,
        trainings_create.asyncio_detailed,
        api,
        model_owner="stability-ai",
        model_name="sdxl",
        version_id=VERSION,
        body=body,
    )

    [request] = api.received
    assert (request.method, request.path) == (
        "POST",
        f"/v1/models/stability-ai/sdxl/versions/{VERSION}/trainings",
    )
    assert_authorized(request)
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "destination": "me/my-sdxl",
        "input": {"input_images": "https://example.com/data.zip"},
        "webhook": "https://example.com/hook",
        "webhook_events_filter": ["start", "completed"],
    }

    assert response.status_code == 201
    training = parsed_training(response)
    assert (training.id, training.model, training.version) == (
        TRAINING_ID,
        "stability-ai/sdxl",
        VERSION,
    )
    assert training.input == STARTING["input"]
    assert training.status is TrainingStatus.STARTING
    assert training.source is TrainingSource.API
    assert training.output is None
    assert training.logs is None
    assert training.error is None
    assert training.started_at is None
    assert training.completed_at is None
    assert training.metrics == TrainingMetrics()
    assert training.created_at == datetime(2023, 9, 8, 16, 32, 56, 990893, tzinfo=UTC)
    assert training.urls == TrainingURLs(**urls())
    assert training.additional_properties == {}
    assert training.to_dict() == STARTING


@MODES
def test_get_parses_a_finished_training_with_offsets_and_no_fraction(
    mode: str, api: FakeApi
) -> None:
    """get: GET /trainings/{id}; output, metrics, and timestamps in every spelling parse."""
    training_id = SUCCEEDED["id"]
    api.reply("GET", f"/trainings/{training_id}", Reply(200, SUCCEEDED))
    response = call(
        mode,
        trainings_get.sync_detailed,
        trainings_get.asyncio_detailed,
        api,
        training_id=training_id,
    )

    [request] = api.received
    assert (request.method, request.path, request.body) == (
        "GET",
        f"/v1/trainings/{training_id}",
        b"",
    )
    assert_authorized(request)

    training = parsed_training(response)
    assert training.status is TrainingStatus.SUCCEEDED
    assert training.logs == SUCCEEDED["logs"]
    assert isinstance(training.output, TrainingOutput)
    assert (training.output.version, training.output.weights) == (
        SUCCEEDED["output"]["version"],
        SUCCEEDED["output"]["weights"],
    )
    assert training.metrics == TrainingMetrics(predict_time=502.713876, total_time=503.1)
    assert training.created_at == datetime(2023, 9, 8, 16, 32, 57, tzinfo=UTC)
    assert isinstance(training.started_at, datetime)
    assert training.started_at == datetime(2023, 9, 8, 16, 32, 57, 112647, tzinfo=UTC)
    assert training.started_at.utcoffset() == timedelta(hours=2)
    assert training.completed_at == datetime(2023, 9, 8, 16, 41, 19, 826523, tzinfo=UTC)


@MODES
def test_get_keeps_values_and_fields_the_spec_does_not_know(mode: str, api: FakeApi) -> None:
    """An unknown status or source stays a str; unknown fields stay, in to_dict() and
    (at the top level) additional_properties."""
    training_id = FROM_THE_FUTURE["id"]
    api.reply("GET", f"/trainings/{training_id}", Reply(200, FROM_THE_FUTURE))
    response = call(
        mode,
        trainings_get.sync_detailed,
        trainings_get.asyncio_detailed,
        api,
        training_id=training_id,
    )

    training = parsed_training(response)
    assert type(training.status) is UnknownStatus  # an open enum: a value it does not list
    assert training.status == "paused"
    assert type(training.source) is UnknownSource
    assert training.source == "scheduler"
    assert training.logs == ""
    assert training.additional_properties == {
        "data_removed": False,
        "deadline": "2023-09-09T16:32:56Z",
    }
    assert training.metrics == TrainingMetrics(predict_time=10.5)
    assert training.urls is not None
    assert training.urls.get == urls(training.id)["get"]
    assert training.to_dict() == FROM_THE_FUTURE


@MODES
def test_list_follows_cursors_and_parses_pages(mode: str, api: FakeApi) -> None:
    """list: the first page without a query, the next with `cursor`; next/previous parse."""
    next_url = "https://api.replicate.com/v1/trainings?cursor=cD0yMDIzLTA5LTA4"
    previous_url = "https://api.replicate.com/v1/trainings?cursor=cj0xJnA9MjAyMw"
    first = {"next": next_url, "previous": None, "results": [STARTING, SUCCEEDED]}
    api.reply("GET", "/trainings", Reply(200, first))
    page = call(mode, trainings_list.sync_detailed, trainings_list.asyncio_detailed, api)
    assert isinstance(page.parsed, TrainingPageModel)
    assert (page.parsed.next_, page.parsed.previous) == (next_url, None)
    assert [t.id for t in page.parsed.results] == [STARTING["id"], SUCCEEDED["id"]]

    second = {"next": None, "previous": previous_url, "results": [FROM_THE_FUTURE]}
    api.reply("GET", "/trainings", Reply(200, second))
    page = call(
        mode,
        trainings_list.sync_detailed,
        trainings_list.asyncio_detailed,
        api,
        cursor="cD0yMDIzLTA5LTA4",
    )
    assert isinstance(page.parsed, TrainingPageModel)
    assert (page.parsed.next_, page.parsed.previous) == (None, previous_url)
    assert [t.status for t in page.parsed.results] == ["paused"]

    assert [(r.method, r.path) for r in api.received] == [
        ("GET", "/v1/trainings"),
        ("GET", "/v1/trainings?cursor=cD0yMDIzLTA5LTA4"),
    ]
    for request in api.received:
        assert_authorized(request)


@MODES
def test_cancel_posts_without_a_body_and_parses_the_canceled_training(
    mode: str, api: FakeApi
) -> None:
    """cancel: POST /trainings/{id}/cancel, no body; the canceled training parses."""
    canceled = {**STARTING, "status": "canceled", "completed_at": "2023-09-08T16:33:10.5Z"}
    api.reply("POST", f"/trainings/{TRAINING_ID}/cancel", Reply(200, canceled))
    response = call(
        mode,
        trainings_cancel.sync_detailed,
        trainings_cancel.asyncio_detailed,
        api,
        training_id=TRAINING_ID,
    )

    [request] = api.received
    assert (request.method, request.path) == ("POST", f"/v1/trainings/{TRAINING_ID}/cancel")
    assert request.body == b""
    assert_authorized(request)
    training = parsed_training(response)
    assert training.status is TrainingStatus.CANCELED
    assert training.completed_at == datetime(2023, 9, 8, 16, 33, 10, 500000, tzinfo=UTC)


@MODES
@pytest.mark.parametrize(
    ("status", "content_type", "headers"),
    [(404, PROBLEM_JSON, {}), (429, "application/json", {"Retry-After": "7"})],
)
def test_error_bodies_parse_as_problem_details(
    mode: str, api: FakeApi, status: int, content_type: str, headers: dict[str, str]
) -> None:
    """A problem-details error body parses into ProblemDetailsModel, under either media type."""
    problem = {"title": "Not found", "detail": "Training not found.", "status": status}
    api.reply("GET", "/trainings/nope", Reply(status, problem, content_type, headers))
    response = call(
        mode, trainings_get.sync_detailed, trainings_get.asyncio_detailed, api, training_id="nope"
    )
    assert response.status_code == status
    assert isinstance(response.parsed, ProblemDetailsModel)
    assert response.parsed.to_dict() == problem
    assert response.headers.get("Retry-After") == headers.get("Retry-After")
