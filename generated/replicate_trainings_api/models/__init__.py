"""Contains all the data models used in inputs/outputs"""

from .problem_details import ProblemDetails
from .training import Training
from .training_input import TrainingInput
from .training_metrics import TrainingMetrics
from .training_output import TrainingOutput
from .training_page import TrainingPage
from .training_request import TrainingRequest
from .training_request_input import TrainingRequestInput
from .training_source import TrainingSource
from .training_status import TrainingStatus
from .training_urls import TrainingUrls
from .webhook_event import WebhookEvent

__all__ = (
    "ProblemDetails",
    "Training",
    "TrainingInput",
    "TrainingMetrics",
    "TrainingOutput",
    "TrainingPage",
    "TrainingRequest",
    "TrainingRequestInput",
    "TrainingSource",
    "TrainingStatus",
    "TrainingUrls",
    "WebhookEvent",
)
