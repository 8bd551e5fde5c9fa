"""replicate_trainings: a client for the training operations of Replicate's HTTP API.

from replicate_trainings import Client

with Client() as client:  # token from REPLICATE_API_TOKEN
    training = client.trainings.create("owner/model:version", destination="me/new",
                                       input={"train_data": "https://..."})
    training = client.trainings.wait(training, timeout=3600)
"""

from typing import TYPE_CHECKING

from ._budget import RateBudget
from ._config import RetryPolicy
from ._log_fields import LogFields, log_fields
from ._options import NOT_GIVEN, NotGiven
from ._raw import RawResponse
from ._version import __version__
from .client import (
    AsyncClient,
    AsyncTrainings,
    AsyncTrainingsWithRawResponse,
    Client,
    Trainings,
    TrainingsWithRawResponse,
)
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReplicateError,
    ResponseParseError,
    ServerError,
    UnprocessableEntityError,
    WaitTimeoutError,
    WebhookVerificationError,
)
from .pagination import AsyncPager, Page, Pager
from .training import (
    Training,
    TrainingMetrics,
    TrainingOutput,
    TrainingSource,
    TrainingStatus,
    TrainingURLs,
    UnknownSource,
    UnknownStatus,
)

_WEBHOOK_NAMES = frozenset({"WebhookEvent", "WebhookVerifier", "verify_webhook"})
"""Loaded from `webhooks` on first use (module `__getattr__`): most processes never verify
a delivery, and importing it (with standardwebhooks) would cost every one of them."""

if TYPE_CHECKING:
    from .webhooks import WebhookEvent, WebhookVerifier, verify_webhook
else:
    # Hidden from type checkers, which then still reject a misspelt name of the package.
    def __getattr__(name: str) -> object:
        if name in _WEBHOOK_NAMES:
            from . import webhooks  # noqa: PLC0415 - on first use, see _WEBHOOK_NAMES

            value = getattr(webhooks, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncPager",
    "AsyncTrainings",
    "AsyncTrainingsWithRawResponse",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ClientClosedError",
    "ConflictError",
    "LogFields",
    "NotFoundError",
    "NotGiven",
    "Page",
    "Pager",
    "PermissionDeniedError",
    "RateBudget",
    "RateLimitError",
    "RawResponse",
    "ReplicateError",
    "ResponseParseError",
    "RetryPolicy",
    "ServerError",
    "Training",
    "TrainingMetrics",
    "TrainingOutput",
    "TrainingSource",
    "TrainingStatus",
    "TrainingURLs",
    "Trainings",
    "TrainingsWithRawResponse",
    "UnknownSource",
    "UnknownStatus",
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "WebhookEvent",
    "WebhookVerificationError",
    "WebhookVerifier",
    "__version__",
    "log_fields",
    "verify_webhook",
]


def __dir__() -> list[str]:
    return sorted({*globals(), *_WEBHOOK_NAMES})
