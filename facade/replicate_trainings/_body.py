"""Reading an answer's body: bounded in size and in time, then released.

The drivers send with `stream=True` and read the body here, so that no answer is held in
memory past `max_response_bytes`: a declared `Content-Length` over the limit fails before
a byte of the body is read, and the decoded size is counted as it arrives, with the raw
bytes handed to the decoder a few kilobytes at a time, so a gzip bomb cannot inflate more
than a few megabytes before the count stops it. The request's deadline is checked between
pieces too (the facade's own connections also keep it on every read, see `_deadline`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx

from ._hooks import bodiless

_PIECE = 4096
"""Raw bytes given to the decoder at a time: gzip inflates at most ~1000x, so one step
of decoding produces at most about 4 MB."""


class ResponseTooLarge(httpx.DecodingError):
    """An answer larger than the client's `max_response_bytes`; read no further."""

    def __init__(self, limit: int, *, request: httpx.Request) -> None:
        super().__init__(
            f"it is larger than the client's max_response_bytes ({limit:,} bytes); "
            "raise the limit with Client(max_response_bytes=...)",
            request=request,
        )


def read(response: httpx.Response, limit: int, deadline: float | None) -> httpx.Response:
    """The answer with its body read (within `limit` and `deadline`), and then released."""
    body = _Body(limit, deadline, response.request)
    try:
        if _check_declared(response, limit):
            response.stream = _Pieces(response.stream)
        for chunk in response.iter_bytes():
            body.take(chunk)
    except httpx.DecodingError as exc:
        return _undecodable(response, exc)
    finally:
        response.close()
    return _done(response, body)


async def aread(response: httpx.Response, limit: int, deadline: float | None) -> httpx.Response:
    """`read` for an async answer."""
    body = _Body(limit, deadline, response.request)
    try:
        if _check_declared(response, limit):
            response.stream = _AsyncPieces(response.stream)
        async for chunk in response.aiter_bytes():
            body.take(chunk)
    except httpx.DecodingError as exc:
        return _undecodable(response, exc)
    finally:
        await response.aclose()
    return _done(response, body)


def _check_declared(response: httpx.Response, limit: int) -> bool:
    """Fail if the answer declares more than `limit` bytes; True if it is encoded (gzip...),
    so that its raw bytes must go to the decoder in pieces."""
    encoded = False
    for name, value in response.headers.raw:  # one pass: Headers.get costs a pass each
        lowered = name.lower()
        if lowered == b"content-length" and value.isdigit() and int(value) > limit:
            raise ResponseTooLarge(limit, request=response.request)
        encoded = encoded or lowered == b"content-encoding"
    return encoded


class _Body:
    """The decoded pieces of a body so far, refusing one past the size limit or the deadline."""

    def __init__(self, limit: int, deadline: float | None, request: httpx.Request) -> None:
        self.pieces: list[bytes] = []
        self._size, self._limit, self._deadline, self._request = 0, limit, deadline, request

    def take(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            raise ResponseTooLarge(self._limit, request=self._request)
        self.pieces.append(chunk)
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise httpx.ReadTimeout("the request's timeout ran out", request=self._request)


def _undecodable(response: httpx.Response, error: httpx.DecodingError) -> httpx.Response:
    """The status and headers of an answer whose body cannot be decoded, for the pipeline
    to judge (a 503 is retried whatever its body); a body over the limit is raised."""
    if isinstance(error, ResponseTooLarge):
        raise error
    return bodiless(response, undecodable=error)


_READ = httpx.ByteStream(b"")


def _done(response: httpx.Response, body: _Body) -> httpx.Response:
    """The response with `body` as its content, freed by reference counting once dropped.

    httpx 0.28 links a response and its stream both ways (encode/httpx#3733), so a read
    response, body included, waits for a full collection: while listing, bodies piled up
    and peak memory grew with the walk. A stream is only needed for reading, so once the
    body is read the stream is swapped for an empty one. The body is set where httpx's own
    `read()` puts it, since httpx has no public way to read a body piece by piece and keep it.
    """
    response._content = b"".join(body.pieces)
    response.stream = _READ
    return response


class _Pieces(httpx.SyncByteStream):
    """A raw stream cut into pieces of at most _PIECE bytes."""

    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        assert isinstance(inner, httpx.SyncByteStream)
        self._inner = inner

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            for start in range(0, len(chunk), _PIECE):
                yield chunk[start : start + _PIECE]

    def close(self) -> None:
        self._inner.close()


class _AsyncPieces(httpx.AsyncByteStream):
    """An async raw stream cut into pieces of at most _PIECE bytes."""

    def __init__(self, inner: httpx.SyncByteStream | httpx.AsyncByteStream) -> None:
        assert isinstance(inner, httpx.AsyncByteStream)
        self._inner = inner

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            for start in range(0, len(chunk), _PIECE):
                yield chunk[start : start + _PIECE]

    async def aclose(self) -> None:
        await self._inner.aclose()
