"""Report how the training operations of an upstream OpenAPI spec differ from openapi.yaml.

Operations are matched by operationId, else by method and path, and compared for
meaning, not spelling: $refs and allOf are resolved on both sides; OpenAPI 3.0
`nullable: true`, 3.1 `type: [.., "null"]` and anyOf-with-null all mean "nullable";
anyOf [enum, {type: string}] is an enum marked open; descriptions and examples are
ignored. Every difference has a stable key. The overlay's actions are the record: the
keys each deviation explains are those its actions make, replayed on the recorded upstream
(upstream/replicate-openapi.json); those are listed with the deviation's reason, the rest
are NEW. Recorded keys that no longer occur are reported as stale (a warning).

    python scripts/drift.py [UPSTREAM] [--ours openapi.yaml] [--overlay FILE] [--json]

Exit status: 0 nothing new, 1 new differences, 2 a file cannot be read or understood.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `scripts` importable
    sys.path.insert(0, str(ROOT))

from scripts.overlay import OverlayError, apply_actions, parse_actions  # noqa: E402
from scripts.upstream import (  # noqa: E402
    UpdateError,
    extract,
    is_training_route,
    load,
    name_schemas,
    parse_naming,
    parse_yaml,
    spell_nullable,
)

OURS = ROOT / "openapi.yaml"
OVERLAY = ROOT / "openapi-overlay.yaml"
RECORDED = ROOT / "upstream" / "replicate-openapi.json"
PATH_ITEM_KEYS = frozenset({"parameters", "summary", "description", "servers"})
SCHEMA_REF = "#/components/schemas/"

Json = Any  # a node of a parsed JSON or YAML document


class DriftError(Exception):
    """A spec or the deviations record cannot be read or understood."""


@dataclass(frozen=True)
class Difference:
    """One fact that differs: its stable key, where it was seen, and both sides' values."""

    key: str
    where: str
    upstream: str
    ours: str
    aspect: str = ""
    """What differs: "property", "format", "enum value paused", "operation", ..."""
    label: str = ""
    """The place, as the key's prefix."""
    required: bool = False
    """For something on one side only: whether that side requires it."""


