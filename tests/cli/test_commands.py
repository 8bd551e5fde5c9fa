"""Every command and exit code of the real `replicate-trainings` process, on a
pseudo-terminal and on pipes, against the bundled local Replicate.

Trainings advance one step per get (`starting`, two `processing` steps with a log
line each, then their outcome) and the command polls every 10 ms, so a whole
training takes a few polls; `Progression.manual()` keeps one running for good.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from replicate_trainings.testing import LocalReplicate, Progression

from tests.cli.helpers import (
    FAST,
    HIDE_CURSOR,
    REF,
    Command,
    environment,
    eventually,
    run,
)

MANUAL = pytest.mark.local_replicate(progression=Progression.manual())
ON_BOTH = pytest.mark.parametrize("tty", [False, True], ids=["pipe", "tty"])


def without_urls(training: dict[str, Any]) -> dict[str, Any]:
    """A training but its URLs (the server writes those for the address it was asked at)."""
    return {name: value for name, value in training.items() if name != "urls"}


def quiet_webhooks(request: httpx.Request) -> httpx.Response:
    return httpx.Response(204)


# -- installation ---------------------------------------------------------------------


# Python run with click and rich uninstallable, as where the [cli] extra is not installed.
WITHOUT_EXTRA = """
import sys
class Missing:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("click", "rich"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Missing())
"""


def python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=environment(REPLICATE_API_TOKEN="r8_test"),
        check=False,
    )


def test_the_library_imports_no_cli_dependency() -> None:
    # httpx itself imports click and rich when they are installed (for its own `httpx`
    # command), so compare with plain httpx: the library must add none of theirs.
    loaded = "print(sorted(m for m in sys.modules if m.partition('.')[0] in ('click', 'rich')))"
    httpx_alone = python(f"import sys, httpx; {loaded}")
    library = python(f"import sys, replicate_trainings; {loaded}")
    assert httpx_alone.returncode == library.returncode == 0, library.stderr
    assert library.stdout == httpx_alone.stdout
    without = python(WITHOUT_EXTRA + "import replicate_trainings; replicate_trainings.Client()")
    assert without.returncode == 0, without.stderr


def test_without_the_extra_the_command_says_what_to_install() -> None:
    done = python(WITHOUT_EXTRA + "import runpy; runpy.run_module('replicate_trainings', "
                  "run_name='__main__')", "list")  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "The command line needs click: pip install 'replicate-trainings[cli]'\n"


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("replicate-trainings")
    done = subprocess.run(
        [script, "--help"], capture_output=True, text=True, env=environment(), check=False
    )
    assert done.returncode == 0, done.stderr
    for command in ("create", "get", "list", "cancel", "wait", "watch"):
        assert f"  {command} " in done.stdout


# -- create ---------------------------------------------------------------------------


@pytest.mark.local_replicate(webhook_transport=httpx.MockTransport(quiet_webhooks))
def test_create_sends_what_it_was_given(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    file = json.dumps({"input_images": "https://example.com/data.zip", "steps": 1})
    args = ["create", REF, "-d", "acme/tuned", "-i", "steps=3", "-i", "lr=0.5",
            "-i", "caption=hello world", "-i", 'tags=["a", "b"]', "-i", "ok=true",
            "-i", "nothing=null", "-i", "quoted=\"3\"", "-i", "nan=NaN",
            "--input-file", "-", "--webhook", "https://example.com/hook",
            "--events", "start,completed", "--json"]  # fmt: skip
    result = run(args, env, stdin=file)
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed == local_replicate.training(printed["id"])
    (sent,) = [r.json() for r in local_replicate.requests if r.operation == "create"]
    assert sent == {
        "destination": "acme/tuned",
        "input": {
            "input_images": "https://example.com/data.zip",
            "steps": 3,
            "lr": 0.5,
            "caption": "hello world",
            "tags": ["a", "b"],
            "ok": True,
            "nothing": None,
            "quoted": "3",
            "nan": "NaN",
        },
        "webhook": "https://example.com/hook",
        "webhook_events_filter": ["start", "completed"],
    }


@ON_BOTH
def test_create_wait_shows_the_new_version(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    result = run(
        ["create", REF, "-d", "acme/tuned", "-i", "steps=3", "--wait", *FAST], env, tty=tty
    )
    assert result.code == 0, result.text
    (training_id,) = local_replicate.training_ids()
    done = local_replicate.training(training_id)
    assert done["status"] == "succeeded"
    created, summary, version, weights = result.shown
    assert created == f"Training {training_id} created"
    assert summary.startswith(f"Training {training_id} succeeded after ")
    assert summary.endswith(" s of compute")
    assert version == f"  version  {done['output']['version']}"
    assert weights == f"  weights  {done['output']['weights']}"
    assert (HIDE_CURSOR in result.out) is tty  # the live line, only on a terminal
    assert ("\x1b" in result.out) is tty


@ON_BOTH
def test_create_follow_shows_statuses_and_logs(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    result = run(["create", REF, "-d", "acme/tuned", "--follow", *FAST], env, tty=tty)
    assert result.code == 0, result.text
    (training_id,) = local_replicate.training_ids()
    done = local_replicate.training(training_id)
    started, step, complete = done["logs"].splitlines()
    assert result.shown[:6] == [
        f"Training {training_id} created",
        "status: processing",
        started,
        step,
        complete,
        "status: succeeded",
    ]
    assert result.shown[6].startswith(f"Training {training_id} succeeded after ")
    assert result.shown[7:] == [
        f"  version  {done['output']['version']}",
        f"  weights  {done['output']['weights']}",
    ]
    assert (HIDE_CURSOR in result.out) is tty


def test_create_follow_json_prints_each_new_state(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    result = run(["create", REF, "-d", "acme/tuned", "--follow", "--json", *FAST], env)
    assert result.code == 0, result.err
    states = [json.loads(line) for line in result.out.splitlines()]
    assert [s["status"] for s in states] == ["starting", "processing", "processing", "succeeded"]
    assert states[-1] == local_replicate.training(states[0]["id"])


def test_create_wait_on_a_failure_exits_1(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.plan("failed", error="CUDA out of memory")
    result = run(["create", REF, "-d", "acme/tuned", "--wait", *FAST], env)
    assert result.code == 1, result.err
    (training_id,) = local_replicate.training_ids()
    assert f"Training {training_id} failed after" in result.out
    assert result.out.rstrip().endswith(": CUDA out of memory")


def test_a_bad_argument_is_a_usage_error(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    result = run(["create", REF, "-d", "not-a-model", "-i", "a=1"], env)
    assert result.code == 2
    assert "Invalid value for '-d' / '--destination': must be 'owner/name'" in result.err
    assert local_replicate.requests == []


def test_a_missing_token_is_a_usage_error() -> None:
    result = run(["get", "abc"], environment())
    assert result.code == 2
    assert "REPLICATE_API_TOKEN is not set" in result.err
    assert "Traceback" not in result.err


# -- get, cancel, list ----------------------------------------------------------------


@MANUAL
@ON_BOTH
def test_get(local_replicate: LocalReplicate, env: dict[str, str], tty: bool) -> None:
    training = local_replicate.step(local_replicate.create()["id"])
    result = run(["get", training["id"]], env, tty=tty)
    assert result.code == 0, result.text
    lines = result.shown
    assert lines[:2] == [f"id        {training['id']}", "status    processing"]
    assert f"model     {training['model']}:{training['version']}" in lines
    assert f"web       {training['urls']['web']}" in lines
    assert HIDE_CURSOR not in result.out  # nothing to animate


@MANUAL
def test_get_json(local_replicate: LocalReplicate, env: dict[str, str]) -> None:
    training = local_replicate.create()
    result = run(["get", training["id"], "--json"], env)
    assert result.code == 0, result.err
    printed = json.loads(result.out)
    assert printed.pop("urls")["get"] == f"{env['REPLICATE_BASE_URL']}/trainings/{training['id']}"
    assert printed == without_urls(training)


@MANUAL
@ON_BOTH
def test_cancel(local_replicate: LocalReplicate, env: dict[str, str], tty: bool) -> None:
    training_id = local_replicate.create()["id"]
    result = run(["cancel", training_id], env, tty=tty)
    assert result.code == 0, result.text
    assert local_replicate.training(training_id)["status"] == "canceled"
    assert result.shown[:2] == [f"id        {training_id}", "status    canceled"]


@pytest.mark.local_replicate(seed=30, page_size=10, progression=Progression.manual())
def test_list_json_stops_at_the_limit(local_replicate: LocalReplicate, env: dict[str, str]) -> None:
    result = run(["list", "--limit", "3", "--json"], env)
    assert result.code == 0, result.err
    printed = [json.loads(line) for line in result.out.splitlines()]
    newest = [local_replicate.training(i) for i in local_replicate.training_ids()[:3]]
    assert [without_urls(t) for t in printed] == [without_urls(t) for t in newest]
    assert [r.operation for r in local_replicate.requests] == ["list"]  # one page was enough


@pytest.mark.local_replicate(seed=2000, progression=Progression.manual())
def test_list_into_a_pipe_closed_early_ends_quietly(env: dict[str, str]) -> None:
    """`list | head -1`: the command ends by SIGPIPE, as cat would, not with exit 1
    (which means a failed training) and no traceback. 2,000 trainings are more than a pipe
    holds, so the command is still writing when the reader goes."""
    process = subprocess.Popen(
        [sys.executable, "-m", "replicate_trainings", "list"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()  # the first training, then the reader goes away
    process.stdout.close()
    assert process.wait(timeout=60) == -signal.SIGPIPE
    assert process.stderr.read() == b""
    process.stderr.close()


@pytest.mark.local_replicate(seed=30, page_size=10, progression=Progression.manual())
@ON_BOTH
def test_list_filters_by_status(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    result = run(["list", "--status", "succeeded,failed", "--status", "canceled"], env, tty=tty)
    assert result.code == 0, result.text
    expected = [
        i
        for i in local_replicate.training_ids()
        if local_replicate.training(i)["status"] in ("succeeded", "failed", "canceled")
    ]
    assert expected
    assert [line.split()[0] for line in result.shown] == expected
    assert [r.operation for r in local_replicate.requests] == ["list"] * 3


# -- wait, watch ----------------------------------------------------------------------


@ON_BOTH
def test_wait_for_a_canceled_training_exits_1(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    training_id = local_replicate.create()["id"]
    local_replicate.step(training_id)
    local_replicate.finish(training_id, "canceled")
    result = run(["wait", training_id, *FAST], env, tty=tty)
    assert result.code == 1, result.text
    assert result.shown[-1].startswith(f"Training {training_id} canceled after ")


@ON_BOTH
def test_wait_json_prints_the_final_state(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    training_id = local_replicate.create()["id"]
    result = run(["wait", training_id, "--json", *FAST], env, tty=tty)
    assert result.code == 0, result.text
    printed = json.loads(result.text)  # indented on a terminal, one line in a pipe
    assert len(result.shown) > 10 if tty else len(result.shown) == 1
    assert printed["status"] == "succeeded"
    assert without_urls(printed) == without_urls(local_replicate.training(training_id))
    assert "\x1b" not in result.out  # --json: nothing animates, even on a terminal


@ON_BOTH
def test_watch(local_replicate: LocalReplicate, env: dict[str, str], tty: bool) -> None:
    training_id = local_replicate.create()["id"]
    result = run(["watch", training_id, *FAST], env, tty=tty)
    assert result.code == 0, result.text
    done = local_replicate.training(training_id)
    started, step, complete = done["logs"].splitlines()
    assert result.shown[:5] == ["status: processing", started, step, complete, "status: succeeded"]
    assert result.shown[5].startswith(f"Training {training_id} succeeded after ")
    assert len(result.shown) == 8
    assert (HIDE_CURSOR in result.out) is tty


def test_watch_json_prints_each_new_state(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.plan("aborted")
    training_id = local_replicate.create()["id"]
    result = run(["watch", training_id, "--json", *FAST], env)
    assert result.code == 1, result.err
    (state,) = [json.loads(line) for line in result.out.splitlines()]
    assert state["status"] == "aborted"  # the first get moved it on, to its end


@MANUAL
@ON_BOTH
def test_wait_timeout_exits_4(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    training_id = local_replicate.create()["id"]
    result = run(["wait", training_id, "--timeout", "0.2", *FAST], env, tty=tty)
    assert result.code == 4, result.text
    assert result.shown == [
        f"Timed out: training {training_id} is still starting after 0.2 s; it was not canceled"
    ]
    assert local_replicate.training(training_id)["status"] == "starting"


@MANUAL
@pytest.mark.parametrize(
    ("tty", "command"),
    [(False, "wait"), (True, "wait"), (True, "watch")],
    ids=["wait-pipe", "wait-tty", "watch-tty"],
)
def test_ctrl_c_stops_waiting_without_canceling(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool, command: str
) -> None:
    training = local_replicate.step(local_replicate.create()["id"])
    training_id, log = training["id"], training["logs"].strip()
    running = Command([command, training_id, *FAST], env, tty=tty)
    eventually(
        lambda: sum(r.operation == "get" for r in local_replicate.requests) >= 2,
        "the command polls",
    )
    running.interrupt()
    result = running.finish()
    assert result.code == 130, result.text
    followed = ["status: processing", log] if command == "watch" else []
    assert result.shown == [
        *followed,
        f"Interrupted. Training {training_id} is still running; it was not canceled "
        f"(to cancel it: replicate-trainings cancel {training_id})",
    ]
    assert local_replicate.training(training_id)["status"] == "processing"
    assert "cancel" not in {r.operation for r in local_replicate.requests}
    if tty:  # the live line was drawn, then taken away with the cursor given back
        assert result.out.count(HIDE_CURSOR) == 1
        assert result.out.rfind("\x1b[?25h") > result.out.rfind(HIDE_CURSOR)


# -- API and connection errors ----------------------------------------------------------


@ON_BOTH
def test_an_api_error_is_one_line_and_exit_3(env: dict[str, str], tty: bool) -> None:
    result = run(["get", "no-such-training"], env, tty=tty)
    assert result.code == 3
    assert result.shown == ["Error: 404 Not found: Not found. (GET /v1/trainings/no-such-training)"]


def test_debug_shows_the_traceback(env: dict[str, str]) -> None:
    result = run(["--debug", "get", "no-such-training"], env)
    assert result.code == 3
    assert "Traceback (most recent call last)" in result.err
    assert "replicate_trainings.errors.NotFoundError" in result.err
    assert "trainings.get: GET /v1/trainings/no-such-training -> 404" in result.err
    assert result.err.splitlines()[-1].startswith("Error: 404 Not found")


def test_a_refused_connection_is_exit_3() -> None:
    with socket.socket() as probe:  # a port nothing listens on once this closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}/v1"
    env = environment(REPLICATE_API_TOKEN="r8_test", REPLICATE_BASE_URL=base_url)
    result = run(["wait", "abc"], env)
    assert result.code == 3
    (line,) = result.err.splitlines()
    assert line.startswith("Error: GET /v1/trainings/abc got no answer: ConnectError")
    assert line.endswith(f"(server: {base_url})")
