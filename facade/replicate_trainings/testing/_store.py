"""All trainings in creation order, and cursor pagination over them, newest first.

A training's position is its creation sequence number, which never changes, so
a cursor ("older than #p" or "newer than #p") names the same place however many
trainings are created while a client walks the pages. Cursors look like the
API's (Django cursor pagination): base64 of `p=<position>` or `r=1&p=<position>`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass

from ._seed import History
from ._trainings import TrainingRecord


@dataclass(frozen=True, slots=True)
class Cursor:
    """Trainings older than `position`, or newer than it when `reverse`."""

    position: int
    reverse: bool = False

    def encode(self) -> str:
        raw = f"r=1&p={self.position}" if self.reverse else f"p={self.position}"
        return base64.b64encode(raw.encode()).decode()

    @classmethod
    def decode(cls, text: str) -> Cursor | None:
        """The cursor `text` stands for, or None if it is not one of ours."""
        try:
            raw = base64.b64decode(text.encode(), validate=True).decode()
        except (binascii.Error, UnicodeError, ValueError):
            return None
        reverse = raw.startswith("r=1&")
        value = raw.removeprefix("r=1&")
        digits = value.removeprefix("p=")
        if digits == value or not digits.isascii() or not digits.isdigit() or len(digits) > 18:
            return None  # not ASCII digits ('p=²'), or more than a position can be
        return cls(int(digits), reverse)


@dataclass(frozen=True, slots=True)
class Page:
    """One page, newest first, with the cursors of its neighbours."""

    results: list[TrainingRecord]
    next: Cursor | None
    previous: Cursor | None


class Store:
    """Trainings by id and by creation order; positions are indexes into that order.

    Seeded trainings (a `History`) are built on first access.
    """

    def __init__(self, history: History | None = None) -> None:
        self._history = history
        ids = [] if history is None else history.ids
        self._ordered: list[TrainingRecord | None] = [None] * len(ids)
        self._seq_of: dict[str, int] = {training_id: i for i, training_id in enumerate(ids)}

    def __len__(self) -> int:
        return len(self._ordered)

    def __contains__(self, training_id: str) -> bool:
        return training_id in self._seq_of

    def __iter__(self) -> Iterator[TrainingRecord]:
        """Newest first."""
        return (self.at(seq) for seq in reversed(range(len(self._ordered))))

    def next_seq(self) -> int:
        return len(self._ordered)

    def add(self, training: TrainingRecord) -> None:
        if training.seq != len(self._ordered):
            raise ValueError("trainings must be added in creation order")
        self._ordered.append(training)
        self._seq_of[training.id] = training.seq

    def at(self, seq: int) -> TrainingRecord:
        """The training at position `seq`."""
        t = self._ordered[seq]
        if t is None:
            assert self._history is not None
            t = self._ordered[seq] = self._history.make(seq)
        return t

    def get(self, training_id: str) -> TrainingRecord | None:
        seq = self._seq_of.get(training_id)
        return None if seq is None else self.at(seq)

    def page(self, cursor: Cursor | None, size: int) -> Page:
        """The page `cursor` names (the newest page when None)."""
        total = len(self._ordered)
        if cursor is None:
            start, stop = max(total - size, 0), total
        elif cursor.reverse:
            start = min(cursor.position + 1, total)
            stop = min(start + size, total)
        else:
            stop = min(cursor.position, total)
            start = max(stop - size, 0)
        results = [self.at(seq) for seq in range(stop - 1, start - 1, -1)]
        if not results:
            return Page([], None, None)
        older = Cursor(start) if start > 0 else None
        newer = Cursor(stop - 1, reverse=True) if cursor is not None and stop < total else None
        return Page(results, older, newer)
