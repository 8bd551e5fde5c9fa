"""The command line's pieces, in-process: usage errors (click's CliRunner), input parsing,
rendering of sparse trainings, and which log lines count as new."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any, cast

import pytest
from click.testing import CliRunner
from replicate_trainings import Training
from replicate_trainings.cli._commands import cli
from replicate_trainings.cli._inputs import (
    parse_events,
    parse_pairs,
    parse_value,
    read_input_file,
)
from replicate_trainings.cli._progress import Changes, StatusLine
from replicate_trainings.cli._render import details, duration, row, summary
from rich.console import Console

from tests import payloads

# A base URL nothing answers on: usage errors must stop before any request.
ENV = {"REPLICATE_API_TOKEN": "r8_test", "REPLICATE_BASE_URL": "http://127.0.0.1:9/v1"}
REF = f"stability-ai/sdxl:{payloads.VERSION}"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", REF], "Missing option '-d' / '--destination'"),
        (["create", REF, "-d", "me/x", "--wait", "--follow"], "--wait and --follow cannot"),
        (["create", REF, "-d", "me/x", "-i", "steps"], "expected KEY=VALUE, got 'steps'"),
        (["create", REF, "-d", "me/x", "-i", "=3"], "expected KEY=VALUE, got '=3'"),
        (["create", REF, "-d", "me/x", "--events", "start"], "--events needs --webhook"),
        (["create", REF, "-d", "me/x", "--input-file", "/no/such/file"], "No such file"),
        (["list", "--limit", "0"], "0 is not in the range x>=1"),
        (["wait", "abc", "--timeout", "-1"], "-1.0 is not in the range x>=0"),
        (["watch", "abc", "--poll-interval", "0"], "0.0 is not in the range 0<x<=3600"),
        (["show", "abc"], "No such command 'show'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args, env=ENV)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_an_input_file_must_hold_an_object() -> None:
    result = CliRunner().invoke(
        cli, ["create", REF, "-d", "me/x", "--input-file", "-"], input="[1, 2]", env=ENV
    )
    assert result.exit_code == 2
    assert "must hold a JSON object, not list" in result.output


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("3", 3),
        ("0.5", 0.5),
        ("-2e3", -2000.0),
        ("true", True),
        ("null", None),
        ("[1, 2]", [1, 2]),
        ('{"a": {"b": 1}}', {"a": {"b": 1}}),
        ('"3"', "3"),
        ("hello", "hello"),
        ("hello world", "hello world"),
        ("", ""),
        ("NaN", "NaN"),
        ("-Infinity", "-Infinity"),
        ("https://example.com/a.zip", "https://example.com/a.zip"),
        ("1.2.3", "1.2.3"),
    ],
)
def test_a_value_is_json_when_it_parses(text: str, value: Any) -> None:
    assert parse_value(text) == value


def test_a_later_pair_overrides_an_earlier_one() -> None:
    pairs = ["steps=2", "caption=a=b", " lr =0.5", "steps=3"]
    assert parse_pairs(pairs) == {"steps": 3, "caption": "a=b", "lr": 0.5}


def test_the_file_holds_a_json_object() -> None:
    file = io.BytesIO(b'{"steps": 1, "images": "https://example.com/a.zip"}')
    assert read_input_file(file) == {"steps": 1, "images": "https://example.com/a.zip"}


@pytest.mark.parametrize("data", [b"{", b'{"a": NaN}', b"3", b'{"a": "\xff"}'])
def test_a_file_that_is_not_a_json_object_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"not JSON|must hold a JSON object"):
        read_input_file(io.BytesIO(data))


def test_events_split_on_commas() -> None:
    assert parse_events(["start, completed", "logs", ""]) == ["start", "completed", "logs"]
    assert parse_events([]) is None


def training(**fields: Any) -> Training:
    return Training.from_dict(payloads.just_created() | fields)


def test_only_new_complete_log_lines_count() -> None:
    changes = Changes(training())
    assert changes.new_lines(training(status="processing", logs="one\ntw")) == ["one"]
    assert changes.new_lines(training(status="processing", logs="one\ntwo\n")) == ["two"]
    assert changes.new_lines(training(status="processing", logs="one\ntwo\n")) == []
    assert changes.new_lines(training(status="processing", logs="new\n")) == ["new"]  # rewritten
    ended = training(status="failed", logs="new\nlast", completed_at="2023-09-08T16:40:00Z")
    assert changes.new_lines(ended) == ["last"]  # an ending shows the unfinished line too


def test_a_status_counts_once() -> None:
    changes = Changes(training())
    assert changes.new_status(training()) is None
    assert changes.new_status(training(status="processing")) == "processing"
    assert changes.new_status(training(status="processing")) is None
    assert changes.new_status(training(status="queued")) == "queued"  # unknown statuses too


def render(text: object) -> str:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    with console.capture() as captured:
        console.print(text)
    return captured.get()


def test_a_summary_gives_the_new_version_and_compute_time() -> None:
    done = Training.from_dict(payloads.succeeded())
    assert render(summary(done)).splitlines() == [
        "Training zz4ibbonubfz7carwiefibzgga succeeded after 8m 22s of compute",
        "  version  me/new:abc",
        "  weights  https://example.com/w.tar",
    ]
    failed = training(status="failed", error="CUDA out of memory")
    assert render(summary(failed)) == (
        "Training zz4ibbonubfz7carwiefibzgga failed: CUDA out of memory\n"
    )


def test_durations() -> None:
    assert [duration(s) for s in (0.04, 59.94, 60, 3599, 3600 * 25 + 61)] == [
        "0.0 s",
        "59.9 s",
        "1m 00s",
        "59m 59s",
        "25h 01m",
    ]


def sparse() -> Training:
    """A training whose answer had only an id: every other field None (read tolerantly)."""
    names = ("model", "version", "status", "source", "logs", "error", "output", "metrics",
             "urls", "created_at", "started_at", "completed_at")  # fmt: skip
    return cast(Training, SimpleNamespace(id="abc", is_terminal=False, succeeded=False,
                                          **dict.fromkeys(names)))  # fmt: skip


def test_a_training_with_only_an_id_still_renders() -> None:
    assert render(details(sparse())) == "id        abc\nstatus    unknown\n"
    assert render(summary(sparse())) == "Training abc unknown\n"
    assert render(row(sparse())).split() == ["abc", "unknown", "-", "-"]
    line = StatusLine(sparse(), clock=iter([100.0, 104.2]).__next__)
    assert render(line).split()[1:] == ["unknown", "4.2", "s"]
    assert Changes(sparse()).new_lines(sparse()) == []
