"""`create`'s options from the spec's body fields, for every kind a field can have.

The real spec's extra fields reach `create --help` in tests/test_rehearsal_request.py (a
scratch package generated with a new field); here made-up fields of each kind go through
the same decorator, and click parses them as the command line would.
"""

from __future__ import annotations

from typing import Any

import click
import pytest
from click.testing import CliRunner
from replicate_trainings.cli import _body_options
from replicate_trainings_api.request_shape import TRAINING_REQUEST_FIELDS, BodyField

FIELDS = (
    *TRAINING_REQUEST_FIELDS,
    BodyField("hardware", "hardware", "str", False, False, description="The hardware. Long."),
    BodyField("priority", "priority", "enum", False, False, ("low", "high"), "How urgent."),
    BodyField("steps", "steps", "int", True, False, description="Steps to run."),
    BodyField("rate", "rate", "float", False, False, description="A rate of 50%."),
    BodyField("dry_run", "dry_run", "bool", False, False, description="Only check."),
    BodyField("tags", "tags", "list", False, False, description="Labels."),
    BodyField("kinds", "kinds", "list", False, False, ("a", "b"), "Kinds."),
    BodyField("limits", "limits", "map", False, False, description="Limits."),
    BodyField("wait", "wait", "str", False, False, description="A field named as an option."),
)


@pytest.fixture
def command(monkeypatch: pytest.MonkeyPatch) -> click.Command:
    monkeypatch.setattr(_body_options, "TRAINING_REQUEST_FIELDS", FIELDS)

    @click.command()
    @click.option("--wait", is_flag=True)
    @_body_options.body_options(["--wait"])
    def create(wait: bool, **fields: Any) -> None:
        click.echo(repr(sorted(_body_options.body_values(fields).items())))

    return create


def invoke(command: click.Command, *args: str) -> click.testing.Result:
    return CliRunner().invoke(command, list(args))


def test_each_field_but_creates_own_is_an_option_with_its_first_sentence_as_help(
    command: click.Command,
) -> None:
    shown = invoke(command, "--help").output
    for option in ("--hardware", "--priority [low|high]", "--steps N", "--rate NUMBER"):
        assert option in shown
    for option in ("--dry-run / --no-dry-run", "--tags VALUE", "--limits JSON", "--body-wait"):
        assert option in shown
    assert "The hardware." in shown and "Long." not in shown
    assert "A rate of 50%." in shown
    for own in ("--destination", "--input", "--webhook", "--webhook-events-filter"):
        assert own not in shown


def test_values_are_parsed_by_kind_and_only_those_given_are_sent(command: click.Command) -> None:
    args = ["--steps", "3", "--rate", "0.5", "--no-dry-run", "--tags", "x", "--tags", "y",
            "--kinds", "b", "--limits", '{"gpu": 1}', "--priority", "high",
            "--body-wait", "w"]  # fmt: skip
    done = invoke(command, *args)
    assert done.exit_code == 0, done.output
    assert done.output.strip() == repr(
        sorted(
            {
                "steps": 3, "rate": 0.5, "dry_run": False, "tags": ["x", "y"], "kinds": ["b"],
                "limits": {"gpu": 1}, "priority": "high", "wait": "w",
            }.items()
        )
    )  # fmt: skip
    assert invoke(command, "--steps", "1").output.strip() == "[('steps', 1)]"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Missing option '--steps'"),
        (["--steps", "x"], "'x' is not a valid integer"),
        (["--steps", "1", "--priority", "urgent"], "'urgent' is not one of 'low', 'high'"),
        (["--steps", "1", "--kinds", "c"], "'c' is not one of 'a', 'b'"),
        (["--steps", "1", "--limits", "[1]"], "'[1]' is not a JSON object"),
        (["--steps", "1", "--limits", "{"], "Invalid value for '--limits': '{' is not JSON"),
        (["--steps", "1", "--limits", '{"a": NaN}'], "is not JSON"),
        (
            ["--steps", "1", "--limits", '{"a":1e999}'],
            """Invalid value for '--limits': '{"a":1e999}' has a number too large to send: 1e999""",
        ),
    ],
)
def test_a_value_its_kind_refuses_is_a_usage_error_naming_the_option(
    command: click.Command, args: list[str], message: str
) -> None:
    done = invoke(command, *args)
    assert done.exit_code == 2
    assert message in done.output