@dataclass(frozen=True)
class Deviation:
    """A deliberate difference: an id, why we differ, and the keys of what it explains
    (derived from the overlay's actions, never written by hand)."""

    id: str
    reason: str
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A difference key with every place it occurs, and the deviation recording it, if any."""

    key: str
    where: tuple[str, ...]
    upstream: str
    ours: str
    deviation: Deviation | None = None


@dataclass(frozen=True)
class Report:
    """The outcome: new and recorded findings, and recorded keys that no longer occur."""

    operations: tuple[str, ...]
    new: tuple[Finding, ...]
    recorded: tuple[Finding, ...]
    stale: tuple[tuple[str, Deviation], ...]


@dataclass(frozen=True)
class Place:
    """Where a comparison stands, as a key prefix (anchor+rel) and for humans (origin+path).

    The anchor is the innermost named schema of ours, so a difference inside a shared
    schema has one key wherever it is used; outside named schemas it is the operation part.
    """

    origin: str
    anchor: str
    path: str = ""
    rel: str = ""
    named: bool = False
    seen: frozenset[tuple[str | None, str | None]] = frozenset()

    def child(self, step: str) -> Place:
        """The place one step (".name", "[]", "{*}", ".anyOf[0]") further in."""
        return replace(self, path=self.path + step, rel=self.rel + step)

    def enter(self, name: str | None, pair: tuple[str | None, str | None]) -> Place:
        """The place inside a schema: re-anchored if ours names it, with the pair marked seen."""
        seen = self.seen | {pair} if pair != (None, None) else self.seen
        if name is None:
            return replace(self, seen=seen)
        return replace(self, anchor=name, rel="", named=True, seen=seen)

    def label(self) -> str:
        """The key prefix, e.g. "Training.logs" or "trainings.list ... application/json $.next"."""
        if not self.rel:
            return self.anchor
        return self.anchor + self.rel if self.named else f"{self.anchor} ${self.rel}"

    def where(self) -> str:
        """The full location from the operation, e.g. "trainings.list ... $.results[].logs"."""
        return f"{self.origin} ${self.path}" if self.path else self.origin


@dataclass(frozen=True)
class Shape:
    """A schema reduced to what a client sees; properties and items stay raw (lazy, cycle-safe)."""

    name: str | None = None
    aliases: tuple[str, ...] = ()
    """Further names a $ref chain passes through (an alias schema that is only a $ref)."""
    types: frozenset[str] = frozenset()
    nullable: bool = False
    format: str | None = None
    enum: frozenset[str] | None = None
    open_enum: bool = False
    properties: Mapping[str, Json] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    items: Json = None
    additional: Json = True
    variants: tuple[Shape, ...] = ()


@dataclass(frozen=True)
class Operation:
    """One operation: id, method, path template, definition and resolved parameters."""

    op_id: str | None
    method: str
    path: str
    node: Mapping[str, Json]
    parameters: Mapping[tuple[str, str], Mapping[str, Json]]

    @property
    def route(self) -> str:
        """Method and path, e.g. "GET /trainings"."""
        return f"{self.method.upper()} {self.path}"

    @property
    def label(self) -> str:
        """The operationId, or the route when there is none."""
        return self.op_id or self.route


class Spec:
    """A parsed OpenAPI document whose local $refs can be followed."""

    def __init__(self, document: Json, source: str) -> None:
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            raise DriftError(f"{source}: not an OpenAPI document (no `paths` mapping)")
        self.document = document
        self.source = source

    @classmethod
    def load(cls, path: Path) -> Spec:
        """Read a JSON or YAML spec (JSON by the .json suffix, else YAML, which JSON also is)."""
        try:
            text = path.read_text(encoding="utf-8")
            document = json.loads(text) if path.suffix == ".json" else parse_yaml(text)
        except (OSError, ValueError, yaml.YAMLError) as error:
            raise DriftError(f"{path}: {error}") from error
        return cls(document, str(path))

    def follow(self, node: Json) -> tuple[Json, str | None]:
        """The node a $ref chain ends at (siblings laid over it), and the first schema name."""
        name: str | None = None
        refs: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in refs:
                raise DriftError(f"{self.source}: circular $ref {ref}")
            refs.add(ref)
            if name is None and ref.startswith(SCHEMA_REF):
                name = ref[len(SCHEMA_REF) :]
            siblings = {key: value for key, value in node.items() if key != "$ref"}
            node = {**self._pointer(ref), **siblings}
        return node, name

    def aliases(self, node: Json) -> tuple[str, ...]:
        """The schema names a $ref chain passes through after its first."""
        names: list[str] = []
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref.startswith(SCHEMA_REF):
                names.append(ref[len(SCHEMA_REF) :])
            if len(names) > 16:  # a cycle; follow() reports it
                break
            node = self._pointer(ref)
        return tuple(names[1:])

    def _pointer(self, ref: str) -> Json:
        """The node a local JSON pointer ("#/a/b") names."""
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise DriftError(f"{self.source}: only local $refs are supported, not {ref!r}")
        node = self.document
        for escaped in ref[2:].split("/"):
            token = escaped.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or token not in node:
                raise DriftError(f"{self.source}: $ref {ref} points nowhere")
            node = node[token]
        return node

    def operations(self) -> list[Operation]:
        """Every operation of the document, in document order."""
        found = []
        for path, raw_item in self.document["paths"].items():
            item, _ = self.follow(raw_item)
            shared = self._parameters(item.get("parameters", []))
            for method, node in item.items():
                if method in PATH_ITEM_KEYS or not isinstance(node, dict):
                    continue
                parameters = {**shared, **self._parameters(node.get("parameters", []))}
                op_id = node.get("operationId")
                found.append(Operation(op_id, method.lower(), str(path), node, parameters))
        return found

    def _parameters(self, raw: Iterable[Json]) -> dict[tuple[str, str], Mapping[str, Json]]:
        """Parameters by (location, name), $refs followed."""
        resolved = (self.follow(parameter)[0] for parameter in raw)
        return {(str(p.get("in")), str(p.get("name"))): p for p in resolved}

    def shape(self, raw: Json) -> Shape:
        """Reduce a schema: $refs, allOf, the three nullable spellings and open enums folded in."""
        node, name = self.follow(raw if isinstance(raw, dict) else {})
        aliases = self.aliases(raw)
        if "allOf" in node:
            node, name = self._merge_all_of(node, name)
        branches = node.get("anyOf") or node.get("oneOf")
        if branches:
            shape = self._from_branches(node, name, [self.shape(branch) for branch in branches])
        else:
            shape = plain_shape(node, name)
        return replace(shape, aliases=aliases) if aliases else shape

    def _merge_all_of(self, node: Mapping[str, Json], name: str | None) -> tuple[Json, str | None]:
        """One schema from allOf parts (properties and required united); named if only one part."""
        parts = [self.follow(part) for part in node["allOf"]]
        merged = {key: value for key, value in node.items() if key != "allOf"}
        for resolved, _ in parts:
            part = self._merge_all_of(resolved, None)[0] if "allOf" in resolved else resolved
            merged["properties"] = {**part.get("properties", {}), **merged.get("properties", {})}
            merged["required"] = [*merged.get("required", []), *part.get("required", [])]
            for key, value in part.items():
                merged.setdefault(key, value)
        return merged, name or (parts[0][1] if len(parts) == 1 else None)

    def _from_branches(
        self, node: Mapping[str, Json], name: str | None, shapes: list[Shape]
    ) -> Shape:
        """The shape of an anyOf/oneOf: null branches make it nullable; enum + string is open."""
        kept = [shape for shape in shapes if not is_null(shape)]
        nullable = len(kept) < len(shapes) or node.get("nullable") is True
        if len(kept) == 1:
            return replace(
                kept[0], name=name or kept[0].name, nullable=nullable or kept[0].nullable
            )
        opened = open_enum(kept)
        if opened is not None:
            return replace(opened, name=name or opened.name, nullable=nullable)
        return Shape(name=name, nullable=nullable, variants=tuple(kept))


def plain_shape(node: Mapping[str, Json], name: str | None) -> Shape:
    """The shape of a schema without anyOf/oneOf."""
    raw_types = node.get("type", [])
    types = [raw_types] if isinstance(raw_types, str) else list(raw_types)
    nullable = node.get("nullable") is True or "null" in types
    enum: frozenset[str] | None = None
    if "enum" in node:
        nullable = nullable or None in node["enum"]
        enum = frozenset(show(value) for value in node["enum"] if value is not None)
    return Shape(
        name=name,
        types=frozenset(kind for kind in types if kind != "null"),
        nullable=nullable,
        format=node.get("format"),
        enum=enum,
        properties=node.get("properties", {}),
        required=frozenset(node.get("required", [])),
        items=node.get("items"),
        additional=node.get("additionalProperties", True),
    )


def schema_name(shape: Shape) -> str:
    """A schema's name as generated code sees it: "Training", "inline", or an alias chain
    "schemas_training_response -> training_v2"."""
    return " -> ".join([shape.name or "inline", *shape.aliases])


def is_null(shape: Shape) -> bool:
    """Whether a branch admits only null ({type: "null"})."""
    return shape.nullable and not (shape.types or shape.enum or shape.variants or shape.properties)


def open_enum(shapes: list[Shape]) -> Shape | None:
    """The enum marked open, if the branches are exactly an enum and a plain string."""
    closed = [shape for shape in shapes if shape.enum is not None]
    plain = [shape for shape in shapes if shape == Shape(types=frozenset({"string"}))]
    if len(shapes) == 2 and len(closed) == 1 and len(plain) == 1:
        return replace(closed[0], open_enum=True)
    return None


def show(value: Json) -> str:
    """A value as it appears in keys: strings bare, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def yes_no(flag: object) -> str:
    """A flag as "yes"/"no"."""
    return "yes" if flag is True else "no"


