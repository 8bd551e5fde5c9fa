"""Error mapping at the byte level: a status decides the error whatever the body, and
server text in an error never carries a credential."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from replicate_trainings import (
    APIStatusError,
    AsyncClient,
    Client,
    NotFoundError,
    ResponseParseError,
    RetryPolicy,
    ServerError,
)

from tests.rawserver import Canned, raw_server, response

TOKEN = "r8_Secret0123456789abcdefghijklmnopqrstu"
NO_WAIT = RetryPolicy(max_retries=2, initial_delay=0, max_delay=0)
TRAINING = {
    "id": "abc",
    "model": "acme/m",
    "version": "v1",
    "input": {},
    "status": "succeeded",
    "created_at": "2024-01-01T00:00:00Z",
    "urls": {"get": "https://api.test/v1/trainings/abc", "cancel": "x"},
}
BAD_GZIP = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
REF = "acme/m:v1"
CREATE: dict[str, Any] = {"destination": "acme/out", "input": {"a": 1}}


@contextmanager
def served(
    *responses: bytes, retries: RetryPolicy | int = NO_WAIT
) -> Iterator[tuple[Canned, Client]]:
    """A raw server answering `responses` in turn (it notes the requests), and a client on it."""
    server = Canned(*responses)
    with raw_server(server) as url, Client(TOKEN, base_url=url, max_retries=retries) as c:
        yield server, c


def ok(body: object) -> bytes:
    return response(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_whose_body_cannot_be_decoded_is_retried_as_its_status(status: int) -> None:
    corrupt = response(status, b"\x1f\x8b not gzip at all", BAD_GZIP)
    with served(corrupt, corrupt, ok(TRAINING)) as (server, c):
        training = c.trainings.get("abc")
    assert training.id == "abc"
    assert len(server.requests) == 3


def test_a_5xx_whose_body_cannot_be_decoded_is_a_server_error_once_retries_run_out() -> None:
    corrupt = response(503, b"\x1f\x8b\x08\x00 broken deflate", BAD_GZIP)
    with served(corrupt) as (server, c), pytest.raises(ServerError) as caught:
        c.trainings.get("abc")
    assert caught.value.status_code == 503
    assert "cannot be decoded" in str(caught.value)
    assert len(server.requests) == 3


@pytest.mark.anyio
async def test_async_a_5xx_whose_body_cannot_be_decoded_is_retried_as_its_status() -> None:
    corrupt = response(503, b"\x1f\x8b not gzip", BAD_GZIP)
    server = Canned(corrupt, ok(TRAINING))
    with raw_server(server) as url:
        async with AsyncClient(TOKEN, base_url=url, max_retries=NO_WAIT) as c:
            training = await c.trainings.get("abc")
    assert training.id == "abc"
    assert len(server.requests) == 2


def test_a_404_whose_body_cannot_be_decoded_is_not_found() -> None:
    with (
        served(response(404, b"\x1f\x8b junk", BAD_GZIP)) as (server, c),
        pytest.raises(NotFoundError),
    ):
        c.trainings.get("abc")
    assert len(server.requests) == 1


def test_a_create_answered_503_with_an_undecodable_body_is_not_retried_and_may_have_acted() -> None:
    with (
        served(response(503, b"\x1f\x8b junk", BAD_GZIP)) as (server, c),
        pytest.raises(ServerError) as caught,
    ):
        c.trainings.create(REF, **CREATE)
    assert len(server.requests) == 1
    assert "may have been created" in str(caught.value)


def test_a_200_whose_body_cannot_be_decoded_is_a_parse_error() -> None:
    with (
        served(response(200, b"\x1f\x8b junk", BAD_GZIP)) as (_server, c),
        pytest.raises(ResponseParseError, match="cannot be decoded"),
    ):
        c.trainings.get("abc")


def echo_page(token: str) -> bytes:
    """A proxy's error page that echoes the request's headers, as some do."""
    return (
        "<html><body><h1>502 Bad Gateway</h1><pre>GET /v1/trainings/abc HTTP/1.1\r\n"
        f"Host: api.test\r\nAuthorization: Bearer {token}\r\nAccept: */*</pre></body></html>"
    ).encode()


ECHOES: dict[str, tuple[int, bytes, dict[str, str]]] = {
    "html page": (502, echo_page(TOKEN), {"Content-Type": "text/html"}),
    "problem detail": (
        500,
        json.dumps(
            {"title": f"Bad token {TOKEN}", "detail": f"Authorization: Bearer {TOKEN} refused"}
        ).encode(),
        {"Content-Type": "application/problem+json"},
    ),
    "json headers": (
        400,
        json.dumps({"headers": {"authorization": f"Bearer {TOKEN}", "x": "y"}}).encode(),
        {"Content-Type": "application/json"},
    ),
    "another credential": (
        503,
        b"upstream said: authorization=Basic dXNlcjpwdw== and bearer abc.def-ghi",
        {"Content-Type": "text/plain"},
    ),
    "bare token in text": (500, f"token {TOKEN} is not valid".encode(), {}),
}


@pytest.mark.parametrize("case", sorted(ECHOES))
def test_server_text_in_an_error_is_scrubbed_of_credentials(
    case: str, caplog: pytest.LogCaptureFixture
) -> None:
    status, body, headers = ECHOES[case]
    caplog.set_level(logging.DEBUG, logger="replicate_trainings")
    with (
        served(response(status, body, headers), retries=0) as (_server, c),
        pytest.raises(APIStatusError) as caught,
    ):
        c.trainings.get("abc")
    error = caught.value
    texts = [str(error), repr(error), error.title or "", error.detail or "", caplog.text]
    for text in texts:
        assert TOKEN not in text
        assert TOKEN[:12] not in text
        assert "dXNlcjpwdw" not in text
        assert "abc.def-ghi" not in text
    assert error.status_code == status
    assert case == "json headers" or "[redacted]" in str(error)  # a JSON object is not quoted


def test_a_parse_error_quoting_the_body_is_scrubbed() -> None:
    body = f"<html>Authorization: Bearer {TOKEN}</html>".encode()
    with (
        served(response(200, body, {"Content-Type": "text/html"}), retries=0) as (_server, c),
        pytest.raises(ResponseParseError) as caught,
    ):
        c.trainings.get("abc")
    assert TOKEN not in str(caught.value) and "not JSON" in str(caught.value)


def test_scrubbing_leaves_ordinary_messages_alone() -> None:
    detail = "You did not pass a valid authentication token: invalid token provided."
    transport = httpx.MockTransport(
        lambda request: httpx.Response(401, json={"title": "Unauthenticated", "detail": detail})
    )
    http = httpx.Client(transport=transport)
    c = Client(TOKEN, base_url="https://api.test/v1", http_client=http, max_retries=0)
    with pytest.raises(APIStatusError) as caught:
        c.trainings.get("abc")
    assert caught.value.detail == detail
    assert detail in str(caught.value)
    http.close()
