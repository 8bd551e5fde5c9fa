"""`Training`: one training's state as plain immutable data, parsed from the API's JSON.

The parser is the facade's own rather than the generated models': it checks every field's
type once (a wrong one is a `ResponseParseError`, never a bare KeyError or ValueError),
keeps the payload as received for `to_dict()`, and converts nothing twice.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

import attrs

from .errors import ResponseParseError

__all__ = [
    "Training",
    "TrainingMetrics",
    "TrainingOutput",
    "TrainingStatus",
    "TrainingURLs",
]

_T = TypeVar("_T")


class TrainingStatus(StrEnum):
    """The statuses this version knows; a status from a newer API stays a plain `str`."""

    STARTING = "starting"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    ABORTED = "aborted"


TERMINAL_STATUSES = frozenset(
    {
        TrainingStatus.SUCCEEDED,
        TrainingStatus.FAILED,
        TrainingStatus.CANCELED,
        TrainingStatus.ABORTED,
    }
)
_KNOWN_STATUSES = {status.value: status for status in TrainingStatus}


@attrs.frozen
class TrainingOutput:
    """What a succeeded training made: the new model version and its weights URL."""

    version: str | None
    weights: str | None


@attrs.frozen
class TrainingMetrics:
    """Seconds of compute used (`predict_time`) and in all (`total_time`); None when not sent."""

    predict_time: float | None
    total_time: float | None


@attrs.frozen
class TrainingURLs:
    """API URLs to get and cancel the training, and its web page; None when not sent."""

    get: str | None
    cancel: str | None
    web: str | None


@attrs.frozen(repr=False, hash=False)
class Training:
    """One training's state. Holds no client: it pickles, compares and crosses threads.

    Equality compares the payload as received, unknown fields included; the hash uses
    the id, status and logs, so equal trainings hash alike.
    """

    id: str = attrs.field(eq=False)
    model: str = attrs.field(eq=False)
    version: str = attrs.field(eq=False)
    input: Mapping[str, Any] = attrs.field(eq=False)
    status: TrainingStatus | str = attrs.field(eq=False)
    source: str | None = attrs.field(eq=False)
    output: TrainingOutput | None = attrs.field(eq=False)
    logs: str | None = attrs.field(eq=False)
    error: str | None = attrs.field(eq=False)
    created_at: datetime = attrs.field(eq=False)
    started_at: datetime | None = attrs.field(eq=False)
    completed_at: datetime | None = attrs.field(eq=False)
    metrics: TrainingMetrics | None = attrs.field(eq=False)
    urls: TrainingURLs = attrs.field(eq=False)
    _payload: Mapping[str, Any] = attrs.field(alias="payload")

    @classmethod
    def from_dict(cls, payload: object) -> Training:
        """Parse one training object as the API sends it; ResponseParseError if it is not one."""
        if not isinstance(payload, dict):
            raise ResponseParseError(f"expected a training object, got {_kind(payload)}")
        fields = _Fields(payload)
        status = fields.text("status")
        return cls(
            id=fields.text("id"),
            model=fields.text("model"),
            version=fields.text("version"),
            input=fields.obj("input"),
            status=_KNOWN_STATUSES.get(status, status),
            source=fields.optional("source", str),
            output=fields.nested("output", _output),
            logs=fields.optional("logs", str),
            error=fields.optional("error", str),
            created_at=fields.timestamp("created_at"),
            started_at=fields.optional_timestamp("started_at"),
            completed_at=fields.optional_timestamp("completed_at"),
            metrics=fields.nested("metrics", _metrics),
            urls=_urls(fields.obj("urls")),
            payload=payload,
        )

    def to_dict(self) -> dict[str, Any]:
        """The payload as the API sent it, unknown fields included (a copy)."""
        return copy.deepcopy(dict(self._payload))

    @property
    def is_terminal(self) -> bool:
        """True once the training will not change again.

        A status this version does not know counts as over when `completed_at` is set, so
        `wait()` never hangs on a status added by a newer API.
        """
        return self.status in TERMINAL_STATUSES or self.completed_at is not None

    @property
    def succeeded(self) -> bool:
        return self.status == TrainingStatus.SUCCEEDED

    def __hash__(self) -> int:
        return hash((self.id, str(self.status), self.logs))

    def __repr__(self) -> str:
        return (
            f"Training(id={self.id!r}, status={str(self.status)!r}, model={self.model!r}, "
            f"version={self.version!r}, created_at={self.created_at.isoformat()!r})"
        )


def _output(fields: _Fields) -> TrainingOutput:
    return TrainingOutput(
        version=fields.optional("version", str), weights=fields.optional("weights", str)
    )


def _metrics(fields: _Fields) -> TrainingMetrics:
    return TrainingMetrics(
        predict_time=fields.number("predict_time"), total_time=fields.number("total_time")
    )


def _urls(data: Mapping[str, Any]) -> TrainingURLs:
    fields = _Fields(data, "urls.")
    return TrainingURLs(
        get=fields.optional("get", str),
        cancel=fields.optional("cancel", str),
        web=fields.optional("web", str),
    )


class _Fields:
    """Typed reads from one JSON object, each failing as a ResponseParseError naming the field."""

    __slots__ = ("_data", "_prefix")

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self._data = data
        self._prefix = prefix

    def _fail(self, name: str, expected: str) -> ResponseParseError:
        field = f"'{self._prefix}{name}'"
        if name not in self._data:
            return ResponseParseError(f"training field {field} is missing")
        got = _kind(self._data[name])
        return ResponseParseError(f"training field {field} is {got}, not {expected}")

    def text(self, name: str) -> str:
        value = self._data.get(name)
        if not isinstance(value, str):
            raise self._fail(name, "a string")
        return value

    def obj(self, name: str) -> dict[str, Any]:
        value = self._data.get(name)
        if not isinstance(value, dict):
            raise self._fail(name, "an object")
        return value

    def optional(self, name: str, kind: type[_T]) -> _T | None:
        value = self._data.get(name)
        if value is None or isinstance(value, kind):
            return value
        raise self._fail(name, f"{_KINDS.get(kind, kind.__name__)} or null")

    def number(self, name: str) -> float | None:
        value = self._data.get(name)
        if value is None:
            return None
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                return float(value)
            except OverflowError:  # a JSON integer beyond a float's range
                return float("inf") if value > 0 else float("-inf")
        raise self._fail(name, "a number or null")

    def nested(self, name: str, build: Any) -> Any:
        value = self._data.get(name)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._fail(name, "an object or null")
        return build(_Fields(value, f"{self._prefix}{name}."))

    def timestamp(self, name: str) -> datetime:
        parsed = _parse_timestamp(self._data.get(name))
        if parsed is None:
            raise self._fail(name, "an RFC 3339 timestamp")
        return parsed

    def optional_timestamp(self, name: str) -> datetime | None:
        value = self._data.get(name)
        if value is None:
            return None
        parsed = _parse_timestamp(value)
        if parsed is None:
            raise self._fail(name, "an RFC 3339 timestamp or null")
        return parsed


_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?:\.\d+)?")


def _parse_timestamp(value: object) -> datetime | None:
    """RFC 3339 in any precision (nanoseconds are cut to microseconds), naive read as UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        leap = _LEAP_SECOND.sub(r"\g<1>59.999999", value.upper())  # 23:59:60 is RFC 3339
        try:
            parsed = datetime.fromisoformat(leap)
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_KINDS: dict[type, str] = {str: "a string"}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "an integer", float: "a number"}
    return names.get(type(value), f"a {type(value).__name__}")
