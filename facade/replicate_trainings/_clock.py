"""Time for the programs: read the clocks and sleep through one object from the config.

Retries, backoff, polling deadlines and log timings all ask the config's clock, never the
`time` module, so a test can hand a client a manual clock and run them with no real sleeps.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """What the programs and drivers need of time."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (deadlines, elapsed times)."""
        ...

    def time(self) -> float:
        """POSIX seconds on the wall clock (Retry-After dates, creation times)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Block for `seconds` (the sync driver)."""
        ...

    async def sleep_async(self, seconds: float) -> None:
        """Suspend for `seconds` (the async driver)."""
        ...


class SystemClock:
    """The real clocks and sleeps."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        import asyncio  # noqa: PLC0415 - only async users pay for importing asyncio

        await asyncio.sleep(seconds)

    def __repr__(self) -> str:
        return "SystemClock()"


SYSTEM_CLOCK = SystemClock()
