"""The local server checks a create body against the spec's `TrainingRequest` schema (the
`openapi.json` the package ships) with jsonschema, the `testing` extra, which plain
`import replicate_trainings` never loads."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import httpx
import pytest
from replicate_trainings.testing import Response
from replicate_trainings.testing._validation import (
    request_schema,
    schema_from,
    schema_problems,
    validate_create,
)
from replicate_trainings_api.request_shape import TRAINING_REQUEST_FIELDS

from tests.contract import spec
from tests.testing.helpers import BODY, CREATE, create

VALID = {"destination": "acme/x", "input": {}}


def spec_with(name: str, schema: dict[str, Any], *, required: bool = False) -> dict[str, Any]:
    """openapi.yaml with one more create body field, as a future upstream might add it."""
    document = copy.deepcopy(spec())
    request = document["components"]["schemas"]["TrainingRequest"]
    request["properties"][name] = schema
    if required:
        request["required"] = [*request["required"], name]
    return document


def test_the_schema_is_the_one_the_package_ships_and_openapi_yaml_holds() -> None:
    assert request_schema().fields == tuple(field.name for field in TRAINING_REQUEST_FIELDS)
    spec_request = spec()["components"]["schemas"]["TrainingRequest"]
    assert request_schema().fields == tuple(spec_request["properties"])


def test_a_field_added_to_the_spec_is_checked_by_its_schema() -> None:
    schema = schema_from(spec_with("priority", {"type": "integer", "minimum": 0}))
    assert schema_problems(VALID | {"priority": 3}, schema) == []
    assert schema_problems(VALID | {"priority": "high"}, schema) == [
        ("priority", "Invalid type. Expected: integer")
    ]
    [(field, why)] = schema_problems(VALID | {"priority": -1}, schema)
    assert field == "priority" and "minimum" in why


def test_a_required_field_added_to_the_spec_is_required() -> None:
    schema = schema_from(spec_with("hardware", {"type": "string"}, required=True))
    assert schema_problems(VALID, schema) == [("hardware", "hardware is required")]


def test_an_enum_field_names_its_values_and_the_item_that_broke_it() -> None:
    body = VALID | {"webhook_events_filter": ["start", "often", 3]}
    assert schema_problems(body) == [
        ("webhook_events_filter.1", "Must be one of: completed, logs, output, start"),
        ("webhook_events_filter.2", "Invalid type. Expected: string"),
    ]


def test_an_error_message_is_one_bounded_line() -> None:
    schema = schema_from(spec_with("tag", {"type": "string", "maxLength": 3}))
    [(_, why)] = schema_problems(VALID | {"tag": "x\n" * 100_000}, schema)
    assert "\n" not in why and len(why) <= 200


def test_null_is_not_a_value_of_an_optional_field() -> None:
    """The spec marks no create field nullable; the client leaves unset fields out."""
    answer = validate_create(VALID | {"webhook": None})
    assert isinstance(answer, Response) and answer.status == 422
    assert json.loads(answer.body)["invalid_fields"][0]["field"] == "webhook"


def test_fields_the_spec_does_not_name_are_accepted(api: httpx.Client) -> None:
    training = create(api, hardware="gpu-a100", future={"nested": [1]})
    assert training["input"] == BODY["input"]


def test_semantic_checks_apply_only_to_a_body_the_schema_accepts(api: httpx.Client) -> None:
    """`destination` is a string the schema accepts but not an `owner/name`."""
    response = api.post(CREATE, json={"destination": "nope", "input": {}, "webhook": 1})
    assert response.status_code == 422
    assert [f["field"] for f in response.json()["invalid_fields"]] == ["webhook"]
    response = api.post(CREATE, json={"destination": "nope", "input": {}})
    assert response.json()["invalid_fields"][0]["description"] == (
        "Does not match format 'owner/name'"
    )


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_importing_replicate_trainings_does_not_load_jsonschema() -> None:
    probe = run("import sys, replicate_trainings\nprint('jsonschema' in sys.modules)")
    assert probe.stdout.strip() == "False", probe.stderr


@pytest.mark.parametrize("missing", ["jsonschema", "referencing"])
def test_without_the_testing_extra_the_server_says_how_to_install_it(missing: str) -> None:
    probe = run(
        f"import sys\nsys.modules[{missing!r}] = None\n"
        "import replicate_trainings.testing as t\n"  # importing the package still works
        "try:\n    t.LocalReplicate()\n"
        "except ImportError as e:\n    print(e)\n"
    )
    assert "pip install 'replicate-trainings[testing]'" in probe.stdout, probe.stderr


def test_the_command_line_says_how_to_install_the_testing_extra() -> None:
    probe = run(
        "import sys\nsys.modules['jsonschema'] = None\n"
        "from replicate_trainings.testing.__main__ import main\nsys.exit(main([]))\n"
    )
    assert probe.returncode == 1
    assert probe.stderr.startswith("error: ") and "replicate-trainings[testing]" in probe.stderr
