"""Answers the program gets without a body: refused by the user's event hook, or undecodable."""

from __future__ import annotations

import httpx

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
