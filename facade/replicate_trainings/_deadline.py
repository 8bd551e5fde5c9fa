"""A deadline for a whole request, kept by the network streams on every read and write.

httpx's timeouts bound each socket operation, so a server that trickles its headers or
body a byte at a time keeps a request alive for ever. The facade's own connections use
the network backends below: every connect, read and write waits at most until the
deadline of the request in progress (a context variable the drivers set around a send
and its body), and fails with httpcore's own timeout error once it has passed, which
httpx maps to `httpx.ConnectTimeout` / `ReadTimeout` / `WriteTimeout` as usual.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token

import httpx

_deadline: ContextVar[float | None] = ContextVar("replicate_trainings_deadline", default=None)

_LONGEST = 7 * 24 * 3600.0
"""Longer than this is no limit: sockets and event loops cannot take infinite timeouts."""


def total(timeout: httpx.Timeout) -> float | None:
    """The longest of `timeout`'s limits, which bounds the whole request; None: no bound."""
    longest = 0.0
    for limit in (timeout.connect, timeout.read, timeout.write, timeout.pool):
        if limit is None or limit > _LONGEST:
            return None
        longest = max(longest, limit)
    return longest


def finite(timeout: httpx.Timeout) -> httpx.Timeout:
    """`timeout` with infinite or absurdly long limits as None (no limit), which sockets take."""
    for limit in (timeout.connect, timeout.read, timeout.write, timeout.pool):
        if limit is not None and limit > _LONGEST:
            break
    else:
        return timeout  # the usual case (NaN cannot get here: timeouts are checked)

    def one(limit: float | None) -> float | None:
        return None if limit is None or limit > _LONGEST else limit

    return httpx.Timeout(
        connect=one(timeout.connect),
        read=one(timeout.read),
        write=one(timeout.write),
        pool=one(timeout.pool),
    )


def start(deadline: float | None) -> Token[float | None]:
    """From now, network operations of the facade's connections end by `deadline` (a
    `time.monotonic()` value; None: no deadline), until `stop(token)`."""
    return _deadline.set(deadline)


def stop(token: Token[float | None]) -> None:
    _deadline.reset(token)


def within(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout` cut to the time left before the current deadline; `expired` once it passed."""
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise expired("the request's timeout ran out")
    return left if timeout is None else min(timeout, left)
