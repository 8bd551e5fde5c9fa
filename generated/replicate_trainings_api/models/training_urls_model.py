from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TrainingUrlsModel")


@_attrs_define
class TrainingUrlsModel:
    """URLs for interacting with the training

    Attributes:
        cancel (str | Unset): URL to cancel the training
        get (str | Unset): URL to get the training details
        web (str | Unset): The training's page on the website.
    """

    cancel: str | Unset = UNSET
    get: str | Unset = UNSET
    web: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cancel = self.cancel

        get = self.get

        web = self.web

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if cancel is not UNSET:
            field_dict["cancel"] = cancel
        if get is not UNSET:
            field_dict["get"] = get
        if web is not UNSET:
            field_dict["web"] = web

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        cancel = d.pop("cancel", UNSET)

        get = d.pop("get", UNSET)

        web = d.pop("web", UNSET)

        training_urls_model = cls(
            cancel=cancel,
            get=get,
            web=web,
        )

        training_urls_model.additional_properties = d
        return training_urls_model

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
