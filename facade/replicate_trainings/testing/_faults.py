"""Fault injection: answers the API (or the network) gives on a bad day.

A `Fault` says what goes wrong; `Faults` decides which request it hits: a FIFO
queue of rules, each aimed at one operation (or any) for the next N requests,
then seeded random rules for soak tests. Every fault served is counted.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from ._messages import PROBLEM_JSON, Response

Operation = Literal["create", "get", "list", "cancel", "other", "any"]
"""What a fault rule aims at: one of the four operations, `other` paths, or `any` request."""

_TITLES = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway"}
_TITLES |= {503: "Service Unavailable", 504: "Gateway Timeout"}


@dataclass(frozen=True, slots=True)
class Fault:
    """One thing that goes wrong with one request. Build it with the class methods.

    `after=True` faults let the request take effect first (a create does create
    the training) and then replace the answer; the others stop it before the
    core sees it. `delay` holds the answer back that many seconds.
    """

    kind: Literal["respond", "slow", "drop"]
    status: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    after: bool = False
    delay: float = 0.0

    @classmethod
    def error(
        cls, status: int = 500, *, after: bool = False, detail: str = "", delay: float = 0.0
    ) -> Fault:
        """A problem-details error answer, 500 by default."""
        title = _TITLES.get(status, "Server Error")
        body = json.dumps({"title": title, "detail": detail or title, "status": status})
        headers = (("Content-Type", PROBLEM_JSON),)
        return cls("respond", status, headers, body.encode(), after, delay)

    @classmethod
    def rate_limit(cls, retry_after: float | str = 1, *, delay: float = 0.0) -> Fault:
        """429 with `Retry-After` (seconds, or an HTTP date given as a string)."""
        value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        body = json.dumps(
            {
                "title": "Too Many Requests",
                "detail": f"Request was throttled. Expected available in {value} second(s).",
                "status": 429,
            }
        )
        headers = (("Content-Type", PROBLEM_JSON), ("Retry-After", value))
        return cls("respond", 429, headers, body.encode(), False, delay)

    @classmethod
    def respond(
        cls,
        status: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        after: bool = False,
        delay: float = 0.0,
    ) -> Fault:
        """Exactly this answer: e.g. an HTML 502, a 520, or truncated JSON."""
        return cls("respond", status, tuple((headers or {}).items()), body, after, delay)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The normal answer, `seconds` late (the request takes effect at once)."""
        return cls("slow", delay=seconds)

    @classmethod
    def drop(cls, *, after: bool = False, delay: float = 0.0) -> Fault:
        """Close the connection without an answer, before or after the request took effect."""
        return cls("drop", after=after, delay=delay)

    def intercept(self, handle: Callable[[], Response]) -> Response:
        """Serve this fault in place of (or on top of) `handle()`, the normal answer."""
        if self.kind == "slow":
            return replace(handle(), delay=self.delay)
        if self.after:
            handle()
        if self.kind == "drop":
            return Response(0, delay=self.delay, disconnect="after" if self.after else "before")
        return Response(self.status, self.headers, self.body, self.delay)


@dataclass(slots=True)
class _Rule:
    fault: Fault
    operation: Operation
    remaining: int | None

    def matches(self, operation: str) -> bool:
        return self.operation in ("any", operation)


@dataclass(slots=True)
class _RandomRule:
    choices: tuple[tuple[Fault, float], ...]
    operation: Operation
    rng: random.Random = field(default_factory=random.Random)

    def draw(self) -> Fault | None:
        roll = self.rng.random()
        for fault, probability in self.choices:
            if roll < probability:
                return fault
            roll -= probability
        return None


class Faults:
    """The faults still to serve, and a record of those served. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Rule] = []
        self._random: list[_RandomRule] = []
        self._served: list[tuple[str, Fault]] = []

    def add(self, fault: Fault, *, times: int | None = 1, operation: Operation = "any") -> None:
        """Serve `fault` to the next `times` requests for `operation` (None: until cleared).

        Rules queue up: a request takes the oldest rule that matches it.
        """
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for every request)")
        with self._lock:
            self._queue.append(_Rule(fault, operation, times))

    def random(
        self, faults: Mapping[Fault, float], *, seed: int = 0, operation: Operation = "any"
    ) -> None:
        """Serve each fault with its probability, drawn from an RNG seeded with `seed`.

        Consulted only when no queued rule matches, e.g.
        `{Fault.error(503): 0.2, Fault.rate_limit(): 0.1}` for 20% 503s and 10% 429s.
        """
        if sum(faults.values()) > 1 or any(p < 0 for p in faults.values()):
            raise ValueError("probabilities must be non-negative and sum to at most 1")
        with self._lock:
            self._random.append(_RandomRule(tuple(faults.items()), operation, random.Random(seed)))

    def clear(self) -> None:
        """Drop every pending rule (the count of faults served stays)."""
        with self._lock:
            self._queue.clear()
            self._random.clear()

    @property
    def injected(self) -> int:
        """How many faults have been served."""
        with self._lock:
            return len(self._served)

    @property
    def served(self) -> list[tuple[str, Fault]]:
        """Each fault served, in order, with the operation it hit."""
        with self._lock:
            return list(self._served)

    @property
    def pending(self) -> int:
        """How many counted faults are still queued (rules with `times=None` count as one)."""
        with self._lock:
            return sum(r.remaining or 1 for r in self._queue)

    def draw(self, operation: str) -> Fault | None:
        """The fault for the next request to `operation`, if any; counts it as served."""
        with self._lock:
            fault = self._take(operation)
            if fault is not None:
                self._served.append((operation, fault))
            return fault

    def _take(self, operation: str) -> Fault | None:
        for i, rule in enumerate(self._queue):
            if rule.matches(operation):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        del self._queue[i]
                return rule.fault
        for chance in self._random:
            if chance.operation in ("any", operation):
                fault = chance.draw()
                if fault is not None:
                    return fault
        return None
