"""Every error the library raises; nothing else escapes a call.

    ReplicateError
    ├── APIConnectionError          the request got no HTTP answer
    │   └── APITimeoutError         ... because a timeout ran out
    ├── APIStatusError              an HTTP answer with a status that is not success
    │   ├── BadRequestError             400
    │   ├── AuthenticationError         401
    │   ├── PermissionDeniedError       403
    │   ├── NotFoundError               404
    │   ├── ConflictError               409
    │   ├── UnprocessableEntityError    422
    │   ├── RateLimitError              429, with `retry_after`
    │   └── ServerError                 5xx and non-standard codes (520, ...)
    ├── ResponseParseError          an answer that cannot be used (unreadable, too large, about
    │                               another training, a next link refused or looping)
    ├── WaitTimeoutError            a wait ran out of time; the last state seen (or None),
    │                               and for many trainings those still running
    ├── ClientClosedError           a call on a closed client (after close(), or racing it)
    └── WebhookVerificationError    a webhook delivery failed verification

Every error has `may_have_acted`: True exactly when a `create` may have been carried out
despite it (see `ReplicateError`). Invalid arguments raise the built-in `ValueError` or
`TypeError` before anything is sent.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx
    from replicate_trainings_api.training_shape import TrainingShape

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReplicateError",
    "ResponseParseError",
    "ServerError",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "WebhookVerificationError",
]


if TYPE_CHECKING:
    import httpx


class ReplicateError(Exception):
    """Base of every error this library raises.

    `may_have_acted` is True exactly when the call was a `create` that the server may have
    carried out despite the error (a 5xx or 408 answer, an unreadable success, a connection
    lost after sending): a training may exist. False for every other call, and for a create
    the server certainly did not act on (a 4xx, a 429, a connection never made).
    """

    may_have_acted: bool = False
    """True when a `create` may have been carried out despite the error (see above)."""

    def __init__(self, *args: object, may_have_acted: bool = False) -> None:
        super().__init__(*args)
        self.may_have_acted = may_have_acted

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle without the request (its Authorization header holds the token) and
        # without calling __init__ (pickle cannot pass keyword-only arguments).
        state = dict(vars(self))
        response = state.get("response")
        if response is not None:
            state["response"] = _detached(response)
        return (_restore, (type(self), self.args), state)


def _restore(kind: type[ReplicateError], args: tuple[Any, ...]) -> ReplicateError:
    error = kind.__new__(kind)
    error.args = args
    return error


def _detached(response: httpx.Response) -> httpx.Response:
    """The answer as received, without the request that carried the token."""
    import httpx  # noqa: PLC0415 - this module imports httpx only for type checking

    return httpx.Response(response.status_code, headers=response.headers, content=response.content)


class ResponseParseError(ReplicateError):
    """An answer that cannot be used: HTML or truncated JSON where a training goes, a training
    without an id, a body over max_response_bytes, a next link refused or looping."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response | None = None,
        may_have_acted: bool = False,
    ) -> None:
        super().__init__(message, may_have_acted=may_have_acted)
        self.response = response
        """The answer that could not be used, when there was one (its request dropped)."""


class APIConnectionError(ReplicateError):
    """The request got no HTTP answer: refused, reset, dropped, or unreachable."""


class APITimeoutError(APIConnectionError):
    """A connect, read, write or pool timeout ran out before an answer came."""


class APIStatusError(ReplicateError):
    """The API answered with a non-success status; fields come from its problem details."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        title: str | None,
        detail: str | None,
        body: object,
        may_have_acted: bool = False,
    ) -> None:
        super().__init__(message, may_have_acted=may_have_acted)
        self.response = response
        """The HTTP answer (its request, which carried the token, dropped when pickled)."""
        self.status_code = response.status_code
        """The answer's HTTP status."""
        self.headers = response.headers
        """The answer's headers (`Retry-After` among them)."""
        self.title = title
        """The problem details' `title`, scrubbed of credentials; None if absent."""
        self.detail = detail
        """The problem details' `detail`, scrubbed of credentials; None if absent."""
        self.body = body
        """The answer's body as decoded JSON; None when it is not JSON or cannot be read."""


