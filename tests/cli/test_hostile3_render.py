"""The command line's rendering, in-process, on values no reader should hand it but any
might: times UTC cannot hold, infinite and negative durations, and any server text.

The Training reader may read such values as missing (it warns); the rendering does not
rely on it: every piece is fed here directly, through a stand-in training.
"""

from __future__ import annotations

import io
import logging
import math
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, cast

from hypothesis import given
from hypothesis import strategies as st
from replicate_trainings import Training
from replicate_trainings.cli._commands import EscapedLog
from replicate_trainings.cli._progress import StatusLine
from replicate_trainings.cli._render import (
    details,
    duration,
    printable,
    row,
    summary,
    timestamp,
    to_json,
)
from rich.console import Console

YEAR_0_IN_UTC = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
YEAR_10000_IN_UTC = datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-1)))


def stand_in(**fields: Any) -> Training:
    """A training as the rendering sees it: these fields, every other one None."""
    names = ("model", "version", "status", "source", "logs", "error", "output", "metrics",
             "urls", "created_at", "started_at", "completed_at")  # fmt: skip
    values = dict.fromkeys(names) | fields
    return cast(Training, SimpleNamespace(id="abc", is_terminal=True, succeeded=False, **values))


def render(text: object) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    with console.capture() as captured:
        console.print(text)
    return captured.get()


def test_a_time_utc_cannot_hold_shows_as_sent() -> None:
    assert timestamp(YEAR_0_IN_UTC) == "0001-01-01 00:00:00+01:00"
    assert timestamp(YEAR_10000_IN_UTC) == "9999-12-31 23:59:59-01:00"
    assert timestamp(datetime(2024, 5, 1, 13, 0, 3, tzinfo=timezone(timedelta(hours=1)))) == (
        "2024-05-01 12:00:03Z"
    )


def test_any_duration_shows() -> None:
    cases = (math.inf, -math.inf, math.nan, -5.0, 1e300, -3700.0)
    shown = [duration(seconds) for seconds in cases]
    assert shown[:5] == ["inf s", "-inf s", "nan s", "-5.0 s", shown[4]]
    assert shown[4].startswith("2777777") and shown[4].endswith("h 36m")
    assert shown[5] == "-1h 01m"


def test_extreme_values_render_in_every_piece() -> None:
    metrics = SimpleNamespace(predict_time=math.inf, total_time=math.nan)
    training = stand_in(
        status="succeeded",
        created_at=YEAR_0_IN_UTC,
        started_at=YEAR_10000_IN_UTC,
        completed_at=datetime.max.replace(tzinfo=UTC),
        metrics=metrics,
    )
    assert "created   0001-01-01 00:00:00+01:00" in render(details(training)).splitlines()
    assert "compute   inf s" in render(details(training)).splitlines()
    assert render(summary(training)) == "Training abc succeeded after inf s of compute\n"
    assert render(row(training)).split()[:3] == ["abc", "succeeded", "0001-01-01"]
    clock = iter([100.0, 104.2]).__next__
    ancient = StatusLine(stand_in(created_at=YEAR_0_IN_UTC), clock=clock)
    assert render(ancient).split()[1:3] == ["unknown", "17259889h"]  # 1970 - 1 years
    clock = iter([100.0, 104.2]).__next__
    future = StatusLine(stand_in(created_at=YEAR_10000_IN_UTC), clock=clock)
    assert render(future).split()[1:4] == ["unknown", "4.2", "s"]  # counts from now


def controls(text: str, *, kept: str = "") -> set[str]:
    """The control and surrogate characters in `text`, but those in `kept`."""
    return {c for c in text if unicodedata.category(c) in ("Cc", "Cs") and c not in kept}


@given(st.text(st.characters(exclude_categories=())))
def test_printable_leaves_no_control_character(text: str) -> None:
    assert controls(printable(text)) == set()
    assert controls(printable(text, lines=True), kept="\n\t") == set()
    assert printable(printable(text)) == printable(text)  # escapes are printable themselves
    assert printable(text, lines=True).count("\n") == text.count("\n")


def test_printable_escapes_as_python_writes_them() -> None:
    assert printable("a\x1b]0;t\x07b\x9b\ud800\tc\nd\re\x7f") == (
        "a\\x1b]0;t\\x07b\\x9b\\ud800\\tc\\nd\\re\\x7f"
    )
    assert printable("[bold]x\u00e9\u4e2d", lines=True) == "[bold]x\u00e9\u4e2d"


server_text = st.text(st.characters(exclude_categories=()), max_size=40)


text_fields = ("status", "model", "version", "source", "error", "logs")
payloads = st.fixed_dictionaries(
    {"id": server_text.filter(bool)},
    optional={name: server_text for name in text_fields}
    | {"output": st.fixed_dictionaries({"version": server_text, "weights": server_text})}
    | {"urls": st.fixed_dictionaries({"web": server_text})},
)


@given(payloads)
def test_no_server_text_reaches_the_screen_raw(payload: dict[str, Any]) -> None:
    training = Training.from_dict(payload)
    for piece in (details(training), summary(training), row(training)):
        assert controls(render(piece), kept="\n") == set()
    assert controls(render(StatusLine(training)), kept="\n") == set()
    assert controls(to_json(training)) == set()


def test_log_lines_are_printable() -> None:
    record = logging.LogRecord(
        "replicate_trainings", logging.WARNING, __file__, 1, "id %s\nnext", ("\x1b[2J\x07",), None
    )
    assert EscapedLog().format(record) == "replicate_trainings: id \\x1b[2J\\x07\nnext"
