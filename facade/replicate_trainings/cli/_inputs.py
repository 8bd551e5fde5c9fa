"""What `create` reads from its options: `-i KEY=VALUE` pairs, `--input-file`, `--events`."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

__all__ = ["parse_events", "parse_input"]


def parse_input(pairs: Iterable[str], file: IO[str] | None = None) -> dict[str, Any]:
    """The training input: the file's JSON object, then each `KEY=VALUE` over it, in order.

    ValueError (naming the culprit) for a pair without `=` or a key, or a file that is
    not one JSON object.
    """
    values: dict[str, Any] = {}
    if file is not None:
        name = getattr(file, "name", "the input file")
        try:
            loaded = json.load(file, parse_constant=_not_json)
        except ValueError as exc:
            raise ValueError(f"{name} is not JSON: {exc}") from None
        if not isinstance(loaded, dict):
            raise ValueError(f"{name} must hold a JSON object, not {type(loaded).__name__}")
        values.update(loaded)
    for pair in pairs:
        key, equals, text = pair.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {pair!r}")
        values[key.strip()] = parse_value(text)
    return values


def parse_value(text: str) -> Any:
    """JSON when the text is JSON (3, 0.5, true, null, [1, 2], {"a": 1}), else the text itself.

    NaN and Infinity are left as text: Python's json reads them, but JSON cannot carry them.
    """
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError:
        return text


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_events(values: Iterable[str]) -> list[str] | None:
    """`--events start,completed` (the option may repeat) as a list; None when not given."""
    events = [event.strip() for value in values for event in value.split(",") if event.strip()]
    return events or None
