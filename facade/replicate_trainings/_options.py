"""Per-call options (`timeout=`, `extra_headers=`, `extra_query=`, `extra_body=`).

Checked when the method is called, before anything is sent; each error names the argument.
The client alone sets the token: `Authorization` (and the headers that route or frame a
request) cannot be overridden per call.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Mapping
from typing import Final, TypeAlias, TypedDict

import httpx

from . import _arguments


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()
"""Marks an argument left out, where None has a meaning of its own (timeout=None: no limit)."""


@dataclasses.dataclass(frozen=True, slots=True)
class RequestOptions:
    """What one call adds to each of its requests: headers, query parameters, a timeout."""

    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    query: dict[str, str] = dataclasses.field(default_factory=dict)
    timeout: httpx.Timeout | None = None
    """None: the client's timeout."""


NO_OPTIONS: Final = RequestOptions()


class _ExtraOptions(TypedDict, total=False):
    extra_headers: Mapping[str, str] | None
    """Headers added to each request (not `Authorization`, `Host` or framing headers)."""
    extra_query: Mapping[str, str | int] | None
    """Query parameters added to each request."""


class CallOptions(_ExtraOptions, total=False):
    """The options every method takes, checked before anything is sent.

    A new option is one entry here (or in `PollOptions`) and one line in
    `request_options`, where it takes effect; every method of every client gets it.
    """

    timeout: float | httpx.Timeout | None
    """This call's requests' deadline, as the client's `timeout` (None: no limit)."""


class PollOptions(_ExtraOptions, total=False):
    """The options of `watch()` and `wait()`, whose own `timeout` bounds the whole poll."""

    request_timeout: float | httpx.Timeout | None
    """Each poll's request deadline, as the client's `timeout` (None: no limit)."""


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
    if not given:
        return NO_OPTIONS
    unknown = sorted(set(given) - known)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")
    timeout = given.get(timeout_name, DEFAULT)
    return RequestOptions(
        headers=_arguments.headers(given.get("extra_headers")),
        query=_arguments.query(given.get("extra_query"), named_query),
        timeout=None
        if isinstance(timeout, _Default)
        else _arguments.timeout(timeout_name, timeout),
    )


TimeoutOption: TypeAlias = float | httpx.Timeout | _Default | None
"""A `timeout=` argument: seconds, an httpx.Timeout, None for no limit, or left out."""
Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, str | int]
