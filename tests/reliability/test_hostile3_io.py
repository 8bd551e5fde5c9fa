"""Hostile round three, transport: a nested gzip bomb stops at the size limit with memory
to spare, and a plain-HTTP base URL keeps the token from proxies and other hosts."""

from __future__ import annotations

import gzip
import socket
import tracemalloc
import zlib
from functools import cache

import pytest
from replicate_trainings import AsyncClient, Client, ResponseParseError

from tests.rawserver import head, raw_server

MiB = 1024 * 1024
ID = "abc123"


@cache
def nested_bomb() -> bytes:
    """gzip(gzip(128 MiB of spaces)): a few hundred bytes."""
    return gzip.compress(gzip.compress(b" " * (128 * MiB), compresslevel=9), compresslevel=9)


def answer_nested_bomb(connection: socket.socket, request: bytes) -> None:
    bomb = nested_bomb()
    connection.sendall(
        head(
            Content_Type="application/json",
            Content_Encoding="gzip, gzip",
            Content_Length=str(len(bomb)),
        )
        + bomb
    )


def test_the_nested_bomb_is_small() -> None:
    assert len(nested_bomb()) < 400


def peak_of(call: object) -> tuple[BaseException | None, int]:
    tracemalloc.start()
    try:
        try:
            call()  # type: ignore[operator]
        except Exception as exc:
            error: BaseException | None = exc
        else:
            error = None
        return error, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_nested_gzip_bomb_stops_at_the_limit_with_a_small_peak() -> None:
    """Every decoding stage is bounded, not only the last: gzip(gzip(128 MiB)) with a
    1 MiB limit fails having held far less than the inner layer would inflate to."""
    nested_bomb()
    with (
        raw_server(answer_nested_bomb) as url,
        Client("r8_test", base_url=url, max_retries=0, max_response_bytes=MiB) as c,
    ):
        error, peak = peak_of(lambda: c.trainings.get(ID))
    assert isinstance(error, ResponseParseError), repr(error)
    assert "max_response_bytes" in str(error)
    assert peak < 16 * MiB, peak


@pytest.mark.anyio
async def test_a_nested_gzip_bomb_stops_at_the_limit_with_a_small_peak_async() -> None:
    nested_bomb()
    with raw_server(answer_nested_bomb) as url:
        async with AsyncClient("r8_test", base_url=url, max_retries=0, max_response_bytes=MiB) as c:
            tracemalloc.start()
            try:
                with pytest.raises(ResponseParseError, match="max_response_bytes"):
                    await c.trainings.get(ID)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    assert peak < 16 * MiB, peak


@pytest.mark.parametrize("encoding", ["gzip", "gzip, gzip", "deflate, gzip", "identity, gzip"])
def test_a_small_answer_in_a_chain_of_encodings_decodes(encoding: str) -> None:
    """The stage-by-stage decoder reads what httpx reads: each listed encoding undone in
    reverse order."""
    body = b'{"id": "abc123", "status": "starting"}'
    for name in [e.strip() for e in encoding.split(",")]:
        if name == "gzip":
            body = gzip.compress(body)
        elif name == "deflate":
            body = zlib.compress(body)

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(
            head(Content_Encoding=encoding, Content_Length=str(len(body)), Connection="close")
            + body
        )

    with raw_server(answer) as url, Client("r8_test", base_url=url, max_retries=0) as c:
        assert c.trainings.get(ID).id == ID


def test_an_encoding_the_client_did_not_ask_for_is_unreadable() -> None:
    def answer(connection: socket.socket, request: bytes) -> None:
        assert b"accept-encoding: gzip, deflate\r\n" in request.lower()
        connection.sendall(head(Content_Encoding="br", Content_Length="2") + b"{}")

    with (
        raw_server(answer) as url,
        Client("r8_test", base_url=url, max_retries=0) as c,
        pytest.raises(ResponseParseError, match="'br'"),
    ):
        c.trainings.get(ID)
