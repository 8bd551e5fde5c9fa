"""The command line against hostile servers and hostile input (issue 21), as a real process.

Extreme values render; server text never drives the terminal (checked on the bytes a
pseudo-terminal received); option values are checked before any request; Ctrl-C, a full
disk, a closed stdout and a huge input file each end with their own exit code and a line.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from replicate_trainings.cli._inputs import INPUT_FILE_LIMIT
from replicate_trainings.testing import LocalReplicate, Progression

from tests.cli.helpers import (
    FAST,
    REF,
    blocked_reading_a_pipe,
    environment,
    eventually,
    run,
)
from tests.rawserver import raw_server, response

ON_BOTH = pytest.mark.parametrize("tty", [False, True], ids=["pipe", "tty"])
MANUAL = pytest.mark.local_replicate(progression=Progression.manual())
# A base URL nothing answers on: what is refused before a request never needs one.
NOWHERE = environment(REPLICATE_API_TOKEN="r8_test", REPLICATE_BASE_URL="http://127.0.0.1:9/v1")


def serving(training: str, *listed: str) -> AbstractContextManager[str]:
    """A raw server answering each get with the JSON text `training` (written by hand, so it
    may hold what json.dumps would not), and each list with one page of `listed` (or of it).
    Yields the base URL."""
    page = b'{"next": null, "results": [' + ",".join(listed or [training]).encode() + b"]}"

    def answer(connection: socket.socket, request: bytes) -> None:
        path = request.split(b" ", 2)[1].split(b"?")[0]
        body = page if path == b"/v1/trainings" else training.encode()
        connection.sendall(response(200, body, {"Content-Type": "application/json"}))

    return raw_server(answer)


def env_for(base_url: str) -> dict[str, str]:
    return environment(REPLICATE_API_TOKEN="r8_test", REPLICATE_BASE_URL=base_url)


def args_for(command: str, training_id: str, *more: str) -> list[str]:
    if command == "list":
        return ["list", *more]
    return [command, training_id, *more, *(FAST if command in ("wait", "watch") else ())]


# -- extreme values ---------------------------------------------------------------------

# A finished training with times UTC cannot hold (year 1 at +01:00 is in year 0 in UTC,
# year 9999 at -01:00 in year 10000) and durations no float holds.
EXTREME = (
    json.dumps(
        {
            "id": "extreme",
            "status": "succeeded",
            "model": "acme/base",
            "created_at": "0001-01-01T00:00:00+01:00",
            "started_at": "9999-12-31T23:59:59-01:00",
            "completed_at": "9999-12-31T23:59:59Z",
            "metrics": {"predict_time": "1e999", "total_time": "-1e999"},
            "output": {"version": "acme/tuned:abc", "weights": "https://example.com/w.tar"},
        }
    )
    .replace('"1e999"', "1e999")
    .replace('"-1e999"', "-1e999")
)


@pytest.mark.parametrize("command", ["get", "list", "wait", "watch"])
@ON_BOTH
def test_times_out_of_range_and_infinite_durations_render(command: str, tty: bool) -> None:
    with serving(EXTREME) as base_url:
        result = run(args_for(command, "extreme"), env_for(base_url), tty=tty)
    assert result.code == 0, result.text
    assert "Traceback" not in result.text
    assert any(line.startswith(("extreme", "id        extreme")) for line in result.shown) or (
        any(line.startswith("Training extreme succeeded") for line in result.shown)
    ), result.text


@pytest.mark.parametrize("command", ["get", "list", "wait"])
def test_json_writes_numbers_too_large_for_a_float_as_json(command: str) -> None:
    with serving(EXTREME) as base_url:
        result = run(args_for(command, "extreme", "--json"), env_for(base_url))
    assert result.code == 0, result.err
    assert "Infinity" not in result.out
    (printed,) = [json.loads(line) for line in result.out.splitlines()]
    assert printed["metrics"] == {"predict_time": float("inf"), "total_time": float("-inf")}
    assert printed["created_at"] == "0001-01-01T00:00:00+01:00"


# -- server text on a terminal ----------------------------------------------------------

# What a terminal obeys: set the window title (OSC ... BEL), clear the screen (CSI 2J),
# ring the bell (BEL), a C1 CSI (U+009B) starting a sequence; and rich markup.
HOSTILE = (
    "\x1b]0;pwned\x07 \x1b[2J \x07 \x9b31m [bold]loud[/bold] [link=https://evil.example]x[/link]"
)
RAW_SEQUENCES = ["\x1b]0;pwned", "\x1b[2J", "\x07", "\x9b"]


def hostile_training(training_id: str, status: str = "succeeded") -> str:
    return json.dumps(
        {
            "id": training_id,
            "status": status,
            "model": f"acme/{HOSTILE}",
            "error": f"error {HOSTILE}",
            "logs": f"line one {HOSTILE}\nline two {HOSTILE}\n",
            "output": {"version": f"acme/tuned:{HOSTILE}", "weights": HOSTILE},
            "urls": {"web": f"https://replicate.com/{HOSTILE}"},
        }
    )


def assert_nothing_raw(data: bytes) -> None:
    """None of the hostile sequences reached the terminal as bytes (nor any BEL); their
    escaped spelling and the markup as written did."""
    text = data.decode("utf-8")
    for sequence in RAW_SEQUENCES:
        assert sequence not in text, (sequence, text)
    assert b"\xc2\x9b" not in data and b"\x07" not in data
    assert "\\x1b]0;pwned\\x07" in text
    assert "\\x1b[2J" in text and "\\x9b31m" in text
    assert "[bold]loud[/bold]" in text and "[link=https://evil.example]x[/link]" in text


@pytest.mark.parametrize(
    ("command", "colour"),
    [
        ("get", "\x1b[32msucceeded"),
        ("wait", "\x1b[1;32msucceeded"),
        ("watch", "\x1b[1msucceeded"),
    ],
)
def test_server_text_never_drives_the_terminal(command: str, colour: str) -> None:
    with serving(hostile_training("hostile")) as base_url:
        result = run(args_for(command, "hostile"), env_for(base_url), tty=True)
    assert result.code == 0, result.text
    assert_nothing_raw(result.data)
    assert colour in result.out  # the command's own colours stay


def test_listed_ids_and_statuses_never_drive_the_terminal() -> None:
    items = [
        hostile_training(f"id{HOSTILE}", status="succeeded"),
        hostile_training("plain", status=f"new{HOSTILE}"),
    ]
    with serving(items[0], *items) as base_url:
        result = run(["list"], env_for(base_url), tty=True)
    assert result.code == 0, result.text
    assert_nothing_raw(result.data)
    assert "\x1b[32msucceeded" in result.out


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
def test_the_error_line_never_drives_the_terminal(debug: bool) -> None:
    problem = json.dumps({"title": f"Not {HOSTILE}", "detail": f"gone {HOSTILE}", "status": 404})
    headers = {"Content-Type": "application/problem+json"}

    def answer(connection: socket.socket, request: bytes) -> None:
        connection.sendall(response(404, problem.encode(), headers))

    with raw_server(answer) as base_url:
        args = ["--debug", "get", "abc"] if debug else ["get", "abc"]
        result = run(args, env_for(base_url), tty=True)
    assert result.code == 3, result.text
    text = result.data.decode()
    for sequence in RAW_SEQUENCES:
        assert sequence not in text
    assert b"\x07" not in result.data and b"\xc2\x9b" not in result.data
    assert result.shown[-1].startswith("Error: 404 ")
    assert "[bold]loud[/bold]" in result.shown[-1] or "[bold]" in result.shown[-1]
    assert "Traceback" in text if debug else "Traceback" not in text


def test_json_leaves_server_text_as_json_escapes() -> None:
    with serving(hostile_training("hostile")) as base_url:
        result = run(["get", "hostile", "--json"], env_for(base_url), tty=True)
    assert result.code == 0, result.text
    assert b"\x1b" not in result.data and b"\x07" not in result.data
    assert json.loads(result.out)["logs"] == f"line one {HOSTILE}\nline two {HOSTILE}\n"


# -- option values ------------------------------------------------------------------------

DEEP = "[" * 100_000 + "]" * 100_000


def test_an_input_nested_too_deeply_is_a_usage_error(tmp_path: Path) -> None:
    # One argument holds at most 128 KiB on Linux: 100,000 opening brackets, which json
    # reads as deeply as it can before it would find the closing ones missing.
    result = run(["create", REF, "-d", "acme/tuned", "-i", "a=" + "[" * 100_000], NOWHERE)
    assert result.code == 2, result.err
    assert "Invalid value for '-i' / '--input': the value of 'a' is nested too deeply" in result.err
    assert "Traceback" not in result.err

    file = tmp_path / "deep.json"
    file.write_text(f'{{"a": {DEEP}}}')
    result = run(["create", REF, "-d", "acme/tuned", "--input-file", str(file)], NOWHERE)
    assert result.code == 2, result.err
    assert f"Invalid value for '--input-file': {file} is nested too deeply" in result.err
    assert "Traceback" not in result.err


@MANUAL
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["wait", "{id}", "--poll-interval", "nan"], "'--poll-interval': 'nan' is not a finite"),
        (["watch", "{id}", "--poll-interval", "inf"], "'--poll-interval': inf is not in the range"),
        (
            ["create", REF, "-d", "acme/tuned", "--wait", "--poll-interval", "NaN"],
            "'--poll-interval': 'NaN' is not a finite number",
        ),
        (["wait", "{id}", "--timeout", "nan"], "'--timeout': 'nan' is not a finite number"),
        (["wait", "{id}", "--timeout", "inf"], "'--timeout': 'inf' is not a finite number"),
        (["wait", "{id}", "--timeout", "1e999"], "'--timeout': '1e999' is not a finite number"),
        (["wait", "{id}", "--timeout", "-inf"], "'--timeout': -inf is not in the range x>=0"),
    ],
)
def test_a_number_of_seconds_must_be_finite(
    local_replicate: LocalReplicate, env: dict[str, str], args: list[str], message: str
) -> None:
    training_id = local_replicate.create()["id"]
    local_replicate.clear_requests()
    result = run([arg.format(id=training_id) for arg in args], env)
    assert result.code == 2, result.err
    assert f"Invalid value for {message}" in result.err
    assert "Traceback" not in result.err
    assert local_replicate.requests == []


def test_an_input_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    """A 1 GB file (sparse: no disk) is refused having read at most the limit and a byte:
    the process's peak memory stays far below the file's size."""
    file = tmp_path / "huge.json"
    with file.open("wb") as huge:
        huge.truncate(1 << 30)
    process = subprocess.Popen(
        [sys.executable, "-m", "replicate_trainings", "create", REF, "-d", "acme/tuned",
         "--input-file", str(file)],
        env=NOWHERE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    _, status, usage = os.wait4(process.pid, 0)  # (its one line of stderr fits the pipe)
    assert process.stderr is not None
    with process.stderr:
        err = process.stderr.read()
    assert os.waitstatus_to_exitcode(status) == 2, err
    assert f"Invalid value for '--input-file': {file} is larger than 16 MiB" in err
    assert usage.ru_maxrss * 1024 < 256 * 1024 * 1024  # ru_maxrss: KiB on Linux
    assert INPUT_FILE_LIMIT == 16 * 1024 * 1024


# -- Ctrl-C, write errors -------------------------------------------------------------------


def test_ctrl_c_while_reading_stdin_exits_130(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "replicate_trainings", "create", REF, "-d", "acme/tuned",
         "--input-file", "-"],
        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    eventually(lambda: blocked_reading_a_pipe(process.pid), "the command reads stdin")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err == "Interrupted.\n"
    assert out == ""
    assert local_replicate.requests == []


@MANUAL
@pytest.mark.parametrize("command", ["list", "get", "create"])
def test_a_full_disk_is_an_error_line_and_exit_74(
    local_replicate: LocalReplicate, env: dict[str, str], command: str
) -> None:
    training_id = local_replicate.create()["id"]
    creating = ["create", REF, "-d", "acme/tuned"]
    args = creating if command == "create" else args_for(command, training_id)
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "replicate_trainings", *args],
            env=env, stdout=full, stderr=subprocess.PIPE, text=True, check=False, timeout=60,
        )  # fmt: skip
    assert done.returncode == 74, done.stderr
    reason = "No space left on device"
    if command == "create":  # sent before the output failed: the line says so
        assert len(local_replicate.training_ids()) == 2
        reason += "; the training may have been created: see `replicate-trainings list`"
    assert done.stderr == f"Error: cannot write the output: {reason}\n"


@MANUAL
@pytest.mark.parametrize("command", ["list", "create"])
def test_a_closed_stdout_is_an_error_line_and_exit_74_before_any_request(
    local_replicate: LocalReplicate, env: dict[str, str], command: str
) -> None:
    args = ["list"] if command == "list" else ["create", REF, "-d", "acme/tuned"]
    local_replicate.clear_requests()
    done = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "replicate_trainings", *args],
        env=env, stderr=subprocess.PIPE, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert done.returncode == 74, done.stderr
    assert done.stderr == "Error: cannot write the output: standard output is closed\n"
    assert local_replicate.requests == []
