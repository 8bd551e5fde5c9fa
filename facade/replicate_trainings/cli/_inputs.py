"""What `create` reads from its options: `-i KEY=VALUE` pairs, `--input-string`, `--input-file`,
`--events`."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import IO, Any

from replicate_trainings_api.request_shape import TRAINING_REQUEST_FIELDS

__all__ = [
    "INPUT_FILE_LIMIT",
    "parse_events",
    "parse_pairs",
    "parse_value",
    "read_input_file",
    "read_json",
]

INPUT_FILE_LIMIT = 16 * 1024 * 1024
"""The largest `--input-file` read, in bytes (the client's default answer size limit)."""


def read_input_file(file: IO[bytes], limit: int = INPUT_FILE_LIMIT) -> dict[str, Any]:
    """The JSON object in `file`, reading at most `limit` + 1 bytes of it.

    ValueError (naming the file) for a file over `limit` bytes, or one that is not a JSON
    object (bad UTF-8, bad syntax, NaN, nesting deeper than Python can read).
    """
    name = getattr(file, "name", "the input file")
    name = "stdin" if name == "<stdin>" else str(name)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{name} is larger than {limit // (1024 * 1024)} MiB")
    loaded = read_json(data, name)
    if not isinstance(loaded, dict):
        raise ValueError(f"{name} must hold a JSON object, not {type(loaded).__name__}")
    return loaded


def parse_pairs(pairs: Iterable[str], *, strings: bool = False) -> dict[str, Any]:
    """Each `KEY=VALUE` as `{KEY: parse_value(VALUE)}` (`strings`: VALUE as it is), a later
    key over an earlier one.

    ValueError (naming the pair) for a pair without `=` or a key, or a value `parse_value`
    refuses.
    """
    values: dict[str, Any] = {}
    for pair in pairs:
        key, equals, text = pair.partition("=")
        if not equals or not key.strip():
            raise ValueError(f"expected KEY=VALUE, got {_short(pair)!r}")
        key = key.strip()
        values[key] = text if strings else parse_value(text, f"the value of {_short(key)!r}")
    return values


JSON_OPENERS = ('"', "[", "{")
"""How a value that means to be JSON text starts: it must then parse, or it is refused."""


def parse_value(text: str, key: str = "the value") -> Any:
    """JSON when the text is JSON (3, 0.5, true, null, [1, 2], {"a": 1}), else the text itself.

    Text that starts as a JSON string, array or object does (`"`, `[`, `{`) must parse:
    `[1,2` is a typo, refused with a ValueError, not sent as the string "[1,2".
    NaN and Infinity are left as text: Python's json reads them, but JSON cannot carry them.
    JSON nested deeper than Python can read is refused (ValueError), not sent as text.
    """
    try:
        return read_json(text, key)
    except _NotJSON as exc:
        if text.lstrip().startswith(JSON_OPENERS):
            raise ValueError(
                f"{exc}; to send it as a string, use --input-string KEY=VALUE"
            ) from None
        return text


class _NotJSON(ValueError):
    """Text that is not JSON: a value that is then sent as a string."""


def _short(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[:most] + "..."


def read_json(data: str | bytes, name: str) -> Any:
    """The JSON in `data`: the command line's one JSON reader (`-i`, `--input-file`, the
    spec's JSON options).

    ValueError starting with `name` for text that is not JSON (NaN and Infinity included),
    a number too large for a float (`1e999`, which would be sent as infinity), or nesting
    deeper than Python can read.
    """
    try:
        return json.loads(data, parse_constant=_not_json, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"{name} is nested too deeply") from None
    except _OutOfRange as exc:
        raise ValueError(f"{name} has {exc}") from None
    except ValueError as exc:
        raise _NotJSON(f"{name} is not JSON: {exc}") from None


class _OutOfRange(ValueError):
    """A JSON number too large for a float (`1e999`): it would be sent as infinity."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _OutOfRange(f"a number too large to send: {_short(text)}")
    return number


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


WEBHOOK_EVENTS: tuple[str, ...] = next(
    (f.choices for f in TRAINING_REQUEST_FIELDS if f.name == "webhook_events_filter"), ()
)
"""The webhook events the spec names (its `webhook_events_filter` field's choices)."""


def parse_events(values: Iterable[str]) -> list[str] | None:
    """`--events start,completed` (the option may repeat) as a list; None when not given.

    ValueError naming the spec's `WEBHOOK_EVENTS` for any other event.
    """
    events = [event.strip() for value in values for event in value.split(",") if event.strip()]
    for event in events:
        if WEBHOOK_EVENTS and event not in WEBHOOK_EVENTS:
            raise ValueError(
                f"unknown event {_short(event)!r}; expected some of {', '.join(WEBHOOK_EVENTS)}"
            )
    return events or None
