"""Replicate's published spec, read: its training operations and what they use.

The first steps of `make update-spec` (scripts/update_spec.py), and what `make drift`
(scripts/drift.py) replays the overlay on: load a JSON or YAML file, extract the training
operations and the components they use, spell 3.0's `nullable` the 3.1 way, and name the
schemas as `x-schema-names` of openapi-overlay.yaml says.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

from scripts.overlay import DOCUMENTATION, DeviationConflict, OverlayError, check_target, select

METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
SCHEMAS = "#/components/schemas/"

Json = Any  # a node of a parsed JSON or YAML document


class UpdateError(Exception):
    """A file cannot be read, or the overlay is malformed."""


def parse_yaml(text: str) -> Json:
    """Parse YAML safely, with libyaml's loader when PyYAML has it (several times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def load(path: Path) -> Json:
    """A JSON or YAML file, parsed."""
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if path.suffix == ".json" else parse_yaml(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise UpdateError(f"{path}: {error}") from error
    if not isinstance(document, dict):
        raise UpdateError(f"{path}: expected a mapping at the top")
    return document


def is_training_route(op_id: object, path: str) -> bool:
    """Whether an operation (its id and path) belongs to the trainings API: an id
    "trainings.*" or a "trainings" path segment."""
    return (isinstance(op_id, str) and op_id.startswith("trainings.")) or (
        "trainings" in path.split("/")
    )


def parse_naming(naming: Json) -> tuple[str, dict[str, str]] | None:
    """The checked `x-schema-names`: its deviation, and each name's JSONPath target."""
    if naming is None:
        return None
    deviation = naming.get("x-deviation") if isinstance(naming, dict) else None
    names = naming.get("schemas") if isinstance(naming, dict) else None
    if not (isinstance(deviation, str) and isinstance(names, dict)):
        raise UpdateError("overlay: `x-schema-names` needs `x-deviation` and a `schemas` mapping")
    for target in names.values():
        if not isinstance(target, str):
            raise UpdateError("overlay: each of `x-schema-names` needs a JSONPath target")
        try:
            check_target(target)
        except OverlayError as error:
            raise UpdateError(f"overlay: {error}") from error
    return deviation, {str(name): target for name, target in names.items()}


# -- extract --------------------------------------------------------------------------


def extract(upstream: Mapping[str, Json]) -> Json:
    """Upstream's training operations, and the components they use (directly or not)."""
    paths = upstream.get("paths")
    if not isinstance(paths, dict):
        raise UpdateError("upstream: not an OpenAPI document (no `paths` mapping)")
    kept: dict[str, Json] = {}
    for route, item in paths.items():
        operations = {
            method: node
            for method, node in item.items()
            if method in METHODS and is_training_route(node.get("operationId"), str(route))
        }
        if operations:
            kept[route] = {k: v for k, v in item.items() if k not in METHODS or k in operations}
    if not kept:
        raise UpdateError("upstream: no training operations")
    document = {key: value for key, value in upstream.items() if key not in ("paths", "components")}
    document["paths"] = kept
    document["components"] = used_components(upstream.get("components") or {}, document)
    return document


def used_components(components: Mapping[str, Json], document: Json) -> dict[str, Json]:
    """The components a document refers to, transitively, in upstream's order; security
    schemes by the names its security requirements use."""
    wanted: set[tuple[str, str]] = set()
    pending = [document]
    while pending:
        for ref in refs(pending.pop()):
            parts = [token.replace("~1", "/").replace("~0", "~") for token in ref.split("/")]
            if len(parts) != 4 or parts[:2] != ["#", "components"]:
                raise UpdateError(f"upstream: unsupported $ref {ref!r}")
            kind, name = parts[2], parts[3]
            if (kind, name) not in wanted:
                if name not in components.get(kind, {}):
                    raise UpdateError(f"upstream: $ref {ref} points nowhere")
                wanted.add((kind, name))
                pending.append(components[kind][name])
    for requirement in security_requirements(document):
        wanted.update(("securitySchemes", name) for name in requirement)
    used = {
        kind: {name: node for name, node in nodes.items() if (kind, name) in wanted}
        for kind, nodes in components.items()
    }
    return {kind: nodes for kind, nodes in used.items() if nodes}


def refs(node: Json) -> Iterator[str]:
    """Every $ref string in a node."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def security_requirements(document: Json) -> Iterator[Mapping[str, Json]]:
    """The security requirements of the document and of each of its operations."""
    yield from document.get("security") or []
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                yield from operation.get("security") or []


# -- spell ----------------------------------------------------------------------------


def spell_nullable(node: Json) -> None:
    """Spell OpenAPI 3.0's `nullable: true` the 3.1 way, in place: upstream declares 3.1.0
    but writes `nullable`, which 3.1 drops, so a JSON Schema validator would refuse a null
    upstream allows. The meaning is unchanged (the drift report reads both alike)."""
    if isinstance(node, list):
        for item in node:
            spell_nullable(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if not key.startswith("x-") and key not in ("example", "examples"):
            spell_nullable(value)
    if not isinstance(node.get("nullable"), bool) or not node.pop("nullable"):
        return
    kind = node.get("type")
    if isinstance(kind, str | list):
        kinds = [kind] if isinstance(kind, str) else kind
        node["type"] = kinds if "null" in kinds else [*kinds, "null"]
        if isinstance(node.get("enum"), list) and None not in node["enum"]:
            node["enum"].append(None)
    else:  # no type ($ref, anyOf, ...): one of the schema or null
        inner = {key: node.pop(key) for key in list(node) if key not in DOCUMENTATION}
        node["anyOf"] = [inner, {"type": "null"}]


# -- name -----------------------------------------------------------------------------


def name_schemas(document: Json, deviation: str, names: Mapping[str, str]) -> None:
    """Make each named target a component schema of that name, pointed to by $refs."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name, target in names.items():
        matches = select(document, target)
        if len(matches) != 1 or not isinstance(matches[0].obj, dict):
            found = "nothing" if not matches else f"{len(matches)} nodes, not one schema"
            raise DeviationConflict(deviation, f"{target} (for {name}) selects {found}")
        if name in schemas:
            raise DeviationConflict(deviation, f"upstream already has a schema {name}")
        node, parts = matches[0].obj, matches[0].parts
        if isinstance(node.get("$ref"), str) and node["$ref"].startswith(SCHEMAS):
            old = node["$ref"][len(SCHEMAS) :]  # a reference: name what it points to
        elif len(parts) == 3 and tuple(parts[:2]) == ("components", "schemas"):
            old = str(parts[2])  # a component already: rename it
        else:  # inline: move it into the components
            schemas[name] = node
            parent = document
            for part in parts[:-1]:
                parent = parent[part]
            parent[parts[-1]] = {"$ref": SCHEMAS + name}
            continue
        schemas[name] = schemas.pop(old)
        retarget(document, SCHEMAS + old, SCHEMAS + name)


def retarget(node: Json, old: str, new: str) -> None:
    """Point every $ref equal to `old` at `new`."""
    if isinstance(node, dict):
        if node.get("$ref") == old:
            node["$ref"] = new
        for value in node.values():
            retarget(value, old, new)
    elif isinstance(node, list):
        for value in node:
            retarget(value, old, new)