def show_types(types: frozenset[str]) -> str:
    """A type set as "string", "integer|string", or "any" when unconstrained."""
    return "|".join(sorted(types)) or "any"


def show_enum(shape: Shape) -> str:
    """An enum as its sorted values, or "none"."""
    return "|".join(sorted(shape.enum)) if shape.enum is not None else "none"


def show_additional(value: Json) -> str:
    """additionalProperties as "allowed", "forbidden" or "schema"."""
    if isinstance(value, dict):
        return "schema"
    return "forbidden" if value is False else "allowed"


class Comparison:
    """Walks the matched operations of two specs and collects their differences."""

    def __init__(self, upstream: Spec, ours: Spec) -> None:
        self.upstream = upstream
        self.ours = ours
        self.found: list[Difference] = []
        self.matched: list[str] = []

    def run(self) -> list[Difference]:
        """Compare every operation of ours and every training operation upstream; the findings."""
        for theirs, mine in pair_operations(self.upstream.operations(), self.ours.operations()):
            if theirs is None or mine is None:
                op = theirs or mine
                assert op is not None  # a pair always has at least one side
                place = Place(origin=op.route, anchor=op.label)
                self.only(place, "operation", upstream=theirs is not None)
            else:
                self.matched.append(mine.label)
                self.operation(theirs, mine)
        return self.found

    def record(
        self, place: Place, statement: str, values: tuple[str, str], aspect: str, required: bool
    ) -> None:
        """Note one difference at a place."""
        label = place.label()
        key = f"{label}: {statement}"
        self.found.append(Difference(key, place.where(), *values, aspect, label, required))

    def only(self, place: Place, what: str, *, upstream: bool, required: bool = False) -> None:
        """Note something present on one side only (`required`: that side requires it)."""
        side = "upstream" if upstream else "ours"
        present, absent = "present", "absent"
        values = (present, absent) if upstream else (absent, present)
        self.record(place, f"{what} only in {side}", values, what, required)

    def changed(self, place: Place, aspect: str, upstream: str, ours: str) -> None:
        """Note an aspect whose value differs, if it does."""
        if upstream != ours:
            statement = f"{aspect} upstream {upstream}, ours {ours}"
            self.record(place, statement, (upstream, ours), aspect, False)

    def operation(self, theirs: Operation, mine: Operation) -> None:
        """Compare two matched operations: identity, parameters, request body, responses."""
        place = Place(origin=mine.label, anchor=mine.label)
        self.changed(place, "operationId", str(theirs.op_id), str(mine.op_id))
        self.changed(place, "route", theirs.route, mine.route)
        self.parameters(theirs, mine, place)
        self.request_body(theirs, mine, place)
        self.responses(theirs, mine, place)

    def parameters(self, theirs: Operation, mine: Operation, place: Place) -> None:
        """Compare parameters by location and name: presence, required-ness, schema."""
        for key in sorted(theirs.parameters.keys() | mine.parameters.keys()):
            what = f"{key[0]} parameter {key[1]}"
            up, ours = theirs.parameters.get(key), mine.parameters.get(key)
            if up is None or ours is None:
                side = up if up is not None else ours
                assert side is not None  # the key came from one of them
                needed = side.get("required") is True
                self.only(place, what, upstream=up is not None, required=needed)
                continue
            sub = Place(origin=f"{place.origin} {what}", anchor=f"{place.anchor} {what}")
            required = (yes_no(up.get("required")), yes_no(ours.get("required")))
            self.changed(sub, "required", *required)
            self.schema(up.get("schema"), ours.get("schema"), sub)

    def request_body(self, theirs: Operation, mine: Operation, place: Place) -> None:
        """Compare request bodies: presence, required-ness, media types and schemas."""
        up, _ = self.upstream.follow(theirs.node.get("requestBody"))
        ours, _ = self.ours.follow(mine.node.get("requestBody"))
        if up is None or ours is None:
            if up is not None or ours is not None:
                side = up if up is not None else ours
                needed = side.get("required") is True
                self.only(place, "request body", upstream=up is not None, required=needed)
            return
        required = (yes_no(up.get("required")), yes_no(ours.get("required")))
        self.changed(place, "request body required", *required)
        self.content(up, ours, place, "request body")

    def responses(self, theirs: Operation, mine: Operation, place: Place) -> None:
        """Compare responses by status code: presence, media types and schemas."""
        up_all = {str(code): r for code, r in theirs.node.get("responses", {}).items()}
        our_all = {str(code): r for code, r in mine.node.get("responses", {}).items()}
        for code in sorted(up_all.keys() | our_all.keys()):
            if code not in up_all or code not in our_all:
                self.only(place, f"response {code}", upstream=code in up_all)
                continue
            up, _ = self.upstream.follow(up_all[code])
            ours, _ = self.ours.follow(our_all[code])
            self.content(up, ours, place, f"response {code}")

    def content(self, up: Json, ours: Json, place: Place, what: str) -> None:
        """Compare the media types of a body and, for those both have, their schemas."""
        up_media, our_media = up.get("content", {}), ours.get("content", {})
        for media in sorted(up_media.keys() | our_media.keys()):
            if media not in up_media or media not in our_media:
                self.only(place, f"{what} {media}", upstream=media in up_media)
                continue
            label = f"{what} {media}"
            sub = Place(origin=f"{place.origin} {label}", anchor=f"{place.anchor} {label}")
            self.schema(up_media[media].get("schema"), our_media[media].get("schema"), sub)

    def schema(self, up_raw: Json, our_raw: Json, place: Place) -> None:
        """Compare two raw schemas."""
        self.shapes(self.upstream.shape(up_raw), self.ours.shape(our_raw), place)

    def shapes(self, up: Shape, ours: Shape, place: Place) -> None:
        """Compare two shapes: the node itself, then (once per schema pair) what it contains."""
        self.node(up, ours, place)
        pair = (up.name, ours.name)
        if pair in place.seen:
            return
        inner = place.enter(ours.name, pair)
        self.properties(up, ours, inner)
        self.items(up, ours, inner)
        self.additional(up, ours, inner)
        self.variants(up, ours, inner)

    def node(self, up: Shape, ours: Shape, place: Place) -> None:
        """Compare what a schema says of the value itself: name, type, nullability, format, enum."""
        self.changed(place, "schema", schema_name(up), schema_name(ours))
        self.changed(place, "type", show_types(up.types), show_types(ours.types))
        self.changed(place, "nullable", yes_no(up.nullable), yes_no(ours.nullable))
        self.changed(place, "format", up.format or "none", ours.format or "none")
        if up.enum is None or ours.enum is None:
            self.changed(place, "enum", show_enum(up), show_enum(ours))
            return
        for value in sorted(up.enum ^ ours.enum):
            self.only(place, f"enum value {value}", upstream=value in up.enum)
        openness = ["open" if shape.open_enum else "closed" for shape in (up, ours)]
        self.changed(place, "enum", *openness)

    def properties(self, up: Shape, ours: Shape, place: Place) -> None:
        """Compare object properties: presence, required-ness, and each common one's schema."""
        for name in sorted(up.properties.keys() | ours.properties.keys()):
            child = place.child(f".{name}")
            if name not in up.properties or name not in ours.properties:
                side = up if name in up.properties else ours
                needed = name in side.required
                self.only(child, "property", upstream=name in up.properties, required=needed)
                continue
            required = (yes_no(name in up.required), yes_no(name in ours.required))
            self.changed(child, "required", *required)
            self.schema(up.properties[name], ours.properties[name], child)

    def items(self, up: Shape, ours: Shape, place: Place) -> None:
        """Compare array items."""
        child = place.child("[]")
        if up.items is not None and ours.items is not None:
            self.schema(up.items, ours.items, child)
        elif up.items is not None or ours.items is not None:
            self.only(child, "items", upstream=up.items is not None)

    def additional(self, up: Shape, ours: Shape, place: Place) -> None:
        """Compare additionalProperties: allowed, forbidden, or a schema (compared as {*})."""
        if isinstance(up.additional, dict) and isinstance(ours.additional, dict):
            self.schema(up.additional, ours.additional, place.child("{*}"))
            return
        shown = (show_additional(up.additional), show_additional(ours.additional))
        self.changed(place, "additional properties", *shown)

    def variants(self, up: Shape, ours: Shape, place: Place) -> None:
        """Compare the branches of an anyOf/oneOf that is neither nullable nor an open enum."""
        self.changed(place, "variants", str(len(up.variants)), str(len(ours.variants)))
        for index, (theirs, mine) in enumerate(zip(up.variants, ours.variants, strict=False)):
            self.shapes(theirs, mine, place.child(f".anyOf[{index}]"))


