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
    ├── WaitTimeoutError            `wait()` ran out of time; the last state seen, or None
    ├── ClientClosedError           a call on a closed client (after close(), or racing it)
    └── WebhookVerificationError    a webhook delivery failed verification

Every error has `may_have_acted`: True exactly when a `create` may have been carried out
despite it (see `ReplicateError`). Invalid arguments raise the built-in `ValueError` or
`TypeError` before anything is sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base_errors import ReplicateError, ResponseParseError
from ._retry_after import retry_after

if TYPE_CHECKING:
    import httpx

    from .training import Training

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
        self.status_code = response.status_code
        self.headers = response.headers
        self.title = title
        self.detail = detail
        self.body = body


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
        """From `Retry-After` (seconds or an HTTP date) or `retry-after-ms`; None if absent."""
        return retry_after(self.headers)


class ServerError(APIStatusError):
    """5xx, or any other status outside the documented ones (a proxy's 520, ...)."""


class WaitTimeoutError(ReplicateError):
    """`wait()` ran out of time; `training` is the last state it saw, None if no poll
    answered (then the last poll's error is the `__cause__`)."""

    def __init__(self, message: str, *, training: Training | None) -> None:
        super().__init__(message)
        self.training = training


class ClientClosedError(ReplicateError):
    """A call on a client whose connections are closed: made after `close()`, or racing it."""


class WebhookVerificationError(ReplicateError):
    """A webhook delivery failed a check; the message names which, never the secret."""
