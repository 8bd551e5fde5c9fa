"""Tests of scripts/update_spec.py and scripts/overlay.py: openapi.yaml is what the overlay
makes of upstream, an additive upstream change flows through, and a change under a
deviation stops naming it. Each case writes a changed copy of the reference to tmp_path."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # scripts/ is not installed; import it from the repo root
from scripts import drift, overlay, update_spec, upstream  # noqa: E402

REFERENCE = REPO / "upstream" / "replicate-openapi.json"  # the recorded upstream
SPEC = REPO / "openapi.yaml"

Doc = dict[str, Any]
Mutation = Callable[[Doc], None]


@pytest.fixture(scope="module")
def reference() -> Doc:
    """The upstream reference spec, parsed once (tests change deep copies)."""
    document: Doc = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return document


def training(document: Doc) -> Doc:
    """Upstream's training response schema."""
    schema: Doc = document["components"]["schemas"]["schemas_training_response"]
    return schema


def build(tmp_path: Path, upstream: Doc) -> tuple[Path, Doc]:
    """Write the upstream copy, run update_spec on it; the upstream path and the result."""
    source = tmp_path / "upstream.json"
    source.write_text(json.dumps(upstream), encoding="utf-8")
    out = tmp_path / "openapi.yaml"
    update_spec.update_spec(source, out)
    built: Doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    return source, built


def conflict(tmp_path: Path, reference: Doc, mutate: Mutation) -> overlay.DeviationConflict:
    """The conflict update_spec raises on a changed copy of the reference."""
    upstream = copy.deepcopy(reference)
    mutate(upstream)
    with pytest.raises(overlay.DeviationConflict) as caught:
        build(tmp_path, upstream)
    return caught.value


# -- today's spec ---------------------------------------------------------------------


def test_openapi_yaml_is_what_update_spec_makes_of_the_reference(tmp_path: Path) -> None:
    """The committed openapi.yaml is update-spec's output of the recorded upstream, byte for
    byte, and that upstream is the file its source record describes."""
    out = tmp_path / "openapi.yaml"
    update_spec.update_spec(REFERENCE, out)
    assert out.read_text(encoding="utf-8") == SPEC.read_text(encoding="utf-8")
    source = json.loads((REPO / "upstream" / "source.json").read_text(encoding="utf-8"))
    assert source["url"] == "https://api.replicate.com/openapi.json"
    assert source["sha256"] == hashlib.sha256(REFERENCE.read_bytes()).hexdigest()
    assert datetime.date.fromisoformat(source["taken"])


def test_check_passes_on_the_repository_and_fails_with_a_diff_on_an_edit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`--check` (in `make check-generated`) passes, and catches a hand edit of openapi.yaml."""
    assert update_spec.main(["--check"]) == 0
    edited = tmp_path / "openapi.yaml"
    edited.write_text(SPEC.read_text(encoding="utf-8").replace("x-running", "x-going"))
    capsys.readouterr()
    assert update_spec.main(["--check", str(REFERENCE), "--out", str(edited)]) == 1
    out = capsys.readouterr().out
    assert "-      x-going: [starting, processing]\n+      x-running: [starting" in out
    assert "is not what `make update-spec` makes of" in out


def test_the_lead_s_decisions_come_out_of_the_overlay(tmp_path: Path, reference: Doc) -> None:
    """Training requires only `id`; TrainingStatus says which statuses end a training."""
    _, built = build(tmp_path, reference)
    schemas = built["components"]["schemas"]
    assert schemas["Training"]["required"] == ["id"]
    assert schemas["TrainingStatus"]["x-terminal"] == ["succeeded", "failed", "canceled", "aborted"]
    assert schemas["TrainingStatus"]["x-running"] == ["starting", "processing"]


def test_every_action_names_a_recorded_deviation_and_every_deviation_is_applied() -> None:
    """The overlay's actions and its record agree (checked by update_spec on every run)."""
    document = yaml.safe_load((REPO / "openapi-overlay.yaml").read_text(encoding="utf-8"))
    ids = [entry["id"] for entry in document["x-deviations"]]
    used = {action["x-deviation"] for action in document["actions"]}
    assert used | {document["x-schema-names"]["x-deviation"]} == set(ids)
    assert len(ids) == len(set(ids))


# -- an additive upstream change flows through -------------------------------------------


