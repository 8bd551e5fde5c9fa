"""Hostile I/O: servers that trickle, answers too large to hold, forked children, and calls
racing `close()`, against raw-socket servers on loopback (and the local Replicate for fork).

The deadline tests bound a call's duration loosely (its timeout plus SLACK): they check a
promise (the timeout holds whatever the server does), not the library's speed.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from functools import cache

import httpx
import pytest
from replicate_trainings import (
    APITimeoutError,
    AsyncClient,
    Client,
    ClientClosedError,
    ReplicateError,
    ResponseParseError,
    RetryPolicy,
    Training,
)
from replicate_trainings._network import DeadlineBackend
from replicate_trainings._transport import OwnClient
from replicate_trainings.testing import LocalReplicate, LocalServer

from tests import payloads
from tests.rawserver import Answer, drip, head, raw_server
from tests.reliability._support import FAST, GOOD_CREATE, NO_RETRIES, REF, Reporter, client

ID = payloads.succeeded()["id"]
BODY = json.dumps(payloads.succeeded()).encode()
TIMEOUT = 0.5
SLACK = 1.0
"""How far past its timeout a call may end: generous, so a loaded machine passes."""
MiB = 1024 * 1024


def answer_ok(connection: socket.socket, request: bytes) -> None:
    connection.sendall(head(Content_Type="application/json", Content_Length=str(len(BODY))) + BODY)


def drip_headers(connection: socket.socket, request: bytes) -> None:
    """A status line and then one header byte every DRIP_INTERVAL, never a blank line."""
    drip(connection, b"HTTP/1.1 200 OK\r\n", forever=b"X-Slow: yes\r\n")


def drip_body(connection: socket.socket, request: bytes) -> None:
    """Prompt headers, then a 100 kB body a byte every DRIP_INTERVAL."""
    connection.sendall(head(Content_Type="application/json", Content_Length="100000"))
    drip(connection, b"", forever=b" ")


DRIPS = pytest.mark.parametrize("answer", [drip_headers, drip_body], ids=["headers", "body"])


def sync_get(url: str, **options: object) -> Callable[[], Training]:
    def call() -> Training:
        with Client("r8_test", base_url=url, **options) as c:  # type: ignore[arg-type]
            return c.trainings.get(ID)

    return call


def timed(call: Callable[[], object]) -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        call()
    except ReplicateError as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


# --- a deadline for the whole request -------------------------------------------------


@DRIPS
def test_a_trickling_answer_ends_at_the_timeout(answer: Answer, report: Reporter) -> None:
    with raw_server(answer) as url:
        elapsed, error = timed(sync_get(url, timeout=TIMEOUT, max_retries=NO_RETRIES))
    report("seconds", round(elapsed, 2))
    assert isinstance(error, APITimeoutError), repr(error)
    assert elapsed < TIMEOUT + SLACK


@DRIPS
@pytest.mark.anyio
async def test_a_trickling_answer_ends_at_the_timeout_async(
    answer: Answer, report: Reporter
) -> None:
    with raw_server(answer) as url:
        started = time.monotonic()
        async with AsyncClient("r8_test", base_url=url, timeout=TIMEOUT, max_retries=0) as c:
            with pytest.raises(APITimeoutError):
                await c.trainings.get(ID)
        elapsed = time.monotonic() - started
    report("seconds", round(elapsed, 2))
    assert elapsed < TIMEOUT + SLACK


@DRIPS
@pytest.mark.anyio
async def test_a_trickling_answer_ends_at_the_timeout_on_your_own_async_client(
    answer: Answer, report: Reporter
) -> None:
    """Through a caller's httpx.AsyncClient, asyncio keeps the deadline: the same promise."""
    with raw_server(answer) as url:
        started = time.monotonic()
        async with httpx.AsyncClient() as http:
            c = AsyncClient(
                "r8_test", base_url=url, timeout=TIMEOUT, max_retries=0, http_client=http
            )
            with pytest.raises(APITimeoutError):
                await c.trainings.get(ID)
        elapsed = time.monotonic() - started
    report("seconds", round(elapsed, 2))
    assert elapsed < TIMEOUT + SLACK


