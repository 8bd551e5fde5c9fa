"""Warnings about training fields the reader could not use, rate-limited.

A listing of 10,000 trainings from an older API can carry the same oddity in every item;
the log gets the first few of each minute and a count of the rest. Values are described
by kind and length, never echoed: a server can put anything in a field, the token included.
The training's id and the field's path are shown scrubbed, as one bounded line
(`_server_text`): an id can hold line breaks, escape sequences or a megabyte of text.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from ._server_text import scrub, shown

logger = logging.getLogger("replicate_trainings")


class FieldWarnings:
    """A `Report` for the generated reader: at most `burst` warnings per `window` seconds."""

    def __init__(
        self, *, burst: int = 10, window: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._burst, self._window, self._clock = burst, window, clock
        self._lock = threading.Lock()
        self._window_start = -float("inf")
        self._logged = 0
        self._suppressed = 0

    def __call__(self, training_id: object, path: str, value: object, expected: str) -> None:
        if not logger.isEnabledFor(logging.WARNING):
            return
        with self._lock:
            now = self._clock()
            if now - self._window_start >= self._window:
                self._window_start, self._logged = now, 0
            if self._logged >= self._burst:
                self._suppressed += 1
                return
            self._logged += 1
            suppressed, self._suppressed = self._suppressed, 0
        named = shown(scrub(training_id, "")) if isinstance(training_id, str) else None
        named = named or describe(training_id)
        field = shown(path)
        logger.warning(
            "training %s: field '%s' is %s, not %s; it is read as missing (to_dict() keeps it)%s",
            named,
            field,
            describe(value),
            expected,
            f" ({suppressed} more such warnings were not logged)" if suppressed else "",
            extra={"training_id": named, "field": field},
        )


def describe(value: object) -> str:
    """A value's kind (and a string's length), without its content."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return f"a string of {len(value)} characters" if value else "an empty string"
    for kind, name in _KINDS:
        if isinstance(value, kind):
            return name
    return f"a {type(value).__name__}"


_KINDS = (
    (bool, "a boolean"),
    (int, "an integer"),
    (float, "a number"),
    (Mapping, "an object"),
    (list, "an array"),
)


report = FieldWarnings()
"""The one reporter the package uses."""