def pair_operations(
    upstream: list[Operation], ours: list[Operation]
) -> list[tuple[Operation | None, Operation | None]]:
    """Match each of our operations upstream (operationId, else route); add upstream's other
    training operations (id "trainings.*" or a "trainings" path segment) unmatched."""
    by_id = {op.op_id: op for op in upstream if op.op_id}
    by_route = {op.route: op for op in upstream}
    pairs: list[tuple[Operation | None, Operation | None]] = []
    used: set[str] = set()
    for mine in ours:
        theirs = by_id.get(mine.op_id or "") or by_route.get(mine.route)
        if theirs is not None:
            used.add(theirs.route)
        pairs.append((theirs, mine))
    for theirs in upstream:
        if theirs.route not in used and is_training(theirs):
            pairs.append((theirs, None))
    return pairs


def is_training(op: Operation) -> bool:
    """Whether an upstream operation belongs to the trainings API."""
    return is_training_route(op.op_id, op.path)


def deviation_keys(recorded: Path, overlay: Mapping[str, Json]) -> dict[str, tuple[str, ...]]:
    """The drift keys each deviation's actions make, replayed one action at a time on the
    recorded upstream: a key belongs to the deviation of the action after which it first
    appeared (an action may drop and restore what an earlier one made). So the actions are
    the record drift reads."""
    extracted = extract(load(recorded))
    upstream = Spec(extracted, str(recorded))
    document = copy.deepcopy(extracted)
    spell_nullable(document)
    try:
        actions = parse_actions(overlay)
    except OverlayError as error:
        raise UpdateError(f"overlay: {error}") from error
    owner: dict[str, str] = {}
    present: set[str] = set()

    def step(deviation: str) -> None:
        nonlocal present
        now = {d.key for d in Comparison(upstream, Spec(document, "overlay")).run()}
        for key in now - present:
            owner.setdefault(key, deviation)
        present = now

    naming = parse_naming(overlay.get("x-schema-names"))
    if naming is not None:
        name_schemas(document, *naming)
        step(naming[0])
    for action in actions:
        apply_actions(document, [action])
        step(action.deviation)
    keys: dict[str, list[str]] = {}
    for key in sorted(present):
        keys.setdefault(owner[key], []).append(key)
    return {deviation: tuple(found) for deviation, found in keys.items()}


