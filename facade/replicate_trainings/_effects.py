"""One implementation for sync and async: logic is written once as a generator that
yields effects (send this request, sleep this long, hand this value out), and a small
driver per I/O style performs them.

A program is `Generator[Effect, reply, result]`: `Send` is answered with an
`httpx.Response` (or has the transport's `httpx.HTTPError` thrown in), `Sleep` and
`Emit` with None. `run_*` drivers return the program's result; `stream_*` drivers yield
the values it emits.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, TypeAlias, TypeVar

import attrs
import httpx

from ._clock import SYSTEM_CLOCK, Clock

_R = TypeVar("_R")
_E = TypeVar("_E")


@attrs.frozen
class Send:
    """Send one HTTP request, never following redirects (the token stays on one host)."""

    method: str
    url: str
    headers: dict[str, str] = attrs.field(repr=False)
    params: dict[str, str] | None
    content: bytes | None = attrs.field(repr=False)
    timeout: httpx.Timeout

    def build(self, http: httpx.Client | httpx.AsyncClient) -> httpx.Request:
        return http.build_request(
            self.method,
            self.url,
            headers=self.headers,
            params=self.params,
            content=self.content,
            timeout=self.timeout,
        )


@attrs.frozen
class Sleep:
    """Wait `seconds` on `clock` (the config's: a manual one in tests)."""

    seconds: float
    clock: Clock = SYSTEM_CLOCK


@attrs.frozen
class Emit:
    value: Any


Effect: TypeAlias = Send | Sleep | Emit
Program: TypeAlias = Generator[Effect, Any, _R]


class _Result:
    """Where a driver leaves the program's return value (generators cannot return to `for`)."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: Any = None


def run_sync(program: Program[_R], http: httpx.Client) -> _R:
    """Drive a program that emits nothing to its result, with blocking I/O."""
    result = _Result()
    for emitted in _drive_sync(program, http, result):
        raise RuntimeError(f"program emitted {emitted!r} in run mode")  # pragma: no cover
    value: _R = result.value
    return value


def stream_sync(program: Program[Any], http: httpx.Client) -> Iterator[Any]:
    """Drive a program with blocking I/O, yielding each value it emits."""
    return _drive_sync(program, http, _Result())


def _drive_sync(program: Program[Any], http: httpx.Client, result: _Result) -> Iterator[Any]:
    reply: Any = None
    error: httpx.HTTPError | None = None
    while (effect := _advance(program, reply, error, result)) is not None:
        reply, error = None, None
        if isinstance(effect, Send):
            try:
                response = http.send(effect.build(http), stream=True, follow_redirects=False)
                try:
                    response.read()
                except httpx.DecodingError as exc:
                    reply = _bodiless(response, undecodable=exc)
                else:
                    reply = _released(response)
                finally:
                    response.close()
            except httpx.HTTPStatusError as exc:
                reply = _bodiless(exc.response)
            except httpx.HTTPError as exc:
                error = exc
        elif isinstance(effect, Sleep):
            effect.clock.sleep(effect.seconds)
        else:
            yield effect.value


async def run_async(program: Program[_R], http: httpx.AsyncClient) -> _R:
    """Drive a program that emits nothing to its result, with async I/O."""
    result = _Result()
    async for emitted in _drive_async(program, http, result):
        raise RuntimeError(f"program emitted {emitted!r} in run mode")  # pragma: no cover
    value: _R = result.value
    return value


def stream_async(program: Program[Any], http: httpx.AsyncClient) -> AsyncIterator[Any]:
    """Drive a program with async I/O, yielding each value it emits."""
    return _drive_async(program, http, _Result())


async def _drive_async(
    program: Program[Any], http: httpx.AsyncClient, result: _Result
) -> AsyncIterator[Any]:
    import asyncio  # noqa: PLC0415 - only async users pay for importing asyncio

    _check_loop(http, asyncio.get_running_loop())
    reply: Any = None
    error: httpx.HTTPError | None = None
    while (effect := _advance(program, reply, error, result)) is not None:
        reply, error = None, None
        if isinstance(effect, Send):
            try:
                response = await http.send(effect.build(http), stream=True, follow_redirects=False)
                try:
                    await response.aread()
                except httpx.DecodingError as exc:
                    reply = _bodiless(response, undecodable=exc)
                else:
                    reply = _released(response)
                finally:
                    await response.aclose()
            except httpx.HTTPStatusError as exc:
                reply = _bodiless(exc.response)
            except httpx.HTTPError as exc:
                error = exc
        elif isinstance(effect, Sleep):
            await effect.clock.sleep_async(effect.seconds)
        else:
            yield effect.value


_READ = httpx.ByteStream(b"")


def _released(response: httpx.Response) -> httpx.Response:
    """The response, freed by reference counting once dropped, not by the cycle collector.

    httpx 0.28 links a response and its stream both ways (encode/httpx#3733), so a read
    response, body included, waits for a full collection: while listing, bodies piled up
    and peak memory grew with the walk. By now the body is read and the stream closed; a
    stream is only needed for reading, so it is swapped for an empty one.
    """
    response.stream = _READ
    return response


_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


UNDECODABLE = "replicate_trainings.undecodable"
"""The extension naming why an answer's body could not be decoded (bad gzip, ...)."""


def _bodiless(
    response: httpx.Response, undecodable: httpx.DecodingError | None = None
) -> httpx.Response:
    """The status and headers of an answer whose body the program cannot have.

    Either an event hook of the user's client raised HTTPStatusError (httpx closes such a
    response before its body is read), or the body failed to decode (`undecodable`, kept
    in the UNDECODABLE extension). Status and headers are enough for the typed error,
    Retry-After and retries.
    """
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in _BODY_HEADERS]
    extensions = {} if undecodable is None else {UNDECODABLE: str(undecodable) or "undecodable"}
    return httpx.Response(
        response.status_code, headers=headers, request=response.request, extensions=extensions
    )


def _advance(
    program: Program[Any], reply: Any, error: httpx.HTTPError | None, result: _Result
) -> Effect | None:
    """Resume the program with the last effect's outcome; None once it has returned."""
    try:
        return program.throw(error) if error is not None else program.send(reply)
    except StopIteration as stop:
        result.value = stop.value
        return None


_loops: weakref.WeakKeyDictionary[httpx.AsyncClient, Any] = weakref.WeakKeyDictionary()


def check_loop(http: httpx.AsyncClient) -> None:
    """The clear RuntimeError if `http` was first used in another event loop than this one."""
    import asyncio  # noqa: PLC0415

    if http in _loops:
        _check_loop(http, asyncio.get_running_loop())


def _check_loop(http: httpx.AsyncClient, loop: Any) -> None:
    """An httpx.AsyncClient's connections belong to the event loop that opened them."""
    first = _loops.setdefault(http, loop)
    if first is not loop:
        raise RuntimeError(
            "this AsyncClient was first used in another event loop; its connections belong "
            "to that loop. Create one AsyncClient per event loop (for example, per asyncio.run())."
        )
