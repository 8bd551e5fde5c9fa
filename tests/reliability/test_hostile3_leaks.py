"""Hostile round three, leaks: a server whose status line or header line echoes the
request's `Authorization` makes httpx raise an error quoting it; the error we raise (and
everything chained under it) never carries the token, sync or async."""

from __future__ import annotations

import io
import logging
import socket
import traceback
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest
from replicate_trainings import APIConnectionError, AsyncClient, Client, ReplicateError

from tests.rawserver import raw_server
from tests.reliability._support import GOOD_CREATE, REF

TOKEN = "r8_EchoedS3cretT0ken9f8e7d6c5b4a"
ID = "abc123"


def authorization(request: bytes) -> bytes:
    """The request's Authorization line, as sent."""
    for line in request.split(b"\r\n"):
        if line.lower().startswith(b"authorization:"):
            return line
    raise AssertionError(f"no Authorization header in {request!r}")


def echo_in_status_line(connection: socket.socket, request: bytes) -> None:
    connection.sendall(b"HTTP/1.1 2xx " + authorization(request) + b"\r\n\r\n")


def echo_in_reason(connection: socket.socket, request: bytes) -> None:
    connection.sendall(b"HTTP/1.1 200 " + authorization(request) + b"\x00\r\n\r\n")


def echo_in_header_line(connection: socket.socket, request: bytes) -> None:
    line = authorization(request).replace(b": ", b" ")  # no colon: an illegal header line
    connection.sendall(b"HTTP/1.1 200 OK\r\n" + line + b"\r\nContent-Length: 2\r\n\r\n{}")


def echo_token_alone(connection: socket.socket, request: bytes) -> None:
    token = authorization(request).rpartition(b" ")[2]
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-" + token + b"\r\n\r\n")


ECHOES = [echo_in_status_line, echo_in_reason, echo_in_header_line, echo_token_alone]


def chain(error: BaseException) -> Iterator[BaseException]:
    """`error` and every exception reachable from it by __cause__ and __context__."""
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        yield current
        todo += [e for e in (current.__cause__, current.__context__) if e is not None]


def logged(error: BaseException) -> str:
    """What `logger.exception(...)` writes for `error`, through a real handler."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.hostile3.leaks")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise error
        except ReplicateError:
            logger.exception("the call failed")
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def assert_no_token(error: BaseException) -> None:
    assert isinstance(error, APIConnectionError), repr(error)
    cause = error.__cause__
    assert isinstance(cause, httpx.RemoteProtocolError), repr(cause)  # its type stays visible
    assert "RemoteProtocolError" in "".join(traceback.format_exception(error))
    texts = {
        "traceback": "".join(traceback.format_exception(error)),
        "logger.exception": logged(error),
    }
    for link in chain(error):
        texts[f"{type(link).__name__} str/repr/args"] = f"{link} {link!r} {link.args!r}"
        request = vars(link).get("_request")
        if isinstance(request, httpx.Request):
            texts[f"{type(link).__name__}.request"] = repr(request.headers.raw)
    for where, text in texts.items():
        assert TOKEN not in text, f"the token shows in {where}: {text[:2000]}"
    assert "[redacted]" in str(error) or "X-[redacted]" in str(error)


OPERATIONS: dict[str, Callable[[Client], object]] = {
    "get": lambda c: c.trainings.get(ID),
    "create": lambda c: c.trainings.create(REF, **GOOD_CREATE),
    "list": lambda c: list(c.trainings.list()),
}
ASYNC_OPERATIONS: dict[str, Callable[[AsyncClient], Awaitable[object]]] = {
    "get": lambda c: c.trainings.get(ID),
    "create": lambda c: c.trainings.create(REF, **GOOD_CREATE),
    "list": lambda c: c.trainings.list().pages().__anext__(),
}


@pytest.mark.parametrize("retries", [0, 2])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
@pytest.mark.parametrize("echo", ECHOES, ids=lambda e: e.__name__)
def test_an_echoed_token_never_reaches_the_error_chain(
    echo: Callable[[socket.socket, bytes], None], operation: str, retries: int
) -> None:
    with (
        raw_server(echo) as url,
        Client(TOKEN, base_url=url, max_retries=retries) as c,
        pytest.raises(ReplicateError) as caught,
    ):
        OPERATIONS[operation](c)
    assert_no_token(caught.value)


@pytest.mark.anyio
@pytest.mark.parametrize("operation", sorted(ASYNC_OPERATIONS))
@pytest.mark.parametrize("echo", ECHOES, ids=lambda e: e.__name__)
async def test_an_echoed_token_never_reaches_the_error_chain_async(
    echo: Callable[[socket.socket, bytes], None], operation: str
) -> None:
    with raw_server(echo) as url:
        async with AsyncClient(TOKEN, base_url=url, max_retries=0) as c:
            with pytest.raises(ReplicateError) as caught:
                await ASYNC_OPERATIONS[operation](c)
    assert_no_token(caught.value)


def test_an_echoed_token_never_reaches_the_error_chain_on_your_own_http_client() -> None:
    """With `http_client=`, the request is the caller's; the error chained is still ours."""
    with (
        raw_server(echo_in_status_line) as url,
        httpx.Client() as http,
        Client(TOKEN, base_url=url, max_retries=0, http_client=http) as c,
        pytest.raises(ReplicateError) as caught,
    ):
        c.trainings.get(ID)
    assert_no_token(caught.value)


@pytest.mark.parametrize("status", [200, 503])
def test_a_token_echoed_as_the_content_encoding_is_scrubbed(status: int) -> None:
    """The encoding's name reaches the message of an undecodable answer: scrubbed."""

    def answer(connection: socket.socket, request: bytes) -> None:
        token = authorization(request).rpartition(b" ")[2]
        connection.sendall(
            f"HTTP/1.1 {status} X\r\nContent-Encoding: gzip, ".encode()
            + token
            + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        )

    with (
        raw_server(answer) as url,
        Client(TOKEN, base_url=url, max_retries=0) as c,
        pytest.raises(ReplicateError) as caught,
    ):
        c.trainings.get(ID)
    text = "".join(traceback.format_exception(caught.value))
    assert "did not ask for" in text
    assert TOKEN not in text
