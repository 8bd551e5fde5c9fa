"""The blocking Client against the local Replicate, in-process and over loopback."""

from __future__ import annotations

import json
import logging
import platform
from collections.abc import Iterator

import httpx
import pytest
from replicate_trainings import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseParseError,
    ServerError,
    Training,
    TrainingStatus,
    UnprocessableEntityError,
    WaitTimeoutError,
)
from replicate_trainings.testing import Endpoint, Fault, LocalReplicate, LocalServer

from tests import payloads
from tests.clients import sync_client
from tests.clocks import ManualClock

REF = f"stability-ai/sdxl:{payloads.VERSION}"
INPUT = {"input_images": "https://example.com/data.zip"}
PROBLEM = {"Content-Type": "application/problem+json"}


@pytest.fixture
def endpoint(local_replicate_endpoint: Endpoint) -> Endpoint:
    return local_replicate_endpoint


@pytest.fixture
def app(endpoint: Endpoint) -> LocalReplicate:
    return endpoint.app


@pytest.fixture
def client(endpoint: Endpoint) -> Iterator[Client]:
    with sync_client(endpoint) as client:
        yield client


def create(client: Client) -> Training:
    return client.trainings.create(REF, destination="acme/tuned", input=INPUT)


# -- the four operations ------------------------------------------------------------------


def test_create_sends_what_the_api_expects(client: Client, app: LocalReplicate) -> None:
    training = client.trainings.create(
        REF,
        destination="acme/tuned",
        input=INPUT,
        webhook="https://example.com/hook",
        webhook_events_filter=["start", "completed"],
    )

    assert training.status is TrainingStatus.STARTING
    assert training.model == "stability-ai/sdxl"
    assert training.version == payloads.VERSION
    assert training.input == INPUT
    (sent,) = app.requests
    assert sent.method == "POST"
    assert sent.path == f"/v1/models/stability-ai/sdxl/versions/{payloads.VERSION}/trainings"
    assert sent.json() == {
        "destination": "acme/tuned",
        "input": INPUT,
        "webhook": "https://example.com/hook",
        "webhook_events_filter": ["start", "completed"],
    }
    assert sent.headers["authorization"] == f"Bearer {app.token}"
    assert sent.headers["user-agent"].startswith("replicate-trainings/")
    assert "httpx/" in sent.headers["user-agent"]
    assert f" python/{platform.python_version()} " in sent.headers["user-agent"]


def test_every_request_carries_the_headers_also_from_a_with_options_clone(
    client: Client, app: LocalReplicate
) -> None:
    # Over loopback the Client makes its own httpx.Client with the headers preset;
    # in-process it is given one, and sends them with each request.
    clone = client.with_options(timeout=5, max_retries=0)
    training = create(clone)
    clone.trainings.get(training.id)
    client.trainings.cancel(training.id)

    assert [sent.method for sent in app.requests] == ["POST", "GET", "POST"]
    for sent in app.requests:
        assert sent.headers["authorization"] == f"Bearer {app.token}"
        assert sent.headers["user-agent"].startswith("replicate-trainings/")
        assert sent.headers["accept"] == "application/json"
    assert app.requests[0].headers["content-type"] == "application/json"
    assert "content-type" not in app.requests[1].headers


def test_create_with_model_and_version(client: Client, app: LocalReplicate) -> None:
    training = client.trainings.create(
        model="stability-ai/sdxl", version=payloads.VERSION, destination="acme/t", input={}
    )
    assert training.id in app.training_ids()
    assert app.requests[0].json() == {"destination": "acme/t", "input": {}}


def test_get_and_cancel(client: Client, app: LocalReplicate) -> None:
    app.plan("processing")
    created = create(client)

    assert client.trainings.get(created.id).id == created.id
    canceled = client.trainings.cancel(created.id)
    assert canceled.status is TrainingStatus.CANCELED
    assert canceled.is_terminal
    assert client.trainings.cancel(created.id) == canceled  # a finished one comes back unchanged


@pytest.mark.local_replicate(seed=250)
def test_list_walks_every_page_lazily_newest_first(client: Client, app: LocalReplicate) -> None:
    trainings = client.trainings.list()
    assert app.requests == []  # nothing is fetched before iterating

    seen = list(trainings)

    assert [t.id for t in seen] == app.training_ids()
    assert len(seen) == 250
    created = [t.created_at for t in seen]
    assert None not in created
    assert created == sorted(created, reverse=True)  # type: ignore[type-var]
    assert len(app.requests) == 3


