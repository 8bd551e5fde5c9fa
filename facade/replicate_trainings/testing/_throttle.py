"""Throttling as Replicate does it: per-minute limits with a burst, and its 429.

Replicate publishes its limits (https://replicate.com/docs/topics/predictions/rate-limits):
creating at 600 requests a minute, every other endpoint at 3,000, short bursts above
them allowed; past them a 429 whose body is
`{"detail":"Request was throttled. Your rate limit resets in ~30s."}` and no
`Retry-After` in its docs. Here each token has two token buckets, one for creates and
one for everything else, refilled continuously on the server's clock.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass

from ._clock import Clock
from ._messages import JSON, Response

DEFAULT_BURST_SECONDS = 5.0
"""A bucket holds this many seconds' worth of its rate unless told otherwise:
50 creates and 250 other requests at Replicate's limits."""

CLOCK_SLACK = 1e-6
"""A wait this short is float rounding, not a wait: at today's POSIX time, seconds carry
about 2e-7 s of it, so a client exactly at the rate would otherwise be refused."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Per-token limits: `RateLimit()` is Replicate's published ones.

    A token may send `create_burst` creates at once, then `create_per_minute`
    a minute; likewise `other_burst` and `other_per_minute` for every other request
    (get, list, cancel, unknown paths). A burst of None is `DEFAULT_BURST_SECONDS`
    of the rate. `retry_after=True` adds a `Retry-After` header to the 429
    (Replicate's docs show none).
    """

    create_per_minute: float = 600.0
    other_per_minute: float = 3000.0
    create_burst: float | None = None
    other_burst: float | None = None
    retry_after: bool = False

    def __post_init__(self) -> None:
        if self.create_per_minute <= 0 or self.other_per_minute <= 0:
            raise ValueError("per-minute limits must be positive")
        for burst in (self.create_burst, self.other_burst):
            if burst is not None and burst < 1:
                raise ValueError("a burst must allow at least one request")

    def bucket(self, kind: str) -> tuple[float, float]:
        """(capacity, refill per second) of the `create` or `other` bucket."""
        per_minute, burst = (
            (self.create_per_minute, self.create_burst)
            if kind == "create"
            else (self.other_per_minute, self.other_burst)
        )
        rate = per_minute / 60
        return (max(rate * DEFAULT_BURST_SECONDS, 1.0) if burst is None else burst), rate


@dataclass(slots=True)
class _Bucket:
    capacity: float
    rate: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one request's worth if there is one (0.0); else the seconds until there is."""
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        wait = (1 - self.tokens) / self.rate
        if wait <= CLOCK_SLACK:
            self.tokens -= 1
            return 0.0
        return wait


class Throttle:
    """The buckets of every token under one `RateLimit`, on the server's clock; thread-safe."""

    def __init__(self, limit: RateLimit, clock: Clock) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self._refused = 0

    def admit(self, token: str, operation: str) -> Response | None:
        """None if `token` may send this request now (it is counted); else the 429 to send."""
        kind = "create" if operation == "create" else "other"
        with self._lock:
            now = self._clock()
            bucket = self._buckets.get((token, kind))
            if bucket is None:
                capacity, rate = self.limit.bucket(kind)
                bucket = self._buckets[(token, kind)] = _Bucket(capacity, rate, capacity, now)
            wait = bucket.take(now)
            if not wait:
                return None
            self._refused += 1
        return throttled(max(math.ceil(wait), 1), retry_after=self.limit.retry_after)

    @property
    def refused(self) -> int:
        """How many requests were answered 429 so far."""
        with self._lock:
            return self._refused

    def reset(self) -> None:
        """Fill every bucket (as after a long pause); the count of refusals stays."""
        with self._lock:
            self._buckets.clear()


def throttled(seconds: int, *, retry_after: bool = False) -> Response:
    """Replicate's 429: its body text saying when the limit resets, `Retry-After` if asked."""
    detail = f"Request was throttled. Your rate limit resets in ~{seconds}s."
    headers = [("Content-Type", JSON)]
    if retry_after:
        headers.append(("Retry-After", str(seconds)))
    return Response(
        429, tuple(headers), json.dumps({"detail": detail}, separators=(",", ":")).encode()
    )