def add_fields_and_a_status(document: Doc) -> None:
    """Upstream adds two training fields, a status, a URL and a page field."""
    properties = training(document)["properties"]
    properties["deadline"] = {"type": "string", "format": "date-time", "nullable": True}
    properties["hardware"] = {"type": "string", "description": "The hardware it ran on"}
    properties["status"]["enum"].append("queued")
    properties["urls"]["properties"]["stream"] = {"type": "string", "format": "uri"}
    page = document["paths"]["/trainings"]["get"]["responses"]["200"]["content"]
    page["application/json"]["schema"]["properties"]["count"] = {"type": "integer"}


def test_added_fields_and_status_flow_through_and_drift_is_clean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """New fields and a new status appear in openapi.yaml with no edit, and the drift report
    against that upstream is clean (nothing new, nothing stale)."""
    upstream = copy.deepcopy(reference)
    add_fields_and_a_status(upstream)
    source, built = build(tmp_path, upstream)
    schemas = built["components"]["schemas"]
    fields = schemas["Training"]["properties"]
    assert fields["deadline"] == {"type": ["string", "null"], "format": "date-time"}
    assert fields["hardware"]["type"] == "string"
    assert "queued" in schemas["TrainingStatus"]["enum"]
    status = schemas["TrainingStatus"]
    assert "queued" not in status["x-terminal"] + status["x-running"]  # completed_at decides
    assert set(schemas["TrainingUrls"]["properties"]) == {"cancel", "get", "stream", "web"}
    assert schemas["TrainingPage"]["properties"]["count"] == {"type": "integer"}
    assert schemas["Training"]["required"] == ["id"]
    args = [str(source), "--ours", str(tmp_path / "openapi.yaml"), "--json"]
    assert drift.main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["new"], report["stale"]) == ([], [])


def test_an_inline_schema_upstream_names_itself_gives_the_same_spec(
    tmp_path: Path, reference: Doc
) -> None:
    """If upstream moves the status enum into a component of its own, the name still applies
    (the component is renamed) and openapi.yaml comes out unchanged."""
    upstream = copy.deepcopy(reference)
    properties = training(upstream)["properties"]
    upstream["components"]["schemas"]["schemas_training_status"] = properties["status"]
    properties["status"] = {"$ref": "#/components/schemas/schemas_training_status"}
    build(tmp_path, upstream)
    assert (tmp_path / "openapi.yaml").read_text() == SPEC.read_text()


def test_only_training_operations_and_what_they_use_are_extracted(reference: Doc) -> None:
    """Predictions, models and their schemas stay out; every $ref still resolves."""
    extracted = upstream.extract(reference)
    operations = [op["operationId"] for item in extracted["paths"].values() for op in item.values()]
    assert operations == ["trainings.create", "trainings.list", "trainings.get", "trainings.cancel"]
    assert set(extracted["components"]["schemas"]) == {
        "schemas_training_request",
        "schemas_training_response",
    }
    assert set(extracted["components"]["securitySchemes"]) == {"bearerAuth"}


# -- a change under a deviation stops, naming it -----------------------------------------


def drop(*keys: str) -> Mutation:
    """A mutation deleting one property of upstream's training schema (or deeper)."""

    def mutate(document: Doc) -> None:
        node = training(document)["properties"]
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return mutate


def set_type(*keys: str, to: str) -> Mutation:
    """A mutation changing the type of a property of upstream's training schema."""

    def mutate(document: Doc) -> None:
        node = training(document)["properties"]
        for key in keys:
            node = node[key]
        node["type"] = to

    return mutate


def body_optional(document: Doc) -> None:
    """Upstream says the create body is optional, explicitly."""
    post = document["paths"]["/models/{model_owner}/{model_name}/versions/{version_id}/trainings"]
    post["post"]["requestBody"]["required"] = False


def own_not_found(document: Doc) -> None:
    """Upstream documents its own 404 answer for get."""
    get = document["paths"]["/trainings/{training_id}"]["get"]
    get["responses"]["404"] = {"description": "Not found"}


def require_model(document: Doc) -> None:
    """Upstream adds a `required` list to the training."""
    training(document)["required"] = ["id", "model"]


