"""Reading an answer's body: bounded in size and in time, then released.

The drivers send with `stream=True` and read the body here, so that no answer is held in
memory past `max_response_bytes`: a declared `Content-Length` over the limit fails before
a byte of the body is read, and the raw and the decoded sizes are counted as they arrive.
The body is decoded here rather than by httpx, whose decoders inflate a whole input at
once: every stage of a `Content-Encoding` chain (`gzip, gzip`, ...) gives at most
`_STEP` bytes at a time to the next, so a bomb, nested or not, stops at the limit
having held a few hundred kilobytes. The request's deadline is checked between pieces
too (the facade's own connections also keep it on every read, see `_transport`).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Iterator

import httpx

_STEP = 64 * 1024
"""The most bytes one decoding step of one stage produces."""

DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
"""The most an answer's body may hold, decoded, unless the client says otherwise."""

ACCEPT_ENCODING = "gzip, deflate"
"""The encodings the client asks for: those `_Decoder` decodes a step at a time."""


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
        if response.is_stream_consumed:  # read already (a mock transport's): httpx decoded it
            body.take(response.content)
        else:
            decoder = _declared(response, limit)
            for raw in response.iter_raw():
                body.take_raw(raw, decoder)
            body.finish(decoder)
    except httpx.DecodingError as exc:
        return _undecodable(response, exc)
    finally:
        response.close()
    return _done(response, body)


async def aread(response: httpx.Response, limit: int, deadline: float | None) -> httpx.Response:
    """`read` for an async answer."""
    body = _Body(limit, deadline, response.request)
    try:
        if response.is_stream_consumed:  # as in read()
            body.take(response.content)
        else:
            decoder = _declared(response, limit)
            async for raw in response.aiter_raw():
                body.take_raw(raw, decoder)
            body.finish(decoder)
    except httpx.DecodingError as exc:
        return _undecodable(response, exc)
    finally:
        await response.aclose()
    return _done(response, body)


def _declared(response: httpx.Response, limit: int) -> _Decoder:
    """The decoder of the answer's `Content-Encoding`; fail at once if it declares a
    `Content-Length` over `limit`."""
    encodings: list[str] = []
    for name, value in response.headers.raw:  # one pass: Headers.get costs a pass each
        lowered = name.lower()
        if lowered == b"content-length" and value.isdigit() and int(value) > limit:
            raise ResponseTooLarge(limit, request=response.request)
        if lowered == b"content-encoding":
            encodings += value.decode("latin-1").split(",")
    return _Decoder(encodings)


class _Body:
    """The decoded pieces of a body so far, refusing one past the size limit or the deadline."""

    def __init__(self, limit: int, deadline: float | None, request: httpx.Request) -> None:
        self.pieces: list[bytes] = []
        self._size, self._limit, self._deadline, self._request = 0, limit, deadline, request

        self._raw = 0

    def take(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._limit:
            raise ResponseTooLarge(self._limit, request=self._request)
        self.pieces.append(chunk)
        self._check_deadline()

    def take_raw(self, chunk: bytes, decoder: _Decoder) -> None:
        """Take bytes as received, through `decoder`: the raw count, too, is bounded."""
        self._raw += len(chunk)
        if self._raw > self._limit:
            raise ResponseTooLarge(self._limit, request=self._request)
        self._check_deadline()
        for piece in decoder.decode(chunk):
            self.take(piece)

    def finish(self, decoder: _Decoder) -> None:
        """Take what `decoder` still holds once the body has ended."""
        for piece in decoder.flush():
            self.take(piece)

    def _check_deadline(self) -> None:
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


class _Decoder:
    """A `Content-Encoding` chain (`gzip`, `deflate`, `identity`, applied in the order
    listed) undone stage by stage, lazily: each stage hands the next at most `_STEP` bytes
    at a time, so no stage holds more than that however much its input inflates.
    An encoding the client did not ask for (`br`, `zstd`, ...) cannot be decoded."""

    def __init__(self, encodings: list[str]) -> None:
        self._stages: list[_Inflate] = []
        for encoding in reversed([e.strip().lower() for e in encodings]):
            if encoding in ("gzip", "x-gzip"):
                self._stages.append(_Inflate(gzip=True))
            elif encoding == "deflate":
                self._stages.append(_Inflate(gzip=False))
            elif encoding not in ("identity", ""):
                raise httpx.DecodingError(
                    f"it is encoded as {encoding!r}, which the client did not ask for "
                    f"(Accept-Encoding: {ACCEPT_ENCODING})"
                )

    def decode(self, data: bytes, first: int = 0) -> Iterator[bytes]:
        """The decoded pieces of `data`, as it comes out of stage `first`'s input."""
        if first == len(self._stages):
            if data:
                yield data
            return
        for piece in self._stages[first].decode(data):
            yield from self.decode(piece, first + 1)

    def flush(self) -> Iterator[bytes]:
        """What the stages still hold once the body has ended."""
        for index, stage in enumerate(self._stages):
            yield from self.decode(stage.flush(), index + 1)


class _Inflate:
    """One gzip or deflate stage (deflate as zlib-wrapped or raw, as httpx reads it)."""

    def __init__(self, *, gzip: bool) -> None:
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
        self._raw_fallback = not gzip  # servers send raw deflate as "deflate" too
        self._started = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                piece = self._zlib.decompress(data, _STEP)
            except zlib.error as exc:
                if not (self._raw_fallback and not self._started):
                    raise httpx.DecodingError(str(exc)) from None
                self._raw_fallback = False
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                continue
            self._started = True
            if piece:
                yield piece
            data = self._zlib.unconsumed_tail
            if not data and len(piece) < _STEP:
                return

    def flush(self) -> bytes:
        try:
            return self._zlib.flush(_STEP)
        except zlib.error as exc:
            raise httpx.DecodingError(str(exc)) from None


# -- Answers the program gets without a body: refused by the user's event hook, or undecodable

_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})

UNDECODABLE = "replicate_trainings.undecodable"
"""The extension naming why an answer's body could not be decoded (bad gzip, ...)."""


def bodiless(
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
