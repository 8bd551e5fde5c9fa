"""A training's shape, read tolerantly: every field of openapi.yaml's Training schema.

Written by `make generate` (scripts/shape.py with scripts/templates/); do not edit.
A field that is missing, null, of another type or malformed reads as None (an empty
mapping for a free-form object); `report` is told of each value the schema does not
allow. Only a required field that cannot be read makes the object unreadable.
What is read cannot be changed: objects and arrays, at any depth, read as a dict and a
list that refuse changes. A date-time field always holds an aware datetime (an instant).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NoReturn, Self, TypeVar

__all__ = [
    "FieldSpec",
    "Report",
    "RUNNING_STATUSES",
    "TERMINAL_STATUSES",
    "TRAINING_FIELDS",
    "TrainingSource",
    "UnknownSource",
    "TrainingStatus",
    "UnknownStatus",
    "TrainingMetrics",
    "TrainingOutput",
    "TrainingURLs",
    "TrainingShape",
    "UnreadableField",
    "read_training",
]

Report = Callable[[object, str, object, str], None]
"""Hears of each value the schema does not allow: (the training's id, the field's path, the
value, the expected). Such a value reads as None, but for a timestamp Python can still read
(a date alone, no time zone), which reads as it always has."""


class UnreadableField(ValueError):
    """A required field is missing or unusable, so the object cannot be read at all."""

    def __init__(self, path: str, data: Mapping[str, Any], expected: str) -> None:
        name = path.rpartition(".")[2]
        problem = (
            "missing" if name not in data else f"{_kind(data[name])}, not {expected}"
        )
        super().__init__(f"field '{path}' is {problem}")
        self.path = path


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field as openapi.yaml declares it: for renderers, test data and checks."""

    name: str
    attr: str
    """The Python attribute that reads it."""
    kind: str
    """str, datetime, float, int, bool, map (a free-form object), list, enum, object or any"""
    nullable: bool
    required: bool
    choices: tuple[str, ...] = ()
    """An enum's known values (the API may send others)."""
    fields: tuple[FieldSpec, ...] = ()
    """A nested object's fields."""


class TrainingSource(StrEnum):
    """The values of `TrainingSource` this version knows; the API may send others."""

    WEB = "web"
    API = "api"


