"""Polling until trainings are over, backing off as they run long: `poll()` for one
(`watch()`, `wait()`), and the `Watchlist` of many that `_many` runs (`wait_all()`,
`as_completed()`)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Literal, NamedTuple, Never, overload

from replicate_trainings_api.request_shape import NotGiven

from . import _arguments, errors
from ._config import ClientConfig
from ._effects import Emit, Program, Sleep
from ._pipeline import Call, request
from ._server_text import shown
from .training import Training


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class PollSchedule(NamedTuple):
    """Delays between polls: `fixed` if given, else from `initial` growing by `factor` to `cap`."""

    fixed: float | None = None
    initial: float = 0.5
    factor: float = 1.5
    cap: float = 30.0

    @classmethod
    def from_interval(cls, poll_interval: object) -> PollSchedule:
        if poll_interval is None or isinstance(poll_interval, NotGiven):
            return cls()
        return cls(fixed=_arguments.seconds("poll_interval", poll_interval))

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield self.fixed if self.fixed is not None else delay
            delay = min(self.cap, delay * self.factor)


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class Watchlist(NamedTuple):
    """What `wait_all()` and `as_completed()` watch (`_many` runs it), all checked."""

    order: tuple[str, ...]
    """The ids in the order given, repeats kept."""
    gets: Mapping[str, Call]
    """A get of each distinct id, with the call's options."""
    listing: Call
    """The listing's first page (newest first), with the call's options."""
    known: Mapping[str, Training]
    """The states given as `Training`s."""
    schedule: PollSchedule
    deadline: float | None


def wait_deadline(config: ClientConfig, timeout: object) -> float | None:
    """The `config.clock.monotonic()` by which `wait()` gives up, or None for no limit."""
    if timeout is None or isinstance(timeout, NotGiven):
        return None
    limit = _arguments.seconds("timeout", timeout, allow_zero=True, most=math.inf)
    return config.clock.monotonic() + limit


@overload
def poll(
    config: ClientConfig,
    get: Call,
    start: Training | None,
    schedule: PollSchedule,
    *,
    deadline: float | None = None,
    emit: Literal[False] = False,
) -> Program[Never, Training]: ...
@overload
def poll(
    config: ClientConfig,
    get: Call,
    start: Training | None,
    schedule: PollSchedule,
    *,
    deadline: float | None = None,
    emit: Literal[True],
) -> Program[Training, Training]: ...
def poll(
    config: ClientConfig,
    get: Call,
    start: Training | None,
    schedule: PollSchedule,
    *,
    deadline: float | None = None,
    emit: bool = False,
) -> Program[Training, Training]:
    """Poll `get` until the training is terminal and return it; emit each new state if asked.

    Transient errors (`errors.is_transient`: 408, 429, 5xx, no answer) past the request's
    own retries do not end the poll: it tries again at the next interval, the first poll
    included. `deadline` raises WaitTimeoutError, at most one interval late, with the last
    state seen (None if no poll answered, the last poll's error then its `__cause__`).
    """
    delays = schedule.delays()
    current = start
    failure: errors.ReplicateError | None = None  # the last transient error of a poll
    seen: tuple[object, object] | None = None
    polled = False
    while True:
        if current is not None:
            if (current.status, current.logs) != seen:
                seen = (current.status, current.logs)
                if emit:
                    yield Emit(current)
            if current.is_terminal:
                return current
        if (current is not None or polled) and not (
            yield from until_next_poll(config, next(delays), deadline)
        ):
            raise _timed_out(get, current, failure) from failure
        polled = True
        try:
            current = yield from request(config, get, Training._from_decoded, deadline=deadline)
        except errors.ReplicateError as exc:
            if not errors.is_transient(exc):
                raise
            failure = exc


def until_next_poll(
    config: ClientConfig, delay: float, deadline: float | None
) -> Program[Never, bool]:
    """Sleep `delay` before the next poll, cut at `deadline`; False once the deadline has
    come, before the sleep or after it (a poll sent then would have no time left: its
    request would be cut at once)."""
    now = config.clock.monotonic()
    if deadline is not None and now >= deadline:
        return False
    yield Sleep(delay if deadline is None else max(0.0, min(delay, deadline - now)), config.clock)
    return deadline is None or config.clock.monotonic() < deadline


def _timed_out(
    get: Call, current: Training | None, failure: errors.ReplicateError | None
) -> errors.WaitTimeoutError:
    if current is not None:
        message = (
            f"training {current.id} is still {shown(str(current.status))} after the wait timeout"
        )
    else:
        message = (
            f"training {get.subject} gave no state before the wait timeout: no poll answered"
            + (f" (the last: {failure})" if failure is not None else "")
        )
    return errors.WaitTimeoutError(message, training=current)
