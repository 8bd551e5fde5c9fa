"""Checks of caller arguments, run before anything is sent; each error names the argument."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from replicate_trainings_api.request_shape import TRAINING_REQUEST_FIELDS, BodyField, NotGiven


def identifier(name: str, value: object) -> str:
    """A training id or version id: one safe path segment, by the generated client's rule
    (`path_segment`), which every path parameter meets in both layers."""
    from replicate_trainings_api.types import path_segment  # noqa: PLC0415 - loads attrs

    return path_segment(name, value)


def model_name(name: str, value: object) -> tuple[str, str]:
    """An `owner/name` pair, as `model` and `destination` take."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string 'owner/name', not {type(value).__name__}")
    owner, slash, model = value.partition("/")
    if not (slash and is_segment(owner) and is_segment(model)):
        raise ValueError(f"{name} must be 'owner/name', got {value!r}")
    return owner, model


def is_segment(value: str) -> bool:
    """True if `value` can stand as one path segment (`path_segment`'s rule)."""
    try:
        identifier("", value)
    except ValueError:
        return False
    return True


def model_version(ref: object, model: object, version: object) -> tuple[str, str, str]:
    """(owner, name, version) from `ref` ('owner/name:version') or `model` and `version`."""
    if ref is not None:
        if model is not None or version is not None:
            raise TypeError("give either ref or model= and version=, not both")
        if not isinstance(ref, str):
            raise TypeError(f"ref must be a string 'owner/name:version', not {type(ref).__name__}")
        model, colon, version = ref.partition(":")
        try:
            if not colon:
                raise ValueError(ref)
            owner, name = model_name("model", model)
            return owner, name, identifier("version", version)
        except ValueError:  # name the argument given, not the parts it was split into
            raise ValueError(f"ref must be 'owner/name:version', got {ref!r}") from None
    if model is None or version is None:
        raise TypeError("create() needs ref='owner/name:version', or both model= and version=")
    owner, name = model_name("model", model)
    return owner, name, identifier("version", version)


def training_input(value: object) -> dict[str, Any]:
    """The `input` mapping as plain JSON: string keys, JSON values, at every depth.

    Any Mapping and any list or tuple is accepted and copied; keys that are not strings
    are refused rather than silently turned into strings, as json.dumps would.
    """
    return json_object("input", value, "a mapping of input names to values")


def json_object(name: str, value: object, expected: str) -> dict[str, Any]:
    """A Mapping copied as a plain JSON object, as `training_input` checks it."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be {expected}, not {type(value).__name__}")
    try:
        plain: dict[str, Any] = _json_value(value, name)
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply, or contains itself") from None
    return plain


def _json_value(value: object, where: str) -> Any:
    if isinstance(value, str):
        return encodable(where, value)
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where} is {value!r}, which JSON cannot carry")
        return value
    if isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"{where} has a key {key!r}: keys must be strings")
            encodable(f"a key of {where}", key)
        return {key: _json_value(item, f"{where}[{key!r}]") for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    raise TypeError(f"{where} is a {type(value).__name__}, which is not JSON-serializable")


def encodable(name: str, value: str) -> str:
    """A string that UTF-8 can carry (no lone surrogates such as '\\ud800')."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{name} has characters UTF-8 cannot encode: {value!r}") from None
    return value


def seconds(name: str, value: object, *, allow_zero: bool = False, most: float = 86_400) -> float:
    """A finite number of seconds, positive (or zero), at most `most` (time.sleep's reach)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not (0 <= value <= most if allow_zero else 0 < value <= most):
        bound = "0 or more" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound} and at most {most:g} seconds, got {value!r}")
    return float(value)


def webhook_url(value: object) -> str:
    """An https URL; plain http only to this machine (a local receiver in development)."""
    if not isinstance(value, str):
        raise TypeError(f"webhook must be a URL string, not {type(value).__name__}")
    encodable("webhook", value)
    try:
        parts = urlsplit(value)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535
    except ValueError:
        host = None
        parts = None
    if parts is None or not host or parts.port == 0:
        raise ValueError(f"webhook must be an absolute https URL, got {value!r}")
    if parts.scheme == "https" or (parts.scheme == "http" and local_host(host)):
        return value
    raise ValueError(f"webhook must be an https URL, got {value!r}")


def webhook_events(value: object, webhook: str | None) -> list[str]:
    """A non-empty list of distinct events from start, output, logs, completed."""
    from replicate_trainings_api.models import WebhookEventType  # noqa: PLC0415 - see _operations

    if webhook is None:
        raise ValueError("webhook_events_filter has no effect without webhook")
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(
            "webhook_events_filter must be a list of events such as ['start', 'completed'], "
            f"not {type(value).__name__}"
        )
    events = list(value)
    if not events:
        raise ValueError("webhook_events_filter must name at least one event")
    known = {event.value for event in WebhookEventType}
    for event in events:
        if not isinstance(event, str) or event not in known:
            raise ValueError(
                f"webhook_events_filter: unknown event {event!r}; expected some of {sorted(known)}"
            )
    return list(dict.fromkeys(str(event) for event in events))


def local_host(host: str) -> bool:
    """A host plain HTTP may go to: this machine (a loopback address, `localhost`,
    `*.localhost`), or a `*.test` name, which no DNS resolves."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".test")):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def count(name: str, value: object, *, least: int = 0) -> int:
    """A whole number (not a bool), `least` or more."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < least:
        raise ValueError(f"{name} must be {least} or more, got {value}")
    return value


def rate(name: str, value: object) -> float:
    """A number above zero and finite (a rate, per minute)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, not {type(value).__name__}")
    if not 0 < value < math.inf:
        raise ValueError(f"{name} must be above 0 and finite, got {value!r}")
    return float(value)