class UnknownSource(str):
    """A value of `TrainingSource` this version does not know (a newer API's): a plain
    string of its own type, so a `match` can give it an arm and still be exhaustive."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"UnknownSource({str.__repr__(self)})"


_TRAININGSOURCE_VALUES: dict[str, TrainingSource] = {
    member.value: member for member in TrainingSource
}


class TrainingStatus(StrEnum):
    """The values of `TrainingStatus` this version knows; the API may send others."""

    STARTING = "starting"
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    ABORTED = "aborted"


class UnknownStatus(str):
    """A value of `TrainingStatus` this version does not know (a newer API's): a plain
    string of its own type, so a `match` can give it an arm and still be exhaustive."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"UnknownStatus({str.__repr__(self)})"


_TRAININGSTATUS_VALUES: dict[str, TrainingStatus] = {
    member.value: member for member in TrainingStatus
}

TERMINAL_STATUSES: frozenset[TrainingStatus] = frozenset(
    {
        TrainingStatus.SUCCEEDED,
        TrainingStatus.FAILED,
        TrainingStatus.CANCELED,
        TrainingStatus.ABORTED,
    }
)
"""The known statuses a training never leaves."""

RUNNING_STATUSES: frozenset[TrainingStatus] = frozenset(
    {
        TrainingStatus.STARTING,
        TrainingStatus.PROCESSING,
    }
)
"""The known statuses a training moves on from."""


class TrainingMetrics:
    """Metrics about the training process"""

    __slots__ = (
        "_predict_time",
        "_total_time",
    )
    _predict_time: float | None
    _total_time: float | None

    def __init__(
        self,
        predict_time: float | None = None,
        total_time: float | None = None,
    ) -> None:
        self._predict_time = predict_time
        self._total_time = total_time

    @classmethod
    def _read(
        cls, data: dict[str, Any], report: Report, training_id: object, path: str
    ) -> Self:
        self = cls.__new__(cls)
        get = data.get
        value = get("predict_time")
        number = _finite(value)
        if number is None:
            if value is not None or "predict_time" in data:
                report(training_id, path + "predict_time", value, "a finite number")
        value = number
        self._predict_time = value

        value = get("total_time")
        number = _finite(value)
        if number is None:
            if value is not None or "total_time" in data:
                report(training_id, path + "total_time", value, "a finite number")
        value = number
        self._total_time = value

        return self

    def _values(self) -> tuple[Any, ...]:
        return (
            self._predict_time,
            self._total_time,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, TrainingMetrics)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return (
            f"TrainingMetrics("
            f"predict_time={self._predict_time!r}"
            f", total_time={self._total_time!r}"
            ")"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())

    @property
    def predict_time(self) -> float | None:
        """The amount of CPU or GPU time, in seconds, that the training used while running"""
        return self._predict_time

    @property
    def total_time(self) -> float | None:
        """The total time, in seconds, that the training took to complete"""
        return self._total_time


class TrainingOutput:
    """The output of the training process"""

    __slots__ = (
        "_version",
        "_weights",
    )
    _version: str | None
    _weights: str | None

    def __init__(
        self,
        version: str | None = None,
        weights: str | None = None,
    ) -> None:
        self._version = version
        self._weights = weights

    @classmethod
    def _read(
        cls, data: dict[str, Any], report: Report, training_id: object, path: str
    ) -> Self:
        self = cls.__new__(cls)
        get = data.get
        value = get("version")
        if type(value) is not str:
            if value is not None or "version" in data:
                report(training_id, path + "version", value, "a string")
            value = None
        self._version = value

        value = get("weights")
        if type(value) is not str:
            if value is not None or "weights" in data:
                report(training_id, path + "weights", value, "a string")
            value = None
        self._weights = value

        return self

    def _values(self) -> tuple[Any, ...]:
        return (
            self._version,
            self._weights,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, TrainingOutput)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return f"TrainingOutput(version={self._version!r}, weights={self._weights!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())

    @property
    def version(self) -> str | None:
        """The version of the model created by the training"""
        return self._version

    @property
    def weights(self) -> str | None:
        """The weights of the trained model"""
        return self._weights


class TrainingURLs:
    """URLs for interacting with the training"""

    __slots__ = (
        "_cancel",
        "_get",
        "_web",
    )
    _cancel: str | None
    _get: str | None
    _web: str | None

    def __init__(
        self,
        cancel: str | None = None,
        get: str | None = None,
        web: str | None = None,
    ) -> None:
        self._cancel = cancel
        self._get = get
        self._web = web

    @classmethod
    def _read(
        cls, data: dict[str, Any], report: Report, training_id: object, path: str
    ) -> Self:
        self = cls.__new__(cls)
        get = data.get
        value = get("cancel")
        if type(value) is not str:
            if value is not None or "cancel" in data:
                report(training_id, path + "cancel", value, "a string")
            value = None
        self._cancel = value

        value = get("get")
        if type(value) is not str:
            if value is not None or "get" in data:
                report(training_id, path + "get", value, "a string")
            value = None
        self._get = value

        value = get("web")
        if type(value) is not str:
            if value is not None or "web" in data:
                report(training_id, path + "web", value, "a string")
            value = None
        self._web = value

        return self

    def _values(self) -> tuple[Any, ...]:
        return (
            self._cancel,
            self._get,
            self._web,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, TrainingURLs)
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return (
            f"TrainingURLs("
            f"cancel={self._cancel!r}"
            f", get={self._get!r}"
            f", web={self._web!r}"
            ")"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), self._values())

    @property
    def cancel(self) -> str | None:
        """URL to cancel the training"""
        return self._cancel

    @property
    def get(self) -> str | None:
        """URL to get the training details"""
        return self._get

    @property
    def web(self) -> str | None:
        """The training's page on the website."""
        return self._web


