"""Time for the local server: an injectable clock and the API's timestamp format.

The clock is any callable returning POSIX seconds, so tests can freeze or step
time with `ManualClock` and every timestamp the server writes follows it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

Clock = Callable[[], float]
"""Returns the current time as POSIX seconds (like `time.time`)."""


class ManualClock:
    """A clock that moves only when told to; thread-safe."""

    def __init__(self, start: float | datetime = 1_700_000_000.0) -> None:
        self._now = start.timestamp() if isinstance(start, datetime) else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by `seconds` and return the new time."""
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float | datetime) -> None:
        """Jump to `when` (POSIX seconds or an aware datetime)."""
        with self._lock:
            self._now = when.timestamp() if isinstance(when, datetime) else float(when)


def system_clock() -> float:
    """The wall clock."""
    return time.time()


def rfc3339(seconds: float, digits: int = 6) -> str:
    """Format POSIX seconds as the API does: UTC, `Z`, `digits` fraction digits (6 or 9)."""
    scale = 10**digits
    whole, fraction = divmod(round(seconds * scale), scale)
    hour, rest = divmod(whole, 3600)
    return f"{_hour(hour)}{rest // 60:02d}:{rest % 60:02d}.{fraction:0{digits}d}Z"


@lru_cache(maxsize=4096)
def _hour(hour: int) -> str:
    """`YYYY-MM-DDTHH:` of an hour since the epoch (cached: formatting is the slow part)."""
    return time.strftime("%Y-%m-%dT%H:", time.gmtime(hour * 3600))
