"""Reading a create request's body, with the 400 and 422 answers the API gives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

from ._catalog import well_formed_model
from ._messages import Response, problem
from ._trainings import EVENTS


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A valid `TrainingRequest`."""

    destination: str
    input: dict[str, Any]
    webhook: str | None
    events: frozenset[str]


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes) -> Any | Response:
    """The JSON document in `body`, or a 400 answer if it is not strict JSON."""
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return problem(400, "Bad request", f"The request body is not valid JSON: {exc}")


def validate_create(data: Any) -> CreateRequest | Response:
    """`data` as a `CreateRequest`, or a 422 answer listing every invalid field."""
    if not isinstance(data, dict):
        return _invalid([("body", "The request body must be a JSON object")])
    invalid: list[tuple[str, str]] = []
    destination = data.get("destination")
    if destination is None:
        invalid.append(("destination", "destination is required"))
    elif not isinstance(destination, str) or not well_formed_model(destination):
        invalid.append(("destination", "Does not match format 'owner/name'"))
    payload = data.get("input")
    if payload is None:
        invalid.append(("input", "input is required"))
    elif not isinstance(payload, dict):
        invalid.append(("input", "Invalid type. Expected: object"))
    elif not _renderable(payload):
        invalid.append(("input", "Nested too deeply"))
    webhook = data.get("webhook")
    if webhook is not None and not _is_http_url(webhook):
        invalid.append(("webhook", "Does not match format 'uri' (http or https)"))
    events = data.get("webhook_events_filter")
    if events is not None and not isinstance(events, list):
        invalid.append(("webhook_events_filter", "Invalid type. Expected: array"))
    elif events is not None:
        for i, event in enumerate(events):
            if not isinstance(event, str) or event not in EVENTS:
                allowed = ", ".join(sorted(EVENTS))
                invalid.append((f"webhook_events_filter.{i}", f"Must be one of: {allowed}"))
    if invalid or not isinstance(destination, str) or not isinstance(payload, dict):
        return _invalid(invalid)
    return CreateRequest(
        destination,
        payload,
        webhook,
        EVENTS if events is None else frozenset(events),
    )


def _is_http_url(value: Any) -> bool:
    """True for an absolute http(s) URL the webhook sender (httpx) can post to."""
    if not isinstance(value, str) or any(c.isspace() for c in value):
        return False
    try:
        url = httpx.URL(value)
        host, port = url.host, url.port  # the host's IDNA is checked only when read
    except (httpx.InvalidURL, ValueError):  # UnicodeError (IDNA) is a ValueError
        return False
    return url.scheme in ("http", "https") and bool(host) and (port is None or 0 < port < 65536)


def _renderable(value: dict[str, Any]) -> bool:
    """False for an input too deeply nested to be sent back as JSON."""
    try:
        json.dumps(value)
    except (RecursionError, ValueError):
        return False
    return True


def _invalid(fields: list[tuple[str, str]]) -> Response:
    return problem(
        422,
        "Input validation failed",
        "".join(f"- {name}: {why}\n" for name, why in fields),
        invalid_fields=[{"type": "invalid", "field": n, "description": d} for n, d in fields],
    )
