"""A training's record, its JSON form, and the state machine that moves it.

Every transition is a function of (training, time, RNG) so the core can drive it
from polls, elapsed time, a background ticker or a test's own `step`/`finish`.
Each transition returns the webhook events the change stands for.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from json.encoder import encode_basestring_ascii as _quote
from typing import Any, Literal

from replicate_trainings_api.training_shape import TERMINAL_STATUSES, TRAINING_FIELDS, FieldSpec

from ._clock import rfc3339
from ._messages import DEFAULT_ORIGIN

Outcome = Literal["succeeded", "failed", "aborted", "processing"]
"""How a training will end: `processing` means it never ends on its own (until canceled)."""

TERMINAL = frozenset(status.value for status in TERMINAL_STATUSES)
EVENTS = frozenset({"start", "output", "logs", "completed"})
WEB_URL = "https://replicate.com/p/"
WEIGHTS_URL = "https://replicate.delivery/xezq/"
DEFAULT_ERROR = "Training failed: the trainer exited with a non-zero status"


@dataclass(frozen=True, slots=True)
class Progression:
    """How trainings advance without a test's help.

    A training takes one step per `polls_per_step` gets of it, and/or one step
    per `seconds_per_step` of the server's clock, or its steps are spread evenly
    over `seconds_to_end` from its creation, the last exactly then; with none it
    moves only by hand. Its life is `starting`, then `processing_steps` steps in
    `processing` (each appending a log line), then its outcome.
    """

    polls_per_step: int | None = 1
    seconds_per_step: float | None = None
    processing_steps: int = 2
    seconds_to_end: float | None = None

    def __post_init__(self) -> None:
        if self.polls_per_step is not None and self.polls_per_step < 1:
            raise ValueError("polls_per_step must be at least 1")
        if self.seconds_per_step is not None and self.seconds_per_step <= 0:
            raise ValueError("seconds_per_step must be positive")
        if self.seconds_to_end is not None and self.seconds_to_end <= 0:
            raise ValueError("seconds_to_end must be positive")
        if self.seconds_to_end is not None and self.seconds_per_step is not None:
            raise ValueError("give seconds_per_step or seconds_to_end, not both")
        if self.processing_steps < 1:
            raise ValueError("processing_steps must be at least 1")

    @classmethod
    def per_polls(cls, polls: int = 1, *, processing_steps: int = 2) -> Progression:
        """One step per `polls` gets of the training (the default: every get)."""
        return cls(polls, None, processing_steps)

    @classmethod
    def elapsed(cls, seconds: float, *, processing_steps: int = 2) -> Progression:
        """One step per `seconds` of the server's clock, polled or not."""
        return cls(None, seconds, processing_steps)

    @classmethod
    def ends_after(cls, seconds: float, *, processing_steps: int = 2) -> Progression:
        """Every training ends `seconds` after its creation on the server's clock, polled or
        not (so a listing sees it end), its steps spread evenly before that."""
        return cls(None, None, processing_steps, seconds)

    @classmethod
    def manual(cls, *, processing_steps: int = 2) -> Progression:
        """Only `step()` and `finish()` move trainings."""
        return cls(None, None, processing_steps)

    @property
    def life(self) -> int:
        """Steps from `starting` to the outcome."""
        return self.processing_steps + 1

    @property
    def timed(self) -> float | None:
        """Seconds between steps when time moves trainings (a ticker's pace), else None."""
        if self.seconds_to_end is not None:
            return self.seconds_to_end / self.life
        return self.seconds_per_step