@pytest.mark.parametrize(
    ("mutate", "deviation", "said"),
    [
        (drop("logs"), "nullable-fields", "properties.logs: selects nothing"),
        (drop("completed_at"), "nullable-fields", "properties.completed_at: selects nothing"),
        (drop("metrics"), "named-schemas", "(for TrainingMetrics) selects nothing"),
        (drop("urls"), "named-schemas", "(for TrainingUrls) selects nothing"),
        (set_type("logs", to="integer"), "nullable-fields", "found {'description'"),
        (set_type("started_at", to="number"), "nullable-fields", "expected {'type': 'string'}"),
        (set_type("urls", to="string"), "urls-web", "expected {'type': 'object'}"),
        (set_type("status", to="integer"), "terminal-statuses", "TrainingStatus: expected"),
        (set_type("source", to="integer"), "open-enums", "TrainingSource: expected"),
        (body_optional, "create-body-required", "would replace what upstream says"),
        (own_not_found, "error-responses", "['404'] is {'description': 'Not found'}"),
        (require_model, "training-required-fields", "['required'] is ['id', 'model']"),
    ],
)
def test_a_change_under_a_deviation_stops_naming_it(
    tmp_path: Path, reference: Doc, mutate: Mutation, deviation: str, said: str | None
) -> None:
    """A target gone, a type changed, or upstream now saying something an action would
    overwrite: update_spec raises, naming the deviation and the place."""
    error = conflict(tmp_path, reference, mutate)
    assert error.deviation == deviation
    assert str(error).startswith(f"deviation {deviation!r} no longer fits upstream: ")
    if said is not None:
        assert said in str(error)


def test_the_command_exits_2_naming_the_deviation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """`make update-spec` on a conflicting upstream: exit 2, the deviation named, no output."""
    upstream = copy.deepcopy(reference)
    drop("logs")(upstream)
    source = tmp_path / "upstream.json"
    source.write_text(json.dumps(upstream), encoding="utf-8")
    out = tmp_path / "openapi.yaml"
    assert update_spec.main([str(source), "--out", str(out)]) == 2
    assert "update-spec: error: deviation 'nullable-fields' no longer fits upstream" in (
        capsys.readouterr().err
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("missing.json", None, "missing.json"),
        ("broken.json", "{", "broken.json"),
        ("list.json", "[]", "expected a mapping at the top"),
        ("nopaths.json", "{}", "no `paths` mapping"),
        ("other.json", '{"paths": {"/models": {"get": {}}}}', "no training operations"),
    ],
)
def test_an_unusable_upstream_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str | None, message: str
) -> None:
    """A file that is missing, not JSON, or not a spec with training operations."""
    path = tmp_path / name
    if text is not None:
        path.write_text(text, encoding="utf-8")
    assert update_spec.main([str(path), "--out", str(tmp_path / "out.yaml")]) == 2
    assert message in capsys.readouterr().err


# -- the overlay document -------------------------------------------------------------

RECORD = [{"id": "d", "reason": "r"}]


@pytest.mark.parametrize(
    ("overlay_doc", "message"),
    [
        ({"actions": []}, "not an Overlay 1.x document"),
        ({"overlay": "1.0.0"}, "expected an `actions` list"),
        ({"overlay": "1.0.0", "actions": ["x"]}, "each action must be a mapping"),
        ({"overlay": "1.0.0", "actions": [{"target": "$", "update": {}}]}, "`x-deviation`"),
        (
            {"overlay": "1.0.0", "actions": [{"target": "$", "x-deviation": "d"}]},
            "exactly one of `update`, `remove: true`",
        ),
        (
            {"overlay": "1.0.0", "actions": [{"target": "$[", "x-deviation": "d", "update": {}}]},
            "not an RFC 9535 JSONPath",
        ),
        (
            {"overlay": "1.0.0", "actions": [{"target": "$", "x-deviation": "d", "update": {}}]},
            "expected an `x-deviations` list",
        ),
        (
            {
                "overlay": "1.0.0",
                "x-deviations": RECORD,
                "actions": [{"target": "$", "x-deviation": "e", "update": {}}],
            },
            "actions name unrecorded deviations: e",
        ),
        (
            {"overlay": "1.0.0", "x-deviations": RECORD, "actions": []},
            "recorded deviations no action applies: d",
        ),
        (
            {"overlay": "1.0.0", "x-deviations": [{"id": "d"}], "actions": []},
            "deviation 'd' needs a non-empty `id` and `reason`",
        ),
        (
            {
                "overlay": "1.0.0",
                "x-deviations": [{"id": "d", "reason": "r", "keys": ["k"]}],
                "actions": [],
            },
            "deviation 'd' has keys: an entry is an id and a reason",
        ),
        (
            {"overlay": "1.0.0", "x-deviations": RECORD, "actions": [], "x-schema-names": {}},
            "`x-schema-names` needs `x-deviation` and a `schemas` mapping",
        ),
        (
            {
                "overlay": "1.0.0",
                "x-deviations": RECORD,
                "actions": [],
                "x-schema-names": {"x-deviation": "d", "schemas": {"S": "$..["}},
            },
            "$..[: not an RFC 9535 JSONPath",
        ),
    ],
)
def test_a_malformed_overlay_is_refused(overlay_doc: Doc, message: str) -> None:
    """The overlay is checked before anything is applied."""
    with pytest.raises(upstream.UpdateError, match="overlay: ") as caught:
        update_spec.curate({"paths": {}}, overlay_doc)
    assert message in str(caught.value)


