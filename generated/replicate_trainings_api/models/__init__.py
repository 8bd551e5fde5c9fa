"""Contains all the data models used in inputs/outputs"""

from .problem_details_model import ProblemDetailsModel
from .training_metrics_model import TrainingMetricsModel
from .training_model import TrainingModel
from .training_model_input import TrainingModelInput
from .training_output_model import TrainingOutputModel
from .training_page_model import TrainingPageModel
from .training_request_model import TrainingRequestModel
from .training_request_model_input import TrainingRequestModelInput
from .training_source_model import TrainingSourceModel
from .training_status_model import TrainingStatusModel
from .training_urls_model import TrainingUrlsModel
from .webhook_event_type import WebhookEventType

__all__ = (
    "ProblemDetailsModel",
    "TrainingMetricsModel",
    "TrainingModel",
    "TrainingModelInput",
    "TrainingOutputModel",
    "TrainingPageModel",
    "TrainingRequestModel",
    "TrainingRequestModelInput",
    "TrainingSourceModel",
    "TrainingStatusModel",
    "TrainingUrlsModel",
    "WebhookEventType",
)
