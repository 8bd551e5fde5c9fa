"""Per-call options (`timeout=`, `extra_headers=`, `extra_query=`, `extra_body=`).

Checked when the method is called, before anything is sent; each error names the argument.
The client alone sets the token: `Authorization` (and the headers that route or frame a
request) cannot be overridden per call.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping
from typing import Any, Final, TypeAlias

import httpx

from . import _arguments
from ._config import _timeout
from ._effects import Send


class _Default:
    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()
"""Marks an argument left out, where None has a meaning of its own (timeout=None: no limit)."""

# RFC 9110 field names (tokens), and field values as h11 sends them: visible ASCII runs
# joined by spaces or tabs, no leading or trailing whitespace, no CR, LF or NUL.
_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VALUE = re.compile(r"(?:[\x21-\x7e](?:[ \t]*[\x21-\x7e])*)?")
_REFUSED_HEADERS: Final = {
    "authorization": "the token is set only by the client",
    "host": "the request goes only to the configured base URL",
    "content-length": "the client frames the body",
    "transfer-encoding": "the client frames the body",
}
CREATE_FIELDS: Final = ("destination", "input", "webhook", "webhook_events_filter")
"""The body fields create() names; extra_body may add others, never these."""


@dataclasses.dataclass(frozen=True, slots=True)
class RequestOptions:
    """What one call adds to each of its requests: headers, query parameters, a timeout."""

    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    query: dict[str, str] = dataclasses.field(default_factory=dict)
    timeout: httpx.Timeout | None = None
    """None: the client's timeout."""

    def apply(self, send: Send) -> Send:
        """`send` with these headers (replacing any of the same name), query and timeout.

        The query joins the URL's own (a next page's cursor): httpx would replace it.
        """
        if not self.headers and not self.query and self.timeout is None:
            return send
        headers, url, params = send.headers, send.url, send.params
        if self.headers:
            replaced = {name.lower() for name in self.headers}
            headers = {k: v for k, v in headers.items() if k.lower() not in replaced}
            headers.update(self.headers)
        if self.query:
            url = str(httpx.URL(url).copy_merge_params({**(params or {}), **self.query}))
            params = None
        return dataclasses.replace(
            send,
            url=url,
            headers=headers,
            params=params,
            timeout=send.timeout if self.timeout is None else self.timeout,
        )


NO_OPTIONS: Final = RequestOptions()


def request_options(
    timeout: object = DEFAULT,
    extra_headers: object = None,
    extra_query: object = None,
    *,
    timeout_name: str = "timeout",
    named_query: Collection[str] = (),
) -> RequestOptions:
    """The checked options of one call. `named_query`: parameters the method names itself."""
    if timeout is DEFAULT and extra_headers is None and extra_query is None:
        return NO_OPTIONS
    return RequestOptions(
        headers=_headers(extra_headers),
        query=_query(extra_query, named_query),
        timeout=None if isinstance(timeout, _Default) else _timeout(timeout, timeout_name),
    )


def extra_body(value: object) -> dict[str, Any]:
    """`create`'s extra body fields as plain JSON; none may be a field create names."""
    if value is None:
        return {}
    fields = _arguments.json_object("extra_body", value, "a mapping of body fields to values")
    named = sorted(set(fields) & set(CREATE_FIELDS))
    if named:
        raise ValueError(
            f"extra_body has {', '.join(map(repr, named))}: pass "
            f"{'it' if len(named) == 1 else 'them'} as create()'s own argument"
        )
    return fields


def _headers(value: object) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"extra_headers must be a mapping of header names to values, not {type(value).__name__}"
        )
    headers: dict[str, str] = {}
    seen: set[str] = set()
    for name, text in value.items():
        if not isinstance(name, str):
            raise TypeError(f"extra_headers has a key {name!r}: header names must be strings")
        if not _NAME.fullmatch(name):
            raise ValueError(f"extra_headers: {name!r} is not a valid header name")
        key = name.lower()
        if key in _REFUSED_HEADERS:
            raise ValueError(f"extra_headers may not set {name!r}: {_REFUSED_HEADERS[key]}")
        if key in seen:
            raise ValueError(f"extra_headers names {name!r} twice (header names ignore case)")
        seen.add(key)
        if not isinstance(text, str):
            raise TypeError(f"extra_headers[{name!r}] must be a string, not {type(text).__name__}")
        if not _VALUE.fullmatch(text):
            raise ValueError(
                f"extra_headers[{name!r}] must be printable ASCII without line breaks or "
                f"surrounding whitespace, got {text!r}"
            )
        headers[name] = text
    return headers


def _query(value: object, named: Collection[str]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"extra_query must be a mapping of parameter names to values, "
            f"not {type(value).__name__}"
        )
    query: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str):
            raise TypeError(f"extra_query has a key {name!r}: parameter names must be strings")
        if not name:
            raise ValueError("extra_query has an empty parameter name")
        _arguments.encodable("a key of extra_query", name)
        if name in named:
            raise ValueError(f"extra_query has {name!r}: pass it as the method's own argument")
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise TypeError(
                f"extra_query[{name!r}] must be a string or an int, not {type(item).__name__}"
            )
        query[name] = _arguments.encodable(f"extra_query[{name!r}]", str(item))
    return query


TimeoutOption: TypeAlias = float | httpx.Timeout | _Default | None
"""A `timeout=` argument: seconds, an httpx.Timeout, None for no limit, or left out."""
Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, str | int]