def action(target: str, **fields: Any) -> overlay.Action:
    """An action of deviation "d"."""
    return overlay.Action(target, "d", **fields)


def test_update_merges_appends_to_arrays_and_replaces_only_what_is_expected() -> None:
    """Overlay 1.0 semantics: objects merge recursively, an array target gets the value
    appended; replacing needs x-expect (a description does not)."""
    document: Doc = {"a": {"type": "string", "description": "old", "deep": {"k": 1}}, "l": [1]}
    overlay.apply_actions(
        document,
        [
            action("$.a", update={"description": "new", "deep": {"j": 2}, "extra": True}),
            action("$.a", update={"type": ["string", "null"]}, expect={"type": "string"}),
            action("$.l", update=2),
            action("$.l", update=2),  # already there: not appended twice
        ],
    )
    assert document == {
        "a": {
            "type": ["string", "null"],
            "description": "new",
            "deep": {"k": 1, "j": 2},
            "extra": True,
        },
        "l": [1, 2],
    }
    with pytest.raises(overlay.DeviationConflict, match=r"would replace .*\['k'\] is 1"):
        overlay.apply_actions(document, [action("$.a", update={"deep": {"k": 5}})])
    with pytest.raises(overlay.DeviationConflict, match="cannot update 'new'"):
        overlay.apply_actions(document, [action("$.a.description", update={"x": 1})])


def test_remove_takes_every_selected_node() -> None:
    """Removal from a mapping and from an array (several items at once)."""
    document: Doc = {"a": {"$ref": "#/x", "keep": 1}, "l": [1, 2, 3, 4]}
    overlay.apply_actions(
        document,
        [
            action("$.a['$ref']", remove=True, expect="#/x"),
            action("$.l[?@ > 1]", remove=True),
        ],
    )
    assert document == {"a": {"keep": 1}, "l": [1]}
    with pytest.raises(overlay.DeviationConflict, match="expected '#/y', found 1"):
        overlay.apply_actions(document, [action("$.a.keep", remove=True, expect="#/y")])


def test_written_yaml_is_plain_and_ordered() -> None:
    """No anchors even for shared nodes; multi-line text as a literal block; OpenAPI keys in
    a fixed order, property names as given."""
    shared = {"type": "string"}
    text = update_spec.render(
        {
            "paths": {},
            "openapi": "3.1.0",
            "components": {
                "schemas": {
                    "S": {"properties": {"z": shared, "a": shared}, "description": "a\nb\n"}
                }
            },
        }
    )
    body = text.removeprefix(update_spec.HEADER)
    assert body.splitlines()[:2] == ["openapi: 3.1.0", "paths: {}"]
    assert "&" not in body
    assert "description: |\n        a\n        b\n      properties:\n        z:" in body


