"""Per-call options (`timeout=` or `request_timeout=`, `extra_headers=`, `extra_query=`).

Checked when the method is called, before anything is sent; each error names the argument.
The client alone sets the token: `Authorization` (and the headers that route or frame a
request) cannot be overridden per call.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Final, NamedTuple, TypedDict, TypeVar

import httpx
from replicate_trainings_api.request_shape import NOT_GIVEN, NotGiven

from . import _arguments

__all__ = ["NOT_GIVEN", "CallOptions", "NotGiven", "PollOptions", "given_or"]

_T = TypeVar("_T")
_D = TypeVar("_D")


def given_or(value: _T | NotGiven, default: _D) -> _T | _D:
    """`value`, or `default` when it is NOT_GIVEN (left out)."""
    return default if isinstance(value, NotGiven) else value


_NONE: Final[Mapping[str, str]] = MappingProxyType({})


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class RequestOptions(NamedTuple):
    """What one call adds to each of its requests: headers, query parameters, a timeout."""

    headers: Mapping[str, str] = _NONE
    query: Mapping[str, str] = _NONE
    timeout: httpx.Timeout | None = None
    """None: the client's timeout."""


NO_OPTIONS: Final = RequestOptions()


class _ExtraOptions(TypedDict, total=False):
    extra_headers: Mapping[str, str] | NotGiven | None
    """Headers added to each request (not `Authorization`, `Host` or framing headers); they
    replace the client's `default_headers` of the same name."""
    extra_query: Mapping[str, str | int] | NotGiven | None
    """Query parameters added to each request, over the client's `default_query`."""


class CallOptions(_ExtraOptions, total=False):
    """The options every method takes, checked before anything is sent.

    A new option is one entry here (or in `PollOptions`), a line in `_request_options`
    that reads it, and the place it takes effect (`_pipeline._with_options`, for what
    goes on the wire); every method of every client gets it.
    """

    timeout: float | httpx.Timeout | NotGiven | None
    """This call's requests' deadline, as the client's `timeout` (None: no limit;
    NOT_GIVEN: the client's)."""


class PollOptions(_ExtraOptions, total=False):
    """The options of `watch()` and `wait()`, whose own `timeout` bounds the whole poll."""

    request_timeout: float | httpx.Timeout | NotGiven | None
    """Each poll's request deadline, as the client's `timeout` (None: no limit;
    NOT_GIVEN: the client's)."""


_CALL_OPTIONS: Final = CallOptions.__optional_keys__
_POLL_OPTIONS: Final = PollOptions.__optional_keys__


def call_options(
    method: str, given: Mapping[str, object], *, named_query: Collection[str] = ()
) -> RequestOptions:
    """The checked `CallOptions` of one call; `method` names it in errors. `named_query`:
    query parameters the method names itself, which extra_query may not repeat."""
    return _request_options(method, given, _CALL_OPTIONS, "timeout", named_query)


def poll_options(method: str, given: Mapping[str, object]) -> RequestOptions:
    """The checked `PollOptions` of one `watch()` or `wait()`."""
    return _request_options(method, given, _POLL_OPTIONS, "request_timeout", ())


def _request_options(
    method: str,
    given: Mapping[str, object],
    known: frozenset[str],
    timeout_name: str,
    named_query: Collection[str],
) -> RequestOptions:
    given = {name: value for name, value in given.items() if not isinstance(value, NotGiven)}
    if not given:
        return NO_OPTIONS
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")
    return RequestOptions(
        headers=_arguments.headers(given.get("extra_headers")),
        query=_arguments.query(given.get("extra_query"), named_query),
        timeout=_arguments.timeout(timeout_name, given[timeout_name])
        if timeout_name in given
        else None,
    )