def load_deviations(path: Path, recorded: Path = RECORDED) -> list[Deviation]:
    """The overlay's `x-deviations` (id and reason), each with the keys its actions make
    when replayed on the recorded upstream; an overlay without actions explains nothing."""
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DriftError(f"{path}: {error}") from error
    entries = document.get("x-deviations") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise DriftError(f"{path}: expected a mapping with an `x-deviations` list")
    deviations = parse_deviations(entries, path)
    if "actions" not in document:
        return deviations
    try:
        keys = deviation_keys(recorded, document)
    except UpdateError as error:
        raise DriftError(str(error)) from error
    return [replace(d, keys=keys.get(d.id, ())) for d in deviations]


def parse_deviations(entries: list[Json], path: Path | str) -> list[Deviation]:
    """The checked entries of an `x-deviations` list read from `path`: each well formed, no
    id twice. update_spec checks the overlay with it too."""
    deviations = [parse_deviation(entry, path) for entry in entries]
    seen: set[str] = set()
    for deviation in deviations:
        if deviation.id in seen:
            raise DriftError(f"{path}: deviation recorded twice: {deviation.id}")
        seen.add(deviation.id)
    return deviations


def parse_deviation(entry: Json, path: Path | str) -> Deviation:
    """One checked entry of the deviations record: an id and a reason, nothing else (what
    it changes is in its actions)."""
    if not isinstance(entry, dict):
        raise DriftError(f"{path}: each deviation must be a mapping, got {entry!r}")
    ident, reason = entry.get("id"), entry.get("reason")
    if not (isinstance(ident, str) and ident and isinstance(reason, str) and reason.strip()):
        raise DriftError(f"{path}: deviation {ident!r} needs a non-empty `id` and `reason`")
    if extra := sorted(set(entry) - {"id", "reason"}):
        raise DriftError(
            f"{path}: deviation {ident!r} has {', '.join(map(str, extra))}: an entry is an id"
            " and a reason; what it changes is in its actions"
        )
    return Deviation(ident, " ".join(reason.split()))