def test_a_trickling_body_ends_at_the_timeout_on_your_own_client(report: Reporter) -> None:
    """Through a caller's httpx.Client, the body is read within the deadline (checked
    between reads); the headers are bounded by each read's timeout only (see README)."""
    with raw_server(drip_body) as url, httpx.Client() as http:
        call = sync_get(url, timeout=TIMEOUT, max_retries=NO_RETRIES, http_client=http)
        elapsed, error = timed(call)
    report("seconds", round(elapsed, 2))
    assert isinstance(error, APITimeoutError), repr(error)
    assert elapsed < TIMEOUT + SLACK


def test_retries_each_get_their_own_deadline_and_stay_typed() -> None:
    """Two retries of a trickled get: each attempt is cut at its timeout; the error is typed."""
    quick = RetryPolicy(max_retries=2, initial_delay=0.001, max_delay=0.001)
    with raw_server(drip_headers) as url:
        elapsed, error = timed(sync_get(url, timeout=0.2, max_retries=quick))
    assert isinstance(error, APITimeoutError), repr(error)
    assert elapsed < 3 * 0.2 + SLACK


def test_wait_ends_at_its_timeout_whatever_the_server_trickles(report: Reporter) -> None:
    """`Client(timeout=None)`: no per-request limit, yet `wait(timeout=0.5)` cuts the poll
    in flight at its own deadline."""
    with raw_server(drip_headers) as url, Client("r8_test", base_url=url, timeout=None) as c:
        elapsed, error = timed(lambda: c.trainings.wait(ID, timeout=TIMEOUT, poll_interval=0.1))
    report("seconds", round(elapsed, 2))
    assert isinstance(error, ReplicateError), repr(error)
    assert elapsed < TIMEOUT + SLACK


def test_infinite_timeouts_are_no_limit() -> None:
    """`Client(timeout=None)` with `wait(timeout=math.inf)` used to raise OverflowError."""
    with raw_server(answer_ok) as url, Client("r8_test", base_url=url, timeout=None) as c:
        assert c.trainings.wait(ID, timeout=math.inf).id == ID
        assert c.trainings.get(ID).id == ID


@pytest.mark.anyio
async def test_infinite_timeouts_are_no_limit_async() -> None:
    with raw_server(answer_ok) as url:
        async with AsyncClient("r8_test", base_url=url, timeout=None) as c:
            assert (await c.trainings.wait(ID, timeout=math.inf)).id == ID


def test_the_facades_own_connections_keep_the_deadline() -> None:
    """The private attributes `_connections` relies on are where it expects them."""
    with OwnClient() as http:
        transport = http._transport_for_url(httpx.URL("https://api.replicate.com/v1"))
        assert isinstance(transport._pool._network_backend, DeadlineBackend)  # type: ignore[attr-defined]
    with OwnClient(proxy="http://127.0.0.1:9") as http:
        transport = http._transport_for_url(httpx.URL("https://api.replicate.com/v1"))
        assert isinstance(transport._pool._network_backend, DeadlineBackend)  # type: ignore[attr-defined]


# --- a cap on an answer's size ----------------------------------------------------------


def endless_chunks(sent: list[int]) -> Answer:
    """A chunked body of 64 kB chunks that only ends when the client hangs up."""

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(head(Content_Type="application/json", Transfer_Encoding="chunked"))
        chunk = b"%x\r\n%s\r\n" % (65536, b" " * 65536)
        while True:
            connection.sendall(chunk)
            sent[0] += 65536

    return answer


def test_an_endless_chunked_body_stops_at_max_response_bytes(report: Reporter) -> None:
    sent = [0]
    with raw_server(endless_chunks(sent)) as url:
        _, error = timed(sync_get(url, timeout=30, max_retries=NO_RETRIES))
    report("bytes the server got out", sent[0])
    assert isinstance(error, ResponseParseError), repr(error)
    assert "max_response_bytes (16,777,216 bytes)" in str(error)
    assert "Client(max_response_bytes=...)" in str(error)


@pytest.mark.anyio
async def test_an_endless_chunked_body_stops_at_max_response_bytes_async() -> None:
    sent = [0]
    with raw_server(endless_chunks(sent)) as url:
        async with AsyncClient("r8_test", base_url=url, max_retries=0) as c:
            with pytest.raises(ResponseParseError, match="max_response_bytes"):
                await c.trainings.get(ID)