@pytest.mark.parametrize(
    ("schema", "spelled"),
    [
        ({"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        ({"type": ["string", "null"], "nullable": True}, {"type": ["string", "null"]}),
        ({"type": "string", "nullable": False}, {"type": "string"}),
        (
            {"type": "string", "enum": ["a"], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", None]},
        ),
        (
            {"$ref": "#/x", "description": "d", "nullable": True},
            {"description": "d", "anyOf": [{"$ref": "#/x"}, {"type": "null"}]},
        ),
    ],
)
def test_3_0_nullable_is_spelled_the_3_1_way(schema: Doc, spelled: Doc) -> None:
    """Upstream declares 3.1 but writes 3.0's `nullable`, which 3.1 validators ignore."""
    document = {"properties": {"p": schema}}
    upstream.spell_nullable(document)
    assert document == {"properties": {"p": spelled}}


def test_openapi_yaml_says_nullable_only_the_3_1_way() -> None:
    """No `nullable` keyword is left: a JSON Schema validator allows every null upstream does."""
    assert "nullable" not in SPEC.read_text(encoding="utf-8")


# -- judging changes ------------------------------------------------------------------


def test_the_recorded_upstream_is_the_default_and_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`make update-spec` with no UPSTREAM reads upstream/ and finds no change to judge."""
    out = tmp_path / "openapi.yaml"
    assert update_spec.main(["--out", str(out)]) == 0
    assert "changes to openapi.yaml (0): none" in capsys.readouterr().out
    assert out.read_text(encoding="utf-8") == SPEC.read_text(encoding="utf-8")


def test_check_fails_when_the_upstream_is_not_the_recorded_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The source record's sha256 is checked: an edited upstream copy is caught."""
    upstream, source = tmp_path / "upstream.json", tmp_path / "source.json"
    upstream.write_bytes(REFERENCE.read_bytes() + b"\n")
    source.write_text(json.dumps({"sha256": "0" * 64}), encoding="utf-8")
    assert not update_spec.check(upstream, SPEC, source)
    assert f"but {source} records {'0' * 64}" in capsys.readouterr().out


def test_an_accepted_break_flows_and_is_recorded_in_the_changelog(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, reference: Doc
) -> None:
    """`ACCEPT=<id>`: the break is written, and listed under Unreleased / Breaking."""
    upstream = copy.deepcopy(reference)
    training(upstream)["properties"]["created_at"]["format"] = "date"
    source = tmp_path / "upstream.json"
    source.write_text(json.dumps(upstream), encoding="utf-8")
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## Unreleased\n\n- a fix\n\n## 1.0.0 - 2026-12-03\n")
    out = tmp_path / "openapi.yaml"
    argv = [str(source), "--out", str(out), "--changelog", str(changelog)]
    assert update_spec.main(argv) == 2
    assert not out.exists()
    assert update_spec.main([*argv, "--accept", "Training.created_at:format"]) == 0
    assert "format: date\n" in out.read_text(encoding="utf-8")
    assert changelog.read_text(encoding="utf-8") == (
        "# Changelog\n\n## Unreleased\n\n### Breaking\n\n- Upstream: Training.created_at:"
        " format changed from date-time to date (accepted `Training.created_at:format`).\n"
        "\n- a fix\n\n## 1.0.0 - 2026-12-03\n"
    )
    assert update_spec.main([*argv, "--accept", "no-such-change"]) == 2
    assert "no change to accept: no-such-change" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("mutate", "verdict"),
    [
        (
            lambda d: training(d)["properties"]["logs"].update(description="new words"),
            None,
        ),
        (
            lambda d: training(d)["properties"]["created_at"].update(type="integer"),
            "breaking  Training.created_at: type changed from string to integer",
        ),
        (
            lambda d: training(d)["properties"]["error"].pop("nullable"),
            "breaking  Training.error: nullable changed from yes to no (nullability tightened)",
        ),
        (
            lambda d: training(d)["properties"]["source"]["enum"].remove("web"),
            "breaking  Training.source: enum value web removed",
        ),
        (
            lambda d: d["components"]["schemas"]["schemas_training_request"]["properties"].update(
                {"region": {"type": "string"}}
            ),
            "additive  TrainingRequest.region: new optional field",
        ),
        (
            lambda d: d["components"]["schemas"]["schemas_training_request"].update(
                required=["destination", "input", "region"],
                properties={
                    **d["components"]["schemas"]["schemas_training_request"]["properties"],
                    "region": {"type": "string"},
                },
            ),
            "breaking  TrainingRequest.region: new required field (callers must now send it)",
        ),
        (
            lambda d: d["paths"]["/trainings/{training_id}"]["get"]["parameters"].append(
                {"name": "fields", "in": "query", "required": False, "schema": {"type": "string"}}
            ),
            "additive  trainings.get: new optional query parameter fields",
        ),
    ],
)
def test_each_change_is_classified(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    reference: Doc,
    mutate: Mutation,
    verdict: str | None,
) -> None:
    """Additive changes flow (exit 0); breaking ones stop (exit 2) naming the change."""
    upstream = copy.deepcopy(reference)
    mutate(upstream)
    source = tmp_path / "upstream.json"
    source.write_text(json.dumps(upstream), encoding="utf-8")
    status = update_spec.main([str(source), "--out", str(tmp_path / "openapi.yaml")])
    out, err = capsys.readouterr()
    breaking = verdict is not None and verdict.startswith("breaking")
    assert status == (2 if breaking else 0), out + err
    if verdict is None:
        assert "changes to openapi.yaml (0): none" in out
    else:
        assert verdict in out
        assert (verdict.split(maxsplit=1)[1] in err) is breaking
