"""The spec and the server: schemathesis generates requests from openapi.yaml (valid ones,
then invalid ones) and sends them to the bundled local server over loopback HTTP. No
answer may be a 5xx, and every answer must be what openapi.yaml declares for it (status,
content type, headers, body schema), checked by schemathesis and again by tests/contract.py.

Bounded: a fixed seed per test (derandomized), a few dozen examples per operation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import given, settings
from hypothesis import strategies as st
from replicate_trainings.testing import LocalReplicate, LocalServer
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.contract import SPEC_PATH, operation_for, schema_pointer, validate_body
from tests.reliability._support import FIGURES, FUZZ, VERSION, Reporter

SCHEMA = schemathesis.openapi.from_path(SPEC_PATH)
OPERATIONS = {
    f"{op.method.upper()} {op.path}": op
    for op in (result.ok() for result in SCHEMA.get_all_operations() if isinstance(result, Ok))
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 25}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    """One local server for the module, with some trainings to find, one still running."""
    with LocalReplicate(seed=30, page_size=10) as app, app.serve() as running:
        yield running


def strategy(label: str, mode: GenerationMode, known_ids: list[str]) -> st.SearchStrategy[Any]:
    """The operation's cases, plus cases aimed at trainings and models that exist, so the
    fuzzing reaches past the 404s as well."""
    operation = OPERATIONS[label]
    cases = [operation.as_strategy(generation_mode=mode)]
    if "{training_id}" in label:
        cases += [
            operation.as_strategy(generation_mode=mode, path_parameters={"training_id": tid})
            for tid in known_ids[:3]
        ]
    if "{model_owner}" in label:
        existing = {"model_owner": "acme", "model_name": "sdxl", "version_id": VERSION}
        aimed = operation.as_strategy(generation_mode=mode, path_parameters=existing)
        cases += [aimed, aimed.map(with_existing_destination)]
    return st.one_of(cases)


def with_existing_destination(case: Any) -> Any:
    """openapi.yaml types `destination` as any string; the API wants `owner/name` that
    exists. Point some generated bodies at one, so creates succeed too."""
    if isinstance(case.body, dict):
        case.body["destination"] = "acme/sdxl-tuned"
    return case


@pytest.mark.timeout(60)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_the_server_keeps_to_the_spec(
    server: LocalServer, label: str, mode: GenerationMode, report: Reporter
) -> None:
    headers = {"Authorization": f"Bearer {server.token}"}
    statuses: Counter[int] = Counter()

    @settings(FUZZ, max_examples=EXAMPLES[mode])
    @given(case=strategy(label, mode, server.app.training_ids()))
    def check(case: Any) -> None:
        response = case.call(base_url=server.base_url, headers=headers, timeout=10)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)
        # The same answer through the project's own contract checker.
        template, method = operation_for(case.method, response.request.path_url.split("?")[0])
        content_type = response.headers.get("content-type", [""])[0]
        pointer = schema_pointer(template, method, response.status_code, content_type)
        validate_body(pointer, response.json())

    check()
    tried = sum(statuses.values())
    report("requests by status", dict(sorted(statuses.items())))
    FIGURES.count("schema fuzz: requests sent", tried)
    assert tried > 0
    assert all(status < 500 for status in statuses)
