"""A manual clock for the client's programs: retries, backoff and polling with no real sleeps.

`on_clock(client, clock)` puts a client's programs on `clock`; a sleep then moves the clock
forward at once, so a test reads exactly how long the client waited, and takes no time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
import time
from typing import TypeVar

from replicate_trainings import AsyncClient, Client

_C = TypeVar("_C", Client, AsyncClient)


class ManualClock:
    """Time that moves only when the client sleeps (or the test calls `advance`)."""

    def __init__(self, wall: float | None = None) -> None:
        self._lock = threading.Lock()
        self._now = 0.0
        self._wall = time.time() if wall is None else wall  # the wall clock starts at now
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return self._now

    def time(self) -> float:
        with self._lock:
            return self._wall + self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
            self.sleeps.append(seconds)

    async def sleep_async(self, seconds: float) -> None:
        await asyncio.sleep(0)  # still a point where other tasks run
        self.sleep(seconds)

    @property
    def slept(self) -> float:
        """Seconds slept in all."""
        with self._lock:
            return sum(self.sleeps)


def on_clock(client: _C, clock: ManualClock, seed: int = 0) -> _C:
    """`client` with its programs on `clock` and a seeded random source; returns it."""
    config = dataclasses.replace(client._config, clock=clock, rng=random.Random(seed))
    client._connect(config, client._http)
    return client
