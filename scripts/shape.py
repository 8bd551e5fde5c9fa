"""Write the spec-driven modules of the generated package from openapi.yaml.

`make generate` runs this after openapi-python-client (scripts/generate.py):
- `training_shape.py`, the typed, tolerant reader of a training: the facade's `Training`
  and the local server's renderer take a training's fields from it;
- `request_shape.py`, the create body's fields as typed keyword parameters and a field
  table: `create()` takes, checks and sends them, and the CLI makes an option of each.
So a field added to either schema reaches its users with no hand edit.

Each schema property becomes one typed read-only attribute, read by a few generated
lines: no generic loop over a field table, since a listing reads every field of every
training. What the reader makes of each JSON type is in `scripts/templates/`.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

TEMPLATES = Path(__file__).resolve().parent / "templates"
ROOT_SCHEMA = "Training"
REQUEST_SCHEMA = "TrainingRequest"
CLASS_NAMES = {"Training": "TrainingShape", "TrainingUrls": "TrainingURLs"}
"""Python names that differ from the schema's: the facade subclasses the root, and keeps
the contract's spelling of URLs."""


class ShapeError(Exception):
    """openapi.yaml describes something this reader cannot represent."""


@dataclass
class Enum:
    """A string enum, read open: a value it does not list stays a plain string."""

    name: str
    values: list[str]
    terminal: list[str] | None
    running: list[str] | None

    def member(self, value: str) -> str:
        name = re.sub(r"\W", "_", value).upper()
        return name if name.isidentifier() and not keyword.iskeyword(name) else f"V_{name}"


@dataclass
class Field:
    """One property of an object schema, as the reader reads it."""

    name: str
    kind: str  # str, datetime, float, int, bool, map, list, enum, object, any
    nullable: bool
    required: bool
    description: str
    enum: Enum | None = None
    shape: Shape | None = None
    items: Enum | None = None
    """An array's item enum."""
    text: str = ""
    """The description as written, for help texts (`description` is one docstring line)."""

    @property
    def attr(self) -> str:
        attr = re.sub(r"\W", "_", self.name)
        if not attr.isidentifier() or keyword.iskeyword(attr) or attr[0] == "_":
            attr = f"{attr}_".lstrip("_") if attr.isidentifier() else f"f_{attr}"
        return attr

    @property
    def annotation(self) -> str:
        base = {
            "str": "str",
            "datetime": "datetime",
            "float": "float",
            "int": "int",
            "bool": "bool",
            "map": "Mapping[str, Any]",
            "list": "list[Any]",
            "any": "Any",
        }.get(self.kind)
        if self.kind == "enum":
            assert self.enum is not None
            base = f"{self.enum.name} | str"
        elif self.kind == "object":
            assert self.shape is not None
            base = self.shape.name
        if self.kind in ("map", "any") or (self.required and self.kind == "str"):
            return str(base)
        return f"{base} | None"

    @property
    def parameter(self) -> str:
        """The type a caller passes for this field of a request (None: not sent)."""
        base = {
            "str": "str",
            "datetime": "str",
            "float": "float",
            "int": "int",
            "bool": "bool",
            "map": "Mapping[str, Any]",
            "object": "Mapping[str, Any]",
            "enum": "str",
            "list": "Iterable[str]" if self.items else "Iterable[Any]",
        }.get(self.kind, "Any")
        if self.required or base == "Any":
            return base
        return f"{base} | None"

    @property
    def expected(self) -> str:
        """What the field should be, in an error or warning message."""
        return {
            "str": "a string",
            "datetime": "an RFC 3339 timestamp",
            "float": "a number",
            "int": "an integer",
            "bool": "a boolean",
            "map": "an object",
            "list": "an array",
            "enum": "a string",
            "object": "an object",
        }.get(self.kind, "a value") + (" or null" if self.nullable else "")


@dataclass
class Shape:
    """An object schema with properties: the root training or a nested object."""

    name: str
    schema: str
    description: str
    fields: list[Field] = field(default_factory=list)


@dataclass
class Model:
    root: Shape
    shapes: list[Shape]  # nested first, root last
    enums: list[Enum]


@dataclass
class Request:
    """The create request's body: the fields of one object schema, in the spec's order."""

    schema: str
    description: str
    fields: list[Field]


def load(spec_path: Path) -> Model:
    return build(yaml.safe_load(spec_path.read_text()))


def load_request(spec_path: Path) -> Request:
    return build_request(yaml.safe_load(spec_path.read_text()))


def build_request(spec: dict[str, Any]) -> Request:
    schemas = spec["components"]["schemas"]
    if REQUEST_SCHEMA not in schemas:
        raise ShapeError(f"openapi.yaml has no {REQUEST_SCHEMA} schema")
    schema = schemas[REQUEST_SCHEMA]
    builder = _Builder(schemas)
    required = set(schema.get("required", []))
    fields = [
        builder.field_of(REQUEST_SCHEMA, prop, sub, prop in required)
        for prop, sub in schema.get("properties", {}).items()
    ]
    clashes = sorted({f.attr for f in fields} & RESERVED_PARAMETERS)
    if clashes:
        raise ShapeError(
            f"{REQUEST_SCHEMA} has fields named as create()'s own parameters: {clashes}; "
            "rename them in openapi-overlay.yaml"
        )
    return Request(REQUEST_SCHEMA, _line(schema.get("description")), fields)


RESERVED_PARAMETERS = frozenset(
    {"ref", "model", "version", "reconcile", "extra_body", "extra_headers", "extra_query"}
    | {"timeout", "self", "config"}
)
"""create()'s own keywords: a body field may not take one of these names."""


