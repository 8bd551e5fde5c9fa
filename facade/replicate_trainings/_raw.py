"""`RawResponse`: the HTTP answer beside the parsed value (`with_raw_response`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar

import httpx

_T = TypeVar("_T")

__all__ = ["RawResponse"]


class RawResponse(Generic[_T]):
    """A successful answer: `status_code`, `headers` and the `http_response`; `parse()` gives
    the value the plain method returns (a `Training`).

    The body was parsed before this was returned, so a raw call raises exactly what the
    plain call raises, and `parse()` never fails.
    """

    __slots__ = ("_parsed", "http_response")

    def __init__(self, http_response: httpx.Response, parsed: _T) -> None:
        self.http_response = http_response
        """The `httpx.Response` of the attempt that succeeded; its body is read."""
        self._parsed = parsed

    @property
    def status_code(self) -> int:
        """The answer's HTTP status."""
        return self.http_response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        """The answer's headers, such as a request id or rate-limit headers: names ignore
        case, and `.get(name)` is the value or None (`http_response.headers` is httpx's)."""
        return self.http_response.headers

    def parse(self) -> _T:
        """The parsed value (the same object on every call)."""
        return self._parsed

    def __repr__(self) -> str:
        request = self.http_response.request
        return f"<RawResponse [{self.status_code}] {request.method} {request.url.path}>"
