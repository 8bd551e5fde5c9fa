"""Error answers of the local server: problem details, as the API gives them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from replicate_trainings.testing import Catalog, Endpoint, LocalReplicate

from tests.testing.helpers import BODY, CREATE, VERSION, create

OPERATIONS = [
    ("POST", CREATE),
    ("GET", "/trainings"),
    ("GET", "/trainings/abc"),
    ("POST", "/trainings/abc/cancel"),
]


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    document: dict[str, Any] = response.json()
    assert document["status"] == status
    assert document["title"]
    assert document["detail"]
    return document


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Token r8_local_test_token", ""])
def test_a_missing_or_wrong_token_is_401(
    api: httpx.Client, method: str, path: str, authorization: str | None
) -> None:
    request = api.build_request(method, path, json=BODY)
    del request.headers["Authorization"]
    if authorization is not None:
        request.headers["Authorization"] = authorization
    response = api.send(request)
    problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_auth_scheme_is_case_insensitive(endpoint: Endpoint) -> None:
    headers = {"Authorization": f"bearer {endpoint.token}"}
    with endpoint.client(headers=headers) as client:
        assert client.get("/trainings").status_code == 200


@pytest.mark.local_replicate(token="r8_other")
def test_the_token_is_configurable(api: httpx.Client, endpoint: Endpoint) -> None:
    assert endpoint.token == "r8_other"
    assert api.get("/trainings").status_code == 200


@pytest.mark.parametrize("body", [b"{", b"", b"\xff\xfe", b'{"input": NaN}', b"[1,]"])
def test_malformed_json_is_400(api: httpx.Client, body: bytes) -> None:
    response = api.post(CREATE, content=body, headers={"Content-Type": "application/json"})
    assert "not valid JSON" in problem(response, 400)["detail"]


@pytest.mark.parametrize("path", ["/trainings/nope", "/trainings/nope/cancel"])
def test_an_unknown_training_is_404(api: httpx.Client, path: str) -> None:
    method = "POST" if path.endswith("cancel") else "GET"
    problem(api.request(method, path), 404)


@pytest.mark.parametrize(
    "path",
    ["/nope", "/trainings/", "/trainings/x/y", "/models/a/b/trainings", "/predictions"],
)
def test_an_unknown_path_is_404(api: httpx.Client, path: str) -> None:
    problem(api.get(path), 404)


def test_paths_outside_v1_are_404(endpoint: Endpoint) -> None:
    with endpoint.client(base_url=endpoint.base_url.removesuffix("/v1")) as client:
        problem(client.get("/trainings"), 404)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [("DELETE", "/trainings/x", "GET"), ("GET", CREATE, "POST"), ("PUT", "/trainings", "GET")],
)
def test_a_wrong_method_is_405(api: httpx.Client, method: str, path: str, allow: str) -> None:
    response = api.request(method, path)
    problem(response, 405)
    assert response.headers["allow"] == allow


def test_any_well_formed_model_and_version_exist_by_default(api: httpx.Client) -> None:
    assert api.post("/models/someone/any-thing.v2/versions/v1/trainings", json=BODY).is_success


@pytest.mark.parametrize(
    "path",
    [
        "/models/-bad/name/versions/v1/trainings",
        "/models/owner/na%20me/versions/v1/trainings",
        "/models/owner/name/versions/%21/trainings",
    ],
)
def test_a_malformed_model_or_version_is_404(api: httpx.Client, path: str) -> None:
    problem(api.post(path, json=BODY), 404)


def test_models_and_versions_can_be_declared_unknown(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.catalog.forget("stability-ai/sdxl", VERSION)
    assert "Version" in problem(api.post(CREATE, json=BODY), 404)["detail"]
    local_replicate.catalog.forget("stability-ai/sdxl")
    assert "Model" in problem(api.post(CREATE, json=BODY), 404)["detail"]
    local_replicate.catalog.add("stability-ai/sdxl", VERSION)
    create(api)
    local_replicate.catalog.forget("acme/sdxl-tuned")
    assert "destination" in problem(api.post(CREATE, json=BODY), 404)["detail"]


@pytest.mark.local_replicate(catalog=Catalog({"stability-ai/sdxl": [VERSION], "meta/llama": None}))
def test_a_closed_catalog(api: httpx.Client) -> None:
    create(api)
    assert api.post("/models/meta/llama/versions/any/trainings", json=BODY).status_code == 201
    problem(api.post("/models/stability-ai/sdxl/versions/other/trainings", json=BODY), 404)
    problem(api.post(f"/models/other/model/versions/{VERSION}/trainings", json=BODY), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"input": {}}, "destination"),
        ({"destination": "nope", "input": {}}, "destination"),
        ({"destination": "a/b/c", "input": {}}, "destination"),
        ({"destination": "/b", "input": {}}, "destination"),
        ({"destination": 42, "input": {}}, "destination"),
        ({"destination": "a/b"}, "input"),
        ({"destination": "a/b", "input": [1]}, "input"),
        ({"destination": "a/b", "input": "text"}, "input"),
        ({"destination": "a/b", "input": {}, "webhook": "ftp://x"}, "webhook"),
        ({"destination": "a/b", "input": {}, "webhook": 3}, "webhook"),
        ({"destination": "a/b", "input": {}, "webhook_events_filter": "start"}, "webhook_events"),
        ({"destination": "a/b", "input": {}, "webhook_events_filter": ["start", "x"]}, "filter.1"),
        ([], "body"),
        ("text", "body"),
    ],
)
def test_an_invalid_request_is_422(api: httpx.Client, body: Any, field: str) -> None:
    document = problem(api.post(CREATE, json=body), 422)
    assert field in document["detail"]
    assert any(field in f["field"] for f in document["invalid_fields"])


def test_every_invalid_field_is_reported(api: httpx.Client) -> None:
    document = problem(api.post(CREATE, json={"destination": 1, "input": 2}), 422)
    assert [f["field"] for f in document["invalid_fields"]] == ["destination", "input"]


def test_nothing_is_created_by_a_rejected_request(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    api.post(CREATE, json={"destination": "nope", "input": {}})
    api.post(CREATE, content=b"{")
    api.post(CREATE, json=BODY, headers={"Authorization": "Bearer no"})
    assert len(local_replicate) == 0


def test_a_bug_in_the_server_is_a_500(
    api: httpx.Client, local_replicate: LocalReplicate, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(local_replicate, "_list_op", broken)
    assert problem(api.get("/trainings"), 500)["title"] == "Internal Server Error"
    assert api.get("/trainings/nope").status_code == 404
