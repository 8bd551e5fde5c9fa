"""`create(..., reconcile=True)` matches inputs as JSON values: `true` is not `1`, at any
depth; numbers compare by value (`1` is `1.0`: JSON has one number type, and a server that
decodes to a float writes `1.0` back as `1`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from replicate_trainings import Client, ServerError, Training
from replicate_trainings._operations import same_json
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer

from tests import payloads
from tests.rawserver import Canned, raw_server, response
from tests.reliability._support import REF, client, operations

DESTINATION = "acme/sdxl-tuned"


def listing_of(*inputs: dict[str, Any]) -> bytes:
    """A page of trainings of REF made just now, one per input."""
    now = datetime.now(UTC).isoformat()
    results = [
        payloads.just_created() | {"id": f"t{n}", "input": given, "created_at": now}
        for n, given in enumerate(inputs)
    ]
    body = json.dumps({"results": results, "next": None, "previous": None}).encode()
    return response(200, body, {"Content-Type": "application/json"})


def create_against(listed: dict[str, Any], sent: dict[str, Any]) -> Training:
    """A create of `sent` answered 500 (it may have acted), then a listing holding `listed`."""
    problem = json.dumps({"status": 500, "title": "boom", "detail": "after acting"}).encode()
    canned = Canned(
        response(500, problem, {"Content-Type": "application/json"}), listing_of(listed)
    )
    with raw_server(canned) as base_url, Client("r8_x", base_url=base_url) as c:
        return c.trainings.create(REF, destination=DESTINATION, input=sent, reconcile=True)


@pytest.mark.parametrize(
    ("listed", "sent"),
    [
        ({"a": 1}, {"a": True}),
        ({"a": 0}, {"a": False}),
        ({"a": True}, {"a": 1}),
        ({"a": None}, {"a": False}),
        ({"a": "1"}, {"a": 1}),
        ({"a": [1, {"b": 1}]}, {"a": [1, {"b": True}]}),
        ({"a": {"b": [0]}}, {"a": {"b": [False]}}),
        ({"a": [1]}, {"a": [1, 1]}),
        ({"a": {}}, {"a": []}),
    ],
)
def test_a_listed_training_of_another_json_value_is_not_taken_as_the_creates(
    listed: dict[str, Any], sent: dict[str, Any]
) -> None:
    with pytest.raises(ServerError) as caught:
        create_against(listed, sent)
    assert caught.value.may_have_acted is True
    assert any("0 trainings" in note for note in caught.value.__notes__)


@pytest.mark.parametrize(
    ("listed", "sent"),
    [
        ({"a": True}, {"a": True}),
        ({"a": 1}, {"a": 1.0}),
        ({"a": 1.0}, {"a": 1}),
        ({"a": [1, {"b": None, "c": "x"}]}, {"a": [1, {"c": "x", "b": None}]}),
    ],
)
def test_a_listed_training_of_the_same_json_value_is_the_creates(
    listed: dict[str, Any], sent: dict[str, Any]
) -> None:
    training = create_against(listed, sent)
    assert training.id == "t0" and training.input == listed


def test_through_the_local_server_a_true_is_never_found_as_a_one(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    with client(local_replicate_server) as c:
        one = c.trainings.create(REF, destination=DESTINATION, input={"a": 1})
        app.faults.add(Fault.error(500), operation="create")  # refused, nothing made
        with pytest.raises(ServerError) as caught:
            c.trainings.create(REF, destination=DESTINATION, input={"a": True}, reconcile=True)
        assert caught.value.may_have_acted is True
        assert any("0 trainings" in note for note in caught.value.__notes__)

        app.faults.add(Fault.error(500, after=True), operation="create")  # made, then 500
        made = c.trainings.create(REF, destination=DESTINATION, input={"a": True}, reconcile=True)
    assert made.id != one.id and made.input["a"] is True
    assert operations(app.requests)["create"] == 3


def test_same_json_walks_deep_values_without_recursing() -> None:
    one: Any = 1
    same: Any = 1.0
    true: Any = True
    for _ in range(50_000):
        one, same, true = {"x": [one]}, {"x": [same]}, {"x": [true]}
    assert same_json(one, same)
    assert not same_json(one, true)
