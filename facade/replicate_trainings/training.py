"""`Training`: one training's state as plain immutable data, read tolerantly from the API's JSON.

The fields, their types and the reader come from openapi.yaml, generated into
`replicate_trainings_api.training_shape` by `make generate`; this module adds what a
user does with a training: status helpers, the payload as received, equality, pickling.
A training needs only a string `id`: any other field that is missing, null, of another
type or malformed reads as None (`input` as an empty mapping), is logged as a warning
(rate-limited), and stays as received in `to_dict()`.

Nothing read can be changed: `input` and every object and array inside it are read-only
(a dict and a list that refuse changes, so `json.dumps` and `==` work as on plain ones),
and `to_dict()` gives a fresh plain copy to change.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Self

from replicate_trainings_api.training_shape import (
    RUNNING_STATUSES,
    TERMINAL_STATUSES,
    TrainingMetrics,
    TrainingOutput,
    TrainingShape,
    TrainingSource,
    TrainingStatus,
    TrainingURLs,
    UnknownSource,
    UnknownStatus,
    UnreadableField,
    read_training,
)

from ._server_text import scrub, shown
from .errors import ResponseParseError

__all__ = [
    "Training",
    "TrainingMetrics",
    "TrainingOutput",
    "TrainingSource",
    "TrainingStatus",
    "TrainingURLs",
    "UnknownSource",
    "UnknownStatus",
]


class Training(TrainingShape):
    """One training's state. Holds no client: it pickles, compares and crosses threads.

    Equality compares the payload as received, unknown fields included; the hash uses
    the id, status and logs, so equal trainings hash alike. Copying gives the same object.
    """

    __slots__ = ("_payload",)
    _payload: dict[str, Any]

    @classmethod
    def from_dict(cls, payload: object) -> Self:
        """Read one training object as the API sends it (decoded JSON).

        Takes any mapping; raises ResponseParseError only when it is not one or has no
        string `id`. Keeps its own copy, so what was read stays true whatever the caller
        does with its mapping later.
        """
        return cls._from_decoded(_copy(dict(payload)) if isinstance(payload, Mapping) else payload)

    @classmethod
    def _from_decoded(cls, payload: object) -> Self:
        """`from_dict` for an object nothing else holds (just decoded from JSON): no copy."""
        if type(payload) is not dict:
            raise ResponseParseError(f"expected a training object, got {describe(payload)}")
        try:
            training = read_training(cls, payload, report)
        except UnreadableField as exc:
            raise ResponseParseError(f"a training's {exc}") from None
        training._payload = payload
        return training

    def to_dict(self) -> dict[str, Any]:
        """The payload as the API sent it, unknown and unreadable fields included (a copy)."""
        return _copy(self._payload)

    @property
    def is_terminal(self) -> bool:
        """True once the training will not change again.

        A known status alone decides; for a status this version does not know, the
        training is over once `completed_at` is set, so `wait()` never hangs on a status
        added by a newer API.
        """
        status = self._status
        if status in TERMINAL_STATUSES:
            return True
        if status in RUNNING_STATUSES:
            return False
        return self.completed_at is not None

    @property
    def succeeded(self) -> bool:
        """True if the training ended with status `succeeded`."""
        return self._status == TrainingStatus.SUCCEEDED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Training):
            return NotImplemented
        return self._payload == other._payload

    def __hash__(self) -> int:
        return hash((self._id, str(self._status), self._logs))

    def __copy__(self) -> Self:
        return self  # immutable: a copy is the training itself, as for a tuple

    def __deepcopy__(self, memo: object) -> Self:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # As JSON text: pickling the payload itself recurses once per level of nesting,
        # and an `input` nested a few hundred deep that json.loads accepted would fail.
        # A payload given to from_dict with values JSON cannot carry pickles as it is.
        try:
            return (_unpickle, (type(self), json.dumps(self._payload)))
        except (TypeError, ValueError):
            return (type(self)._from_decoded, (self._payload,))

    def __repr__(self) -> str:
        created_at = self.created_at
        created = created_at.isoformat() if created_at is not None else None
        return (
            f"Training(id={self._id!r}, status={_text(self._status)!r}, model={self._model!r}, "
            f"version={self._version!r}, created_at={created!r})"
        )


def _unpickle(cls: type[Training], text: str) -> Training:
    return cls._from_decoded(json.loads(text))


def _copy(payload: dict[str, Any]) -> dict[str, Any]:
    """A deep copy; through JSON when the nesting is deeper than copy.deepcopy can go."""
    try:
        return copy.deepcopy(payload)
    except RecursionError:
        copied: dict[str, Any] = json.loads(json.dumps(payload))
        return copied


def _text(status: TrainingStatus | UnknownStatus | None) -> str | None:
    return None if status is None else str(status)


# -- warnings about fields the reader could not use, rate-limited -------------------
#
# A listing of 10,000 trainings from an older API can carry the same oddity in every item;
# the log gets the first few of each minute and a count of the rest. Values are described
# by kind and length, never echoed: a server can put anything in a field, the token included.
# The training's id and the field's path are shown scrubbed, as one bounded line
# (`_server_text`): an id can hold line breaks, escape sequences or a megabyte of text.


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
