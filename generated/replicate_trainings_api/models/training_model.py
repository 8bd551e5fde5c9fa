"""TrainingModel: a training as the low-level operations return it, read tolerantly.

One reader for both layers: `read_training` of training_shape.py (written from openapi.yaml)
reads it here and in the facade's `replicate_trainings.Training`. Only a string `id` is
required; any other field that is missing, null, of another type or malformed reads as
None (`input` as an empty mapping) and stays as received in `to_dict()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

from ..training_shape import TRAINING_FIELDS, TrainingShape, read_training

_DECLARED = frozenset(field.name for field in TRAINING_FIELDS)


class TrainingModel(TrainingShape):
    """A training.

    The fields are those of `TrainingShape`; `to_dict()` gives the object as received and
    `additional_properties` the fields openapi.yaml does not declare. Equality compares the
    object as received.
    """

    __slots__ = ("_payload",)
    _payload: dict[str, Any]

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        """Read one decoded training object, as tolerantly as the facade does.

        Raises TypeError if it is not a mapping, and training_shape.UnreadableField (a
        ValueError) if it has no string `id`: nothing else makes a training unreadable.
        """
        if not isinstance(src_dict, Mapping):
            raise TypeError(
                f"a training is a JSON object, not {type(src_dict).__name__}"
            )
        payload = dict(src_dict)
        training = read_training(cls, payload, _unreported)
        training._payload = payload
        return training

    def to_dict(self) -> dict[str, Any]:
        """The object as received, unknown and unreadable fields included (a new dict)."""
        return dict(self._payload)

    @property
    def additional_properties(self) -> dict[str, Any]:
        """The fields openapi.yaml does not declare, as received (a new dict)."""
        return {
            name: value
            for name, value in self._payload.items()
            if name not in _DECLARED
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TrainingModel):
            return NotImplemented
        return self._payload == other._payload

    def __repr__(self) -> str:
        status = None if self.status is None else str(self.status)
        return f"TrainingModel(id={self.id!r}, status={status!r})"


def _unreported(training_id: object, path: str, value: object, expected: str) -> None:
    """The low-level client does not log unusable values: `to_dict()` keeps them."""