@pytest.mark.local_replicate(seed=250)
def test_pages_resume_by_cursor_and_walk_back(client: Client) -> None:
    first, second, third = client.trainings.list().pages()
    assert [len(p.results) for p in (first, second, third)] == [100, 100, 50]
    assert first.previous_cursor is None
    assert third.next_cursor is None

    resumed = list(client.trainings.list(cursor=first.next_cursor))
    assert resumed == second.results + third.results

    back = next(iter(client.trainings.list(cursor=third.previous_cursor).pages()))
    assert back.results == second.results


# -- watch and wait -----------------------------------------------------------------------


def test_watch_yields_each_new_state_until_terminal(client: Client) -> None:
    training = create(client)

    states = list(client.trainings.watch(training, poll_interval=0.001))

    assert next(s.status for s in states) == "starting"
    assert states[-1].status is TrainingStatus.SUCCEEDED
    assert "processing" in [s.status for s in states]
    assert [(s.status, s.logs) for s in states] == list(
        dict.fromkeys((s.status, s.logs) for s in states)
    )
    assert states[-1].output is not None
    assert states[-1].output.weights


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("succeeded", "succeeded"), ("failed", "failed"), ("aborted", "aborted")],
)
def test_wait_returns_each_terminal_status(
    client: Client, app: LocalReplicate, outcome: str, status: str
) -> None:
    app.plan(outcome, error="CUDA out of memory" if outcome == "failed" else None)  # type: ignore[arg-type]
    training = create(client)

    done = client.trainings.wait(training.id, timeout=10, poll_interval=0.001)

    assert done.status == status
    assert done.is_terminal
    assert done.succeeded is (status == "succeeded")
    assert done.completed_at is not None
    if outcome == "failed":
        assert done.error == "CUDA out of memory"


def test_wait_returns_a_canceled_training(client: Client, app: LocalReplicate) -> None:
    app.plan("processing")
    training = create(client)
    client.trainings.cancel(training.id)

    assert client.trainings.wait(training, poll_interval=0.001).status == "canceled"


def test_wait_timeout_carries_the_last_state(endpoint: Endpoint, app: LocalReplicate) -> None:
    app.plan("processing")
    clock = ManualClock()
    with sync_client(endpoint, clock) as client:
        training = create(client)
        with pytest.raises(WaitTimeoutError, match="still processing") as caught:
            client.trainings.wait(training.id, timeout=0.3, poll_interval=0.05)

    assert 0.3 <= clock.monotonic() <= 0.3 + 0.05  # the manual clock: exact, no real sleep
    assert caught.value.training is not None
    assert caught.value.training.id == training.id
    assert caught.value.training.status is TrainingStatus.PROCESSING


def test_wait_ends_on_an_unknown_status_once_completed_at_is_set(
    client: Client, app: LocalReplicate
) -> None:
    training = create(client)
    unknown = training.to_dict() | {"status": "archived", "completed_at": "2026-01-01T00:00:00Z"}
    paused = training.to_dict() | {"status": "paused"}
    for body in (paused, unknown):
        app.faults.add(Fault.respond(200, json.dumps(body).encode()), operation="get")

    states = list(client.trainings.watch(training.id, poll_interval=0.001))

    assert [s.status for s in states] == ["paused", "archived"]
    assert states[-1].is_terminal


def test_watch_survives_transient_errors(client: Client, app: LocalReplicate) -> None:
    training = create(client)
    app.faults.add(Fault.error(503), times=5, operation="get")

    done = client.trainings.wait(training, timeout=10, poll_interval=0.001)

    assert done.succeeded
    assert app.faults.injected == 5


# -- errors ------------------------------------------------------------------------------


def test_wrong_token_is_an_authentication_error(endpoint: Endpoint) -> None:
    wrong = Endpoint(endpoint.app, endpoint.base_url, "r8_wrong", endpoint.transport)
    with sync_client(wrong) as client, pytest.raises(AuthenticationError) as caught:
        client.trainings.get("abc")
    assert caught.value.status_code == 401
    assert "r8_wrong" not in str(caught.value)