def flag(name: str, value: object) -> bool:
    """True or False, nothing that merely reads as one."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, not {type(value).__name__}")
    return value


def token(value: object) -> str:
    """The API token: given, printable ASCII without spaces; surrounding blanks dropped."""
    if value is None:
        raise ValueError(
            "no Replicate API token: pass Client(token=...) or set REPLICATE_API_TOKEN"
        )
    if not isinstance(value, str):
        raise TypeError(f"token must be a string, not {type(value).__name__}")
    stripped = value.strip()
    if not stripped:
        raise ValueError("the Replicate API token is empty: pass token= or set REPLICATE_API_TOKEN")
    if not stripped.isascii() or not stripped.isprintable() or " " in stripped:
        raise ValueError("the Replicate API token has characters a token cannot have")
    return stripped


def base_url(value: object, allow_insecure_http: object) -> httpx.URL:
    """The API's base URL, parsed once: absolute http(s), no query or fragment. Plain HTTP
    only to a local host (`local_host`) unless `allow_insecure_http`: the token would
    cross the network in clear text."""
    insecure = flag("allow_insecure_http", allow_insecure_http)
    if not isinstance(value, str | httpx.URL):
        raise TypeError(f"base_url must be a URL string, not {type(value).__name__}")
    try:
        url = httpx.URL(str(value).rstrip("/"))
        host = url.host  # decoded lazily: a bad IDNA label fails only here
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError (IDNA) is a ValueError
        raise ValueError(f"base_url is not a valid URL: {str(value)!r} ({exc})") from None
    if url.scheme not in ("http", "https") or not host:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {str(value)!r}")
    if url.port is not None and not 0 < url.port < 65536:
        raise ValueError(f"base_url has port {url.port}, outside 1-65535")
    if "?" in str(value) or "#" in str(value):
        raise ValueError(f"base_url must not have a query or fragment, got {str(value)!r}")
    if url.scheme == "http" and not insecure and not local_host(host):
        raise ValueError(
            f"base_url {str(url)!r} is plain HTTP to another machine: the token would "
            "cross the network in clear text. Use https://, or pass allow_insecure_http=True"
        )
    return url


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


def extra_body(value: object) -> dict[str, Any]:
    """`create`'s extra body fields as plain JSON; none may be a field create names."""
    if value is None:
        return {}
    fields = json_object("extra_body", value, "a mapping of body fields to values")
    named = sorted(set(fields) & {field.name for field in TRAINING_REQUEST_FIELDS})
    if named:
        raise ValueError(
            f"extra_body has {', '.join(map(repr, named))}: pass "
            f"{'it' if len(named) == 1 else 'them'} as create()'s own argument"
        )
    return fields


def headers(value: object, argument: str = "extra_headers") -> dict[str, str]:
    """Headers to add to requests (`extra_headers`, `default_headers`), as h11 sends them."""
    if value is None or isinstance(value, NotGiven):
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{argument} must be a mapping of header names to values, not {type(value).__name__}"
        )
    headers: dict[str, str] = {}
    seen: set[str] = set()
    for name, text in value.items():
        if not isinstance(name, str):
            raise TypeError(f"{argument} has a key {name!r}: header names must be strings")
        if not _NAME.fullmatch(name):
            raise ValueError(f"{argument}: {name!r} is not a valid header name")
        key = name.lower()
        if key in _REFUSED_HEADERS:
            raise ValueError(f"{argument} may not set {name!r}: {_REFUSED_HEADERS[key]}")
        if key in seen:
            raise ValueError(f"{argument} names {name!r} twice (header names ignore case)")
        seen.add(key)
        if not isinstance(text, str):
            raise TypeError(f"{argument}[{name!r}] must be a string, not {type(text).__name__}")
        if not _VALUE.fullmatch(text):
            raise ValueError(
                f"{argument}[{name!r}] must be printable ASCII without line breaks or "
                f"surrounding whitespace, got {text!r}"
            )
        headers[name] = text
    return headers


