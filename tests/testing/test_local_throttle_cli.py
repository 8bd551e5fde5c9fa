"""The throttle and timed endings on the command line: `python -m replicate_trainings.testing`."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from replicate_trainings.testing import Progression
from replicate_trainings.testing.__main__ import main, parse_progression

from tests.testing.test_local_throttle import resets_in


@contextmanager
def running(*args: str) -> Iterator[httpx.Client]:
    """The command line's server, and a client on it with its token."""
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "replicate_trainings.testing", "--port", "0", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=Path(__file__).parent,
    ) as process:
        try:
            assert process.stdout is not None
            base = process.stdout.readline().strip().partition("=")[2]
            token = process.stdout.readline().strip().partition("=")[2]
            with httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {token}"}
            ) as client:
                yield client
        finally:
            process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_the_command_line_throttles() -> None:
    with running("--rate-limit", "--other-per-minute", "6", "--other-burst", "2") as client:
        assert [client.get("/trainings").status_code for _ in range(2)] == [200, 200]
        refused = client.get("/trainings")
        assert 1 <= resets_in(refused) <= 10  # one request per 10 s, on the wall clock
        assert "retry-after" not in refused.headers


def test_the_command_line_sends_retry_after_when_asked() -> None:
    with running("--other-burst", "1", "--retry-after") as client:
        assert client.get("/trainings").status_code == 200
        refused = client.get("/trainings")
        assert refused.headers["retry-after"] == str(resets_in(refused)) == "1"


def test_the_command_line_does_not_throttle_by_default() -> None:
    with running("--seed", "1") as client:
        assert {client.get("/trainings").status_code for _ in range(300)} == {200}


def test_the_help_names_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--rate-limit",
        "--create-per-minute",
        "--other-per-minute",
        "--create-burst",
        "--other-burst",
        "--retry-after",
        "ends-after:S",
    ):
        assert option in out


def test_a_bad_limit_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--create-burst", "0"])
    assert exited.value.code == 2
    assert "a burst must allow at least one request" in capsys.readouterr().err


def test_ends_after_on_the_command_line() -> None:
    assert parse_progression("ends-after:2.5") == Progression.ends_after(2.5)
    for text, message in [
        ("ends-after", "expected polls:N"),
        ("ends-after:0", "must be positive"),
        ("ends-after:soon", "could not convert"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            parse_progression(text)
