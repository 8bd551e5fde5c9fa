"""Rehearsal of the request side: a create body field that upstream adds reaches users
with no hand edit.

On a copy of the recorded upstream with a new optional create field (and the training
field that shows it back), the test runs `make update-spec`'s and `make generate`'s code
into a scratch folder, lays the facade's unchanged sources beside the scratch package, and
then, in a fresh interpreter: a typed call of `create(..., hardware=...)`, the field on
the wire, the local server accepting it, the answer read, and the command line's option;
mypy --strict accepts the keyword and refuses a wrong type.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from scripts import update_spec
from tests.test_rehearsal import UPSTREAM, scratch_site

ROOT = Path(__file__).resolve().parent.parent
TOOLS = Path(sys.executable).parent

HARDWARE = {"type": "string", "description": "The hardware to train on, such as gpu-a100."}

CALLER = """
import json
import httpx
from replicate_trainings import Client
from replicate_trainings.testing import serve

sent = []
with serve() as server, httpx.Client(
    event_hooks={"request": [lambda request: sent.append(request)]}
) as http, Client(server.token, base_url=server.base_url, http_client=http) as client:
    made = client.trainings.create(
        "owner/model:v1", destination="owner/new", input={"steps": 1}, hardware="gpu-a100"
    )
    body = json.loads(sent[-1].read())
    assert body["hardware"] == "gpu-a100", body          # on the wire
    assert made.status == "starting", made               # the local server accepted it
    assert made.hardware == "gpu-a100", made.to_dict()  # the answer read, typed
    try:
        client.trainings.create("owner/model:v1", destination="owner/new", input={}, hardware=5)
    except TypeError as error:
        assert "hardware must be a string" in str(error), error
    else:
        raise AssertionError("a wrong type was sent")
print("ok")
"""

CONSUMER = """
from replicate_trainings import Client

def start(client: Client) -> str:
    return client.trainings.create(
        "owner/model:v1", destination="owner/new", input={}, hardware="gpu-a100"
    ).id

def wrong(client: Client) -> str:
    return client.trainings.create(
        "owner/model:v1", destination="owner/new", input={}, hardware=5
    ).id
"""


def widened(upstream: dict[str, Any]) -> dict[str, Any]:
    """Upstream with a new optional create field, shown back on the training."""
    schemas = upstream["components"]["schemas"]
    schemas["schemas_training_request"]["properties"]["hardware"] = HARDWARE
    schemas["schemas_training_response"]["properties"]["hardware"] = {**HARDWARE}
    return upstream


@pytest.mark.slow
def test_a_new_create_field_reaches_create_the_wire_and_the_cli_with_no_hand_edit(
    tmp_path: Path,
) -> None:
    upstream = tmp_path / "upstream.json"
    upstream.write_text(json.dumps(widened(json.loads(UPSTREAM.read_text()))))
    spec = tmp_path / "openapi.yaml"
    assert update_spec.main([str(upstream), "--out", str(spec)]) == 0
    env = scratch_site(tmp_path, spec)
    ran = subprocess.run(
        [sys.executable, "-c", CALLER], env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ok"

    helped = subprocess.run(
        [sys.executable, "-m", "replicate_trainings", "create", "--help"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert helped.returncode == 0, helped.stderr
    assert "--hardware" in helped.stdout and "gpu-a100" in helped.stdout

    consumer = tmp_path / "consumer.py"
    consumer.write_text(textwrap.dedent(CONSUMER))
    checked = subprocess.run(
        [str(TOOLS / "mypy"), "--strict", "--no-incremental", str(consumer)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 1, checked.stdout  # the wrong type, and nothing else
    assert "consumer.py:11" in errors[0] and '"hardware"' in errors[0], errors
