"""Made-up history: trainings that exist before the first request, for pagination tests.

Only the ids are made up front; each training is built the first time it is
looked at, from an RNG seeded by its position, so seeding 100,000 is instant
and repeatable. Seeded trainings go through the same transitions as live ones
(their logs, metrics and outputs look the same); most are finished, the newest
few still run.
"""

from __future__ import annotations

import random

from ._trainings import TrainingRecord, finish, step

_MODELS = ("stability-ai/sdxl", "meta/llama-2-7b", "ostris/flux-dev-lora-trainer")
_OWNERS = ("acme", "zeke", "lab-42")
# (status, cumulative probability) for finished trainings
_ENDINGS = (("succeeded", 0.7), ("failed", 0.85), ("canceled", 0.95), ("aborted", 1.0))
_RUNNING = 3  # the newest few are still starting/processing
_SPACING = 37.0  # seconds between seeded creations
_BASE32 = bytes(b"abcdefghijklmnopqrstuvwxyz234567"[i % 32] for i in range(256))


def new_id(rng: random.Random) -> str:
    """A training id shaped like the API's: 26 lowercase base32 characters."""
    return rng.randbytes(26).translate(_BASE32).decode()


def version_of(model: str) -> str:
    """A stable 64-hex version id for `model`."""
    return random.Random(model).randbytes(32).hex()


class History:
    """`len(ids)` trainings created before `now`, oldest first; `make(seq)` builds one."""

    def __init__(self, count: int, now: float, rng: random.Random, life: int) -> None:
        self.ids = [new_id(rng) for _ in range(count)]
        self._now = now
        self._salt = rng.getrandbits(64)
        self._life = life
        self._versions = {m: version_of(m) for m in _MODELS}

    def __len__(self) -> int:
        return len(self.ids)

    def running(self) -> range:
        """The positions of the trainings that are still running."""
        return range(max(len(self.ids) - _RUNNING, 0), len(self.ids))

    def make(self, seq: int) -> TrainingRecord:
        """The seeded training at position `seq`, always the same."""
        rng = random.Random(self._salt + seq)
        model = _MODELS[seq % len(_MODELS)]
        created = self._now - (len(self.ids) - seq) * _SPACING
        t = TrainingRecord(
            seq=seq,
            id=self.ids[seq],
            model=model,
            version=self._versions[model],
            destination=f"{_OWNERS[seq % len(_OWNERS)]}/{model.partition('/')[2]}-tuned",
            input={"input_images": f"https://example.com/data/{seq}.zip"},
            created_at=created,
            source="web" if seq % 5 == 4 else "api",
        )
        if seq in self.running():
            if seq % 2:
                step(t, created + 2.0, rng, self._life)
        else:
            _end(t, created, rng, self._life)
        t.last_step_at = self._now
        return t


def _end(t: TrainingRecord, created: float, rng: random.Random, life: int) -> None:
    roll = rng.random()
    status = "aborted"
    for ending, chance in _ENDINGS:
        if roll < chance:
            status = ending
            break
    if status == "aborted":
        finish(t, "aborted", created + 5.0, rng)
        return
    started = created + 1.0 + roll * 20
    step(t, started, rng, life)
    finish(t, status, started + 60.0 + roll * 900, rng, "CUDA out of memory")