class TrainingShape:
    """The `Training` object."""

    __slots__ = (
        "_completed_at",
        "_created_at",
        "_error",
        "_id",
        "_input",
        "_logs",
        "_metrics",
        "_model",
        "_output",
        "_source",
        "_started_at",
        "_status",
        "_urls",
        "_version",
        "_report",
    )
    _completed_at: datetime | None | str
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _created_at: datetime | None | str
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _error: str | None
    _id: str
    _input: Mapping[str, Any]
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _logs: str | None
    _metrics: TrainingMetrics | None | dict[str, Any]
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _model: str | None
    _output: TrainingOutput | None | dict[str, Any]
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _source: TrainingSource | UnknownSource | None
    _started_at: datetime | None | str
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _status: TrainingStatus | UnknownStatus | None
    _urls: TrainingURLs | None | dict[str, Any]
    """Read on first use: a listing reads a few fields of thousands of trainings."""
    _version: str | None
    _report: Report

    @property
    def completed_at(self) -> datetime | None:
        """The time when the training completed"""
        value = self._completed_at
        if isinstance(value, str):
            value = _instant(
                value,
                self._report,
                self._id,
                "completed_at",
                "an RFC 3339 timestamp or null",
            )
            self._completed_at = value
        return value

    @property
    def created_at(self) -> datetime | None:
        """The time when the training was created"""
        value = self._created_at
        if isinstance(value, str):
            value = _instant(
                value, self._report, self._id, "created_at", "an RFC 3339 timestamp"
            )
            self._created_at = value
        return value

    @property
    def error(self) -> str | None:
        """Error message if the training failed"""
        return self._error

    @property
    def id(self) -> str:
        """The unique ID of the training"""
        return self._id

    @property
    def input(self) -> Mapping[str, Any]:
        """The input parameters used for the training"""
        value = self._input
        if type(value) in _CONTAINERS:
            value = _frozen(value)
            self._input = value
        return value

    @property
    def logs(self) -> str | None:
        """The logs from the training process"""
        return self._logs

    @property
    def metrics(self) -> TrainingMetrics | None:
        """Metrics of the training; may be empty or null before it ends."""
        value = self._metrics
        if isinstance(value, dict):
            value = TrainingMetrics._read(value, self._report, self._id, "metrics.")
            self._metrics = value
        return value

    @property
    def model(self) -> str | None:
        """The name of the model in the format owner/name"""
        return self._model

    @property
    def output(self) -> TrainingOutput | None:
        """What the training produced; null until it succeeds."""
        value = self._output
        if isinstance(value, dict):
            value = TrainingOutput._read(value, self._report, self._id, "output.")
            self._output = value
        return value

    @property
    def source(self) -> TrainingSource | UnknownSource | None:
        """How the training was created. Open, like `status`."""
        return self._source

    @property
    def started_at(self) -> datetime | None:
        """The time when the training started"""
        value = self._started_at
        if isinstance(value, str):
            value = _instant(
                value,
                self._report,
                self._id,
                "started_at",
                "an RFC 3339 timestamp or null",
            )
            self._started_at = value
        return value

    @property
    def status(self) -> TrainingStatus | UnknownStatus | None:
        """The current status. `canceled`: canceled by the user or at its deadline while running; `aborted`: terminated before it started running. Open: a value not listed here may be added by the API."""
        return self._status

    @property
    def urls(self) -> TrainingURLs | None:
        value = self._urls
        if isinstance(value, dict):
            value = TrainingURLs._read(value, self._report, self._id, "urls.")
            self._urls = value
        return value

    @property
    def version(self) -> str | None:
        """The ID of the model version used for training"""
        return self._version


_T = TypeVar("_T", bound=TrainingShape)


