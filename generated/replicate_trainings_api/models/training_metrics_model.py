from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TrainingMetricsModel")


@_attrs_define
class TrainingMetricsModel:
    """Metrics about the training process

    Attributes:
        predict_time (float | Unset): The amount of CPU or GPU time, in seconds, that the training used while running
        total_time (float | Unset): The total time, in seconds, that the training took to complete
    """

    predict_time: float | Unset = UNSET
    total_time: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        predict_time = self.predict_time

        total_time = self.total_time

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if predict_time is not UNSET:
            field_dict["predict_time"] = predict_time
        if total_time is not UNSET:
            field_dict["total_time"] = total_time

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        predict_time = d.pop("predict_time", UNSET)

        total_time = d.pop("total_time", UNSET)

        training_metrics_model = cls(
            predict_time=predict_time,
            total_time=total_time,
        )

        training_metrics_model.additional_properties = d
        return training_metrics_model

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
