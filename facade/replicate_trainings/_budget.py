"""A client's rate budget: requests paced under Replicate's per-minute limits, and every
call held once the server says to slow down.

One `Budget` per `Client` or `AsyncClient`, shared by its `with_options` clones, threads
and tasks. It never sleeps: the pipeline asks it how long a request must wait and yields a
`Sleep` for that (blocking or awaited, by the driver), so sync and async share one logic,
on the config's clock. Its lock is held only to do arithmetic, never across a wait, so an
event loop is never blocked by it.
"""

from __future__ import annotations

import dataclasses
import math
import os
import threading
import weakref

from . import _arguments

CREATE = "create"
OTHER = "other"
SLACK = 1e-6
"""A wait this short is float rounding (a hold's end read back after sleeping to it), not
a wait."""


@dataclasses.dataclass(frozen=True, slots=True)
class RateBudget:
    """How fast a client may send: `Client(rate_budget=RateBudget(...))`; None turns it off.

    The default is Replicate's published limits: 600 creates a minute and 3,000 other
    requests (get, list, cancel) a minute, each after a burst of `create_burst` /
    `other_burst` requests sent at once: 4 seconds' worth, a second's worth under the
    5 seconds the local server allows (Replicate does not publish its own), so a request
    held up on its way still lands within the server's budget.
    """

    create_per_minute: float = 600.0
    """Creates a minute, at most, after the burst."""
    other_per_minute: float = 3000.0
    """Other requests (get, list, cancel) a minute, at most, after the burst."""
    create_burst: int = 40
    """Creates that may go at once while the budget is full."""
    other_burst: int = 200
    """Other requests that may go at once while the budget is full."""

    def __post_init__(self) -> None:
        for name in ("create_per_minute", "other_per_minute"):
            _arguments.rate(name, getattr(self, name))
        for name in ("create_burst", "other_burst"):
            _arguments.count(name, getattr(self, name), least=1)


class _Pace:
    """One kind of request's pace: a token bucket kept as the next free slot (GCRA), so a
    request reserves its slot at once and many waiters queue in order, none spinning."""

    __slots__ = ("_interval", "_next", "_tolerance")

    def __init__(self, per_minute: float, burst: int) -> None:
        self._interval = 60.0 / per_minute
        self._tolerance = (burst - 1) * self._interval  # how far ahead a burst may run
        self._next: float | None = None  # the slot after the last one reserved

    def reserve(self, now: float, latest: float) -> float:
        """Seconds from `now` until this request's slot; the slot is taken unless it
        falls after `latest` (a request that would give up first spends none)."""
        due = now if self._next is None else max(self._next, now)
        at = max(now, due - self._tolerance)
        if at <= latest:
            self._next = due + self._interval
        return at - now

    def empty_at(self, when: float) -> None:
        """Empty at `when`, every slot reserved so far void: the first request goes at
        `when`, the next ones at the pace, with no burst."""
        self._next = when + self._tolerance


class Budget:
    """The live budget of one client and its clones, under `limits`; thread-safe."""

    def __init__(self, limits: RateBudget) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        _LIVE.add(self)
        self._paces = {
            CREATE: _Pace(limits.create_per_minute, limits.create_burst),
            OTHER: _Pace(limits.other_per_minute, limits.other_burst),
        }
        self._held_until = -math.inf
        self._holds = 0

    def reserve(self, kind: str, now: float, latest: float = math.inf) -> tuple[float, int]:
        """Seconds until a request of `kind` (`CREATE` or `OTHER`) may go (its slot is
        taken, unless it falls after `latest`), and the number of holds so far: if `holds`
        has moved by the end of the wait, the server said to slow down meanwhile, and the
        request reserves again."""
        with self._lock:
            if self._held_until > latest:
                return self._held_until - now, self._holds
            wait = max(self._paces[kind].reserve(now, latest), self._held_until - now)
            return (wait if wait > SLACK else 0.0), self._holds

    @property
    def holds(self) -> int:
        """How many times the server said to slow down (429s met by this client)."""
        with self._lock:
            return self._holds

    def hold(self, until: float) -> None:
        """The server said to slow down: no request goes before `until` (a monotonic time),
        and none in a burst after it; slots reserved before now are void."""
        with self._lock:
            self._held_until = max(self._held_until, until)
            self._holds += 1
            for pace in self._paces.values():
                pace.empty_at(self._held_until)

    def __repr__(self) -> str:
        return f"Budget({self.limits!r})"


_LIVE: weakref.WeakSet[Budget] = weakref.WeakSet()
"""Every budget alive, so that a forked child gets fresh locks: one held by another of
the parent's threads at the fork would otherwise never be released in the child."""


def _unlock_after_fork() -> None:
    for budget in _LIVE:
        budget._lock = threading.Lock()


os.register_at_fork(after_in_child=_unlock_after_fork)
