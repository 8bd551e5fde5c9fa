"""Checks of caller arguments, run before anything is sent; each error names the argument."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from replicate_trainings_api.models.webhook_event import WebhookEvent

# A name segment or id: starts with a letter or digit, then letters, digits, '.', '_', '-'.
# That rules out empty strings, '.', '..', '/', '?', '#', '%' and spaces: no id can
# reach another endpoint, whatever quoting happens later.
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_WEBHOOK_EVENTS = frozenset(event.value for event in WebhookEvent)


def identifier(name: str, value: object) -> str:
    """A training id or version id: one safe path segment."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    if not _SEGMENT.fullmatch(value):
        raise ValueError(
            f"{name} must be a non-empty id of letters, digits, '.', '_' or '-', got {value!r}"
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
    """The `input` mapping: string keys, JSON-serializable values."""
    if not isinstance(value, Mapping):
        raise TypeError(
            f"input must be a mapping of input names to values, not {type(value).__name__}"
        )
    bad_keys = [key for key in value if not isinstance(key, str)]
    if bad_keys:
        raise TypeError(f"input keys must be strings, got {bad_keys[0]!r}")
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"input must be JSON-serializable: {exc}") from None
    return dict(value)


def webhook_url(value: object) -> str:
    """An https URL; plain http only to this machine (a local receiver in development)."""
    if not isinstance(value, str):
        raise TypeError(f"webhook must be a URL string, not {type(value).__name__}")
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or not host:
        raise ValueError(f"webhook must be an absolute https URL, got {value!r}")
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(host)):
        return value
    raise ValueError(f"webhook must be an https URL, got {value!r}")


def webhook_events(value: object, webhook: str | None) -> list[str]:
    """A non-empty list of distinct events from start, output, logs, completed."""
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
    for event in events:
        if event not in _WEBHOOK_EVENTS:
            raise ValueError(
                f"webhook_events_filter: unknown event {event!r}; "
                f"expected some of {sorted(_WEBHOOK_EVENTS)}"
            )
    return list(dict.fromkeys(str(event) for event in events))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
