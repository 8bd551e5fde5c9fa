"""Contract: every answer of every operation, errors included, matches openapi.yaml.

(The `api` fixture checks every answer in every test; this walks all the kinds
of answer on purpose and proves the check can fail.)
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest
from replicate_trainings.testing import Fault, LocalReplicate, Progression
from replicate_trainings.testing._trainings import TrainingRecord, renderer
from replicate_trainings_api.training_shape import TRAINING_FIELDS, FieldSpec

from tests.contract import check_response, operation_for, schema_pointer
from tests.testing.helpers import BODY, CREATE, VERSION

Call = Callable[[httpx.Client], httpx.Response]


def calls(app: LocalReplicate, running: str, done: str) -> dict[str, list[tuple[Call, int]]]:
    """For each operation, requests and the status each must get."""
    faults = app.faults

    def faulted(fault: Fault, call: Call) -> Call:
        def run(client: httpx.Client) -> httpx.Response:
            faults.add(fault)
            return call(client)

        return run

    def forgotten(model: str, version: str | None, call: Call) -> Call:
        def run(client: httpx.Client) -> httpx.Response:
            app.catalog.forget(model, version)
            try:
                return call(client)
            finally:
                app.catalog.add(model, *([version] if version else []))

        return run

    def anonymous(method: str, path: str) -> Call:
        def run(client: httpx.Client) -> httpx.Response:
            request = client.build_request(method, path, json=BODY)
            del request.headers["Authorization"]
            return client.send(request)

        return run

    def create(c: httpx.Client) -> httpx.Response:
        return c.post(CREATE, json=BODY)

    def get(c: httpx.Client) -> httpx.Response:
        return c.get(f"/trainings/{running}")

    def listing(c: httpx.Client) -> httpx.Response:
        return c.get("/trainings")

    def cancel(c: httpx.Client) -> httpx.Response:
        return c.post(f"/trainings/{running}/cancel")

    return {
        "create": [
            (create, 201),
            (lambda c: c.post(CREATE, content=b"{"), 400),
            (anonymous("POST", CREATE), 401),
            (lambda c: c.post("/models/-/x/versions/v/trainings", json=BODY), 404),
            (forgotten("stability-ai/sdxl", VERSION, create), 404),
            (forgotten("acme/sdxl-tuned", None, create), 404),
            (lambda c: c.post(CREATE, json={"destination": "x"}), 422),
            (faulted(Fault.rate_limit(), create), 429),
            (faulted(Fault.error(500), create), 500),
            (faulted(Fault.error(500, after=True), create), 500),
            (faulted(Fault.error(503), create), 503),
        ],
        "get": [
            (get, 200),
            (lambda c: c.get(f"/trainings/{done}"), 200),
            (anonymous("GET", f"/trainings/{running}"), 401),
            (lambda c: c.get("/trainings/nope"), 404),
            (faulted(Fault.rate_limit("Wed, 21 Oct 2015 07:28:00 GMT"), get), 429),
            (faulted(Fault.error(502), get), 502),
        ],
        "list": [
            (listing, 200),
            (lambda c: c.get(c.get("/trainings").json()["next"]), 200),
            (anonymous("GET", "/trainings"), 401),
            (lambda c: c.get("/trainings", params={"cursor": "bad"}), 404),
            (faulted(Fault.rate_limit(30), listing), 429),
            (faulted(Fault.error(504), listing), 504),
        ],
        "cancel": [
            (lambda c: c.post(f"/trainings/{done}/cancel"), 200),
            (cancel, 200),
            (cancel, 200),
            (anonymous("POST", f"/trainings/{running}/cancel"), 401),
            (lambda c: c.post("/trainings/nope/cancel"), 404),
            (faulted(Fault.rate_limit(), cancel), 429),
            (faulted(Fault.error(503, after=True), cancel), 503),
        ],
    }


@pytest.mark.local_replicate(seed=150, page_size=60)
@pytest.mark.parametrize("operation", ["create", "get", "list", "cancel"])
def test_every_answer_matches_the_spec(
    raw: httpx.Client, local_replicate: LocalReplicate, operation: str
) -> None:
    running = local_replicate.create()["id"]
    done = local_replicate.finish(local_replicate.create()["id"], "failed")["id"]
    for call, status in calls(local_replicate, running, done)[operation]:
        response = call(raw)
        assert response.status_code == status, response.text
        check_response(response)


@pytest.mark.local_replicate(seed=300, progression=Progression.manual())
def test_trainings_in_every_state_match_the_spec(
    raw: httpx.Client, local_replicate: LocalReplicate
) -> None:
    seen = set()
    for training_id in local_replicate.training_ids():
        response = raw.get(f"/trainings/{training_id}")
        training = check_response(response)
        seen.add(training["status"])
        assert set(training) == SPEC_FIELDS  # every field of the schema, and no other
        nested = {spec.name: spec for spec in TRAINING_FIELDS if spec.kind == "object"}
        for name, spec in nested.items():
            if training[name] is not None:
                assert set(training[name]) <= {field.name for field in spec.fields}, name
    assert seen == {"starting", "processing", "succeeded", "failed", "canceled", "aborted"}


SPEC_FIELDS = {spec.name for spec in TRAINING_FIELDS}


NEW_FIELDS = (  # fields upstream might add: one of each kind, required and nullable alike
    FieldSpec("hardware", "hardware", "str", nullable=False, required=True),
    FieldSpec("deadline", "deadline", "datetime", nullable=True, required=False),
    FieldSpec("cost", "cost", "float", nullable=True, required=False),
    FieldSpec("gpus", "gpus", "int", nullable=False, required=True),
    FieldSpec("public", "public", "bool", nullable=False, required=False),
    FieldSpec("labels", "labels", "map", nullable=False, required=False),
    FieldSpec("tags", "tags", "list", nullable=True, required=False),
    FieldSpec("tier", "tier", "enum", nullable=False, required=True, choices=("free", "pro")),
    FieldSpec("extra", "extra", "any", nullable=True, required=False),
    FieldSpec(
        "billing",
        "billing",
        "object",
        nullable=False,
        required=True,
        fields=(FieldSpec("units", "units", "int", nullable=False, required=True),),
    ),
)


def test_a_field_added_to_the_spec_is_rendered_with_a_plausible_value_of_its_kind() -> None:
    """The renderer is built from the spec's fields alone: a field the record does not
    model is in every answer, with a value of its kind (null only for `any`)."""
    urls = next(spec for spec in TRAINING_FIELDS if spec.name == "urls")
    stream = FieldSpec("stream", "stream", "str", nullable=False, required=True)
    widened = [s for s in TRAINING_FIELDS if s is not urls]
    widened += [FieldSpec("urls", "urls", "object", False, False, fields=(*urls.fields, stream))]
    record = TrainingRecord(1, "t1", "o/m", "v1", "o/n", {"a": 1}, created_at=1.5e9)
    rendered = json.loads(renderer([*widened, *NEW_FIELDS])(record, "http://x/v1"))
    assert list(rendered) == [spec.name for spec in [*widened, *NEW_FIELDS]]
    assert {name: rendered[name] for name in (s.name for s in NEW_FIELDS)} == {
        "hardware": "",
        "deadline": "2017-07-14T02:40:00.000000Z",
        "cost": 0.0,
        "gpus": 0,
        "public": False,
        "labels": {},
        "tags": [],
        "tier": "free",
        "extra": None,
        "billing": {"units": 0},
    }
    assert rendered["urls"] == {
        "get": "http://x/v1/trainings/t1",
        "cancel": "http://x/v1/trainings/t1/cancel",
        "web": "https://replicate.com/p/t1",
        "stream": "",
    }
    assert (rendered["id"], rendered["input"], rendered["status"]) == ("t1", {"a": 1}, "starting")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"id": 1}', "application/json"),
        (b'{"status": "nope"}', "application/problem+json"),
        (b"<html></html>", "text/html"),
        (b'{"id": "x"', "application/json"),
    ],
)
def test_the_check_catches_answers_off_the_spec(
    raw: httpx.Client, local_replicate: LocalReplicate, body: bytes, content_type: str
) -> None:
    status = 404 if content_type == "application/problem+json" else 200
    fault = Fault.respond(status, body, {"Content-Type": content_type})
    local_replicate.faults.add(fault)
    with pytest.raises(AssertionError):
        check_response(raw.get("/trainings/x"))


def test_spec_lookups() -> None:
    assert operation_for("POST", "/v1" + CREATE) == (
        "/models/{model_owner}/{model_name}/versions/{version_id}/trainings",
        "post",
    )
    assert operation_for("GET", "/v1/trainings/abc") == ("/trainings/{training_id}", "get")
    with pytest.raises(AssertionError):
        operation_for("GET", "/v1" + CREATE)
    assert schema_pointer("/trainings", "get", 418, "application/json").startswith(
        "/components/responses/ServerError/"
    )
