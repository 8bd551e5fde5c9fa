"""Tests of scripts/drift.py: the real reference passes, and each kind of upstream change is NEW.

Most cases derive an upstream spec from the reference (one change each) and expect
exactly the new keys that change makes; the fixtures under fixtures/drift/ spell one
small spec three ways (3.1, 3.0, compositions) to show the comparison is by meaning.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # scripts/ is not installed; import it from the repo root
from scripts import drift, update_spec  # noqa: E402

REFERENCE = REPO / "upstream" / "replicate-openapi.json"  # the recorded upstream
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "drift"
NO_DEVIATIONS = FIXTURES / "no-deviations.yaml"

Doc = dict[str, Any]
Mutation = Callable[[Doc], None]


@pytest.fixture(scope="module")
def reference() -> Doc:
    """The upstream reference spec, parsed once (tests change deep copies)."""
    document: Doc = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return document


def run(
    capsys: pytest.CaptureFixture[str], *args: str | Path, text: bool = False
) -> tuple[int, Any]:
    """Run drift.main in-process; the exit status and the JSON report (or text with text=True)."""
    argv = [str(arg) for arg in args] + ([] if text else ["--json"])
    status = drift.main(argv)
    out = capsys.readouterr().out
    return status, out if text else json.loads(out)


def write(tmp_path: Path, document: Doc, name: str = "upstream.json") -> Path:
    """Write a spec to a file in tmp_path (JSON, or YAML when name ends in .yaml)."""
    path = tmp_path / name
    dump = yaml.safe_dump if name.endswith(".yaml") else json.dumps
    path.write_text(dump(document), encoding="utf-8")
    return path


def new_keys(report: Any) -> set[str]:
    """The keys of a JSON report's new differences."""
    return {finding["key"] for finding in report["new"]}


def recorded_deviations() -> list[dict[str, Any]]:
    """The `x-deviations` of openapi-overlay.yaml."""
    record = yaml.safe_load((REPO / "openapi-overlay.yaml").read_text(encoding="utf-8"))
    deviations: list[dict[str, Any]] = record["x-deviations"]
    return deviations


def keys_by_deviation() -> dict[str, tuple[str, ...]]:
    """The keys each deviation's actions make on the recorded upstream."""
    record = yaml.safe_load((REPO / "openapi-overlay.yaml").read_text(encoding="utf-8"))
    return drift.deviation_keys(REFERENCE, record)


def recorded_keys() -> list[str]:
    """Every key the overlay's deviations record."""
    return [key for keys in keys_by_deviation().values() for key in keys]


# -- the real reference ---------------------------------------------------------------


