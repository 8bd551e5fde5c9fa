"""replicate_trainings: a client for the training operations of Replicate's HTTP API.

from replicate_trainings import Client

with Client() as client:  # token from REPLICATE_API_TOKEN
    training = client.trainings.create("owner/model:version", destination="me/new",
                                       input={"train_data": "https://..."})
    training = client.trainings.wait(training, timeout=3600)
"""

from ._raw import RawResponse
from ._retry import RetryPolicy
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
)
from .webhooks import WebhookEvent, WebhookVerifier, verify_webhook

__all__ = [
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
    "NotFoundError",
    "Page",
    "Pager",
    "PermissionDeniedError",
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
    "UnprocessableEntityError",
    "WaitTimeoutError",
    "WebhookEvent",
    "WebhookVerificationError",
    "WebhookVerifier",
    "__version__",
    "verify_webhook",
]
