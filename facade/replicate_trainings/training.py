"""`Training`: one training's state as plain immutable data, parsed from the API's JSON.

The parser is the facade's own rather than the generated models': it checks every field's
type once, when the training is parsed (a wrong one is a `ResponseParseError`, never a
bare KeyError or ValueError), keeps the payload as received, and reads the fields from it:
only the timestamps are converted up front, the nested objects on first use.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from typing import Any, cast

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

    Every field is checked when the training is parsed; the nested objects are built on
    first use (a listing makes thousands of trainings and reads a few fields of each). Two
    threads reading one first at once may each build it: equal values, the last one kept.
    Equality compares the payload as received, unknown fields included; the hash uses
    the id, status and logs, so equal trainings hash alike.
    """

    _payload: dict[str, Any] = attrs.field(alias="payload")
    created_at: datetime = attrs.field(eq=False)
    started_at: datetime | None = attrs.field(eq=False)
    completed_at: datetime | None = attrs.field(eq=False)

    @classmethod
    def from_dict(cls, payload: object) -> Training:
        """Parse one training object as the API sends it; ResponseParseError if it is not one.

        Keeps its own copy of the object and of its small nested ones, so what was checked
        stays true whatever the caller does with its dict later.
        """
        if type(payload) is dict:
            payload = {
                name: dict(value) if name in _NESTED and type(value) is dict else value
                for name, value in payload.items()
            }
        return cls._from_decoded(payload)

    @classmethod
    def _from_decoded(cls, payload: object) -> Training:
        """`from_dict` for an object nothing else holds (just decoded from JSON): no copy.

        Written flat, one read and one type check a field, since listing runs it for
        every training on every page.
        """
        if type(payload) is not dict:
            raise ResponseParseError(f"expected a training object, got {_kind(payload)}")
        get = payload.get
        for name in _TEXTS:
            if type(get(name)) is not str:
                raise _wrong(payload, name, "a string")
        _check_texts(payload, _OPTIONAL_TEXTS)
        if type(get("input")) is not dict:
            raise _wrong(payload, "input", "an object")
        _check_texts(_object(payload, "urls"), _URL_NAMES, "urls.")
        if get("output") is not None:
            _check_texts(_object(payload, "output", "an object or null"), _OUTPUT_NAMES, "output.")
        if get("metrics") is not None:
            _check_numbers(_object(payload, "metrics", "an object or null"))
        return cls(
            payload=payload,
            created_at=_timestamp(payload, "created_at"),
            started_at=_optional_timestamp(payload, "started_at"),
            completed_at=_optional_timestamp(payload, "completed_at"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The payload as the API sent it, unknown fields included (a copy)."""
        return copy.deepcopy(self._payload)

    @property
    def id(self) -> str:
        return cast(str, self._payload["id"])

    @property
    def model(self) -> str:
        """The base model, `owner/name`."""
        return cast(str, self._payload["model"])

    @property
    def version(self) -> str:
        """The id of the base model's version being trained."""
        return cast(str, self._payload["version"])

    @property
    def input(self) -> Mapping[str, Any]:
        return cast(Mapping[str, Any], self._payload["input"])

    @property
    def status(self) -> TrainingStatus | str:
        """A `TrainingStatus`, or the plain string of a status this version does not know."""
        status: str = self._payload["status"]
        return _KNOWN_STATUSES.get(status, status)

    @property
    def source(self) -> str | None:
        """Where the training was started from (`api` or `web`), when sent."""
        return cast(str | None, self._payload.get("source"))

    @property
    def logs(self) -> str | None:
        return cast(str | None, self._payload.get("logs"))

    @property
    def error(self) -> str | None:
        return cast(str | None, self._payload.get("error"))

    @cached_property
    def output(self) -> TrainingOutput | None:
        data = self._payload.get("output")
        if data is None:
            return None
        return TrainingOutput(version=data.get("version"), weights=data.get("weights"))

    @cached_property
    def metrics(self) -> TrainingMetrics | None:
        data = self._payload.get("metrics")
        if data is None:
            return None
        return TrainingMetrics(
            predict_time=_seconds(data.get("predict_time")),
            total_time=_seconds(data.get("total_time")),
        )

    @cached_property
    def urls(self) -> TrainingURLs:
        data = self._payload["urls"]
        return TrainingURLs(get=data.get("get"), cancel=data.get("cancel"), web=data.get("web"))

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


_TEXTS = ("id", "model", "version", "status")
_OPTIONAL_TEXTS = ("source", "logs", "error")
_URL_NAMES = ("get", "cancel", "web")
_OUTPUT_NAMES = ("version", "weights")
_METRIC_NAMES = ("predict_time", "total_time")
_NESTED = frozenset({"urls", "output", "metrics"})

# Checks and typed reads of one JSON object; each failure is a ResponseParseError naming
# the field (`prefix` places a nested object's field, as in 'metrics.total_time').


def _check_texts(data: dict[str, Any], names: tuple[str, ...], prefix: str = "") -> None:
    for name in names:
        value = data.get(name)
        if value is not None and type(value) is not str:
            raise _wrong(data, name, "a string or null", prefix)


def _check_numbers(data: dict[str, Any]) -> None:
    for name in _METRIC_NAMES:
        value = data.get(name)
        if value is not None and type(value) is not float and type(value) is not int:
            raise _wrong(data, name, "a number or null", "metrics.")


def _seconds(value: float | None) -> float | None:
    """A checked metric as a float; a JSON integer beyond a float's range is infinite."""
    if value is None or type(value) is float:
        return value
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _object(data: dict[str, Any], name: str, expected: str = "an object") -> dict[str, Any]:
    value = data.get(name)
    if type(value) is not dict:
        raise _wrong(data, name, expected)
    return value


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
