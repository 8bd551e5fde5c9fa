from enum import StrEnum


class TrainingSourceModel(StrEnum):
    API = "api"
    WEB = "web"

    def __str__(self) -> str:
        return str(self.value)
