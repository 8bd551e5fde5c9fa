"""The polling schedule of watch() and wait()."""

from __future__ import annotations

import itertools

import pytest
from replicate_trainings._polling import PollSchedule


def test_backs_off_from_short_to_a_cap_of_tens_of_seconds() -> None:
    delays = list(itertools.islice(PollSchedule().delays(), 20))

    assert delays[0] == 0.5
    assert all(a <= b for a, b in itertools.pairwise(delays))
    assert delays[-1] == 30.0


def test_a_fixed_interval_never_changes() -> None:
    schedule = PollSchedule.from_interval(2)
    assert list(itertools.islice(schedule.delays(), 5)) == [2.0] * 5


@pytest.mark.parametrize(("value", "kind"), [(0, ValueError), (-1, ValueError), ("1", TypeError)])
def test_a_bad_interval_names_itself(value: object, kind: type[Exception]) -> None:
    with pytest.raises(kind, match="poll_interval"):
        PollSchedule.from_interval(value)
