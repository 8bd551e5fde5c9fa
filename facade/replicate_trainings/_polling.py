"""`watch()` and `wait()`: poll a training until it is over, backing off as it runs long."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import attrs

from . import _arguments, _operations, errors
from ._config import ClientConfig
from ._effects import Emit, Program, Sleep
from ._options import NO_OPTIONS, RequestOptions
from ._pipeline import Call, request
from .training import Training

# Errors that say "not now" rather than "never": polling goes on through them.
_TRANSIENT = (errors.APIConnectionError, errors.RateLimitError, errors.ServerError)


@attrs.frozen
class PollSchedule:
    """Delays between polls: `fixed` if given, else from `initial` growing by `factor` to `cap`."""

    fixed: float | None = None
    initial: float = 0.5
    factor: float = 1.5
    cap: float = 30.0

    @classmethod
    def from_interval(cls, poll_interval: object) -> PollSchedule:
        if poll_interval is None:
            return cls()
        return cls(fixed=_arguments.seconds("poll_interval", poll_interval))

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield self.fixed if self.fixed is not None else delay
            delay = min(self.cap, delay * self.factor)


def wait_deadline(timeout: object) -> float | None:
    """The `time.monotonic()` by which `wait()` gives up, or None for no limit."""
    if timeout is None:
        return None
    return time.monotonic() + _arguments.seconds("timeout", timeout, allow_zero=True, most=math.inf)


def watching(
    config: ClientConfig,
    training_or_id: Training | str,
    poll_interval: object,
    timeout: object = None,
    options: RequestOptions = NO_OPTIONS,
) -> Program[Training]:
    """`watch()`: emit each new state until it is terminal, or WaitTimeoutError after
    `timeout`. Arguments are checked now; `options` go with every poll."""
    training_id, known = _operations.training_id_of(training_or_id)
    schedule = PollSchedule.from_interval(poll_interval)
    deadline = wait_deadline(timeout)
    get = _operations.get(config, training_id).with_options(options)
    return poll(config, get, known, schedule, deadline=deadline, emit=True)


def waiting(
    config: ClientConfig,
    training_or_id: Training | str,
    timeout: object,
    poll_interval: object,
    options: RequestOptions = NO_OPTIONS,
) -> Program[Training]:
    """`wait()`: the terminal state, or WaitTimeoutError. Arguments are checked now;
    `options` go with every poll."""
    training_id, known = _operations.training_id_of(training_or_id)
    schedule = PollSchedule.from_interval(poll_interval)
    deadline = wait_deadline(timeout)
    get = _operations.get(config, training_id).with_options(options)
    return poll(config, get, known, schedule, deadline=deadline)


def poll(
    config: ClientConfig,
    get: Call,
    start: Training | None,
    schedule: PollSchedule,
    *,
    deadline: float | None = None,
    emit: bool = False,
) -> Program[Training]:
    """Poll `get` until the training is terminal and return it; emit each new state if asked.

    Transient errors (5xx, 429, no answer) past the request's own retries do not end the
    poll: it tries again at the next interval, the first poll included. `deadline` raises
    WaitTimeoutError with the last state seen, at most one interval late (or the last
    transient error, if no state was ever seen).
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
        if current is not None or polled:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                if current is None:  # no state was ever seen: the brown-out's own error
                    assert failure is not None  # a poll ran and did not return a state
                    raise failure
                raise errors.WaitTimeoutError(
                    f"training {current.id} is still {current.status} after the wait timeout",
                    training=current,
                )
            delay = next(delays)
            yield Sleep(delay if deadline is None else max(0.0, min(delay, deadline - now)))
        polled = True
        try:
            current = yield from request(config, get, Training._from_decoded, deadline=deadline)
        except _TRANSIENT as exc:
            failure = exc
        except errors.APIStatusError as exc:
            if exc.status_code != 408:
                raise
            failure = exc
