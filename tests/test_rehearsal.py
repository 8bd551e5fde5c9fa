"""Rehearsals of upstream changes, one kind at a time, on a copy of the recorded upstream.

Each runs `make update-spec`'s command in-process into a scratch folder and asserts its
outcome and message: a new optional field and a new status flow (exit 0; the status is
said to be neither terminal nor running); a renamed field, a changed format, a removed
operation and a schema moved behind a $ref alias stop it (exit 2, named). The slow one
follows an additive change through generate into `replicate_trainings.Training`, typed:
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts import generate, update_spec

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT / "upstream" / "replicate-openapi.json"
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
    # the local server renders the new fields, with plausible values of their kinds
    assert created.to_dict()["hardware"] == "" and created.hardware == ""
    assert created.deadline_at is not None
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


Doc = dict[str, Any]


def training(upstream: Doc) -> Doc:
    """Upstream's training schema."""
    schema: Doc = upstream["components"]["schemas"]["schemas_training_response"]
    return schema


def new_optional_field(upstream: Doc) -> None:
    training(upstream)["properties"]["hardware"] = {"type": "string", "nullable": True}


def new_status(upstream: Doc) -> None:
    training(upstream)["properties"]["status"]["enum"].append("paused")


def renamed_field(upstream: Doc) -> None:
    metrics = training(upstream)["properties"]["metrics"]["properties"]
    metrics["gpu_time"] = metrics.pop("predict_time")


def changed_format(upstream: Doc) -> None:
    training(upstream)["properties"]["created_at"]["format"] = "date"


def removed_operation(upstream: Doc) -> None:
    del upstream["paths"]["/trainings/{training_id}/cancel"]


def moved_behind_a_ref(upstream: Doc) -> None:
    schemas = upstream["components"]["schemas"]
    schemas["training_v2"] = schemas.pop("schemas_training_response")
    schemas["schemas_training_response"] = {"$ref": "#/components/schemas/training_v2"}


def scratch_site(tmp_path: Path, spec: Path) -> dict[str, str]:
    """The package generated from `spec` beside the facade's unchanged sources, in a
    scratch folder; the environment that imports (and type-checks) them from there."""
    scratch = tmp_path / "gen"
    scratch.mkdir()
    package = generate.generate_into(scratch, spec)
    site = tmp_path / "site"
    shutil.copytree(ROOT / "facade" / "replicate_trainings", site / "replicate_trainings")
    shutil.copytree(package, site / "replicate_trainings_api")
    return {**os.environ, "PYTHONPATH": str(site), "MYPYPATH": str(site)}


WAYS_FORWARD = ("record a deviation in openapi-overlay.yaml", 'ACCEPT="', "Unreleased / Breaking")


@pytest.mark.parametrize(
    ("change", "status", "said"),
    [
        (new_optional_field, 0, ["additive  Training.hardware: new optional field"]),
        (
            new_status,
            0,
            [
                "additive  Training.status: new enum value paused",
                "note: TrainingStatus `paused` is neither terminal nor running",
                "`x-terminal` if a training never leaves it, `x-running` if it moves on",
            ],
        ),
        (
            renamed_field,
            2,
            [
                "TrainingMetrics.predict_time: field removed (renamed? added beside it:"
                " TrainingMetrics.gpu_time)",
                *WAYS_FORWARD,
            ],
        ),
        (
            changed_format,
            2,
            ["Training.created_at: format changed from date-time to date", *WAYS_FORWARD],
        ),
        (removed_operation, 2, ["trainings.cancel: operation removed", *WAYS_FORWARD]),
        (
            moved_behind_a_ref,
            2,
            [
                "trainings.get response 200 application/json: schema changed from Training"
                " to schemas_training_response -> Training (generated names change)",
                *WAYS_FORWARD,
            ],
        ),
    ],
)
def test_rehearsal(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    change: Callable[[Doc], None],
    status: int,
    said: list[str],
) -> None:
    """One upstream change through `make update-spec`: its exit status and its message; a
    stop writes nothing."""
    upstream = json.loads(UPSTREAM.read_text(encoding="utf-8"))
    change(upstream)
    source, out = tmp_path / "upstream.json", tmp_path / "openapi.yaml"
    source.write_text(json.dumps(upstream), encoding="utf-8")
    assert update_spec.main([str(source), "--out", str(out)]) == status
    printed = "\n".join(capsys.readouterr())
    for words in said:
        assert words in printed, printed
    assert out.exists() is (status == 0)


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
    env = scratch_site(tmp_path, spec)
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