def two_gigabytes(connection: socket.socket, request: bytes) -> None:
    """Declares 2 GB and sends nothing: a client that tried to read it would time out."""
    connection.sendall(head(Content_Type="application/json", Content_Length=str(2 * 1024**3)))
    time.sleep(30)


def test_a_declared_2_gb_body_fails_before_reading() -> None:
    with raw_server(two_gigabytes) as url:
        _, error = timed(sync_get(url, timeout=20, max_retries=NO_RETRIES))
    assert isinstance(error, ResponseParseError), repr(error)  # not APITimeoutError
    assert "max_response_bytes" in str(error)


@cache
def gzip_bomb() -> bytes:
    """64 MiB of spaces, gzipped to about 64 kB."""
    return gzip.compress(b" " * (64 * MiB), compresslevel=9)


def answer_gzip_bomb(connection: socket.socket, request: bytes) -> None:
    bomb = gzip_bomb()
    connection.sendall(
        head(
            Content_Type="application/json",
            Content_Encoding="gzip",
            Content_Length=str(len(bomb)),
        )
        + bomb
    )


def test_a_gzip_bomb_is_counted_decoded(report: Reporter) -> None:
    report("compressed bytes", len(gzip_bomb()))
    with raw_server(answer_gzip_bomb) as url:
        _, error = timed(sync_get(url, max_retries=NO_RETRIES))
    assert isinstance(error, ResponseParseError), repr(error)
    assert "max_response_bytes" in str(error)


def test_max_response_bytes_is_the_limit_and_can_be_raised() -> None:
    with raw_server(answer_ok) as url:
        with Client("r8_test", base_url=url, max_response_bytes=len(BODY)) as c:
            assert c.trainings.get(ID).id == ID  # exactly at the limit
        with Client("r8_test", base_url=url, max_response_bytes=len(BODY) - 1) as c:
            with pytest.raises(
                ResponseParseError, match=f"max_response_bytes \\({len(BODY) - 1:,}"
            ):
                c.trainings.get(ID)
            assert c.with_options(max_response_bytes=len(BODY)).trainings.get(ID).id == ID


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-1, ValueError), (True, TypeError), ("1", TypeError)]
)
def test_max_response_bytes_must_be_a_positive_int(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="max_response_bytes"):
        Client("r8_test", max_response_bytes=value)  # type: ignore[arg-type]


def bad_gzip_then_ok(connection: socket.socket, request: bytes) -> None:
    """A 503 whose gzip body cannot be decoded, on every other request; else the training."""
    answers = bad_gzip_then_ok.__dict__.setdefault("count", [0])
    answers[0] += 1
    if answers[0] % 2:
        garbage = b"this is not gzip"
        connection.sendall(
            head("503 Service Unavailable", Content_Encoding="gzip", Content_Length="16") + garbage
        )
    else:
        answer_ok(connection, request)


def test_an_undecodable_503_is_a_503_and_is_retried() -> None:
    with raw_server(bad_gzip_then_ok) as url:
        assert sync_get(url, max_retries=FAST)().id == ID


# --- fork ------------------------------------------------------------------------------


def in_child(work: Callable[[], bool]) -> tuple[int, Callable[[], None]]:
    """Fork; the child waits for the go, runs `work` and exits 0 if it returned True (1 if
    not, 2 if it raised). Returns the child's pid and the go (so both start at once)."""
    ready, go = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        code = 2
        try:
            os.read(ready, 1)
            code = 0 if work() else 1
        finally:
            os._exit(code)
    os.close(ready)

    def start() -> None:
        os.write(go, b"!")
        os.close(go)

    return pid, start


