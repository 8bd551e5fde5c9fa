"""One implementation for sync and async: logic is written once as a generator that
yields effects (send this request, sleep this long, hand this value out), and a small
driver per I/O style performs them.

A `Program[E, R]` yields `Send`, `Sleep` and `Emit[E]`, and returns an `R`. `Send` is
answered with the `httpx.Response` (body read, see `_body`), or has the transport's
`httpx.HTTPError` thrown in; `Sleep` and `Emit` are answered with None, which the
program ignores. `run_*` drivers take a program that emits nothing (`Program[Never, R]`)
and return its result; `stream_*` drivers yield what it emits. A driver closes its
program when it stops, whatever stopped it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterable, Iterator
from typing import Generic, NamedTuple, Never, TypeAlias, TypeVar, cast

import httpx

from . import _body, _transport
from ._body import DEFAULT_MAX_RESPONSE_BYTES, UNDECODABLE, bodiless
from ._clock import SYSTEM_CLOCK, Clock
from ._transport import NOT_SENT, OwnAsyncClient, check_process, enter_loop
from .errors import ClientClosedError

__all__ = [
    "UNDECODABLE",
    "Emit",
    "Program",
    "Send",
    "Sleep",
    "relay",
    "run_async",
    "run_sync",
    "stream_async",
    "stream_sync",
]

_E = TypeVar("_E")
_F = TypeVar("_F")
_E_co = TypeVar("_E_co", covariant=True)
_R = TypeVar("_R")


@dataclasses.dataclass(frozen=True, slots=True)
class Send:
    """Send one HTTP request, never following redirects (the token stays on one host).

    `timeout` bounds the whole request, body included (see `_transport.total`), and the
    answer's decoded body may hold at most `max_bytes`. `acts`: sending it twice is not
    harmless (a create), so a failure after sending says it may have acted.
    """

    method: str
    url: httpx.URL
    headers: dict[str, str] = dataclasses.field(repr=False)
    content: bytes | None = dataclasses.field(repr=False)
    timeout: httpx.Timeout
    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    acts: bool = dataclasses.field(default=False, kw_only=True)

    def build(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return http.build_request(
            self.method,
            self.url,
            headers=self.headers,
            content=self.content,
            timeout=_transport.finite(self.timeout),
        )

    def deadline(self) -> float | None:
        """The `time.monotonic()` by which the request, sent now, must be over (the real
        clock, not the config's: sockets keep real time)."""
        limit = _transport.total(self.timeout)
        return None if limit is None else time.monotonic() + limit


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class Sleep(NamedTuple):
    """Wait `seconds` on `clock` (the config's: a manual one in tests)."""

    seconds: float
    clock: Clock = SYSTEM_CLOCK


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class Emit(NamedTuple, Generic[_E_co]):
    value: _E_co


Program: TypeAlias = Generator[Send | Sleep | Emit[_E], httpx.Response, _R]
"""A program emitting `_E`s and returning an `_R` (`Never` for a program that emits nothing)."""

_NO_REPLY = cast(httpx.Response, None)
"""What `Sleep` and `Emit` are answered with (and a generator must be started with)."""


def relay(
    program: Program[_E, object], take: Callable[[_E], tuple[Iterable[_F], bool]]
) -> Program[_F, None]:
    """Run `program` as part of this one: each value it emits goes to `take`, which says
    what to emit instead and whether to go on; its sends and sleeps go to the driver, and
    it is closed when it ends, when `take` stops it, or when this one is closed."""
    reply: httpx.Response = _NO_REPLY
    error: httpx.HTTPError | None = None
    try:
        while True:
            try:
                effect = program.throw(error) if error is not None else program.send(reply)
            except StopIteration:
                return
            reply, error = _NO_REPLY, None
            if isinstance(effect, Emit):
                values, go_on = take(effect.value)
                for value in values:
                    yield Emit(value)
                if not go_on:
                    return
                continue
            try:
                reply = yield effect
            except httpx.HTTPError as exc:
                error = exc
    finally:
        program.close()


class _Outcome(Generic[_R]):
    """Where a driver leaves the program's return value (generators cannot return to `for`)."""

    __slots__ = ("value",)
    value: _R


def run_sync(
    program: Program[Never, _R],
    http: httpx.Client,
) -> _R:
    """Drive a program that emits nothing to its result, with blocking I/O."""
    outcome: _Outcome[_R] = _Outcome()
    emitted: object
    for emitted in _drive_sync(program, http, outcome):
        raise RuntimeError(f"program emitted {emitted!r} in run mode")  # pragma: no cover
    return outcome.value


def stream_sync(
    program: Program[_E, object],
    http: httpx.Client,
) -> Iterator[_E]:
    """Drive a program with blocking I/O, yielding each value it emits."""
    return _drive_sync(program, http, _Outcome())


def _drive_sync(
    program: Program[_E, _R],
    http: httpx.Client,
    outcome: _Outcome[_R],
) -> Iterator[_E]:
    try:
        check_process(http)
        reply, error = _NO_REPLY, None
        while True:
            try:
                effect = program.throw(error) if error is not None else program.send(reply)
            except StopIteration as stop:
                outcome.value = stop.value
                return
            reply, error = _NO_REPLY, None
            if isinstance(effect, Send):
                try:
                    reply = _send_sync(http, effect)
                except httpx.HTTPError as exc:
                    error = exc
            elif isinstance(effect, Sleep):
                effect.clock.sleep(effect.seconds)
            else:
                yield effect.value
    finally:
        program.close()


def _send_sync(http: httpx.Client, effect: Send) -> httpx.Response:
    """The answer to `effect`, body read within its size limit and deadline."""
    deadline = effect.deadline()
    token = _transport.start(deadline)
    try:
        response = http.send(effect.build(http), stream=True, follow_redirects=False)
        return _body.read(response, effect.max_bytes, deadline)
    except (httpx.HTTPError, RuntimeError) as exc:
        failure = exc
    finally:
        _transport.stop(token)
    return _failed(http, effect, failure)  # out of the except block: no __context__


async def run_async(
    program: Program[Never, _R],
    http: httpx.AsyncClient,
) -> _R:
    """Drive a program that emits nothing to its result, with async I/O."""
    outcome: _Outcome[_R] = _Outcome()
    emitted: object
    async for emitted in _drive_async(program, http, outcome):
        raise RuntimeError(f"program emitted {emitted!r} in run mode")  # pragma: no cover
    return outcome.value


def stream_async(
    program: Program[_E, object],
    http: httpx.AsyncClient,
) -> AsyncIterator[_E]:
    """Drive a program with async I/O, yielding each value it emits."""
    return _drive_async(program, http, _Outcome())


async def _drive_async(
    program: Program[_E, _R],
    http: httpx.AsyncClient,
    outcome: _Outcome[_R],
) -> AsyncIterator[_E]:
    import asyncio  # noqa: PLC0415 - only async users pay for importing asyncio

    try:
        enter_loop(http, asyncio.get_running_loop())
        check_process(http)
        reply, error = _NO_REPLY, None
        while True:
            try:
                effect = program.throw(error) if error is not None else program.send(reply)
            except StopIteration as stop:
                outcome.value = stop.value
                return
            reply, error = _NO_REPLY, None
            if isinstance(effect, Send):
                try:
                    reply = await _send_async(http, effect)
                except httpx.HTTPError as exc:
                    error = exc
            elif isinstance(effect, Sleep):
                await effect.clock.sleep_async(effect.seconds)
            else:
                yield effect.value
    finally:
        program.close()


async def _send_async(http: httpx.AsyncClient, effect: Send) -> httpx.Response:
    """The answer to `effect`; on a caller's http_client, asyncio keeps the deadline."""
    import asyncio  # noqa: PLC0415

    deadline = effect.deadline()
    request = effect.build(http)
    token = _transport.start(deadline)
    try:
        if deadline is None or isinstance(http, OwnAsyncClient):
            return await _exchange(http, request, effect.max_bytes, deadline)
        try:
            async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                return await _exchange(http, request, effect.max_bytes, deadline)
        except TimeoutError:
            raise httpx.ReadTimeout("the request's timeout ran out", request=request) from None
    except (httpx.HTTPError, RuntimeError) as exc:
        failure = exc
    finally:
        _transport.stop(token)
    return _failed(http, effect, failure)  # as in _send_sync


async def _exchange(
    http: httpx.AsyncClient, request: httpx.Request, max_bytes: int, deadline: float | None
) -> httpx.Response:
    response = await http.send(request, stream=True, follow_redirects=False)
    return await _body.aread(response, max_bytes, deadline)


def _failed(
    http: httpx.Client | httpx.AsyncClient, effect: Send, error: httpx.HTTPError | RuntimeError
) -> httpx.Response:
    """What a send that raised `error` comes to, for both drivers: a status error (raised
    by an event hook of the user's client) is the answer, its body unread; on closed
    connections, ClientClosedError (with no `__context__`: `error` may quote the server,
    see `_pipeline.scrubbed_cause`); anything else, `error` itself."""
    if isinstance(error, httpx.HTTPStatusError):
        return bodiless(error.response)
    if http.is_closed:
        raise _closed(http, effect, error) from None
    raise error


def _closed(
    http: httpx.Client | httpx.AsyncClient, effect: Send, error: Exception
) -> ClientClosedError:
    """The error for a call on closed connections; a create cut off after it may have been
    sent (not httpx's refusal to send, nor a connection never made) may have acted."""
    kind = "AsyncClient" if isinstance(http, httpx.AsyncClient) else "Client"
    sent = isinstance(error, httpx.HTTPError) and not isinstance(error, NOT_SENT)
    message = (
        f"the {kind}'s connections are closed (by close(), or by closing the httpx client "
        "passed as http_client=): a call made after that, or while it was closing, cannot "
        "be sent. Create a new client."
    )
    if effect.acts and sent:
        message += " It was cut off after sending: the training may have been created."
    return ClientClosedError(message, may_have_acted=effect.acts and sent)