@dataclass(slots=True, eq=False)
class TrainingRecord:
    """The server's record of one training; `to_json` caches its serialized form.

    It renders every field of openapi.yaml's Training schema, in the spec's order: a
    field the record has (an attribute of that name, or `urls`) from the record, any
    other (one added upstream, required or nullable alike) as the create request's value
    of the same name, else a plausible value of its kind (`plausible`). No list of fields
    is kept by hand.
    """

    seq: int
    id: str
    model: str
    version: str
    destination: str
    input: dict[str, Any]
    created_at: float
    source: str = "api"
    status: str = "starting"
    logs: str = ""
    error: str | None = None
    started_at: float | None = None
    completed_at: float | None = None
    metrics: dict[str, float] | None = None
    output: dict[str, str] | None = None
    outcome: Outcome = "succeeded"
    planned_error: str | None = None
    webhook: str | None = None
    webhook_events: frozenset[str] = EVENTS
    requested: dict[str, Any] = field(default_factory=dict)
    """The create body as sent: a training field the record does not model shows the
    request's value of the same name (a field upstream adds to both), else a plausible one."""
    origin: str = DEFAULT_ORIGIN
    steps: int = 0
    polls: int = 0
    last_step_at: float = 0.0
    _input_json: str | None = field(default=None, repr=False)
    _json: bytes | None = field(default=None, repr=False)
    _json_base: str = field(default="", repr=False)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def to_json(self, api_base: str) -> bytes:
        """The training as the API sends it, with URLs under `api_base` (cached)."""
        if self._json is None or self._json_base != api_base:
            self._json = self._render(api_base).encode()
            self._json_base = api_base
        return self._json

    def _render(self, api_base: str) -> str:
        return _RENDER(self, api_base)

    def urls(self, api_base: str) -> dict[str, str]:
        """The training's URLs: its API address, its cancel address, its web page."""
        get = f"{api_base}/trainings/{self.id}"
        return {"get": get, "cancel": get + "/cancel", "web": WEB_URL + self.id}

    def input_json(self) -> str:
        """`input` as JSON (cached: it never changes)."""
        if self._input_json is None:
            self._input_json = _compact(self.input)
        return self._input_json

    def touch(self) -> None:
        """Forget the cached JSON after a change."""
        self._json = None


Part = Callable[[TrainingRecord, str], str]
"""One field's JSON text, from the record and the API base URL."""
_DIGITS = {"created_at": 9}  # fraction digits of a timestamp, as the API sends it (else 6)
_OWN = frozenset(f.name for f in fields(TrainingRecord) if not f.name.startswith("_"))


def renderer(specs: Iterable[FieldSpec]) -> Part:
    """The JSON object of a training with these fields, in order; built once from the spec
    (assembled by hand: json.dumps of the whole dict was most of the cost of a page)."""
    parts = [(f"{',' if index else '{'}{_quote(spec.name)}:", _part(spec)) for index, spec in
             enumerate(specs)]  # fmt: skip

    def render(t: TrainingRecord, api_base: str) -> str:
        return "".join([text for key, part in parts for text in (key, part(t, api_base))]) + "}"

    return render


def _part(spec: FieldSpec) -> Part:
    """How one field is rendered: from the record if it models the field, else plausibly."""
    if spec.name == "input":
        return lambda t, _: t.input_json()
    if spec.name == "urls":
        extra = [s for s in spec.fields if s.name not in ("get", "cancel", "web")]
        return lambda t, base: _flat({**t.urls(base), **plausible_members(extra, t)})
    if spec.name not in _OWN:
        name = spec.name
        return lambda t, _: (
            _compact(t.requested[name]) if name in t.requested else plausible(spec, t)
        )
    name, digits = spec.name, _DIGITS.get(spec.name, 6)

    def own(t: TrainingRecord, _: str) -> str:
        value = getattr(t, name)
        if value is None:
            return "null"
        if spec.kind == "datetime" and isinstance(value, float):
            return f'"{rfc3339(value, digits)}"'
        if isinstance(value, str):
            return _quote(value)
        return _flat(value) if isinstance(value, dict) else _compact(value)

    return own


def plausible(spec: FieldSpec, t: TrainingRecord) -> str:
    """A value of the field's kind the record does not model: a string, the training's
    creation time, zero, false, empty, an enum's first value, an object of such values."""
    if spec.kind == "datetime":
        return f'"{rfc3339(t.created_at)}"'
    if spec.kind == "enum":
        return _quote(spec.choices[0] if spec.choices else "")
    if spec.kind == "object":
        return _compact(plausible_members(spec.fields, t))
    return _PLAUSIBLE.get(spec.kind, "null")


