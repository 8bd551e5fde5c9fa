"""`create`'s options for the create body's fields, made from the spec (`TRAINING_REQUEST_FIELDS`).

Each field the spec's TrainingRequest schema names becomes `--<field-with-dashes>`, its
help the description's first sentence, its type from the field's kind. A field added to
the spec is an option after `make generate`, with no edit here. The fields `create`
reads its own way (`-d`, `-i`/`--input-file`, `--webhook`, `--events`) are left out, and
a field whose option would clash with one of `create`'s own is `--body-<field>`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

import click
from replicate_trainings_api.request_shape import TRAINING_REQUEST_FIELDS, BodyField

from ._inputs import read_json

__all__ = ["BODY_PREFIX", "OWN_FIELDS", "body_fields", "body_options", "body_values", "option_of"]

OWN_FIELDS: Mapping[str, str] = {
    "destination": "'-d' / '--destination'",
    "input": "'-i' / '--input'",
    "webhook": "'--webhook'",
    "webhook_events_filter": "'--events'",
}
"""The fields `create` has its own options for, and how an error names them."""

BODY_PREFIX = "body__"
"""The start of a spec option's parameter name: `create` collects them by it."""

_F = TypeVar("_F", bound=Callable[..., Any])
_SENTENCE = re.compile(r"(?<=[.!?])\s")


def body_fields() -> tuple[BodyField, ...]:
    """The spec's body fields that get an option of their own."""
    return tuple(field for field in TRAINING_REQUEST_FIELDS if field.name not in OWN_FIELDS)


def body_options(taken: Iterable[str]) -> Callable[[_F], _F]:
    """A decorator adding an option per `body_fields()`; `taken`: option names in use."""
    used = set(taken)

    def decorate(function: _F) -> _F:
        for field in reversed(body_fields()):  # click lists options in decoration order
            function = _option(field, option_of(field, used))(function)
        return function

    return decorate


def option_of(field: BodyField, taken: Iterable[str] = ()) -> str:
    """The option a body field is set with: `--hardware`, or `--body-wait` when taken."""
    name = "--" + field.name.replace("_", "-")
    return "--body-" + name[2:] if name in set(taken) else name


def body_values(params: Mapping[str, Any]) -> dict[str, Any]:
    """`create()`'s keywords from the spec options given (None and empty lists left out)."""
    by_name = {BODY_PREFIX + field.parameter: field.parameter for field in body_fields()}
    return {
        by_name[name]: list(value) if isinstance(value, tuple) else value
        for name, value in params.items()
        if name in by_name and value not in (None, ())
    }


def _help(field: BodyField) -> str:
    """The description's first sentence (descriptions run to paragraphs of markdown)."""
    text = " ".join(field.description.split())
    first = _SENTENCE.split(text, maxsplit=1)[0] if text else f"The body's {field.name!r}."
    if field.kind == "list":
        first += " Repeatable."
    if field.kind in ("map", "object", "any"):
        first += " As JSON."
    return first


def _option(field: BodyField, name: str) -> Callable[[_F], _F]:
    dest = BODY_PREFIX + field.parameter
    common: dict[str, Any] = {"required": field.required, "help": _help(field)}
    choice = click.Choice(field.choices) if field.choices else None
    if field.kind == "bool":
        flag = f"{name}/--no-{name[2:]}"
        return click.option(flag, dest, default=None, **common)
    if field.kind == "list":
        item = choice or click.STRING
        return click.option(name, dest, multiple=True, type=item, metavar="VALUE", **common)
    kinds: dict[str, click.ParamType[Any]] = {
        "int": click.INT,
        "float": click.FLOAT,
        "map": JSONValue(object_only=True),
        "object": JSONValue(object_only=True),
        "any": JSONValue(object_only=False),
    }
    kind = choice or kinds.get(field.kind, click.STRING)
    return click.option(name, dest, type=kind, metavar=_metavar(field, kind), **common)


def _metavar(field: BodyField, kind: click.ParamType[Any]) -> str | None:
    if isinstance(kind, click.Choice):
        return None  # click shows the choices
    return {"int": "N", "float": "NUMBER", "map": "JSON", "object": "JSON", "any": "JSON"}.get(
        field.kind, "TEXT"
    )


class JSONValue(click.ParamType[Any]):
    """A JSON value given as text, read as `-i` reads one (`read_json`); `object_only`: it
    must be a JSON object."""

    name = "json"

    def __init__(self, *, object_only: bool) -> None:
        self.object_only = object_only

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            loaded = read_json(value, repr(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if self.object_only and not isinstance(loaded, dict):
            self.fail(f"{value!r} is not a JSON object", param, ctx)
        return loaded