def build_report(comparison: Comparison, deviations: list[Deviation]) -> Report:
    """Group differences by key and sort them into new, recorded and stale."""
    recorded_by = {key: deviation for deviation in deviations for key in deviation.keys}
    grouped: dict[str, list[Difference]] = {}
    for difference in comparison.run():
        grouped.setdefault(difference.key, []).append(difference)
    findings = [
        Finding(
            key,
            tuple(dict.fromkeys(d.where for d in group)),
            group[0].upstream,
            group[0].ours,
            recorded_by.get(key),
        )
        for key, group in grouped.items()
    ]
    position = {key: index for index, key in enumerate(recorded_by)}  # the report reads
    recorded = sorted(  # in the record's order
        (f for f in findings if f.deviation is not None), key=lambda f: position[f.key]
    )
    return Report(
        tuple(comparison.matched),
        tuple(finding for finding in findings if finding.deviation is None),
        tuple(recorded),
        tuple((key, dev) for key, dev in recorded_by.items() if key not in grouped),
    )


def render_text(report: Report, sources: Mapping[str, str]) -> str:
    """The report for a human."""
    lines = [
        f"upstream:   {sources['upstream']}",
        f"ours:       {sources['ours']}",
        f"deviations: {sources['deviations']}",
        f"operations compared: {', '.join(report.operations) or 'none'}",
        "",
        f"NEW differences ({len(report.new)}){':' if report.new else ': none'}",
    ]
    for finding in report.new:
        lines.append(f"  {finding.key}")
        # "at" lines only add something where the key does not already name the place
        lines.extend(f"      at {where}" for where in finding.where if where not in finding.key)
    lines += ["", f"Recorded deviations ({len(report.recorded)} differences):"]
    for deviation, findings in by_deviation(report.recorded):
        lines.append(f"  [{deviation.id}]")
        lines.extend(
            textwrap.wrap(deviation.reason, 88, initial_indent=" " * 6, subsequent_indent=" " * 6)
        )
        lines.extend(f"    - {finding.key}" for finding in findings)
    if report.stale:
        lines += ["", f"WARNING: {len(report.stale)} recorded keys no longer occur (stale):"]
        lines.extend(f"  [{deviation.id}] {key}" for key, deviation in report.stale)
    verdict = f"FAIL: {len(report.new)} new differences" if report.new else "OK: nothing new"
    return "\n".join([*lines, "", verdict])


