"""The effect protocol: typed in what a program emits, and drivers that always close it.

The typing is checked by `make typecheck` (mypy --strict, which warns on unused ignores):
each `type: ignore[arg-type]` below marks a program emitting the wrong type, so if mypy
stopped catching it, the ignore would be unused and the type check would fail.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Never

import httpx
import pytest
from replicate_trainings import ClientClosedError
from replicate_trainings._effects import Emit, Program, Send, Sleep, run_sync, stream_sync

from tests.clocks import ManualClock


def emits_the_wrong_type() -> Program[int, None]:
    yield Emit("not an int")  # type: ignore[arg-type]


def emits_though_it_may_not() -> Program[Never, int]:
    yield Sleep(0.0)
    yield Emit(1)  # type: ignore[arg-type]
    return 1


def counting(closed: list[str]) -> Program[int, str]:
    try:
        yield Emit(1)
        yield Sleep(0.0)
        yield Emit(2)
    finally:
        closed.append("closed")
    return "done"


def test_a_streamed_program_hands_out_its_values_typed() -> None:
    closed: list[str] = []
    with httpx.Client() as http:
        values: Iterator[int] = stream_sync(counting(closed), http)
        assert list(values) == [1, 2]
    assert closed == ["closed"]


def test_an_abandoned_stream_closes_its_program() -> None:
    closed: list[str] = []
    with httpx.Client() as http:
        values = stream_sync(counting(closed), http)
        assert next(values) == 1
        assert isinstance(values, Generator)
        values.close()  # what dropping a for loop early does, once collected
    assert closed == ["closed"]


def test_a_failing_driver_closes_its_program() -> None:
    """A call on a closed client raises from the driver; the program is closed, not left."""
    closed: list[str] = []

    def one_get() -> Program[Never, None]:
        try:
            yield Send("GET", httpx.URL("http://127.0.0.1:9/"), {}, None, httpx.Timeout(1.0))
        finally:
            closed.append("closed")

    http = httpx.Client()
    http.close()
    with pytest.raises(ClientClosedError):
        run_sync(one_get(), http)
    assert closed == ["closed"]


def test_drivers_sleep_on_the_clock_the_program_names() -> None:
    """`Sleep` carries the config's clock: a manual one in tests, so nothing really sleeps."""
    clock = ManualClock()

    def naps() -> Program[Never, str]:
        yield Sleep(2.5, clock)
        yield Sleep(0.5, clock)
        return "rested"

    with httpx.Client() as http:
        assert run_sync(naps(), http) == "rested"
    assert clock.sleeps == [2.5, 0.5]
