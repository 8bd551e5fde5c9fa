from enum import StrEnum


class TrainingStatusModel(StrEnum):
    ABORTED = "aborted"
    CANCELED = "canceled"
    FAILED = "failed"
    PROCESSING = "processing"
    STARTING = "starting"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
