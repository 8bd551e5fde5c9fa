"""When to retry a request and how long to wait first: backoff, jitter, Retry-After.

One rule says what is transient ("not now" rather than "never": 408, 429, 5xx, no
answer); retries (`should_retry_*`) and polling (`is_transient`) both ask it.

Hand-written rather than taken from a retry library (tenacity, stamina): the decision
depends on what the API said (status, Retry-After, retry-after-ms) and on whether the
request may already have acted, and the waiting is done by the sync or async driver,
so a library would add a dependency and still leave all of this here.
"""

from __future__ import annotations

import dataclasses
import random

import httpx

from . import errors
from ._retry_after import retry_after

# Errors raised before a byte of the request left this machine: the server cannot
# have acted, so even `create` may be sent again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to retry, and the exponential backoff with jitter between tries."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise TypeError(f"max_retries must be an int, not {type(self.max_retries).__name__}")
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}")
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{name} must be seconds, not {type(value).__name__}")
            if not 0 <= value <= 3600:
                raise ValueError(f"{name} must be between 0 and 3600 seconds, got {value!r}")

    def delay(
        self,
        retry: int,
        response: httpx.Response | None = None,
        *,
        rng: random.Random | None = None,
        now: float | None = None,
    ) -> float:
        """Seconds to wait before retry number `retry` (0-based).

        The server's Retry-After wins, capped at max_retry_after; otherwise the delay
        doubles from initial_delay up to max_delay, with jitter over its upper half.
        `rng` draws the jitter and `now` (POSIX seconds) reads a Retry-After date; both
        come from the client's config, so tests can fix them.
        """
        hinted = retry_after(response.headers, now=now) if response is not None else None
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        ceiling = min(self.max_delay, self.initial_delay * 2**retry)
        return (rng or random).uniform(ceiling / 2, ceiling)


def transient_status(status: int) -> bool:
    """408, 429 and 5xx say "not now": the same request may succeed later."""
    return status in (408, 429) or status >= 500


def is_transient(error: errors.ReplicateError) -> bool:
    """The typed error of a transient failure: no answer, or a transient status."""
    if isinstance(error, errors.APIConnectionError):
        return True
    return isinstance(error, errors.APIStatusError) and transient_status(error.status_code)


def should_retry_status(status: int, *, idempotent: bool) -> bool:
    """Transient statuses; 429 never acted, 408 and 5xx may have, so only idempotent calls
    retry those."""
    return transient_status(status) and (idempotent or status == 429)


def should_retry_error(error: httpx.HTTPError, *, idempotent: bool) -> bool:
    """No answer (a transport error): retry if the request never left, or if repeating it
    is harmless."""
    if not isinstance(error, httpx.TransportError):
        return False
    return idempotent or isinstance(error, NOT_SENT)
