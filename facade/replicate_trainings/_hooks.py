"""An answer that the user's own event hook refused, turned back into an answer."""

from __future__ import annotations

import httpx

_BODY_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def bodiless(response: httpx.Response) -> httpx.Response:
    """The answer behind an HTTPStatusError raised by an event hook of the user's client.

    httpx closes such a response before its body is read, so the program gets the
    status and headers (enough for the typed error, Retry-After and retries) and no body.
    """
    headers = [(k, v) for k, v in response.headers.multi_items() if k not in _BODY_HEADERS]
    return httpx.Response(response.status_code, headers=headers, request=response.request)