def by_deviation(findings: Iterable[Finding]) -> list[tuple[Deviation, list[Finding]]]:
    """Findings grouped under their deviation, in order of first appearance."""
    groups: dict[str, tuple[Deviation, list[Finding]]] = {}
    for finding in findings:
        assert finding.deviation is not None  # only recorded findings are grouped
        groups.setdefault(finding.deviation.id, (finding.deviation, []))[1].append(finding)
    return list(groups.values())


def render_json(report: Report, sources: Mapping[str, str]) -> str:
    """The report for a machine."""

    def finding_json(finding: Finding) -> dict[str, Any]:
        shown: dict[str, Any] = {
            "key": finding.key,
            "where": list(finding.where),
            "upstream": finding.upstream,
            "ours": finding.ours,
        }
        if finding.deviation is not None:
            shown |= {"deviation": finding.deviation.id, "reason": finding.deviation.reason}
        return shown

    document = {
        **sources,
        "operations": list(report.operations),
        "ok": not report.new,
        "new": [finding_json(finding) for finding in report.new],
        "recorded": [finding_json(finding) for finding in report.recorded],
        "stale": [
            {"key": key, "deviation": deviation.id, "reason": deviation.reason}
            for key, deviation in report.stale
        ],
    }
    return json.dumps(document, indent=2)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the report; the exit status."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "upstream",
        type=Path,
        nargs="?",
        default=RECORDED,
        help="the upstream spec, JSON or YAML (default: the recorded one)",
    )
    parser.add_argument("--ours", type=Path, default=OURS, help="our spec (openapi.yaml)")
    parser.add_argument(
        "--overlay", type=Path, default=OVERLAY, help="the record: openapi-overlay.yaml"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    try:
        comparison = Comparison(Spec.load(args.upstream), Spec.load(args.ours))
        report = build_report(comparison, load_deviations(args.overlay))
    except DriftError as error:
        print(f"drift: error: {error}", file=sys.stderr)
        return 2
    sources = {"upstream": str(args.upstream), "ours": str(args.ours)}
    sources["deviations"] = str(args.overlay)
    render = render_json if args.json else render_text
    print(render(report, sources))
    return 1 if report.new else 0


if __name__ == "__main__":
    sys.exit(main())