def test_unknown_training_is_not_found(client: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        client.trainings.get("doesnotexist")
    error = caught.value
    assert error.status_code == 404
    assert error.title
    assert error.detail
    assert str(error).startswith(f"404 {error.title}: {error.detail}")


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (403, PermissionDeniedError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (418, APIStatusError),
    ],
)
def test_problem_details_map_to_typed_errors(
    client: Client, app: LocalReplicate, status: int, kind: type[APIStatusError]
) -> None:
    problem = {"title": "Nope", "detail": f"status {status}", "status": status, "code": "x1"}
    app.faults.add(Fault.respond(status, json.dumps(problem).encode(), PROBLEM))

    with pytest.raises(kind) as caught:
        client.trainings.get("abc")

    assert type(caught.value) is kind
    assert caught.value.status_code == status
    assert (caught.value.title, caught.value.detail) == ("Nope", f"status {status}")
    assert caught.value.body == problem
    assert str(caught.value) == f"{status} Nope: status {status} (GET /v1/trainings/abc)"


def test_html_502_and_a_520_are_server_errors(client: Client, app: LocalReplicate) -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p></body></html>"
    app.faults.add(Fault.respond(502, html, {"Content-Type": "text/html"}), times=4)
    with pytest.raises(ServerError) as caught:
        client.trainings.get("abc")
    assert caught.value.status_code == 502
    assert "502 Bad Gateway: <html><body><h1>502 Bad Gateway</h1> <p>nginx</p>" in str(caught.value)
    assert caught.value.body == html.decode()

    app.faults.add(Fault.respond(520, b""), times=4)
    with pytest.raises(ServerError, match="520 Unknown Status: \\(empty body\\)"):
        client.trainings.get("abc")


@pytest.mark.parametrize(
    "body",
    [b"<html>ok</html>", b'{"id": "tr', b"[]", b'{"id": 5}', b""],
    ids=["html", "truncated", "array", "wrong-types", "empty"],
)
def test_unreadable_success_is_a_parse_error(
    client: Client, app: LocalReplicate, body: bytes
) -> None:
    app.faults.add(Fault.respond(200, body, {"Content-Type": "application/json"}))
    with pytest.raises(ResponseParseError, match="200 answer to GET /v1/trainings/abc"):
        client.trainings.get("abc")


def test_redirects_are_not_followed(client: Client, app: LocalReplicate) -> None:
    app.faults.add(Fault.respond(307, b"", {"Location": "http://127.0.0.1:9/elsewhere"}))
    with pytest.raises(APIStatusError) as caught:
        client.trainings.get("abc")
    assert caught.value.status_code == 307
    assert len(app.requests) == 1


# -- retries -----------------------------------------------------------------------------


def test_retries_honour_retry_after(endpoint: Endpoint, app: LocalReplicate) -> None:
    clock = ManualClock()
    with sync_client(endpoint, clock) as client:
        training = create(client)
        app.faults.add(Fault.rate_limit(retry_after=0.2), times=2, operation="get")
        assert client.trainings.get(training.id).id == training.id

    assert clock.sleeps == [0.2, 0.2]
    assert [r.method for r in app.requests] == ["POST", "GET", "GET", "GET"]


def test_rate_limit_error_carries_retry_after(endpoint: Endpoint, app: LocalReplicate) -> None:
    app.faults.add(Fault.rate_limit(retry_after=7), operation="get")
    with sync_client(endpoint, max_retries=0) as client, pytest.raises(RateLimitError) as caught:
        client.trainings.get("abc")
    assert caught.value.retry_after == 7


def test_get_list_cancel_retry_server_errors_and_drops(client: Client, app: LocalReplicate) -> None:
    training = create(client)
    app.faults.add(Fault.error(503), operation="get")
    app.faults.add(Fault.drop(), operation="get")
    app.faults.add(Fault.error(500), operation="list")
    app.faults.add(Fault.drop(after=True), operation="cancel")

    assert client.trainings.get(training.id).id == training.id
    assert [t.id for t in client.trainings.list()] == [training.id]
    assert client.trainings.cancel(training.id).is_terminal
    assert app.faults.injected == 4


def test_create_answered_500_after_it_took_effect_is_not_retried(
    client: Client, app: LocalReplicate
) -> None:
    app.faults.add(Fault.error(500, after=True), operation="create")

    with pytest.raises(ServerError, match="may have been created"):
        create(client)

    assert len(app) == 1
    assert [r.method for r in app.requests] == ["POST"]


def test_create_dropped_after_it_took_effect_is_not_retried(
    client: Client, app: LocalReplicate
) -> None:
    app.faults.add(Fault.drop(after=True), operation="create")

    with pytest.raises(APIConnectionError, match="may have been created"):
        create(client)

    assert len(app) == 1


