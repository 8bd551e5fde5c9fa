"""An answer about another training than the one asked for, or an id the server chose
that cannot go back into a path, is the server's fault: ResponseParseError."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from replicate_trainings import (
    AsyncClient,
    Client,
    ResponseParseError,
    Training,
)

TOKEN = "r8_identity_test_token"


def payload(training_id: str, status: str = "processing") -> dict[str, Any]:
    return {
        "id": training_id,
        "model": "acme/m",
        "version": "v1",
        "input": {},
        "status": status,
        "created_at": "2024-01-01T00:00:00Z",
        "urls": {"get": "https://api.test/v1/trainings/x", "cancel": "x"},
    }


def answering(answer_id: str, sent: list[httpx.Request]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=payload(answer_id, "succeeded"))

    return httpx.MockTransport(handle)


def client(transport: httpx.MockTransport) -> Client:
    http = httpx.Client(transport=transport)
    return Client(TOKEN, base_url="https://api.test/v1", http_client=http, max_retries=0)


OPERATIONS: dict[str, Callable[[Client, Any], object]] = {
    "get": lambda c, i: c.trainings.get(i),
    "cancel": lambda c, i: c.trainings.cancel(i),
    "wait": lambda c, i: c.trainings.wait(i),
    "watch": lambda c, i: list(c.trainings.watch(i)),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_an_answer_about_another_training_is_refused(operation: str) -> None:
    sent: list[httpx.Request] = []
    c = client(answering("xyz", sent))
    with pytest.raises(ResponseParseError, match="'xyz', not 'abc'"):
        OPERATIONS[operation](c, "abc")
    assert len(sent) == 1  # not retried: asking again would not make it right


def test_an_answer_about_the_training_asked_for_is_taken() -> None:
    sent: list[httpx.Request] = []
    with client(answering("abc", sent)) as c:
        assert c.trainings.get("abc").id == "abc"


@pytest.mark.anyio
async def test_async_an_answer_about_another_training_is_refused() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=payload("xyz"))

    http = httpx.AsyncClient(transport=httpx.MockTransport(handle))
    async with AsyncClient(TOKEN, base_url="https://api.test/v1", http_client=http) as c:
        with pytest.raises(ResponseParseError, match="'xyz'"):
            await c.trainings.cancel("abc")
    await http.aclose()


BAD_IDS = ["../admin", "a/b", "", ".", "..", "a?b", "a#b", "%2e%2e", "a b", "é"]


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("operation", ["wait", "watch"])
def test_a_server_chosen_id_that_cannot_be_a_path_segment_is_a_parse_error(
    bad_id: str, operation: str
) -> None:
    """A create (or listing) answered with such an id parses (only a string id is needed);
    sending it back is refused before anything is sent."""
    sent: list[httpx.Request] = []
    training = Training.from_dict(payload(bad_id))
    c = client(answering(bad_id, sent))
    with pytest.raises(ResponseParseError, match="path segment"):
        OPERATIONS[operation](c, training)
    assert sent == []


@pytest.mark.parametrize("bad_id", ["../admin", "a/b"])
def test_a_server_chosen_id_from_a_create_cannot_be_polled(bad_id: str) -> None:
    sent: list[httpx.Request] = []
    with client(answering(bad_id, sent)) as c:
        created = c.trainings.create("acme/m:v1", destination="acme/o", input={})
        with pytest.raises(ResponseParseError):
            c.trainings.wait(created)
    assert len(sent) == 1
    assert json.loads(sent[0].content)["destination"] == "acme/o"


def test_an_id_the_caller_typed_is_still_a_value_error() -> None:
    with client(answering("x", [])) as c, pytest.raises(ValueError, match="training_or_id"):
        c.trainings.wait("../admin")


@pytest.mark.parametrize(
    "next_url",
    [
        "https://elsewhere.example/v1/trainings?cursor={token}",  # refused: another host
        "http://api.test/v1/trainings?cursor=a&echo={token}",  # first page again: a loop
    ],
)
def test_a_next_link_echoing_the_token_is_scrubbed_from_the_error(next_url: str) -> None:
    token = "r8_" + "s3cr3t" * 6
    page: dict[str, Any] = {"previous": None, "results": [], "next": next_url.format(token=token)}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    with (
        Client(token, base_url="http://api.test/v1", http_client=http) as client,
        pytest.raises(ResponseParseError) as caught,
    ):
        list(client.trainings.list())
    assert token not in str(caught.value)
    http.close()