def test_reference_passes_and_lists_the_deviations_with_reasons() -> None:
    """`make drift`'s command exits 0 and prints each recorded deviation with its reason."""
    command = [sys.executable, str(REPO / "scripts" / "drift.py")]  # the recorded upstream
    result = subprocess.run(command, cwd="/", capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "NEW differences (0): none" in out
    assert "operations compared: trainings.create, trainings.list, trainings.get, " in out
    flowing = " ".join(out.split())
    keys = keys_by_deviation()
    for entry in recorded_deviations():
        if keys.get(entry["id"]):  # one the report cannot see (extensions, tags) is not listed
            assert f"[{entry['id']}] {' '.join(entry['reason'].split())}" in flowing
    assert "    - Training.status: enum upstream closed, ours open" in out
    assert "    - trainings.list: query parameter cursor only in ours" in out
    assert "WARNING" not in out
    assert out.rstrip().endswith("OK: nothing new")


def test_reference_occurs_exactly_as_recorded(capsys: pytest.CaptureFixture[str]) -> None:
    """Against the reference, every recorded key occurs (none stale) and nothing else does."""
    status, report = run(capsys, REFERENCE)
    assert status == 0
    assert report["ok"] is True
    assert report["new"] == []
    assert report["stale"] == []
    assert sorted(finding["key"] for finding in report["recorded"]) == sorted(recorded_keys())
    assert all(finding["reason"] and finding["deviation"] for finding in report["recorded"])


def test_reference_deviations_expected_ones_are_recorded() -> None:
    """The record covers the deliberate differences openapi.yaml was written to make."""
    keys = set(recorded_keys())
    for field in ("output", "logs", "started_at", "completed_at", "metrics"):
        assert f"Training.{field}: nullable upstream no, ours yes" in keys
    for code in ("400", "401", "403", "404", "409", "422", "429", "default"):
        assert f"trainings.get: response {code} only in ours" in keys
    assert "TrainingUrls.web: property only in ours" in keys
    assert "trainings.create: request body required upstream no, ours yes" in keys
    assert "Training.id: required upstream no, ours yes" in keys
    assert "Training.model: required upstream no, ours yes" not in keys  # only `id` is required


def test_without_the_record_every_deviation_is_new(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With an empty record the same differences are all new, and the exit status is 1."""
    status, report = run(capsys, REFERENCE, "--overlay", NO_DEVIATIONS)
    assert status == 1
    assert new_keys(report) == set(recorded_keys())


def test_yaml_upstream_is_read_like_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """The upstream spec may be YAML: the reference as YAML gives the same result."""
    status, report = run(capsys, write(tmp_path, reference, "upstream.yaml"))
    assert (status, report["new"], report["stale"]) == (0, [], [])


# -- each kind of upstream change is caught as new --------------------------------------

TRAINING = ("components", "schemas", "schemas_training_response")
REQUEST = ("components", "schemas", "schemas_training_request")
CREATE = ("paths", "/models/{model_owner}/{model_name}/versions/{version_id}/trainings", "post")
LIST = ("paths", "/trainings", "get")
GET = ("paths", "/trainings/{training_id}", "get")
CANCEL = ("paths", "/trainings/{training_id}/cancel", "post")


def at(document: Doc, *path: str | int) -> Any:
    """The node at a path of keys."""
    node: Any = document
    for key in path:
        node = node[key]
    return node


def prop(document: Doc, name: str, schema: tuple[str, ...] = TRAINING) -> Any:
    """A property schema of the training response (or of another schema)."""
    return at(document, *schema, "properties", name)


def add_pause_operation(document: Doc) -> None:
    """Upstream adds a fifth training operation."""
    response = {"description": "ok"}
    operation = {"operationId": "trainings.pause", "responses": {"200": response}}
    document["paths"]["/trainings/{training_id}/pause"] = {"post": operation}


def move_cancel(document: Doc) -> None:
    """Upstream moves cancel to a new path, keeping its operationId."""
    document["paths"]["/trainings/{training_id}/actions/cancel"] = document["paths"].pop(
        "/trainings/{training_id}/cancel"
    )


def output_one_of(document: Doc) -> None:
    """Upstream lets output be an object or a string."""
    output = prop(document, "output")
    prop(document, "output").clear()
    output["oneOf"] = [{"type": "object", "properties": {}}, {"type": "string"}]


CHANGES: list[tuple[str, Mutation, set[str]]] = [
    (
        "status-added",
        lambda d: prop(d, "status")["enum"].append("paused"),
        {"Training.status: enum value paused only in upstream"},
    ),
    (
        "field-removed",
        lambda d: at(d, *TRAINING, "properties").pop("logs"),
        {"Training.logs: property only in ours"},
    ),
    (
        "field-added",
        lambda d: at(d, *TRAINING, "properties").update(deadline={"type": "string"}),
        {"Training.deadline: property only in upstream"},
    ),
    (
        "list-parameter-added",
        lambda d: at(d, *LIST).update(
            parameters=[{"name": "limit", "in": "query", "schema": {"type": "integer"}}]
        ),
        {"trainings.list: query parameter limit only in upstream"},
    ),
    (
        "field-type-changed",
        lambda d: prop(d, "created_at").update(type="integer"),
        {"Training.created_at: type upstream integer, ours string"},
    ),
    (
        "parameter-type-changed",
        lambda d: at(d, *GET, "parameters", 0, "schema").update(type="integer"),
        {"trainings.get path parameter training_id: type upstream integer, ours string"},
    ),
    (
        "response-code-added",
        lambda d: at(d, *CANCEL, "responses").update({"202": {"description": "Accepted"}}),
        {"trainings.cancel: response 202 only in upstream"},
    ),
    (
        "operation-added",
        add_pause_operation,
        {"trainings.pause: operation only in upstream"},
    ),
    (
        "operation-removed",
        lambda d: d["paths"].pop("/trainings/{training_id}/cancel"),
        {"trainings.cancel: operation only in ours"},
    ),
    (
        "operation-id-renamed",
        lambda d: at(d, *GET).update(operationId="trainings.retrieve"),
        {"trainings.get: operationId upstream trainings.retrieve, ours trainings.get"},
    ),
    (
        "operation-moved",
        move_cancel,
        {
            "trainings.cancel: route upstream POST /trainings/{training_id}/actions/cancel,"
            " ours POST /trainings/{training_id}/cancel"
        },
    ),
    (
        "format-changed",
        lambda d: prop(d, "created_at").update(format="date"),
        {"Training.created_at: format upstream date, ours date-time"},
    ),
    (
        "nullability-dropped",
        lambda d: prop(d, "error").pop("nullable"),
        {"Training.error: nullable upstream no, ours yes"},
    ),
    (
        "enum-dropped",
        lambda d: prop(d, "source").pop("enum"),
        {"Training.source: enum upstream none, ours api|web"},
    ),
    (
        "nested-field-removed",
        lambda d: prop(d, "urls")["properties"].pop("cancel"),
        {"TrainingUrls.cancel: property only in ours"},
    ),
    (
        "additional-properties-forbidden",
        lambda d: at(d, *TRAINING).update(additionalProperties=False),
        {"Training: additional properties upstream forbidden, ours allowed"},
    ),
    (
        "variants",
        output_one_of,
        {
            "Training.output: type upstream any, ours object",
            "TrainingOutput: variants upstream 2, ours 0",
            "TrainingOutput.version: property only in ours",
            "TrainingOutput.weights: property only in ours",
        },
    ),
    (
        "page-nullability-dropped",
        lambda d: at(d, *LIST, "responses", "200", "content", "application/json", "schema")[
            "properties"
        ]["next"].pop("nullable"),
        {"TrainingPage.next: nullable upstream no, ours yes"},
    ),
    (
        "page-items-dropped",
        lambda d: at(d, *LIST, "responses", "200", "content", "application/json", "schema")[
            "properties"
        ]["results"].pop("items"),
        {"TrainingPage.results[]: items only in ours"},
    ),
    (
        "request-field-not-required",
        lambda d: at(d, *REQUEST).update(required=["destination"]),
        {"TrainingRequest.input: required upstream no, ours yes"},
    ),
    (
        "request-field-added",
        lambda d: at(d, *REQUEST, "properties").update(hardware={"type": "string"}),
        {"TrainingRequest.hardware: property only in upstream"},
    ),
    (
        "webhook-event-added",
        lambda d: prop(d, "webhook_events_filter", REQUEST)["items"]["enum"].append("metrics"),
        {"TrainingRequest.webhook_events_filter[]: enum value metrics only in upstream"},
    ),
    (
        "request-body-removed",
        lambda d: at(d, *CREATE).pop("requestBody"),
        {"trainings.create: request body only in ours"},
    ),
    (
        "media-type-added",
        lambda d: at(d, *CANCEL, "responses", "200", "content").update(
            {"text/plain": {"schema": {"type": "string"}}}
        ),
        {"trainings.cancel: response 200 text/plain only in upstream"},
    ),
    (
        "cursor-declared-required",
        lambda d: at(d, *LIST).update(
            parameters=[
                {"name": "cursor", "in": "query", "required": True, "schema": {"type": "string"}}
            ]
        ),
        {"trainings.list query parameter cursor: required upstream yes, ours no"},
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in CHANGES],
)
def test_upstream_change_is_new(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    reference: Doc,
    mutate: Mutation,
    expected: set[str],
) -> None:
    """One upstream change: exactly its differences are new, and the exit status is 1."""
    upstream = copy.deepcopy(reference)
    mutate(upstream)
    status, report = run(capsys, write(tmp_path, upstream))
    assert status == 1
    assert report["ok"] is False
    assert new_keys(report) == expected


def test_new_difference_in_a_shared_schema_lists_every_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """A change in the training schema is one key, seen in all four operations' responses."""
    upstream = copy.deepcopy(reference)
    prop(upstream, "status")["enum"].append("paused")
    status, report = run(capsys, write(tmp_path, upstream))
    assert status == 1
    [finding] = report["new"]
    assert (finding["upstream"], finding["ours"]) == ("present", "absent")
    assert finding["where"] == [
        "trainings.create response 201 application/json $.status",
        "trainings.list response 200 application/json $.results[].status",
        "trainings.get response 200 application/json $.status",
        "trainings.cancel response 200 application/json $.status",
    ]


def test_new_difference_text_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """The human report puts a new difference under NEW, with where it occurs, and fails."""
    upstream = copy.deepcopy(reference)
    at(upstream, *TRAINING, "properties").pop("logs")
    status, out = run(capsys, write(tmp_path, upstream), text=True)
    assert status == 1
    new_section = out.split("NEW differences (1):\n", 1)[1].split("\n\n", 1)[0]
    assert new_section.splitlines() == [
        "  Training.logs: property only in ours",
        "      at trainings.create response 201 application/json $.logs",
        "      at trainings.list response 200 application/json $.results[].logs",
        "      at trainings.get response 200 application/json $.logs",
        "      at trainings.cancel response 200 application/json $.logs",
    ]
    assert out.rstrip().endswith("FAIL: 1 new differences")


def test_recorded_difference_that_no_longer_occurs_is_a_stale_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """If upstream adopts one of our fixes, its key is stale: warned about, not a failure."""
    upstream = copy.deepcopy(reference)
    prop(upstream, "logs")["nullable"] = True
    path = write(tmp_path, upstream)
    status, report = run(capsys, path)
    assert status == 0
    key = "Training.logs: nullable upstream no, ours yes"
    assert report["stale"] == [
        {"key": key, "deviation": "nullable-fields", "reason": report["stale"][0]["reason"]}
    ]
    assert "null" in report["stale"][0]["reason"]
    status, out = run(capsys, path, text=True)
    assert status == 0
    assert f"WARNING: 1 recorded keys no longer occur (stale):\n  [nullable-fields] {key}" in out


# -- comparison by meaning ---------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["upstream-openapi-3.0.yaml", "upstream-anyof-allof.yaml"])
def test_same_meaning_spelled_differently_is_no_difference(
    capsys: pytest.CaptureFixture[str], fixture: str
) -> None:
    """3.0 `nullable`, type lists, anyOf/oneOf with null, allOf and open enums normalize alike."""
    status, report = run(
        capsys,
        FIXTURES / fixture,
        "--ours",
        FIXTURES / "ours.yaml",
        "--overlay",
        NO_DEVIATIONS,
    )
    assert (status, report["new"], report["recorded"]) == (0, [], [])
    assert report["operations"] == ["things.list", "things.get"]


def thing(document: Doc, name: str) -> Any:
    """A property schema of the fixture's Thing."""
    return at(document, "components", "schemas", "Thing", "properties", name)


def page_next(document: Doc) -> Any:
    """The `next` property of the fixture's inline page schema."""
    schema = at(document, "paths", "/things", "get", "responses", "200", "content")
    return schema["application/json"]["schema"]["properties"]["next"]


SPELLING_CHANGES: list[tuple[str, Mutation, str]] = [
    (
        "nullable",
        lambda d: thing(d, "note").pop("nullable"),
        "Thing.note: nullable upstream no, ours yes",
    ),
    (
        "nullable-allof",
        lambda d: thing(d, "detail").pop("nullable"),
        "Thing.detail: nullable upstream no, ours yes",
    ),
    (
        "nullable-enum",
        lambda d: thing(d, "kind").pop("nullable"),
        "Thing.kind: nullable upstream no, ours yes",
    ),
    (
        "closed-enum",
        lambda d: thing(d, "state").update(anyOf=[{"$ref": "#/components/schemas/State"}]),
        "Thing.state: enum upstream closed, ours open",
    ),
    (
        "format",
        lambda d: thing(d, "at").pop("format"),
        "Thing.at: format upstream none, ours date-time",
    ),
    (
        "recursive-items",
        lambda d: thing(d, "children")["items"].update(type="string"),
        "Thing.children[]: type upstream string, ours object",
    ),
    (
        "additional-properties-schema",
        lambda d: thing(d, "labels")["additionalProperties"].update(type="integer"),
        "Thing.labels{*}: type upstream integer, ours string",
    ),
    (
        "variant",
        lambda d: thing(d, "value")["oneOf"][1].update(type="boolean"),
        "Thing.value.anyOf[1]: type upstream boolean, ours string",
    ),
    (
        "inline-schema",
        lambda d: page_next(d).pop("nullable"),
        "things.list response 200 application/json $.next: nullable upstream no, ours yes",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(mutate, expected, id=name) for name, mutate, expected in SPELLING_CHANGES],
)
def test_normalization_does_not_hide_real_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mutate: Mutation, expected: str
) -> None:
    """The 3.0 fixture with one field really changed reports that change, and only it."""
    document = yaml.safe_load((FIXTURES / "upstream-openapi-3.0.yaml").read_text(encoding="utf-8"))
    mutate(document)
    upstream = write(tmp_path, document, "upstream.yaml")
    ours = FIXTURES / "ours.yaml"
    status, report = run(capsys, upstream, "--ours", ours, "--overlay", NO_DEVIATIONS)
    assert status == 1
    assert new_keys(report) == {expected}


# -- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ("x-deviations: {}", "expected a mapping with an `x-deviations` list"),
        ("x-deviations: [just-a-key]", "each deviation must be a mapping"),
        ("x-deviations: [{id: x}]", "needs a non-empty `id` and `reason`"),
        ("x-deviations: [{id: x, reason: y, keys: [a]}]", "has keys: an entry is an id and"),
        ("x-deviations: [{id: x, reason: y}, {id: x, reason: z}]", "recorded twice: x"),
    ],
)
def test_malformed_record_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, record: str, message: str
) -> None:
    """A record the script cannot trust stops it with exit status 2 and says why."""
    path = tmp_path / "overlay.yaml"
    path.write_text(record, encoding="utf-8")
    assert drift.main([str(REFERENCE), "--overlay", str(path)]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"openapi": "3.1.0"}, "not an OpenAPI document"),
        (
            {"paths": {"/trainings": {"get": {"responses": {"200": {"$ref": "other.json#/x"}}}}}},
            "only local $refs are supported",
        ),
        (
            {"paths": {"/trainings": {"get": {"responses": {"200": {"$ref": "#/nowhere"}}}}}},
            "$ref #/nowhere points nowhere",
        ),
        (
            {
                "paths": {"/trainings": {"$ref": "#/components/pathItems/loop"}},
                "components": {"pathItems": {"loop": {"$ref": "#/components/pathItems/loop"}}},
            },
            "circular $ref #/components/pathItems/loop",
        ),
    ],
)
def test_unreadable_upstream_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: Doc, message: str
) -> None:
    """An upstream that is not a spec, or has a $ref that cannot be followed, exits 2."""
    assert drift.main([str(write(tmp_path, document))]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(("name", "text"), [("missing.json", None), ("broken.yaml", "a: [")])
def test_unreadable_file_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str | None
) -> None:
    """A spec that is missing or not parseable exits 2 and names the file."""
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert drift.main([str(path)]) == 2
    assert f"drift: error: {path}:" in capsys.readouterr().err


def test_a_field_added_through_the_overlay_is_one_edit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A deviation (id, reason) and its action are the whole record: drift attributes the
    difference the action makes to it, with no key copied anywhere."""
    record = yaml.safe_load((REPO / "openapi-overlay.yaml").read_text(encoding="utf-8"))
    record["x-deviations"].append({"id": "urls-stream", "reason": "The API sends it."})
    record["actions"].append(
        {
            "target": "$.components.schemas.TrainingUrls",
            "x-deviation": "urls-stream",
            "update": {"properties": {"stream": {"type": "string", "format": "uri"}}},
        }
    )
    overlay_path = write(tmp_path, record, "overlay.yaml")
    ours = tmp_path / "openapi.yaml"
    update_spec.update_spec(REFERENCE, ours, overlay_path)
    status, report = run(capsys, REFERENCE, "--ours", ours, "--overlay", overlay_path)
    assert (status, report["new"], report["stale"]) == (0, [], [])
    found = {f["key"]: f["deviation"] for f in report["recorded"]}
    assert found["TrainingUrls.stream: property only in ours"] == "urls-stream"
    assert found["TrainingUrls.web: property only in ours"] == "urls-web"