def test_create_is_retried_when_the_server_did_not_act(client: Client, app: LocalReplicate) -> None:
    app.faults.add(Fault.rate_limit(retry_after=0), operation="create")
    app.faults.add(Fault.error(503), operation="create")

    with pytest.raises(ServerError, match="may have been created"):
        create(client)  # 429 retried; the 503 is not: the server may have acted
    assert len(app) == 0
    assert [r.method for r in app.requests] == ["POST", "POST"]


def test_max_retries_zero_turns_retries_off(endpoint: Endpoint, app: LocalReplicate) -> None:
    app.faults.add(Fault.error(503), operation="get")
    with sync_client(endpoint, max_retries=0) as client, pytest.raises(ServerError):
        client.trainings.get("abc")
    assert len(app.requests) == 1


# -- transport settings, the token --------------------------------------------------------


def test_timeouts_per_client_and_per_call(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.slow(1.0), operation="get", times=2)
    with Client(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        timeout=0.1,
        max_retries=0,
    ) as client:
        with pytest.raises(APITimeoutError, match="ReadTimeout"):
            client.trainings.get("abc")
        with pytest.raises(NotFoundError):
            client.with_options(timeout=5).trainings.get("abc")


def test_the_timeout_defaults_to_60_s_or_to_the_supplied_httpx_clients() -> None:
    """Each request carries its timeout (httpx reads it from the request's extensions)."""
    sent: list[dict[str, float | None]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.extensions["timeout"])
        return httpx.Response(404, json={"detail": "Not found."})

    own = httpx.Client(transport=httpx.MockTransport(answer), timeout=httpx.Timeout(7, connect=3))
    with (
        Client("t", base_url="http://api.test/v1", max_retries=0, http_client=own) as client,
        pytest.raises(NotFoundError),
    ):
        client.trainings.get("abc")
    assert sent == [{"connect": 3, "read": 7, "write": 7, "pool": 7}]
    assert Client("t")._config.timeout == httpx.Timeout(60, connect=10)
    own.close()


def test_a_user_supplied_httpx_client_is_used_and_left_open(endpoint: Endpoint) -> None:
    seen: list[str] = []
    http = httpx.Client(
        transport=endpoint.transport or httpx.HTTPTransport(),
        event_hooks={"request": [lambda request: seen.append(request.url.path)]},
    )
    with Client(endpoint.token, base_url=endpoint.base_url, http_client=http) as client:
        list(client.trainings.list())
    assert seen == ["/v1/trainings"]
    assert not http.is_closed
    http.close()


def test_a_foreign_next_url_is_refused(client: Client, app: LocalReplicate) -> None:
    training = create(client)
    page = {
        "results": [training.to_dict()],
        "next": "http://evil.example/v1/trainings?cursor=abc",
        "previous": None,
    }
    app.faults.add(Fault.respond(200, json.dumps(page).encode()), operation="list")
    app.clear_requests()

    walked: list[Training] = []
    with pytest.raises(ResponseParseError, match=r"refusing to follow .* http://evil\.example"):
        walked.extend(client.trainings.list())

    assert walked == [training]
    assert len(app.requests) == 1


def test_the_token_is_in_no_log_line_repr_or_error(
    client: Client, app: LocalReplicate, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    training = create(client)
    app.faults.add(Fault.error(503), operation="get")
    client.trainings.get(training.id)
    app.faults.add(Fault.error(500, after=True), operation="create")
    with pytest.raises(ServerError) as caught:
        create(client)

    logged = [r.getMessage() for r in caplog.records if r.name == "replicate_trainings"]
    assert any("GET /v1/trainings/" in line and "-> 503 (attempt 1" in line for line in logged)
    assert any("-> 200 (attempt 2" in line for line in logged)
    texts = [*logged, repr(client), str(caught.value), repr(caught.value), repr(training)]
    texts += [repr(caught.value.response.request.headers), repr(client.trainings)]
    assert not [text for text in texts if app.token in text]


def test_an_event_hook_that_raises_for_status_still_gets_the_typed_error(
    endpoint: Endpoint, app: LocalReplicate
) -> None:
    def raise_for_status(response: httpx.Response) -> None:
        response.raise_for_status()

    http = endpoint.client(event_hooks={"response": [raise_for_status]})
    with Client(endpoint.token, base_url=endpoint.base_url, http_client=http) as client:
        training = create(client)
        assert client.trainings.get(training.id).id == training.id

        with pytest.raises(NotFoundError) as caught:
            client.trainings.get("no-such-training")
        assert caught.value.status_code == 404

        app.faults.add(Fault.rate_limit(retry_after=0), operation="get")
        assert client.trainings.get(training.id).id == training.id  # retried after the 429
        assert app.faults.injected == 1
