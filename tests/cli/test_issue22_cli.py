"""The command line in its own terms (issue 22): reconcile on by default, the retry budget,
attempts in errors, known statuses, option and variable names in errors, broken JSON in
`-i` refused, `--json` by where it goes, and several trainings at once (issue 20).

Each test runs the real `replicate-trainings` process against the bundled local Replicate.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer, Progression

from tests.cli.helpers import FAST, REF, environment, run

ON_BOTH = pytest.mark.parametrize("tty", [False, True], ids=["pipe", "tty"])
MANUAL = pytest.mark.local_replicate(progression=Progression.manual())
ENDING = pytest.mark.local_replicate(progression=Progression.ends_after(0.3))
"""Trainings that end on their own, as a listing sees them (the default steps one per get)."""


# -- create --reconcile ---------------------------------------------------------------


def test_create_reconciles_by_default_after_a_5xx_that_made_the_training(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.faults.add(Fault.error(500, after=True), operation="create")
    result = run(["create", REF, "-d", "acme/tuned", "-i", "steps=3", "--json"], env)
    assert result.code == 0, result.err
    (training_id,) = local_replicate.training_ids()  # made once, found, not made again
    assert json.loads(result.out)["id"] == training_id
    assert [r.operation for r in local_replicate.requests] == ["create", "list"]


def test_no_reconcile_says_what_to_do_in_the_command_lines_terms(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.faults.add(Fault.error(500, after=True), operation="create")
    result = run(["create", REF, "-d", "acme/tuned", "--no-reconcile"], env)
    assert result.code == 3
    assert "client.trainings" not in result.err
    assert "after 1 attempt (a create that may have reached the server is never sent" in result.err
    assert "see `replicate-trainings list` before creating it again" in result.err
    assert "(--reconcile, the default, looks for it)" in result.err
    assert len(local_replicate.training_ids()) == 1
    assert [r.operation for r in local_replicate.requests] == ["create"]


# -- the retry budget and the attempts made -------------------------------------------


def test_max_retries_sets_the_budget_and_the_error_counts_the_attempts(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    training_id = local_replicate.create()["id"]
    local_replicate.faults.add(Fault.rate_limit(0), times=5, operation="get")
    result = run(["get", training_id, "--max-retries", "1"], env)
    assert result.code == 3
    assert result.err.startswith("Error: 429 ")
    assert "after 2 attempts (--max-retries or REPLICATE_MAX_RETRIES allows more)" in result.err
    assert local_replicate.faults.injected == 2
    result = run(["--max-retries", "0", "get", training_id], env)  # before the command too
    assert result.code == 3 and ", after 1 attempt" in result.err
    assert local_replicate.faults.injected == 3


@pytest.mark.local_replicate(seed=5, page_size=2)
def test_a_listing_cut_short_says_how_much_was_printed(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.faults.add(Fault.slow(0), operation="list")  # the first page answers
    local_replicate.faults.add(Fault.error(503), times=3, operation="list")
    result = run(["list", "--json", "--max-retries", "2"], env | {"REPLICATE_MAX_RETRIES": "0"})
    assert result.code == 3
    assert len(result.out.splitlines()) == 2
    assert result.err.startswith("Error: 503 Service Unavailable")
    assert "after 3 attempts" in result.err  # the option wins over the variable
    assert result.err.rstrip().endswith("(2 trainings were printed before it)")


def test_the_budget_comes_from_the_environment(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    training_id = local_replicate.create()["id"]
    local_replicate.faults.add(Fault.rate_limit(0), times=3, operation="get")
    result = run(["get", training_id], env | {"REPLICATE_MAX_RETRIES": "3"})
    assert result.code == 0, result.err
    assert local_replicate.faults.injected == 3  # three 429s, then the answer


def test_a_bad_budget_in_the_environment_names_the_variable(env: dict[str, str]) -> None:
    result = run(["get", "abc"], env | {"REPLICATE_MAX_RETRIES": "two"})
    assert result.code == 2
    assert (
        result.err == "Error: REPLICATE_MAX_RETRIES must be a whole number, 0 or more, got 'two'\n"
    )


# -- list --status --------------------------------------------------------------------


def test_an_unknown_status_is_refused_naming_the_known_ones(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    result = run(["list", "--status", "succeeded,done"], env)
    assert result.code == 2
    assert (
        "Invalid value for '--status': unknown status 'done'; the known ones are starting, "
        "processing, succeeded, failed, canceled, aborted (--any-status asks for another)"
    ) in result.err
    assert local_replicate.requests == []


def test_any_status_asks_for_a_status_this_version_does_not_know(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.create()
    result = run(["list", "--status", "queued", "--any-status"], env)
    assert (result.code, result.out, result.err) == (0, "", "")
    assert [r.operation for r in local_replicate.requests] == ["list"]


# -- errors in the command line's vocabulary ------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["create", REF, "-d", "acme/tuned", "--webhook", "https://example.com/h",
             "--events", "start,done"],
            "Invalid value for '--events': unknown event 'done'; expected some of start, "
            "output, logs, completed",
        ),
        (["get", ".."], "Invalid value for 'ID': must be a non-empty id"),
        (["cancel", "a/b"], "Invalid value for 'ID': must be a non-empty id"),
        (
            ["create", "acme/model", "-d", "acme/tuned"],
            "Invalid value for 'OWNER/NAME:VERSION': must be 'owner/name:version', "
            "got 'acme/model'",
        ),
        (
            ["create", REF, "-d", "acme/tuned", "--webhook", "ftp://example.com/h"],
            "Invalid value for '--webhook': must be an https URL, got 'ftp://example.com/h'",
        ),
        (
            ["create", REF, "-d", "acme/tuned", "-i", "x=[1,2"],
            "Invalid value for '-i' / '--input': the value of 'x' is not JSON",
        ),
        (["wait", "abc", ".."], "Invalid value for 'ID': must be a non-empty id"),
    ],
)  # fmt: skip
def test_errors_name_options_and_arguments(
    local_replicate: LocalReplicate, env: dict[str, str], args: list[str], message: str
) -> None:
    result = run(args, env)
    assert result.code == 2, result.err
    assert message in result.err
    assert not any(
        name in result.err for name in ("training_id", "webhook_events_filter", "ref must")
    )
    assert local_replicate.requests == []


def test_a_bad_base_url_names_the_environment_variable(env: dict[str, str]) -> None:
    result = run(["get", "abc"], env | {"REPLICATE_BASE_URL": "api.replicate.com/v1"})
    assert result.code == 2
    assert result.err.startswith("Error: REPLICATE_BASE_URL must be an absolute http(s) URL")


def test_a_404_hints_at_a_base_url_without_v1(
    local_replicate_server: LocalServer, env: dict[str, str]
) -> None:
    base = local_replicate_server.base_url.removesuffix("/v1")
    result = run(["get", "abc"], env | {"REPLICATE_BASE_URL": base})
    assert result.code == 3
    assert result.err.rstrip().endswith(
        f"(REPLICATE_BASE_URL has no /v1 at its end: did you mean {base}/v1?)"
    )
    with_v1 = run(["get", "abc"], env)  # a real 404 with the right base: no hint
    assert with_v1.code == 3 and "did you mean" not in with_v1.err


# -- -i values ------------------------------------------------------------------------


def test_broken_json_is_refused_and_input_string_sends_text_as_it_is(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    refused = run(["create", REF, "-d", "acme/tuned", "-i", "x=[1,2"], env)
    assert refused.code == 2
    assert "to send it as a string, use --input-string KEY=VALUE" in refused.err
    assert local_replicate.requests == []
    args = ["create", REF, "-d", "acme/tuned", "-i", "n=[1,2]", "--input-string", "x=[1,2",
            "--input-string", "y=3", "-i", "z=1.2.3"]  # fmt: skip
    assert run(args, env).code == 0
    (sent,) = [r.json() for r in local_replicate.requests if r.operation == "create"]
    assert sent["input"] == {"n": [1, 2], "x": "[1,2", "y": "3", "z": "1.2.3"}
    both = run(["create", REF, "-d", "acme/tuned", "-i", "x=1", "--input-string", "x=1"], env)
    assert both.code == 2 and "-i and --input-string both set 'x'" in both.err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"a": {"b": 1e999}}', "has a number too large to send: 1e999"),
        ('{"a": "\\ud800"}', "input['a'] has characters UTF-8 cannot encode"),
    ],
)
def test_a_bad_value_in_the_input_file_names_the_file_option_alone(
    local_replicate: LocalReplicate, env: dict[str, str], content: str, message: str
) -> None:
    result = run(["create", REF, "-d", "acme/tuned", "--input-file", "-"], env, stdin=content)
    assert result.code == 2
    assert "Invalid value for '--input-file': " in result.err and message in result.err
    assert "'-i'" not in result.err
    assert local_replicate.requests == []


# -- --json ---------------------------------------------------------------------------


@ON_BOTH
def test_json_is_indented_on_a_terminal_and_one_line_in_a_pipe(
    local_replicate: LocalReplicate, env: dict[str, str], tty: bool
) -> None:
    training_id = local_replicate.create()["id"]
    result = run(["get", training_id, "--json"], env, tty=tty)
    assert result.code == 0
    assert json.loads(result.text)["id"] == training_id
    if tty:
        assert result.shown[:2] == ["{", f'  "id": "{training_id}",'] or '  "id"' in result.text
    else:
        assert len(result.shown) == 1


# -- several trainings at once --------------------------------------------------------


@ENDING
def test_wait_on_several_prints_json_lines_and_exits_with_the_worst_outcome(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    good = local_replicate.create()["id"]
    local_replicate.plan("failed", error="CUDA out of memory")
    bad = local_replicate.create()["id"]
    result = run(["wait", good, bad, *FAST], env)  # off a terminal: JSON lines
    assert result.code == 1, result.err
    ended = {t["id"]: t["status"] for t in map(json.loads, result.out.splitlines())}
    assert ended == {good: "succeeded", bad: "failed"}
    assert run(["wait", good, good, *FAST], env).code == 0  # an id given twice is one


@ENDING
def test_wait_on_several_watches_through_the_listing(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    ids = [local_replicate.create()["id"] for _ in range(5)]
    result = run(["wait", *ids, *FAST], env)
    assert result.code == 0, result.err
    assert sorted(json.loads(line)["id"] for line in result.out.splitlines()) == sorted(ids)
    operations = [r.operation for r in local_replicate.requests]
    assert "list" in operations  # not a get per training per poll
    assert operations.count("get") < len(ids)


@ENDING
def test_wait_on_several_ends_at_once_on_an_unknown_id(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    good = local_replicate.create()["id"]
    result = run(["wait", good, "nope", *FAST], env)
    assert result.code == 3
    assert result.err.startswith("Error: 404 ")
    assert "/trainings/nope" in result.err


@MANUAL
def test_wait_on_several_times_out_with_exit_4_naming_those_still_running(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    running = local_replicate.create()["id"]
    done = local_replicate.create()["id"]
    local_replicate.finish(done, "canceled")
    result = run(["wait", running, done, "--timeout", "0.2", *FAST], env)
    assert result.code == 4, result.err
    assert result.err == f"Timed out after 0.2 s; still running, not canceled: {running}\n"
    assert [json.loads(line)["status"] for line in result.out.splitlines()] == ["canceled"]
    tty = run(["wait", running, done, "--timeout", "0.2", *FAST], env, tty=True)
    assert tty.code == 4
    rows = [line.split() for line in tty.shown]
    assert rows[-4:-1] == [["id", "status"], [running, "still", "running"], [done, "canceled"]]


@ENDING
def test_wait_on_several_shows_a_table_on_a_terminal(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    local_replicate.plan("failed", error="CUDA out of memory")
    bad = local_replicate.create()["id"]
    good = local_replicate.create()["id"]
    result = run(["wait", bad, good, *FAST], env, tty=True)
    assert result.code == 1, result.text
    rows = [line.split() for line in result.shown]
    assert rows[-3:] == [["id", "status"], [bad, "failed"], [good, "succeeded"]]


def test_watch_on_several_reports_an_unknown_id_and_goes_on(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    good = local_replicate.create()["id"]
    result = run(["watch", "nope", good, *FAST], env)
    assert result.code == 3
    assert {json.loads(line)["id"] for line in result.out.splitlines()} == {good}
    assert json.loads(result.out.splitlines()[-1])["status"] == "succeeded"
    assert result.err.startswith("Error: training nope: 404 ")


def test_watch_on_several_prints_each_new_state_as_a_json_line(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    one, two = local_replicate.create()["id"], local_replicate.create()["id"]
    result = run(["watch", one, two, *FAST], env)
    assert result.code == 0, result.err
    states = [json.loads(line) for line in result.out.splitlines()]
    for training_id in (one, two):
        seen = [s["status"] for s in states if s["id"] == training_id]
        assert seen[0] == "processing" and seen[-1] == "succeeded"  # the first get steps it


def test_watch_on_several_on_a_terminal_starts_each_line_with_its_id(
    local_replicate: LocalReplicate, env: dict[str, str]
) -> None:
    one, two = local_replicate.create()["id"], local_replicate.create()["id"]
    result = run(["watch", one, two, *FAST], env, tty=True)
    assert result.code == 0, result.text
    assert f"{one}  status: succeeded" in result.shown
    assert f"{two}  status: succeeded" in result.shown


# -- the local server's command line --------------------------------------------------


def test_the_local_servers_help_and_shell_lines() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "replicate_trainings.testing", "--help"],
        capture_output=True,
        text=True,
        env=environment(),
        check=True,
    )
    assert "makes ids repeatable" not in helped.stdout
    assert "--random-seed" in helped.stdout
    with subprocess.Popen(
        [sys.executable, "-m", "replicate_trainings.testing", "--token", "r8_cli"],
        stdout=subprocess.PIPE,
        text=True,
        env=environment(PYTHONUNBUFFERED="1"),
    ) as process:
        try:
            assert process.stdout is not None
            base, token = process.stdout.readline(), process.stdout.readline()
        finally:
            process.terminate()
    assert base.startswith("export REPLICATE_BASE_URL=http://127.0.0.1:")
    assert token == "export REPLICATE_API_TOKEN=r8_cli\n"
