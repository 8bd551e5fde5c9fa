from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.training_source_model import TrainingSourceModel
from ..models.training_status_model import TrainingStatusModel
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.training_metrics_model import TrainingMetricsModel
    from ..models.training_model_input import TrainingModelInput
    from ..models.training_output_model import TrainingOutputModel
    from ..models.training_urls_model import TrainingUrlsModel


T = TypeVar("T", bound="TrainingModel")


@_attrs_define
class TrainingModel:
    """
    Attributes:
        id (str): The unique ID of the training
        completed_at (datetime.datetime | None | Unset): The time when the training completed
        created_at (datetime.datetime | Unset): The time when the training was created
        error (None | str | Unset): Error message if the training failed
        input_ (TrainingModelInput | Unset): The input parameters used for the training
        logs (None | str | Unset): The logs from the training process
        metrics (None | TrainingMetricsModel | Unset): Metrics of the training; may be empty or null before it ends.
        model (str | Unset): The name of the model in the format owner/name
        output (None | TrainingOutputModel | Unset): What the training produced; null until it succeeds.
        source (str | TrainingSourceModel | Unset): How the training was created. Open, like `status`.
        started_at (datetime.datetime | None | Unset): The time when the training started
        status (str | TrainingStatusModel | Unset): The current status. `canceled`: canceled by the user or at its
            deadline while running; `aborted`: terminated before it started running. Open: a value not listed here may be
            added by the API.
        urls (TrainingUrlsModel | Unset): URLs for interacting with the training
        version (str | Unset): The ID of the model version used for training
    """

    id: str
    completed_at: datetime.datetime | None | Unset = UNSET
    created_at: datetime.datetime | Unset = UNSET
    error: None | str | Unset = UNSET
    input_: TrainingModelInput | Unset = UNSET
    logs: None | str | Unset = UNSET
    metrics: None | TrainingMetricsModel | Unset = UNSET
    model: str | Unset = UNSET
    output: None | TrainingOutputModel | Unset = UNSET
    source: str | TrainingSourceModel | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    status: str | TrainingStatusModel | Unset = UNSET
    urls: TrainingUrlsModel | Unset = UNSET
    version: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.training_metrics_model import TrainingMetricsModel  # noqa: PLC0415
        from ..models.training_output_model import TrainingOutputModel  # noqa: PLC0415

        id = self.id

        completed_at: None | str | Unset
        if isinstance(self.completed_at, Unset):
            completed_at = UNSET
        elif isinstance(self.completed_at, datetime.datetime):
            completed_at = self.completed_at.isoformat()
        else:
            completed_at = self.completed_at

        created_at: str | Unset = UNSET
        if not isinstance(self.created_at, Unset):
            created_at = self.created_at.isoformat()

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        input_: dict[str, Any] | Unset = UNSET
        if not isinstance(self.input_, Unset):
            input_ = self.input_.to_dict()

        logs: None | str | Unset
        if isinstance(self.logs, Unset):
            logs = UNSET
        else:
            logs = self.logs

        metrics: dict[str, Any] | None | Unset
        if isinstance(self.metrics, Unset):
            metrics = UNSET
        elif isinstance(self.metrics, TrainingMetricsModel):
            metrics = self.metrics.to_dict()
        else:
            metrics = self.metrics

        model = self.model

        output: dict[str, Any] | None | Unset
        if isinstance(self.output, Unset):
            output = UNSET
        elif isinstance(self.output, TrainingOutputModel):
            output = self.output.to_dict()
        else:
            output = self.output

        source: str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        elif isinstance(self.source, TrainingSourceModel):
            source = self.source.value
        else:
            source = self.source

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        status: str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, TrainingStatusModel):
            status = self.status.value
        else:
            status = self.status

        urls: dict[str, Any] | Unset = UNSET
        if not isinstance(self.urls, Unset):
            urls = self.urls.to_dict()

        version = self.version

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
            }
        )
        if completed_at is not UNSET:
            field_dict["completed_at"] = completed_at
        if created_at is not UNSET:
            field_dict["created_at"] = created_at
        if error is not UNSET:
            field_dict["error"] = error
        if input_ is not UNSET:
            field_dict["input"] = input_
        if logs is not UNSET:
            field_dict["logs"] = logs
        if metrics is not UNSET:
            field_dict["metrics"] = metrics
        if model is not UNSET:
            field_dict["model"] = model
        if output is not UNSET:
            field_dict["output"] = output
        if source is not UNSET:
            field_dict["source"] = source
        if started_at is not UNSET:
            field_dict["started_at"] = started_at
        if status is not UNSET:
            field_dict["status"] = status
        if urls is not UNSET:
            field_dict["urls"] = urls
        if version is not UNSET:
            field_dict["version"] = version

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.training_metrics_model import TrainingMetricsModel  # noqa: PLC0415
        from ..models.training_model_input import TrainingModelInput  # noqa: PLC0415
        from ..models.training_output_model import TrainingOutputModel  # noqa: PLC0415
        from ..models.training_urls_model import TrainingUrlsModel  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        def _parse_completed_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                completed_at_type_0 = datetime.datetime.fromisoformat(data)

                return completed_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        completed_at = _parse_completed_at(d.pop("completed_at", UNSET))

        _created_at = d.pop("created_at", UNSET)
        created_at: datetime.datetime | Unset
        if isinstance(_created_at, Unset):
            created_at = UNSET
        else:
            created_at = datetime.datetime.fromisoformat(_created_at)

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        _input_ = d.pop("input", UNSET)
        input_: TrainingModelInput | Unset
        if isinstance(_input_, Unset):
            input_ = UNSET
        else:
            input_ = TrainingModelInput.from_dict(_input_)

        def _parse_logs(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        logs = _parse_logs(d.pop("logs", UNSET))

        def _parse_metrics(data: object) -> None | TrainingMetricsModel | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metrics_type_0 = TrainingMetricsModel.from_dict(data)

                return metrics_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TrainingMetricsModel | Unset, data)

        metrics = _parse_metrics(d.pop("metrics", UNSET))

        model = d.pop("model", UNSET)

        def _parse_output(data: object) -> None | TrainingOutputModel | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                output_type_0 = TrainingOutputModel.from_dict(data)

                return output_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TrainingOutputModel | Unset, data)

        output = _parse_output(d.pop("output", UNSET))

        def _parse_source(data: object) -> str | TrainingSourceModel | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                source_type_0 = TrainingSourceModel(data)

                return source_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TrainingSourceModel | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        def _parse_status(data: object) -> str | TrainingStatusModel | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = TrainingStatusModel(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TrainingStatusModel | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        _urls = d.pop("urls", UNSET)
        urls: TrainingUrlsModel | Unset
        if isinstance(_urls, Unset):
            urls = UNSET
        else:
            urls = TrainingUrlsModel.from_dict(_urls)

        version = d.pop("version", UNSET)

        training_model = cls(
            id=id,
            completed_at=completed_at,
            created_at=created_at,
            error=error,
            input_=input_,
            logs=logs,
            metrics=metrics,
            model=model,
            output=output,
            source=source,
            started_at=started_at,
            status=status,
            urls=urls,
            version=version,
        )

        training_model.additional_properties = d
        return training_model

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
