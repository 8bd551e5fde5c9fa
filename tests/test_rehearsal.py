"""Rehearsal of an additive upstream change: new training fields and a new status reach
`replicate_trainings.Training`, typed, through update-spec and generate alone.

Runs the real pipeline on a copy of Replicate's published spec into a scratch folder, then
a fresh interpreter and mypy --strict over the facade's unchanged sources beside the
scratch-generated package.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from scripts import generate, update_spec

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT.parent / "shared" / "reference" / "replicate-openapi.json"
TOOLS = Path(sys.executable).parent

NEW_FIELDS = {
    "hardware": {"type": "string", "nullable": True, "description": "The hardware it ran on."},
    "deadline_at": {
        "type": "string",
        "format": "date-time",
        "nullable": True,
        "description": "When the training is canceled if it has not ended.",
    },
}

READER = """
import json, sys
from datetime import UTC, datetime
from replicate_trainings import Training, TrainingStatus
from replicate_trainings.testing import serve
from replicate_trainings import Client

payload = {"id": "abc", "status": "queued", "hardware": "gpu-a100",
           "deadline_at": "2030-01-02T03:04:05Z"}
t = Training.from_dict(payload)
assert t.hardware == "gpu-a100", t.hardware
assert t.deadline_at == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC), t.deadline_at
assert t.status is TrainingStatus.QUEUED and not t.is_terminal
assert t.to_dict() == payload
odd = Training.from_dict({"id": "x", "hardware": 5, "deadline_at": "soon"})
assert (odd.hardware, odd.deadline_at) == (None, None)
with serve() as server, Client(server.token, base_url=server.base_url) as client:
    created = client.trainings.create(
        "owner/model:v1", destination="owner/new", input={"steps": 1}
    )
    assert created.to_dict()["hardware"] is None and created.hardware is None
print("ok")
"""

CONSUMER = """
from datetime import datetime
from typing import assert_type

from replicate_trainings import Training

t = Training.from_dict({"id": "abc"})
assert_type(t.hardware, str | None)
assert_type(t.deadline_at, datetime | None)
"""


def widened(upstream: dict[str, Any]) -> dict[str, Any]:
    """Upstream with two new training fields and a new status, as Replicate would add them."""
    schema = upstream["components"]["schemas"]["schemas_training_response"]
    schema["properties"].update(NEW_FIELDS)
    schema["properties"]["status"]["enum"].append("queued")
    return upstream


@pytest.mark.slow
def test_new_fields_and_a_status_reach_training_with_no_hand_edit(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream.json"
    upstream.write_text(json.dumps(widened(json.loads(UPSTREAM.read_text()))))
    spec = tmp_path / "openapi.yaml"

    update_spec.update_spec(upstream, spec)
    drift = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "drift.py"), str(upstream), "--ours", str(spec)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert drift.returncode == 0, drift.stdout  # nothing new, nothing stale
    scratch = tmp_path / "gen"
    scratch.mkdir()
    package = generate.generate_into(scratch, spec)

    site = tmp_path / "site"
    shutil.copytree(ROOT / "facade" / "replicate_trainings", site / "replicate_trainings")
    shutil.copytree(package, site / "replicate_trainings_api")
    env = {**os.environ, "PYTHONPATH": str(site), "MYPYPATH": str(site)}
    ran = subprocess.run(
        [sys.executable, "-c", READER], env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "ok"

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
    assert checked.returncode == 0, checked.stdout