def query(value: object, named: Collection[str], argument: str = "extra_query") -> dict[str, str]:
    """Query parameters to add to requests (`extra_query`, `default_query`); none may be one
    in `named`, which the method takes as its own argument."""
    if value is None or isinstance(value, NotGiven):
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{argument} must be a mapping of parameter names to values, not {type(value).__name__}"
        )
    query: dict[str, str] = {}
    for name, item in value.items():
        if not isinstance(name, str):
            raise TypeError(f"{argument} has a key {name!r}: parameter names must be strings")
        if not name:
            raise ValueError(f"{argument} has an empty parameter name")
        encodable(f"a key of {argument}", name)
        if name in named:
            raise ValueError(f"{argument} has {name!r}: pass it as the method's own argument")
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise TypeError(
                f"{argument}[{name!r}] must be a string or an int, not {type(item).__name__}"
            )
        query[name] = encodable(f"{argument}[{name!r}]", str(item))
    return query


def timeout(name: str, value: object) -> httpx.Timeout:
    """Seconds, an httpx.Timeout, or None (no limit); each limit positive. `math.inf` (or any
    limit beyond a week) is no limit too: requests send it as None (`_transport.finite`)."""
    if value is None:
        return httpx.Timeout(None)
    if isinstance(value, httpx.Timeout):
        for limit in value.as_dict().values():
            if limit is not None:
                seconds(name, limit, most=math.inf)
        return value
    return httpx.Timeout(seconds(name, value, most=math.inf))


def request_body(method: str, given: Mapping[str, object]) -> dict[str, Any]:
    """The create body from its keyword arguments, each checked by its field's kind in the
    spec (`TRAINING_REQUEST_FIELDS`) and by the stricter rule of a field this module knows.

    None or NOT_GIVEN leaves an optional field unsent; a keyword the spec does not name is a
    TypeError, as Python's own for a misspelt argument.
    """
    unknown = sorted(set(given) - _BODY_PARAMETERS)
    if unknown:
        raise TypeError(f"{method}() got an unexpected keyword argument {unknown[0]!r}")
    body: dict[str, Any] = {}
    for field in TRAINING_REQUEST_FIELDS:
        value = given.get(field.parameter)
        if value is None or isinstance(value, NotGiven):
            if field.required:
                raise TypeError(
                    f"{method}() missing required keyword argument: {field.parameter!r}"
                )
            continue
        rule = _FIELD_RULES.get(field.name)
        body[field.name] = rule(value, given) if rule else _of_kind(field, value)
    return body


def _of_kind(field: BodyField, value: object) -> Any:
    """A body field's value checked against its kind alone, copied as plain JSON."""
    name = field.parameter
    expected = {
        "str": (str,),
        "datetime": (str,),
        "enum": (str,),
        "int": (int,),
        "float": (int, float),
        "bool": (bool,),
    }.get(field.kind)
    if expected is not None:
        if not isinstance(value, expected) or (field.kind != "bool" and isinstance(value, bool)):
            raise TypeError(f"{name} must be {_KIND_NAMES[field.kind]}, not {type(value).__name__}")
        return _checked_json(name, value)
    if field.kind in ("map", "object"):
        return json_object(name, value, "a mapping")
    if field.kind == "list":
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"{name} must be a list, not {type(value).__name__}")
        items = list(value)
        if field.choices:
            for item in items:
                if item not in field.choices:
                    raise ValueError(
                        f"{name}: unknown value {item!r}; expected some of {list(field.choices)}"
                    )
        return _checked_json(name, items)
    return _checked_json(name, value)


def _checked_json(name: str, value: object) -> Any:
    try:
        return _json_value(value, name)
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply, or contains itself") from None


def _destination(value: object, given: Mapping[str, object]) -> str:
    model_name("destination", value)
    return str(value)


def _webhook_events(value: object, given: Mapping[str, object]) -> list[str]:
    webhook = given.get("webhook")
    return webhook_events(value, webhook if isinstance(webhook, str) else None)


_FIELD_RULES: Final[dict[str, Callable[[object, Mapping[str, object]], Any]]] = {
    "destination": _destination,
    "input": lambda value, given: training_input(value),
    "webhook": lambda value, given: webhook_url(value),
    "webhook_events_filter": _webhook_events,
}
"""Rules stricter than a field's kind, for the fields whose meaning this client knows.
A field the spec adds later is checked by its kind alone (`_of_kind`)."""
_BODY_PARAMETERS: Final = frozenset(field.parameter for field in TRAINING_REQUEST_FIELDS)
_KIND_NAMES: Final = {
    "str": "a string",
    "datetime": "an RFC 3339 timestamp string",
    "enum": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "True or False",
}


def cursor(value: object) -> str:
    """A listing position, as a page's `next_cursor` or `previous_cursor` gives it."""
    if not isinstance(value, str) or not value:
        raise (TypeError if not isinstance(value, str) else ValueError)(
            "cursor must be a non-empty string from a page's next_cursor or previous_cursor, "
            f"got {value!r}"
        )
    return encodable("cursor", value)
