"""Shared values and checks for the local Replicate's tests."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.contract import check_response, validate_body

VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"
CREATE = f"/models/stability-ai/sdxl/versions/{VERSION}/trainings"
BODY: dict[str, Any] = {
    "destination": "acme/sdxl-tuned",
    "input": {"input_images": "https://example.com/a.zip"},
}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6,9}Z")


def check(response: httpx.Response) -> None:
    """Validate any answer of the local server against openapi.yaml.

    Paths outside the spec (unknown paths) must still answer problem details.
    """
    response.read()
    try:
        check_response(response)
    except AssertionError as exc:
        if "is not an operation" not in str(exc):
            raise
        validate_body("/components/schemas/ProblemDetails", response.json())


def create(client: httpx.Client, **body: Any) -> dict[str, Any]:
    """Create a training (BODY, overridden by `body`) and return it; asserts 201."""
    response = client.post(CREATE, json=BODY | body)
    assert response.status_code == 201, response.text
    training: dict[str, Any] = response.json()
    return training
