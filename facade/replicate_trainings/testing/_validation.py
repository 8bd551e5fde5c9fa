"""Reading a create request's body, with the 400 and 422 answers the API gives.

The body is checked against the spec's `TrainingRequest` schema (the `openapi.json` that
`replicate_trainings_api` ships, written by `make generate` from openapi.yaml) with
`jsonschema`, so a field added upstream is accepted, and checked, with no edit here.
What a schema cannot say lives in `semantic_problems`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import httpx

from ._catalog import well_formed_model
from ._messages import Response, problem
from ._trainings import EVENTS

SPEC_URI = "urn:replicate-trainings:openapi.json"
REQUEST_SCHEMA = SPEC_URI + "#/components/schemas/TrainingRequest"
INSTALL_HINT = "pip install 'replicate-trainings[testing]'"
_MAX_MESSAGE = 200


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A valid `TrainingRequest`."""

    destination: str
    input: dict[str, Any]
    webhook: str | None
    events: frozenset[str]
    given: dict[str, Any] = field(default_factory=dict)
    """Every field of the body as sent, for a training field of the same name to show."""


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
    invalid = schema_problems(data)
    if not invalid:
        invalid = semantic_problems(data)
    if invalid:
        return _invalid(invalid)
    events = data.get("webhook_events_filter")
    return CreateRequest(
        data["destination"],
        data["input"],
        data.get("webhook"),
        EVENTS if events is None else frozenset(events),
        dict(data),
    )


@dataclass(frozen=True, slots=True)
class RequestSchema:
    """The spec's `TrainingRequest` as a `jsonschema` validator, and its fields' order."""

    validator: Any
    fields: tuple[str, ...]


@cache
def request_schema() -> RequestSchema:
    """The `TrainingRequest` of the spec `replicate_trainings_api` ships, built once."""
    spec = resources.files("replicate_trainings_api").joinpath("openapi.json").read_text("utf-8")
    return schema_from(json.loads(spec))


def schema_from(spec: dict[str, Any]) -> RequestSchema:
    """The `TrainingRequest` of an OpenAPI 3.1 document, as a validator.

    `jsonschema` is the `testing` extra's one dependency: missing, this raises an
    ImportError that says how to install it.
    """
    try:
        # The testing extra, imported on first use (jsonschema ships no type hints).
        from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # noqa: PLC0415
        from referencing import Registry, Resource  # noqa: PLC0415
        from referencing.jsonschema import DRAFT202012  # noqa: PLC0415
    except ImportError as exc:
        raise ImportError(
            f"replicate_trainings.testing validates requests with jsonschema: {INSTALL_HINT}"
        ) from exc
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource(SPEC_URI, resource)
    schema = registry.resolver().lookup(REQUEST_SCHEMA).contents
    return RequestSchema(
        Draft202012Validator({"$ref": REQUEST_SCHEMA}, registry=registry),
        tuple(schema.get("properties", {})),
    )


def schema_problems(data: Any, schema: RequestSchema | None = None) -> list[tuple[str, str]]:
    """Each (field, why) the `TrainingRequest` schema (the spec's, unless given) refuses in
    `data`, in the schema's field order; a field is named by its path, e.g.
    `webhook_events_filter.1`."""
    schema = schema or request_schema()
    order = {name: i for i, name in enumerate(schema.fields)}
    found: dict[tuple[Any, ...], tuple[str, str]] = {}
    for error in schema.validator.iter_errors(data):
        path = list(error.absolute_path)
        if error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    found.setdefault((*path, name), (_field([*path, name]), f"{name} is required"))
        else:
            found.setdefault(tuple(path), (_field(path), _message(error)))
    ranked = sorted(found.items(), key=lambda item: order.get(_head(item[0]), len(order)))
    return [problem for _, problem in ranked]


def semantic_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """What the spec cannot express, for a body its schema accepts: the rules the API
    applies beyond types, and values the server could not send back as JSON."""
    invalid: list[tuple[str, str]] = []
    if not well_formed_model(data["destination"]):
        invalid.append(("destination", "Does not match format 'owner/name'"))
    for name, value in data.items():  # input, and any field a training may show back
        invalid += unsendable(value, name)
    webhook = data.get("webhook")
    if webhook is not None and not _is_http_url(webhook):
        invalid.append(("webhook", "Does not match format 'uri' (http or https)"))
    return invalid


def _field(path: list[Any]) -> str:
    return ".".join(str(part) for part in path) or "body"


def _head(path: tuple[Any, ...]) -> Any:
    return path[0] if path else None


def _message(error: Any) -> str:
    """A jsonschema error in the API's words, at most a line of bounded length."""
    kind, expected = error.validator, error.validator_value
    if kind == "type" and not error.absolute_path:
        return "The request body must be a JSON object"
    if kind == "type":
        types = expected if isinstance(expected, list) else [expected]
        return "Invalid type. Expected: " + ", ".join(map(str, types))
    if kind == "enum":
        return "Must be one of: " + ", ".join(sorted(map(str, expected)))
    text = " ".join(str(error.message).split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def unsendable(value: Any, name: str) -> list[tuple[str, str]]:
    """Each (path, why) in `value` (named `name`) that the server could not send back as
    JSON: a number out of a double's range (`1e999` parses as infinity), or nesting too
    deep to render. The server never answers what is not JSON."""
    found: list[tuple[str, str]] = []
    stack: list[tuple[str, Any]] = [(name, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            found.append((path, "Number out of range: JSON cannot carry it"))
        elif isinstance(item, dict):
            stack += [(f"{path}.{key}", member) for key, member in reversed(item.items())]
        elif isinstance(item, list):
            stack += [(f"{path}.{i}", member) for i, member in reversed(list(enumerate(item)))]
    try:
        json.dumps(value, allow_nan=False)
    except RecursionError:
        found.append((name, "Nested too deeply"))
    except ValueError:
        pass  # a non-finite number, found above
    return found


def _is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL the webhook sender (httpx) can post to."""
    if any(c.isspace() for c in value):
        return False
    try:
        url = httpx.URL(value)
        host, port = url.host, url.port  # the host's IDNA is checked only when read
    except (httpx.InvalidURL, ValueError):  # UnicodeError (IDNA) is a ValueError
        return False
    return url.scheme in ("http", "https") and bool(host) and (port is None or 0 < port < 65536)


def _invalid(fields: list[tuple[str, str]]) -> Response:
    return problem(
        422,
        "Input validation failed",
        "".join(f"- {name}: {why}\n" for name, why in fields),
        invalid_fields=[{"type": "invalid", "field": n, "description": d} for n, d in fields],
    )
