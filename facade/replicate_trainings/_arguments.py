"""Checks of caller arguments, run before anything is sent; each error names the argument."""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .errors import ResponseParseError

# A name segment or id: starts with a letter or digit, then letters, digits, '.', '_', '-'.
# That rules out empty strings, '.', '..', '/', '?', '#', '%' and spaces: no id can
# reach another endpoint, whatever quoting happens later.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def identifier(name: str, value: object) -> str:
    """A training id or version id: one safe path segment."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not _SEGMENT.fullmatch(value):
        raise ValueError(
            f"{name} must be a non-empty id of letters, digits, '.', '_' or '-', got {value!r}"
        )
    return value


def server_identifier(value: str) -> str:
    """A training id the server chose, about to go back into a path: one safe segment.

    Not the caller's mistake, so not a ValueError: the server sent something no id can be.
    """
    if not _SEGMENT.fullmatch(value):
        raise ResponseParseError(
            f"the server gave a training the id {value!r}, which cannot be sent back as a "
            "path segment (letters, digits, '.', '_' or '-')"
        )
    return value


def model_name(name: str, value: object) -> tuple[str, str]:
    """An `owner/name` pair, as `model` and `destination` take."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string 'owner/name', not {type(value).__name__}")
    owner, slash, model = value.partition("/")
    if not (slash and _SEGMENT.fullmatch(owner) and _SEGMENT.fullmatch(model)):
        raise ValueError(f"{name} must be 'owner/name', got {value!r}")
    return owner, model


def model_version(ref: object, model: object, version: object) -> tuple[str, str, str]:
    """(owner, name, version) from `ref` ('owner/name:version') or `model` and `version`."""
    if ref is not None:
        if model is not None or version is not None:
            raise TypeError("give either ref or model= and version=, not both")
        if not isinstance(ref, str):
            raise TypeError(f"ref must be a string 'owner/name:version', not {type(ref).__name__}")
        model, colon, version = ref.partition(":")
        if not colon:
            raise ValueError(f"ref must be 'owner/name:version', got {ref!r}")
    elif model is None or version is None:
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
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