def exit_code(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_forked_child_opens_its_own_connections(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    """Parent and child both call get() 10 times at once on one client, whose pool held a
    connection at the fork: each gets only the answers to its own requests."""
    ours = local_replicate.create(outcome="succeeded")["id"]
    theirs = local_replicate.create(outcome="failed")["id"]
    with client(local_replicate_server, max_retries=NO_RETRIES) as c:
        assert c.trainings.get(ours).id == ours  # a pooled connection now exists
        child, start = in_child(
            lambda: [c.trainings.get(theirs).id for _ in range(10)] == [theirs] * 10
        )
        start()
        got = [c.trainings.get(ours).id for _ in range(10)]
        code = exit_code(child)
    report("calls per process", 10)
    assert got == [ours] * 10
    assert code == 0


def test_a_forked_child_refuses_your_own_http_client(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    """A caller's httpx.Client cannot be given fresh connections: the child is told why."""
    training_id = local_replicate.create()["id"]

    def refused() -> bool:
        try:
            c.trainings.get(training_id)
        except RuntimeError as exc:
            return "fork()" in str(exc)
        return False

    with httpx.Client() as http:
        c = client(local_replicate_server, http_client=http)
        c.trainings.get(training_id)
        child, start = in_child(refused)
        start()
        code = exit_code(child)
    assert code == 0


# --- lifecycle ---------------------------------------------------------------------------


def test_a_call_after_close_raises_client_closed_error(local_replicate_server: LocalServer) -> None:
    c = client(local_replicate_server)
    c.close()
    with pytest.raises(ClientClosedError, match=r"close\(\)"):
        c.trainings.get(ID)
    with pytest.raises(ClientClosedError):
        list(c.trainings.list())
    with pytest.raises(ClientClosedError):
        c.trainings.wait(ID, timeout=1)


def test_a_call_after_closing_your_own_http_client_raises_client_closed_error(
    local_replicate_server: LocalServer,
) -> None:
    http = httpx.Client()
    c = client(local_replicate_server, http_client=http)
    http.close()
    with pytest.raises(ClientClosedError, match="http_client="):
        c.trainings.get(ID)


@pytest.mark.anyio
async def test_a_call_after_close_raises_client_closed_error_async(
    local_replicate_server: LocalServer,
) -> None:
    c = AsyncClient(local_replicate_server.token, base_url=local_replicate_server.base_url)
    await c.close()
    with pytest.raises(ClientClosedError, match=r"close\(\)"):
        await c.trainings.get(ID)
    with pytest.raises(ClientClosedError):
        [t async for t in c.trainings.list()]


def slow_ok(connection: socket.socket, request: bytes) -> None:
    time.sleep(0.05)
    answer_ok(connection, request)


def test_calls_racing_close_from_other_threads_raise_client_closed_error(
    report: Reporter,
) -> None:
    """Four threads call get() in a loop while the main thread closes the client: every call
    either returns the training or raises ClientClosedError, never httpx's RuntimeError."""
    outcomes: list[object] = []
    lock = threading.Lock()
    with raw_server(slow_ok) as url:
        c = Client("r8_test", base_url=url, max_retries=0)

        def work() -> None:
            while True:
                try:
                    result: object = c.trainings.get(ID).id
                except Exception as exc:  # the test asserts on what it was
                    result = exc
                with lock:
                    outcomes.append(result)
                if not isinstance(result, str):
                    return

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.3)
        c.close()
        for thread in threads:
            thread.join(timeout=30)
    unexpected = [o for o in outcomes if not (o == ID or isinstance(o, ClientClosedError))]
    report("calls", len(outcomes))
    assert not unexpected, unexpected[:3]
    assert sum(isinstance(o, ClientClosedError) for o in outcomes) == 4


def cut_off_by_close(
    http: list[httpx.Client], sent: type[httpx.TransportError]
) -> httpx.MockTransport:
    """A transport whose request fails with `sent` after the client was closed under it."""

    def handle(request: httpx.Request) -> httpx.Response:
        http[0].close()
        raise sent("closed under the request", request=request)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("failure", "may_have_acted"), [(httpx.ReadError, True), (httpx.ConnectError, False)]
)
def test_a_create_cut_off_by_close_says_whether_it_may_have_acted(
    failure: type[httpx.TransportError], may_have_acted: bool
) -> None:
    """Closed mid-request: ClientClosedError, with may_have_acted when the create may have
    been sent (not when no connection was made); a get never may have acted."""
    holder: list[httpx.Client] = []
    holder.append(httpx.Client(transport=cut_off_by_close(holder, failure)))
    c = Client("r8_test", base_url="http://127.0.0.1:9/v1", http_client=holder[0])
    with pytest.raises(ClientClosedError) as created:
        c.trainings.create(REF, **GOOD_CREATE)
    assert created.value.may_have_acted is may_have_acted
    holder[0] = httpx.Client(transport=cut_off_by_close(holder, failure))
    c = Client("r8_test", base_url="http://127.0.0.1:9/v1", http_client=holder[0])
    with pytest.raises(ClientClosedError) as got:
        c.trainings.get(ID)
    assert got.value.may_have_acted is False