def build(spec: dict[str, Any]) -> Model:
    schemas = spec["components"]["schemas"]
    if ROOT_SCHEMA not in schemas:
        raise ShapeError(f"openapi.yaml has no {ROOT_SCHEMA} schema")
    builder = _Builder(schemas)
    root = builder.shape_of(ROOT_SCHEMA, schemas[ROOT_SCHEMA])
    nested = [s for s in builder.shapes.values() if s is not root]
    return Model(root=root, shapes=[*nested, root], enums=list(builder.enums.values()))


class _Builder:
    """Walks the schemas from the root, naming each nested object and enum once."""

    def __init__(self, schemas: dict[str, Any]) -> None:
        self.schemas = schemas
        self.shapes: dict[str, Shape] = {}
        self.enums: dict[str, Enum] = {}

    def resolve(self, schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        ref = schema.get("$ref")
        if ref is None:
            return None, schema
        name = ref.rsplit("/", 1)[-1]
        if not ref.startswith("#/components/schemas/") or name not in self.schemas:
            raise ShapeError(f"unresolvable $ref {ref!r}")
        return name, self.schemas[name]

    def shape_of(self, schema_name: str, schema: dict[str, Any]) -> Shape:
        if schema_name in self.shapes:
            return self.shapes[schema_name]
        shape = Shape(
            name=CLASS_NAMES.get(schema_name, schema_name),
            schema=schema_name,
            description=_line(schema.get("description")) or f"The `{schema_name}` object.",
        )
        required = set(schema.get("required", []))
        for prop, sub in schema.get("properties", {}).items():
            shape.fields.append(self.field_of(schema_name, prop, sub, prop in required))
        self.shapes[schema_name] = shape
        return shape

    def enum_of(self, name: str, schema: dict[str, Any]) -> Enum:
        if name not in self.enums:
            listed = [*schema.get("x-terminal", []), *schema.get("x-running", [])]
            unknown = sorted(set(listed) - set(map(str, schema["enum"])))
            if unknown:
                raise ShapeError(
                    f"{name}: x-terminal/x-running name values not in its enum: {unknown}"
                )
            self.enums[name] = Enum(
                name=CLASS_NAMES.get(name, name),
                values=[str(v) for v in schema["enum"]],
                terminal=schema.get("x-terminal"),
                running=schema.get("x-running"),
            )
        return self.enums[name]

    def field_of(self, owner: str, prop: str, schema: dict[str, Any], required: bool) -> Field:
        made = self._field_of(owner, prop, schema, required)
        made.text = " ".join(str(schema.get("description") or "").split())
        return made

    def _field_of(self, owner: str, prop: str, schema: dict[str, Any], required: bool) -> Field:
        description = _line(schema.get("description"))
        nullable = bool(schema.get("nullable"))
        options = schema.get("anyOf") or schema.get("oneOf")
        enum: Enum | None = None
        target_name: str | None = None
        if options:
            rest = []
            for option in options:
                if option.get("type") == "null":
                    nullable = True
                    continue
                name, resolved = self.resolve(option)
                if "enum" in resolved and name is not None:
                    enum = self.enum_of(name, resolved)  # anyOf [enum, string]: an open enum
                elif resolved.get("type") == "string" and enum is not None:
                    continue
                else:
                    rest.append((name, resolved))
            if enum is not None and not rest:
                return Field(prop, "enum", nullable, required, description, enum=enum)
            if len(rest) != 1:
                raise ShapeError(f"{owner}.{prop}: anyOf/oneOf of {len(rest)} kinds")
            target_name, schema = rest[0]
            description = description or _line(schema.get("description"))
        else:
            target_name, schema = self.resolve(schema)
        kinds = schema.get("type")
        if isinstance(kinds, list):
            nullable = nullable or "null" in kinds
            kinds = [k for k in kinds if k != "null"]
            kinds = kinds[0] if len(kinds) == 1 else None
        nullable = nullable or bool(schema.get("nullable"))
        if "enum" in schema:
            enum = self.enum_of(target_name or f"{owner}{_camel(prop)}", schema)
            return Field(prop, "enum", nullable, required, description, enum=enum)
        if kinds == "object" or (kinds is None and "properties" in schema):
            if schema.get("properties"):
                nested = self.shape_of(target_name or f"{owner}{_camel(prop)}", schema)
                return Field(prop, "object", nullable, required, description, shape=nested)
            return Field(prop, "map", nullable, required, description)
        if kinds == "array":
            item_name, item = self.resolve(schema.get("items") or {})
            enum_name = item_name or f"{owner}{_camel(prop)}Item"
            items = self.enum_of(enum_name, item) if "enum" in item else None
            return Field(prop, "list", nullable, required, description, items=items)
        kind = {
            "string": "datetime" if schema.get("format") == "date-time" else "str",
            "number": "float",
            "integer": "int",
            "boolean": "bool",
            "array": "list",
        }.get(kinds if isinstance(kinds, str) else "", "any")
        return Field(prop, kind, nullable, required, description)


def render(model: Model) -> str:
    return _environment().get_template("training_shape.py.jinja").render(model=model)


def render_request(request: Request) -> str:
    return _environment().get_template("request_shape.py.jinja").render(request=request)


def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["pyrepr"] = repr
    return environment


def _line(text: object) -> str:
    """A description as one docstring-safe line."""
    if not isinstance(text, str):
        return ""
    return " ".join(text.split()).replace("\\", "\\\\").replace('"""', "'''")


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"\W|_", name) if part)