def read_training(cls: type[_T], data: dict[str, Any], report: Report) -> _T:
    """A `cls` read from one decoded JSON object; UnreadableField if a required field is unusable."""
    self = cls.__new__(cls)
    self._report = report
    get = data.get
    training_id = get("id")
    value = get("completed_at")
    if type(value) is not str:
        if value is not None:
            report(training_id, "completed_at", value, "an RFC 3339 timestamp or null")
        value = None
    self._completed_at = value

    value = get("created_at")
    if type(value) is not str:
        if value is not None or "created_at" in data:
            report(training_id, "created_at", value, "an RFC 3339 timestamp")
        value = None
    self._created_at = value

    value = get("error")
    if type(value) is not str:
        if value is not None:
            report(training_id, "error", value, "a string or null")
        value = None
    self._error = value

    value = get("id")
    if type(value) is not str:
        raise UnreadableField("id", data, "a string")
    self._id = value

    value = get("input")
    if type(value) is not dict:
        if value is not None or "input" in data:
            report(training_id, "input", value, "an object")
        value = _EMPTY
    self._input = value

    value = get("logs")
    if type(value) is not str:
        if value is not None:
            report(training_id, "logs", value, "a string or null")
        value = None
    self._logs = value

    value = get("metrics")
    if type(value) is not dict:
        if value is not None:
            report(training_id, "metrics", value, "an object or null")
        value = None
    self._metrics = value

    value = get("model")
    if type(value) is not str:
        if value is not None or "model" in data:
            report(training_id, "model", value, "a string")
        value = None
    self._model = value

    value = get("output")
    if type(value) is not dict:
        if value is not None:
            report(training_id, "output", value, "an object or null")
        value = None
    self._output = value

    value = get("source")
    if type(value) is str:
        value = (
            _TRAININGSOURCE_VALUES[value]
            if value in _TRAININGSOURCE_VALUES
            else UnknownSource(value)
        )
    else:
        if value is not None or "source" in data:
            report(training_id, "source", value, "a string")
        value = None
    self._source = value

    value = get("started_at")
    if type(value) is not str:
        if value is not None:
            report(training_id, "started_at", value, "an RFC 3339 timestamp or null")
        value = None
    self._started_at = value

    value = get("status")
    if type(value) is str:
        value = (
            _TRAININGSTATUS_VALUES[value]
            if value in _TRAININGSTATUS_VALUES
            else UnknownStatus(value)
        )
    else:
        if value is not None or "status" in data:
            report(training_id, "status", value, "a string")
        value = None
    self._status = value

    value = get("urls")
    if type(value) is not dict:
        if value is not None or "urls" in data:
            report(training_id, "urls", value, "an object")
        value = None
    self._urls = value

    value = get("version")
    if type(value) is not str:
        if value is not None or "version" in data:
            report(training_id, "version", value, "a string")
        value = None
    self._version = value

    return self


TRAINING_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "completed_at",
        "completed_at",
        "datetime",
        nullable=True,
        required=False,
    ),
    FieldSpec(
        "created_at",
        "created_at",
        "datetime",
        nullable=False,
        required=False,
    ),
    FieldSpec(
        "error",
        "error",
        "str",
        nullable=True,
        required=False,
    ),
    FieldSpec(
        "id",
        "id",
        "str",
        nullable=False,
        required=True,
    ),
    FieldSpec(
        "input",
        "input",
        "map",
        nullable=False,
        required=False,
    ),
    FieldSpec(
        "logs",
        "logs",
        "str",
        nullable=True,
        required=False,
    ),
    FieldSpec(
        "metrics",
        "metrics",
        "object",
        nullable=True,
        required=False,
        fields=(
            FieldSpec(
                "predict_time",
                "predict_time",
                "float",
                nullable=False,
                required=False,
            ),
            FieldSpec(
                "total_time",
                "total_time",
                "float",
                nullable=False,
                required=False,
            ),
        ),
    ),
    FieldSpec(
        "model",
        "model",
        "str",
        nullable=False,
        required=False,
    ),
    FieldSpec(
        "output",
        "output",
        "object",
        nullable=True,
        required=False,
        fields=(
            FieldSpec(
                "version",
                "version",
                "str",
                nullable=False,
                required=False,
            ),
            FieldSpec(
                "weights",
                "weights",
                "str",
                nullable=False,
                required=False,
            ),
        ),
    ),
    FieldSpec(
        "source",
        "source",
        "enum",
        nullable=False,
        required=False,
        choices=(
            "web",
            "api",
        ),
    ),
    FieldSpec(
        "started_at",
        "started_at",
        "datetime",
        nullable=True,
        required=False,
    ),
    FieldSpec(
        "status",
        "status",
        "enum",
        nullable=False,
        required=False,
        choices=(
            "starting",
            "processing",
            "succeeded",
            "failed",
            "canceled",
            "aborted",
        ),
    ),
    FieldSpec(
        "urls",
        "urls",
        "object",
        nullable=False,
        required=False,
        fields=(
            FieldSpec(
                "cancel",
                "cancel",
                "str",
                nullable=False,
                required=False,
            ),
            FieldSpec(
                "get",
                "get",
                "str",
                nullable=False,
                required=False,
            ),
            FieldSpec(
                "web",
                "web",
                "str",
                nullable=False,
                required=False,
            ),
        ),
    ),
    FieldSpec(
        "version",
        "version",
        "str",
        nullable=False,
        required=False,
    ),
)
"""The fields of `Training`, in openapi.yaml's order."""


