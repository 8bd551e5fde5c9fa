"""Hostile round three, transport: a nested gzip bomb stops at the size limit with memory
to spare, and a plain-HTTP base URL keeps the token from proxies and other hosts."""

from __future__ import annotations

import gzip
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from functools import cache

import pytest
from replicate_trainings import APIConnectionError, AsyncClient, Client, ResponseParseError

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


@pytest.mark.parametrize(
    "encoding", ["gzip", "gzip, gzip", "deflate, gzip", "identity, gzip", "raw-deflate"]
)
def test_a_small_answer_in_a_chain_of_encodings_decodes(encoding: str) -> None:
    """The stage-by-stage decoder reads what httpx reads: each listed encoding undone in
    reverse order."""
    body = b'{"id": "abc123", "status": "starting"}'
    for name in [e.strip() for e in encoding.split(",")]:
        if name == "gzip":
            body = gzip.compress(body)
        elif name == "deflate":
            body = zlib.compress(body)
        elif name == "raw-deflate":  # sent as "deflate" without zlib's wrapper, as httpx reads it
            packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
            body = packer.compress(body) + packer.flush()
    encoding = encoding.replace("raw-deflate", "deflate")

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(
            head(Content_Encoding=encoding, Content_Length=str(len(body)), Connection="close")
            + body
        )

    with raw_server(answer) as url, Client("r8_test", base_url=url, max_retries=0) as c:
        assert c.trainings.get(ID).id == ID


def test_raw_bytes_count_against_the_limit_too() -> None:
    """A tiny gzip member followed by 2 MiB of bytes that decode to nothing stops at the
    1 MiB limit all the same."""
    body = gzip.compress(b"{}") + bytes(2 * MiB)

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(head(Content_Encoding="gzip", Transfer_Encoding="chunked"))
        for start in range(0, len(body), 65536):
            piece = body[start : start + 65536]
            connection.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
        connection.sendall(b"0\r\n\r\n")

    with (
        raw_server(answer) as url,
        Client("r8_test", base_url=url, max_retries=0, max_response_bytes=MiB) as c,
        pytest.raises(ResponseParseError, match="max_response_bytes"),
    ):
        c.trainings.get(ID)


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


# Plain HTTP: the token crosses no network in clear text, and never goes to a proxy.


@pytest.mark.parametrize("kind", [Client, AsyncClient])
@pytest.mark.parametrize(
    "base", ["http://example.com/v1", "http://10.0.0.8/v1", "http://api.replicate.com/v1"]
)
def test_a_plain_http_base_url_to_another_machine_is_refused(kind: type, base: str) -> None:
    with pytest.raises(ValueError, match="allow_insecure_http=True"):
        kind("r8_test", base_url=base)
    assert kind("r8_test", base_url=base, allow_insecure_http=True) is not None


def test_a_plain_http_base_url_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REPLICATE_BASE_URL", "http://example.com/v1")
    with pytest.raises(ValueError, match="clear text"):
        Client("r8_test")


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:8000/v1",
        "http://127.8.9.10/v1",
        "http://[::1]:8000/v1",
        "http://localhost:8000/v1",
        "http://api.localhost/v1",
        "http://replicate.test/v1",
        "https://example.com/v1",
    ],
)
def test_plain_http_to_this_machine_or_a_test_name_and_https_are_allowed(base: str) -> None:
    Client("r8_test", base_url=base).close()


def test_allow_insecure_http_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="allow_insecure_http"):
        Client("r8_test", base_url="http://example.com/v1", allow_insecure_http="yes")  # type: ignore[arg-type]


class ProxyCatcher:
    """A listening socket on 127.0.0.1 standing in for a proxy: it records every
    connection's first bytes and closes it."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._catch, daemon=True)
        self._thread.start()

    def _catch(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                try:
                    self.received.append(connection.recv(65536))
                except OSError:
                    self.received.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProxyCatcher]:
    catcher = ProxyCatcher()
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, catcher.url)
    yield catcher
    catcher.close()


def answer_training(connection: socket.socket, request: bytes) -> None:
    body = b'{"id": "abc123", "status": "starting"}'
    connection.sendall(head(Content_Length=str(len(body)), Connection="close") + body)


def test_a_loopback_http_server_is_reached_directly_never_through_a_proxy(
    proxy: ProxyCatcher,
) -> None:
    with raw_server(answer_training) as url, Client("r8_test", base_url=url, max_retries=0) as c:
        assert c.trainings.get(ID).id == ID
    assert proxy.received == []


@pytest.mark.anyio
async def test_a_loopback_http_server_is_reached_directly_never_through_a_proxy_async(
    proxy: ProxyCatcher,
) -> None:
    with raw_server(answer_training) as url:
        async with AsyncClient("r8_test", base_url=url, max_retries=0) as c:
            assert (await c.trainings.get(ID)).id == ID
    assert proxy.received == []


def test_an_allowed_insecure_http_host_is_not_reached_through_a_proxy(
    proxy: ProxyCatcher,
) -> None:
    """Allowed plain HTTP is still never handed to an environment proxy (which would read
    the token): a host that does not resolve fails to connect, and the proxy gets nothing."""
    with (
        Client(
            "r8_test", base_url="http://nowhere.invalid/v1", allow_insecure_http=True, max_retries=0
        ) as c,
        pytest.raises(APIConnectionError),
    ):
        c.trainings.get(ID)
    assert proxy.received == []


def test_https_still_honours_the_environment_proxy(proxy: ProxyCatcher) -> None:
    """The control: the catcher does catch, and https keeps httpx's proxy settings."""
    with (
        Client("r8_test", base_url="https://api.example.com/v1", max_retries=0, timeout=5) as c,
        pytest.raises(APIConnectionError),
    ):
        c.trainings.get(ID)
    assert proxy.received and proxy.received[0].startswith(b"CONNECT api.example.com:443")
    assert b"r8_test" not in b"".join(proxy.received)  # CONNECT carries no Authorization