class BadRequestError(APIStatusError):
    """400: the request could not be read."""


class AuthenticationError(APIStatusError):
    """401: the token is missing or invalid."""


class PermissionDeniedError(APIStatusError):
    """403: the token may not do this."""


class NotFoundError(APIStatusError):
    """404: no such training, model or version."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the resource's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: a well-formed request the API will not accept."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` is the wait the API asked for, in seconds."""

    @property
    def retry_after(self) -> float | None:
        """From `Retry-After` (seconds or an HTTP date) or `retry-after-ms`, else from the
        body's "resets in ~N s" (Replicate's 429 has no header); None if neither says."""
        hinted = retry_after(self.headers)
        return resets_in(self.detail) if hinted is None else hinted


class ServerError(APIStatusError):
    """5xx, or any other status outside the documented ones (a proxy's 520, ...)."""


class WaitTimeoutError(ReplicateError):
    """`wait()`, `watch()`, `wait_all()` or `as_completed()` ran out of time.

    From `wait()` and `watch()`, `training` is the last state seen (a `Training`), None if
    no poll answered (then the last poll's error is the `__cause__`). From `wait_all()` and
    `as_completed()`, `pending` names the trainings still running and `finished` holds the
    ones that ended, each in the order given; `training` is None.
    """

    def __init__(
        self,
        message: str,
        *,
        training: TrainingShape | None,
        pending: Sequence[str] = (),
        finished: Sequence[TrainingShape] = (),
    ) -> None:
        super().__init__(message)
        self.training = training
        """The last state seen (a `Training`), None if no poll answered."""
        self.pending: tuple[str, ...] = tuple(pending)
        """The ids of the trainings still running at the timeout, in the order given."""
        self.finished: tuple[TrainingShape, ...] = tuple(finished)
        """The trainings that had ended by the timeout (terminal), in the order given."""


class ClientClosedError(ReplicateError):
    """A call on a client whose connections are closed: made after `close()`, or racing it."""


class WebhookVerificationError(ReplicateError):
    """A webhook delivery failed a check; the message names which, never the secret."""


# -- which failures say "not now" ---------------------------------------------------------


def transient_status(status: int) -> bool:
    """408, 429 and 5xx say "not now": the same request may succeed later."""
    return status in (408, 429) or status >= 500


def is_transient(error: ReplicateError) -> bool:
    """The typed error of a transient failure: no answer, or a transient status. Retries
    and polling both ask this one rule."""
    if isinstance(error, APIConnectionError):
        return True
    return isinstance(error, APIStatusError) and transient_status(error.status_code)


# -- how long a server asked to wait ------------------------------------------------------


_RESETS_IN = re.compile(r"resets in ~?\s*(\d{1,6}(?:\.\d{1,6})?)\s*s", re.IGNORECASE)


def resets_in(detail: object) -> float | None:
    """Seconds from a 429's text: Replicate says "Your rate limit resets in ~30s."."""
    if not isinstance(detail, str):
        return None
    found = _RESETS_IN.search(detail[:1000])
    return None if found is None else float(found.group(1))


def server_wait(response: httpx.Response, *, now: float | None = None) -> float | None:
    """Seconds the server asked to wait before the next request: its headers (see
    `retry_after`), else, on a 429, the body's "resets in ~N s"; None if it did not say."""
    hinted = retry_after(response.headers, now=now)
    if hinted is not None or response.status_code != 429:
        return hinted
    try:
        body = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    return resets_in(body.get("detail")) if isinstance(body, dict) else None


def retry_after(headers: httpx.Headers, *, now: float | None = None) -> float | None:
    """Seconds the server asked to wait: retry-after-ms, or Retry-After as seconds or a date."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # '-0000' is UTC with no zone named, never the local time
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