def plausible_members(specs: Iterable[FieldSpec], t: TrainingRecord) -> dict[str, Any]:
    """Plausible values of these fields, as a mapping."""
    return {spec.name: json.loads(plausible(spec, t)) for spec in specs}


_PLAUSIBLE = {"str": '""', "float": "0.0", "int": "0", "bool": "false", "map": "{}", "list": "[]"}
_RENDER = renderer(TRAINING_FIELDS)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _flat(values: dict[str, Any]) -> str:
    """An object of strings and finite numbers (a finite float's repr is valid JSON); any
    other member through json.dumps."""
    members = (
        f"{_quote(k)}:{_quote(v) if isinstance(v, str) else _number(v)}" for k, v in values.items()
    )
    return "{" + ",".join(members) + "}"


def _number(value: Any) -> str:
    """A finite float or int as JSON; anything else through json.dumps."""
    return repr(value) if type(value) in (float, int) else _compact(value)


def step(t: TrainingRecord, now: float, rng: random.Random, life: int) -> frozenset[str]:
    """Advance `t` one step towards its outcome; return the events the change stands for."""
    if t.terminal:
        return frozenset()
    t.steps += 1
    t.last_step_at = now
    if t.status == "starting":
        if t.outcome == "aborted":
            return _end(t, "aborted", now, rng, None)
        t.status = "processing"
        t.started_at = now
        _log(t, f"Starting training of {t.model} (version {t.version[:12]})")
        return frozenset({"logs"})
    if t.outcome == "processing" or t.steps < life:
        _log(t, f"step {t.steps - 1}: loss={rng.uniform(0.05, 2.0):.4f}")
        return frozenset({"logs"})
    return _end(t, "failed" if t.outcome == "failed" else "succeeded", now, rng, t.planned_error)


def finish(
    t: TrainingRecord, status: str, now: float, rng: random.Random, error: str | None = None
) -> frozenset[str]:
    """End `t` now with `status` (any terminal status); no-op if it already ended."""
    if status not in TERMINAL:
        raise ValueError(f"not a terminal status: {status!r}")
    if t.terminal:
        return frozenset()
    if t.started_at is None and status in ("succeeded", "failed"):
        t.started_at = now
        _log(t, f"Starting training of {t.model} (version {t.version[:12]})")
    return _end(t, status, now, rng, error)


def cancel(t: TrainingRecord, now: float, rng: random.Random) -> frozenset[str]:
    """Cancel `t` if it has not ended; a terminal training stays as it is."""
    return finish(t, "canceled", now, rng)


def _end(
    t: TrainingRecord, status: str, now: float, rng: random.Random, error: str | None
) -> frozenset[str]:
    t.status = status
    t.completed_at = now
    t.last_step_at = now
    metrics = {"total_time": round(now - t.created_at, 6)}
    if t.started_at is not None:
        metrics["predict_time"] = round(now - t.started_at, 6)
    t.metrics = metrics
    events = {"completed"}
    if status == "succeeded":
        t.output = {
            "version": f"{t.destination}:{rng.randbytes(32).hex()}",
            "weights": f"{WEIGHTS_URL}{rng.randbytes(16).hex()}/trained_model.tar",
        }
        _log(t, f"Training complete; pushed a new version of {t.destination}")
        events |= {"output", "logs"}
    elif status == "failed":
        t.error = error or DEFAULT_ERROR
        _log(t, f"Error: {t.error}")
        events.add("logs")
    elif status == "canceled" and t.started_at is not None:
        _log(t, "Training canceled")
        events.add("logs")
    t.touch()
    return frozenset(events)


def _log(t: TrainingRecord, line: str) -> None:
    t.logs += line + "\n"
    t.touch()
