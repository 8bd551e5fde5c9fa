"""Hostile round three, server text: what a server says reaches messages and warnings as
one bounded, escaped line, and a `next` link a server could normalise off the API (`..;`,
`;` parameters, a segment decoding to `..`) is refused before the token is sent."""

from __future__ import annotations

import json
import logging
import socket
import threading

import pytest
import replicate_trainings.training as training_module
from replicate_trainings import (
    APIConnectionError,
    APIStatusError,
    AsyncClient,
    Client,
    ResponseParseError,
)
from replicate_trainings._server_text import LIMIT, shown

from tests.rawserver import raw_server, response

ID = "abc123"
TOKEN = "r8_TextS3cretT0ken1234"
NASTY = "line one\r\nline two\x1b]0;owned\x07\x1b[2J\x9b31m\u202eevil\x00" + "x" * 1_000_000
"""Line breaks, an OSC title change, a screen clear, a C1 CSI, a bidi override, a NUL,
and a megabyte of text."""


def assert_bounded(text: str, most: int = 3 * LIMIT + 400) -> None:
    """One line, no control character, bounded, and marked as cut."""
    assert len(text) < most, len(text)
    assert all(c.isprintable() for c in text), repr(text[:500])
    assert "…[+" in text


def test_shown_is_one_escaped_line_marked_when_cut() -> None:
    assert shown("plain") == "plain"
    assert shown("a\nb\x1b[2J\x9b\u202e\ud800") == "a\\nb\\x1b[2J\\x9b\\u202e\\ud800"
    cut = shown("y" * 1000)
    assert cut == "y" * LIMIT + "…[+700 chars]"
    escaped = shown("\x1b" * 1000, limit=8)  # escapes count towards the limit
    assert escaped == "\\x1b\\x1b…[+998 chars]"
    assert len(shown(NASTY)) <= LIMIT + len("…[+1000000 chars]")


class Answers:
    """An Answer replying with `make(base_url)` bytes; each request recorded."""

    def __init__(self, make: object) -> None:
        self.make = make
        self.base = ""
        self.requests: list[bytes] = []
        self._lock = threading.Lock()

    def __call__(self, connection: socket.socket, request: bytes) -> None:
        with self._lock:
            self.requests.append(request)
            number = len(self.requests)
        connection.sendall(self.make(self.base, number))  # type: ignore[operator]


def problem(status: int, **fields: str) -> object:
    body = json.dumps(fields).encode()
    return lambda base, n: response(status, body, {"Content-Type": "application/problem+json"})


@pytest.mark.parametrize("status", [404, 422, 500])
def test_a_problem_title_and_detail_are_bounded_and_escaped(status: int) -> None:
    answers = Answers(problem(status, title=NASTY, detail=NASTY + TOKEN))
    with (
        raw_server(answers) as url,
        Client(TOKEN, base_url=url, max_retries=0) as c,
        pytest.raises(APIStatusError) as caught,
    ):
        c.trainings.get(ID)
    assert_bounded(str(caught.value))
    assert "\\x1b]0;owned\\x07" in str(caught.value)
    assert caught.value.title == NASTY  # the field keeps the whole text, as data
    assert caught.value.detail is not None and TOKEN not in caught.value.detail


def test_a_body_that_is_not_json_is_shown_bounded_and_escaped() -> None:
    body = NASTY.encode()
    answers = Answers(lambda base, n: response(502, body, {"Content-Type": "text/html"}))
    with (
        raw_server(answers) as url,
        Client(TOKEN, base_url=url, max_retries=0) as c,
        pytest.raises(APIStatusError) as caught,
    ):
        c.trainings.get(ID)
    assert_bounded(str(caught.value))


def test_an_answer_about_a_huge_id_is_shown_bounded() -> None:
    body = json.dumps({"id": NASTY, "status": "starting"}).encode()
    answers = Answers(lambda base, n: response(200, body))
    with (
        raw_server(answers) as url,
        Client(TOKEN, base_url=url, max_retries=0) as c,
        pytest.raises(ResponseParseError, match="is about training") as caught,
    ):
        c.trainings.get(ID)
    assert_bounded(str(caught.value))


