"""The two errors reading a `Training` can raise, apart from `errors` so that `errors`
can name `Training` (in `WaitTimeoutError`) without an import circle.

Users import them from `replicate_trainings.errors`, which is also the module their
reprs, tracebacks and pickles name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx


class ReplicateError(Exception):
    """Base of every error this library raises.

    `may_have_acted` is True exactly when the call was a `create` that the server may have
    carried out despite the error (a 5xx or 408 answer, an unreadable success, a connection
    lost after sending): a training may exist. False for every other call, and for a create
    the server certainly did not act on (a 4xx, a 429, a connection never made).
    """

    __module__ = "replicate_trainings.errors"
    may_have_acted: bool = False

    def __init__(self, *args: object, may_have_acted: bool = False) -> None:
        super().__init__(*args)
        self.may_have_acted = may_have_acted

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle without the request (its Authorization header holds the token) and
        # without calling __init__ (pickle cannot pass keyword-only arguments).
        state = dict(vars(self))
        response = state.get("response")
        if response is not None:
            state["response"] = _detached(response)
        return (_restore, (type(self), self.args), state)


def _restore(kind: type[ReplicateError], args: tuple[Any, ...]) -> ReplicateError:
    error = kind.__new__(kind)
    error.args = args
    return error


def _detached(response: httpx.Response) -> httpx.Response:
    """The answer as received, without the request that carried the token."""
    import httpx  # noqa: PLC0415 - this module imports httpx only for type checking

    return httpx.Response(response.status_code, headers=response.headers, content=response.content)


class ResponseParseError(ReplicateError):
    """An answer that cannot be used: HTML or truncated JSON where a training goes, a training
    without an id, a body over max_response_bytes, a next link refused or looping."""

    __module__ = "replicate_trainings.errors"

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        may_have_acted: bool = False,
    ) -> None:
        super().__init__(message, may_have_acted=may_have_acted)
        self.response = response
