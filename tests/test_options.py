"""Per-call options (timeout, extra_headers, extra_query, extra_body), on the local Replicate
over loopback: what arrives at the server, and what is refused before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from replicate_trainings import (
    APITimeoutError,
    AsyncClient,
    Client,
    NotFoundError,
    Training,
    WaitTimeoutError,
)
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer

from tests import payloads

REF = f"stability-ai/sdxl:{payloads.VERSION}"
INPUT = {"input_images": "https://example.com/data.zip"}
TRACE = {"X-Trace-Id": "trace-1"}


def _traced(app: LocalReplicate) -> None:
    """Every request the server received carried the trace header, query and the token."""
    assert app.requests
    for sent in app.requests:
        assert sent.headers.get_list("x-trace-id") == ["trace-1"]
        assert sent.params["trace"] == ["1"]
        assert sent.headers["authorization"] == f"Bearer {app.token}"


# -- what arrives ---------------------------------------------------------------------------


def test_create_sends_extra_headers_query_and_body(
    client: Client, local_replicate: LocalReplicate
) -> None:
    training = client.trainings.create(
        REF,
        destination="acme/tuned",
        input=INPUT,
        webhook="https://example.com/hook",
        extra_headers={**TRACE, "user-agent": "my-sdk/1.0"},
        extra_query={"trace": 1},
        extra_body={"webhook_completed": "https://example.com/done", "tags": ["a", {"b": None}]},
    )

    assert training.input == INPUT
    (sent,) = local_replicate.requests
    _traced(local_replicate)
    assert sent.headers.get_list("user-agent") == ["my-sdk/1.0"]  # replaced, whatever the case
    assert sent.headers["content-type"] == "application/json"
    assert sent.json() == {
        "destination": "acme/tuned",
        "input": INPUT,
        "webhook": "https://example.com/hook",
        "webhook_completed": "https://example.com/done",
        "tags": ["a", {"b": None}],
    }


def test_get_and_cancel_send_the_options(client: Client, local_replicate: LocalReplicate) -> None:
    training_id = local_replicate.create()["id"]

    client.trainings.get(training_id, extra_headers=TRACE, extra_query={"trace": "1"})
    client.trainings.cancel(training_id, extra_headers=TRACE, extra_query={"trace": "1"})

    assert [sent.operation for sent in local_replicate.requests] == ["get", "cancel"]
    _traced(local_replicate)


def test_extra_headers_replace_the_clients_also_with_your_own_http_client(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    base = local_replicate_server.base_url
    with httpx.Client(headers={"X-Team": "infra"}) as http:
        client = Client(local_replicate_server.token, base_url=base, http_client=http)
        with pytest.raises(NotFoundError):
            client.trainings.get("abc", extra_headers={"USER-AGENT": "my-sdk/1.0", "x-team": "ml"})

    (sent,) = local_replicate.requests
    assert sent.headers.get_list("user-agent") == ["my-sdk/1.0"]
    assert sent.headers.get_list("x-team") == ["ml"]
    assert sent.headers.get_list("authorization") == [f"Bearer {local_replicate.token}"]


@pytest.mark.local_replicate(seed=5, page_size=2)
def test_list_sends_the_options_with_every_page(
    client: Client, local_replicate: LocalReplicate
) -> None:
    trainings = list(client.trainings.list(extra_headers=TRACE, extra_query={"trace": "1"}))

    assert len(trainings) == 5
    assert len(local_replicate.requests) == 3
    _traced(local_replicate)
    assert "cursor" in local_replicate.requests[1].params  # the next link's own query is kept


def test_wait_and_watch_send_the_options_with_every_poll(
    client: Client, local_replicate: LocalReplicate
) -> None:
    first = local_replicate.create()["id"]
    second = local_replicate.create()["id"]
    options: dict[str, Any] = {"extra_headers": TRACE, "extra_query": {"trace": "1"}}

    done = client.trainings.wait(first, poll_interval=0.001, request_timeout=5, **options)
    states = list(client.trainings.watch(second, poll_interval=0.001, **options))

    assert done.is_terminal
    assert states[-1].is_terminal
    assert len(local_replicate.requests) > 2
    _traced(local_replicate)


def test_per_call_timeout_overrides_the_clients(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.slow(0.5), operation="get", times=2)
    base = local_replicate_server.base_url
    token = local_replicate_server.token
    with (
        Client(token, base_url=base, timeout=30, max_retries=0) as c,
        pytest.raises(APITimeoutError, match="ReadTimeout"),
    ):
        c.trainings.get("abc", timeout=httpx.Timeout(0.05))
    with (
        Client(token, base_url=base, timeout=0.05, max_retries=0) as c,
        pytest.raises(NotFoundError),
    ):
        c.trainings.get("abc", timeout=None)  # None: no limit, as on the client


@pytest.mark.local_replicate(seed=3, page_size=1)
def test_the_timeout_goes_with_every_request_of_a_call(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    timeouts: list[dict[str, float | None]] = []
    hooks = {"request": [lambda request: timeouts.append(request.extensions["timeout"])]}
    base = local_replicate_server.base_url
    with httpx.Client(event_hooks=hooks) as http:  # the client leaves it to us to close
        client = Client(local_replicate_server.token, base_url=base, http_client=http)
        training_id = local_replicate.create()["id"]

        list(client.trainings.list(timeout=7))  # 4 trainings, one a page
        assert timeouts == [dict.fromkeys(("connect", "read", "write", "pool"), 7.0)] * 4
        timeouts.clear()
        client.trainings.wait(training_id, poll_interval=0.001, request_timeout=httpx.Timeout(2.5))
        list(client.trainings.watch(training_id, request_timeout=None))
        assert len(timeouts) > 2
        assert timeouts[:-1] == [dict.fromkeys(("connect", "read", "write", "pool"), 2.5)] * (
            len(timeouts) - 1
        )
        assert timeouts[-1] == dict.fromkeys(("connect", "read", "write", "pool"))  # no limit


def test_watch_timeout_is_a_deadline(client: Client, local_replicate: LocalReplicate) -> None:
    training = client.trainings.create(REF, destination="acme/tuned", input=INPUT)
    local_replicate.clear_requests()
    seen: list[Training] = []

    with pytest.raises(WaitTimeoutError) as caught:
        seen.extend(client.trainings.watch(training, timeout=0))

    assert seen == [training]  # the state it was given, then the deadline: no poll was sent
    assert caught.value.training == training
    assert local_replicate.requests == []


@pytest.mark.anyio
async def test_async_methods_send_the_options(
    aclient: AsyncClient, local_replicate: LocalReplicate
) -> None:
    options: dict[str, Any] = {"extra_headers": TRACE, "extra_query": {"trace": "1"}}
    training = await aclient.trainings.create(
        REF, destination="acme/tuned", input=INPUT, extra_body={"hardware": "gpu-a100"}, **options
    )
    await aclient.trainings.get(training.id, timeout=10, **options)
    await aclient.trainings.cancel(training.id, **options)
    listed = [t async for t in aclient.trainings.list(**options)]
    done = await aclient.trainings.wait(training.id, request_timeout=None, **options)
    states = [t async for t in aclient.trainings.watch(training.id, **options)]

    assert listed == [done]
    assert states == [done]
    assert local_replicate.requests[0].json()["hardware"] == "gpu-a100"
    assert [sent.operation for sent in local_replicate.requests] == [
        "create",
        "get",
        "cancel",
        "list",
        "get",
        "get",
    ]
    _traced(local_replicate)


# -- what is refused, before anything is sent -----------------------------------------------

CALLS: dict[str, Callable[[Client, dict[str, Any]], object]] = {
    "create": lambda c, o: c.trainings.create(REF, destination="acme/tuned", input=INPUT, **o),
    "get": lambda c, o: c.trainings.get("abc", **o),
    "cancel": lambda c, o: c.trainings.cancel("abc", **o),
    "list": lambda c, o: c.trainings.list(**o),
    "watch": lambda c, o: c.trainings.watch("abc", **o),
    "wait": lambda c, o: c.trainings.wait("abc", **o),
    "raw create": lambda c, o: c.trainings.with_raw_response.create(
        REF, destination="acme/tuned", input=INPUT, **o
    ),
    "raw get": lambda c, o: c.trainings.with_raw_response.get("abc", **o),
    "raw cancel": lambda c, o: c.trainings.with_raw_response.cancel("abc", **o),
}

REFUSED: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"extra_headers": {"Authorization": "Bearer other"}}, ValueError, "token is set only"),
    ({"extra_headers": {"aUTHORIZATION": "x"}}, ValueError, "token is set only"),
    ({"extra_headers": {"Host": "elsewhere.example"}}, ValueError, "configured base URL"),
    ({"extra_headers": {"Content-Length": "3"}}, ValueError, "frames the body"),
    ({"extra_headers": {"X-A": "1", "x-a": "2"}}, ValueError, "twice"),
    ({"extra_headers": {"X Bad": "1"}}, ValueError, "not a valid header name"),
    ({"extra_headers": {"": "1"}}, ValueError, "not a valid header name"),
    ({"extra_headers": {"X-A": "a\r\nX-Injected: 1"}}, ValueError, r"extra_headers\['X-A'\]"),
    ({"extra_headers": {"X-A": "caf\u00e9"}}, ValueError, "printable ASCII"),
    ({"extra_headers": {"X-A": " padded"}}, ValueError, "surrounding whitespace"),
    ({"extra_headers": {"X-A": 1}}, TypeError, r"extra_headers\['X-A'\] must be a string"),
    ({"extra_headers": {b"X-A": "1"}}, TypeError, "header names must be strings"),
    ({"extra_headers": [("X-A", "1")]}, TypeError, "extra_headers must be a mapping"),
    ({"extra_query": {"a": True}}, TypeError, r"extra_query\['a'\] must be a string or an int"),
    ({"extra_query": {"a": ["1", "2"]}}, TypeError, "extra_query"),
    ({"extra_query": {"a": "\ud800"}}, ValueError, "UTF-8"),
    ({"extra_query": {"": "1"}}, ValueError, "empty parameter name"),
    ({"extra_query": {1: "1"}}, TypeError, "parameter names must be strings"),
    ({"extra_query": "a=1"}, TypeError, "extra_query must be a mapping"),
]
TIMEOUTS: list[tuple[object, type[Exception]]] = [
    (-1, ValueError),
    (0, ValueError),
    (float("nan"), ValueError),
    ("5", TypeError),
    (True, TypeError),
    (httpx.Timeout(5, read=-1), ValueError),
]


@pytest.mark.parametrize("call", CALLS)
def test_bad_options_are_refused_before_sending(
    client: Client, local_replicate: LocalReplicate, call: str
) -> None:
    for options, error, match in REFUSED:
        with pytest.raises(error, match=match):
            CALLS[call](client, options)
    name = "request_timeout" if call in ("watch", "wait") else "timeout"
    for timeout, kind in TIMEOUTS:  # checked as the client's timeout is, naming the argument
        with pytest.raises(kind, match=f"^{name} "):
            CALLS[call](client, {name: timeout})
    assert local_replicate.requests == []


@pytest.mark.parametrize("field", ["destination", "input", "webhook", "webhook_events_filter"])
def test_extra_body_cannot_repeat_a_named_argument(
    client: Client, local_replicate: LocalReplicate, field: str
) -> None:
    with pytest.raises(ValueError, match=f"extra_body has '{field}'"):
        client.trainings.create(
            REF, destination="acme/tuned", input=INPUT, extra_body={field: "x", "other": 1}
        )
    assert local_replicate.requests == []


@pytest.mark.parametrize(
    ("extra_body", "error", "match"),
    [
        ([("a", 1)], TypeError, "extra_body must be a mapping"),
        ({1: "a"}, TypeError, "keys must be strings"),
        ({"a": float("inf")}, ValueError, "JSON cannot carry"),
        ({"a": object()}, TypeError, r"extra_body\['a'\] is a object"),
    ],
)
def test_extra_body_must_be_a_json_object(
    client: Client, local_replicate: LocalReplicate, extra_body: object, error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        client.trainings.create(REF, destination="acme/tuned", input=INPUT, extra_body=extra_body)  # type: ignore[arg-type]
    assert local_replicate.requests == []


def test_list_refuses_cursor_in_extra_query(
    client: Client, local_replicate: LocalReplicate
) -> None:
    with pytest.raises(ValueError, match="extra_query has 'cursor'"):
        client.trainings.list(extra_query={"cursor": "abc"})
    assert local_replicate.requests == []


@pytest.mark.anyio
async def test_async_refuses_before_sending(
    aclient: AsyncClient, local_replicate: LocalReplicate
) -> None:
    bad = {"authorization": "Bearer other"}
    with pytest.raises(ValueError, match="token is set only"):
        await aclient.trainings.get("abc", extra_headers=bad)
    with pytest.raises(ValueError, match="token is set only"):
        await aclient.trainings.with_raw_response.cancel("abc", extra_headers=bad)
    with pytest.raises(ValueError, match="token is set only"):
        aclient.trainings.list(extra_headers=bad)
    with pytest.raises(ValueError, match="token is set only"):
        aclient.trainings.watch("abc", extra_headers=bad)
    with pytest.raises(ValueError, match="extra_body has 'input'"):
        await aclient.trainings.create(REF, destination="a/b", input={}, extra_body={"input": {}})
    with pytest.raises(TypeError, match=r"^request_timeout "):
        await aclient.trainings.wait("abc", request_timeout="5")  # type: ignore[arg-type]
    assert local_replicate.requests == []