class _FrozenDict(dict[str, Any]):
    """A JSON object as read: a dict (so json.dumps and `==` work as before) that refuses
    every change, its objects and arrays frozen too. `to_dict()` gives a copy to change."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(_READ_ONLY)

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: object) -> Self:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


class _FrozenList(list[Any]):
    """A JSON array as read: a list that refuses every change, like `_FrozenDict`."""

    __slots__ = ()

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(_READ_ONLY)

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = clear = extend = insert = pop = remove = reverse = sort = _refuse

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: object) -> Self:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


_READ_ONLY = "a training's data is read-only; to_dict() gives a copy to change"
_CONTAINERS = (dict, list, tuple)
"""A field holding one of these is frozen on first use: JSON's object and array, and the
tuple `from_dict` may be given."""


def _frozen(value: Any) -> Any:
    """`value` with every object and array in it, at any depth, copied read-only.

    Iterative: a payload may nest deeper than Python recursion goes.
    """
    top = _shallow(value)
    todo = [top] if top is not value else []
    while todo:
        container = todo.pop()
        items: list[tuple[Any, Any]]
        put: Callable[[Any, Any, Any], None]
        if type(container) is _FrozenDict:
            items, put = list(container.items()), dict.__setitem__
        else:
            items, put = list(enumerate(container)), list.__setitem__
        for key, item in items:
            if type(item) in _SCALARS:
                continue
            inner = _shallow(item)
            if inner is not item:
                put(container, key, inner)
                todo.append(inner)
    return top


def _shallow(value: Any) -> Any:
    """A read-only shallow copy of an object or array not yet read-only; else `value`."""
    kind = type(value)
    if kind is dict or (kind is not _FrozenDict and isinstance(value, Mapping)):
        return _FrozenDict(value)
    if kind is list or (kind is not _FrozenList and isinstance(value, list | tuple)):
        return _FrozenList(value)
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


_EMPTY: Mapping[str, Any] = _FrozenDict()
_LEAP_SECOND = re.compile(r"(T\d\d:\d\d:)60(?:\.\d+)?")
_RFC3339 = re.compile(
    r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)", re.ASCII
)
"""RFC 3339's date-time, the spec's `date-time` format: a date, a time and a time zone."""


def _instant(
    text: str, report: Report, training_id: object, path: str, expected: str
) -> datetime | None:
    """A date-time field's string as an aware datetime, or None; `report` hears of any
    string RFC 3339 does not allow, read or not."""
    parsed = _timestamp(text)
    if parsed is None or not _RFC3339.fullmatch(text):
        report(training_id, path, text, expected)
    return parsed


def _timestamp(value: str) -> datetime | None:
    """An instant: RFC 3339 in any precision (nanoseconds cut to microseconds).

    What Python reads beyond RFC 3339 is read as it is (a date alone as midnight, no
    time zone as UTC) and `_RFC3339` tells the reader to warn; an instant before
    0001-01-01 or after 9999-12-31 in UTC, which a datetime cannot hold, is None.
    """
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        # RFC 3339 also allows a lower-case 't' and 'z', and the leap second 23:59:60.
        lenient = _LEAP_SECOND.sub(r"\g<1>59.999999", value.upper())
        try:
            parsed = datetime.fromisoformat(lenient)
        except ValueError:
            return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    if parsed.year in (1, 9999):
        try:
            parsed.astimezone(UTC)
        except OverflowError:
            return None
    return parsed


def _finite(value: object) -> float | None:
    """A JSON number as a float, or None: not a number, or beyond a float's range."""
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return None
    return None


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    names |= {int: "an integer", float: "a number"}
    return names.get(type(value), f"a {type(value).__name__}")
