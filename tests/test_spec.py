"""Checks of openapi.yaml itself: valid OpenAPI, exactly the four operations, enums as generated."""

from __future__ import annotations

import copy
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from replicate_trainings_api.models.training_source_model import TrainingSourceModel
from replicate_trainings_api.models.training_status_model import TrainingStatusModel
from replicate_trainings_api.models.webhook_event_type import WebhookEventType

OPENAPI = Path(__file__).resolve().parent.parent / "openapi.yaml"
PATH_ITEM_KEYS = {"parameters", "summary", "description", "servers"}
THE_FOUR = {
    (
        "post",
        "/models/{model_owner}/{model_name}/versions/{version_id}/trainings",
        "trainings.create",
    ),
    ("get", "/trainings", "trainings.list"),
    ("get", "/trainings/{training_id}", "trainings.get"),
    ("post", "/trainings/{training_id}/cancel", "trainings.cancel"),
}

Doc = dict[str, Any]


@pytest.fixture(scope="module")
def spec() -> Doc:
    """openapi.yaml, parsed."""
    document: Doc = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return document


def test_openapi_yaml_is_valid_openapi(spec: Doc) -> None:
    """openapi-spec-validator accepts openapi.yaml."""
    validate(spec)


def test_validator_would_catch_a_broken_spec(spec: Doc) -> None:
    """The validity check has teeth: a copy with an impossible parameter location fails."""
    broken = copy.deepcopy(spec)
    broken["paths"]["/trainings"]["get"]["parameters"][0]["in"] = "body"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


def test_only_the_four_training_operations(spec: Doc) -> None:
    """Every operation in openapi.yaml is one of the four at its upstream path, and all four are."""
    found = {
        (method, path, operation.get("operationId"))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method not in PATH_ITEM_KEYS
    }
    assert found == THE_FOUR


@pytest.mark.parametrize(
    ("schema", "generated"),
    [
        ("TrainingStatus", TrainingStatusModel),
        ("TrainingSource", TrainingSourceModel),
        ("WebhookEvent", WebhookEventType),
    ],
)
def test_generated_enum_has_the_spec_values(
    spec: Doc, schema: str, generated: type[StrEnum]
) -> None:
    """The generated enum lists exactly the values openapi.yaml gives (generated/ not stale)."""
    assert sorted(member.value for member in generated) == sorted(
        spec["components"]["schemas"][schema]["enum"]
    )


@pytest.mark.parametrize(
    ("field", "schema"), [("status", "TrainingStatus"), ("source", "TrainingSource")]
)
def test_server_owned_enums_stay_open(spec: Doc, field: str, schema: str) -> None:
    """`status` and `source` accept any string besides the known values (DESIGN: must stay open)."""
    prop = spec["components"]["schemas"]["Training"]["properties"][field]
    assert prop["anyOf"] == [{"$ref": f"#/components/schemas/{schema}"}, {"type": "string"}]
