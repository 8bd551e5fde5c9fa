"""`Training`: one training's state as plain immutable data, parsed from the API's JSON.

The parser is the facade's own rather than the generated models': it checks every field's
type once (a wrong one is a `ResponseParseError`, never a bare KeyError or ValueError),
keeps the payload as received for `to_dict()`, and converts nothing twice.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import attrs

from .errors import ResponseParseError

__all__ = [
    "Training",
    "TrainingMetrics",
    "TrainingOutput",
    "TrainingStatus",
    "TrainingURLs",
]


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
        """Parse one training object as the API sends it; ResponseParseError if it is not one.

        Written flat, one read and one type check a field, since listing runs it for
        every training on every page.
        """
        if type(payload) is not dict:
            raise ResponseParseError(f"expected a training object, got {_kind(payload)}")
        status = _text(payload, "status")
        return cls(
            id=_text(payload, "id"),
            model=_text(payload, "model"),
            version=_text(payload, "version"),
            input=_object(payload, "input"),
            status=_KNOWN_STATUSES.get(status, status),
            source=_optional_text(payload, "source"),
            output=_output(payload),
            logs=_optional_text(payload, "logs"),
            error=_optional_text(payload, "error"),
            created_at=_timestamp(payload, "created_at"),
            started_at=_optional_timestamp(payload, "started_at"),
            completed_at=_optional_timestamp(payload, "completed_at"),
            metrics=_metrics(payload),
            urls=_urls(payload),
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


def _output(training: dict[str, Any]) -> TrainingOutput | None:
    if training.get("output") is None:
        return None
    data = _object(training, "output", "an object or null")
    return TrainingOutput(
        version=_optional_text(data, "version", "output."),
        weights=_optional_text(data, "weights", "output."),
    )


def _metrics(training: dict[str, Any]) -> TrainingMetrics | None:
    if training.get("metrics") is None:
        return None
    data = _object(training, "metrics", "an object or null")
    return TrainingMetrics(
        predict_time=_number(data, "predict_time", "metrics."),
        total_time=_number(data, "total_time", "metrics."),
    )


def _urls(training: dict[str, Any]) -> TrainingURLs:
    data = _object(training, "urls")
    return TrainingURLs(
        get=_optional_text(data, "get", "urls."),
        cancel=_optional_text(data, "cancel", "urls."),
        web=_optional_text(data, "web", "urls."),
    )


# Typed reads from one JSON object; each failure is a ResponseParseError naming the field
# (`prefix` places a nested object's field, as in 'metrics.total_time').


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if type(value) is not str:
        raise _wrong(data, name, "a string")
    return value


def _optional_text(data: dict[str, Any], name: str, prefix: str = "") -> str | None:
    value = data.get(name)
    if value is None or type(value) is str:
        return value
    raise _wrong(data, name, "a string or null", prefix)


def _object(data: dict[str, Any], name: str, expected: str = "an object") -> dict[str, Any]:
    value = data.get(name)
    if type(value) is not dict:
        raise _wrong(data, name, expected)
    return value


def _number(data: dict[str, Any], name: str, prefix: str) -> float | None:
    value = data.get(name)
    if value is None or type(value) is float:
        return value
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:  # a JSON integer beyond a float's range
            return math.inf if value > 0 else -math.inf
    raise _wrong(data, name, "a number or null", prefix)


def _timestamp(data: dict[str, Any], name: str) -> datetime:
    parsed = _parse_timestamp(data.get(name))
    if parsed is None:
        raise _wrong(data, name, "an RFC 3339 timestamp")
    return parsed


def _optional_timestamp(data: dict[str, Any], name: str) -> datetime | None:
    value = data.get(name)
    if value is None:
        return None
    parsed = _parse_timestamp(value)
    if parsed is None:
        raise _wrong(data, name, "an RFC 3339 timestamp or null")
    return parsed


def _wrong(data: dict[str, Any], name: str, expected: str, prefix: str = "") -> ResponseParseError:
    field = f"'{prefix}{name}'"
    if name not in data:
        return ResponseParseError(f"training field {field} is missing")
    return ResponseParseError(f"training field {field} is {_kind(data[name])}, not {expected}")


_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?:\.\d+)?")


def _parse_timestamp(value: object) -> datetime | None:
    """RFC 3339 in any precision (nanoseconds are cut to microseconds), naive read as UTC."""
    if type(value) is not str:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # RFC 3339 also allows a lower-case 't' and 'z', and the leap second 23:59:60.
        lenient = _LEAP_SECOND.sub(r"\g<1>59.999999", value.upper())
        try:
            parsed = datetime.fromisoformat(lenient)
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "an integer", float: "a number"}
    return names.get(type(value), f"a {type(value).__name__}")