def test_a_status_line_of_a_megabyte_is_shown_bounded() -> None:
    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(b"HTTP/1.1 2xx " + NASTY.encode()[:200_000] + b"\r\n\r\n")

    with (
        raw_server(answer) as url,
        Client(TOKEN, base_url=url, max_retries=0) as c,
        pytest.raises(APIConnectionError) as caught,
    ):
        c.trainings.get(ID)
    assert len(str(caught.value)) < 3 * LIMIT + 400
    assert all(ch.isprintable() for ch in str(caught.value))


def test_a_field_warning_shows_the_training_id_bounded_and_escaped(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A listing's item with a megabyte id full of control characters and a malformed
    field: the warning repeats the id as one bounded, escaped, scrubbed line."""
    # warnings are rate-limited per process: a fresh limiter, whatever ran before
    monkeypatch.setattr(training_module, "report", training_module.FieldWarnings())
    caplog.set_level(logging.WARNING, logger="replicate_trainings")
    nasty_id = NASTY + " Bearer " + TOKEN
    item = {"id": nasty_id, "status": "starting", "metrics": 5}
    body = json.dumps({"results": [item], "next": None}).encode()
    answers = Answers(lambda base, n: response(200, body))
    with raw_server(answers) as url, Client(TOKEN, base_url=url, max_retries=0) as c:
        listed = list(c.trainings.list())
        assert [len(t.id) for t in listed] == [len(nasty_id)]
        assert listed[0].metrics is None  # read (and warned of) on first use
    records = [r for r in caplog.records if r.name == "replicate_trainings"]
    assert records, "no field warning"
    for record in records:
        message = record.getMessage()
        assert_bounded(message, 3 * LIMIT)
        assert TOKEN not in message
        assert "\\x1b" in message and "\\r\\n" in message


# Next links a server could normalise off the API.

REFUSED = [
    "/v1/trainings/..;/..;/admin",
    "/v1/trainings/..;x=1/admin?cursor=b",
    "/v1/trainings;jsessionid=1?cursor=b",
    "/v1;a/trainings?cursor=b",
    "/v1/trainings/%20../admin",
    "/v1/trainings/..%09/admin",
    "/v1/trainings/.%2e/admin",
]


def pages(next_path: str) -> Answers:
    """A first page whose next link is `next_path` on the same server; later pages empty."""

    def make(base: str, number: int) -> bytes:
        link = base.rsplit("/v1", 1)[0] + next_path if number == 1 else None
        page = {"results": [{"id": f"t{number}", "status": "starting"}], "next": link}
        return response(200, json.dumps(page).encode())

    return Answers(make)


@pytest.mark.parametrize("path", REFUSED)
def test_a_next_link_that_normalises_off_the_path_is_refused(path: str) -> None:
    answers = pages(path)
    with raw_server(answers) as url, Client(TOKEN, base_url=url, max_retries=0) as c:
        answers.base = url
        with pytest.raises(ResponseParseError, match="refusing to follow") as caught:
            list(c.trainings.list())
    assert len(answers.requests) == 1  # the link was never requested
    assert TOKEN not in str(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("path", REFUSED[:2])
async def test_a_next_link_that_normalises_off_the_path_is_refused_async(path: str) -> None:
    answers = pages(path)
    with raw_server(answers) as url:
        answers.base = url
        async with AsyncClient(TOKEN, base_url=url, max_retries=0) as c:
            with pytest.raises(ResponseParseError, match="refusing to follow"):
                [t async for t in c.trainings.list()]
    assert len(answers.requests) == 1


def test_a_plain_next_link_is_followed() -> None:
    """The control: the same page server with an ordinary link is walked to its end."""
    answers = pages("/v1/trainings?cursor=b")
    with raw_server(answers) as url, Client(TOKEN, base_url=url, max_retries=0) as c:
        answers.base = url
        assert [t.id for t in c.trainings.list()] == ["t1", "t2"]
    assert len(answers.requests) == 2
