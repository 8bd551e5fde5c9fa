"""Check an HTTP answer against openapi.yaml: the schema declared for its path, method,
status (else `default`) and content type. Shared by the local server's contract test
and the facade's reliability tests.

    check_response(response)          # raises AssertionError naming what broke
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
SPEC_URI = "urn:replicate-trainings:openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    """openapi.yaml, parsed."""
    document: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return document


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@cache
def _path_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each spec path template as a regex over the path below the server's base path."""
    patterns = []
    for template in spec()["paths"]:
        regex = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template))
        patterns.append((re.compile(regex + "$"), template))
    return tuple(patterns)


def operation_for(method: str, path: str, base_path: str = "/v1") -> tuple[str, str]:
    """The (path template, method) in openapi.yaml that `method path` is an instance of."""
    relative = path.removeprefix(base_path)
    for pattern, template in _path_patterns():
        if pattern.match(relative) and method.lower() in spec()["paths"][template]:
            return template, method.lower()
    raise AssertionError(f"{method} {path} is not an operation of openapi.yaml")


def schema_pointer(template: str, method: str, status: int, content_type: str) -> str:
    """The JSON pointer of the schema openapi.yaml declares for this answer."""
    responses = spec()["paths"][template][method]["responses"]
    key = str(status) if str(status) in responses else "default"
    assert key in responses, f"{method.upper()} {template} declares no {status} and no default"
    response = responses[key]
    pointer = f"/paths/{template.replace('~', '~0').replace('/', '~1')}/{method}/responses/{key}"
    if "$ref" in response:
        pointer = response["$ref"].removeprefix("#")
        response = _resolve(pointer)
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    content = response.get("content", {})
    assert media in content, (
        f"{method.upper()} {template} {status}: content type {media!r} not declared "
        f"(declared: {sorted(content)})"
    )
    return f"{pointer}/content/{media.replace('/', '~1')}/schema"


@cache
def _validator(pointer: str) -> OAS31Validator:
    return OAS31Validator(
        {"$ref": f"{SPEC_URI}#{pointer}"},
        registry=_registry(),
        format_checker=OAS31Validator.FORMAT_CHECKER,
    )


def validate_body(pointer: str, document: Any) -> None:
    """Validate `document` against the schema at `pointer` in openapi.yaml, formats included."""
    errors = sorted(_validator(pointer).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        details = "\n".join(f"  at {list(e.path)}: {e.message}" for e in errors[:10])
        raise AssertionError(f"answer does not match openapi.yaml {pointer}:\n{details}")


def check_response(response: httpx.Response, base_path: str = "/v1") -> Any:
    """Assert `response` is what openapi.yaml promises for its request; returns its JSON."""
    request = response.request
    template, method = operation_for(request.method, request.url.path, base_path)
    content_type = response.headers.get("content-type", "")
    pointer = schema_pointer(template, method, response.status_code, content_type)
    try:
        document = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{request.method} {request.url.path}: body is not JSON") from exc
    validate_body(pointer, document)
    return document


def _resolve(pointer: str) -> Any:
    node: Any = spec()
    for part in pointer.strip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node
