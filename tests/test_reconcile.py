"""Exactly-once create: `may_have_acted` on every error, and `create(..., reconcile=True)`
finding the training a failed create made, never sending the create twice."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from replicate_trainings import (
    APIConnectionError,
    NotFoundError,
    RateLimitError,
    ReplicateError,
    ServerError,
    Training,
)
from replicate_trainings._operations import CLOCK_SKEW
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer, ManualClock

from tests.reliability._support import (
    NO_RETRIES,
    REF,
    async_client,
    client,
    closed_port,
    operations,
)

DESTINATION = "acme/sdxl-tuned"


def create_input(n: int) -> dict[str, Any]:
    return {"input_images": f"https://example.com/{n}.zip", "steps": n}


def posts(app: LocalReplicate) -> int:
    return operations(app.requests)["create"]


@pytest.mark.timeout(120)
def test_200_creates_answered_500_after_acting_are_each_found_once(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    before = len(app.training_ids())
    app.faults.add(Fault.error(500, after=True), times=200, operation="create")
    with client(local_replicate_server) as c:
        found = [
            c.trainings.create(REF, destination=DESTINATION, input=create_input(n), reconcile=True)
            for n in range(200)
        ]
    assert app.faults.injected == 200
    assert len({t.id for t in found}) == 200
    assert [t.input["steps"] for t in found] == list(range(200))
    assert len(app.training_ids()) - before == 200  # the server holds exactly 200
    assert posts(app) == 200  # never sent twice


def test_without_reconcile_the_error_says_it_may_have_acted(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    local_replicate.faults.add(Fault.error(500, after=True), operation="create")
    with client(local_replicate_server) as c, pytest.raises(ServerError) as caught:
        c.trainings.create(REF, destination=DESTINATION, input=create_input(1))
    assert caught.value.may_have_acted is True
    assert "may have been created" in str(caught.value)


def test_a_create_dropped_after_acting_is_found(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    app.faults.add(Fault.drop(after=True), operation="create")
    with client(local_replicate_server) as c:
        training = c.trainings.create(
            REF, destination=DESTINATION, input=create_input(7), reconcile=True
        )
    assert training.id in app.training_ids() and training.input == create_input(7)
    assert posts(app) == 1


def test_the_listing_carries_the_creates_headers_but_not_its_query(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    app.faults.add(Fault.error(500, after=True), operation="create")
    with client(local_replicate_server) as c:
        c.trainings.create(
            REF,
            destination=DESTINATION,
            input=create_input(8),
            reconcile=True,
            extra_headers={"X-Tenant": "acme"},
            extra_query={"trace": "1"},
        )
    create, listing = app.requests
    assert (create.operation, listing.operation) == ("create", "list")
    assert create.headers["x-tenant"] == listing.headers["x-tenant"] == "acme"
    assert "trace" in create.params and "trace" not in listing.params


@pytest.mark.local_replicate(seed=1000)
def test_the_listing_stops_at_the_first_page_older_than_the_create(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    """1,000 trainings made before the create: reconcile reads one page of ten."""
    app = local_replicate
    app.faults.add(Fault.error(500, after=True), operation="create")
    with client(local_replicate_server) as c:
        c.trainings.create(REF, destination=DESTINATION, input=create_input(9), reconcile=True)
    assert [r.operation for r in app.requests] == ["create", "list"]


def test_a_create_that_did_not_act_raises_its_error_after_looking(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    before = len(app.training_ids())
    app.faults.add(Fault.error(503), operation="create")  # refused before the effect
    with client(local_replicate_server) as c, pytest.raises(ServerError) as caught:
        c.trainings.create(REF, destination=DESTINATION, input=create_input(1), reconcile=True)
    assert caught.value.may_have_acted is True  # the client cannot know it did not
    assert any("0 trainings" in note for note in caught.value.__notes__)
    assert len(app.training_ids()) == before
    assert posts(app) == 1
    assert operations(app.requests)["list"] >= 1


def test_two_matching_trainings_are_ambiguous_and_raise_the_original_error(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    with client(local_replicate_server) as c:
        twin = c.trainings.create(REF, destination=DESTINATION, input=create_input(2))
        app.faults.add(Fault.error(502, after=True), operation="create")
        with pytest.raises(ServerError) as caught:
            c.trainings.create(REF, destination=DESTINATION, input=create_input(2), reconcile=True)
    assert caught.value.may_have_acted is True
    assert any("2 trainings" in note and twin.id in note for note in caught.value.__notes__)
    assert posts(app) == 2


def test_a_failed_listing_raises_the_create_error(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    app.faults.add(Fault.error(500, after=True), operation="create")
    app.faults.add(Fault.error(503), times=None, operation="list")
    with client(local_replicate_server) as c, pytest.raises(ServerError) as caught:
        c.trainings.create(REF, destination=DESTINATION, input=create_input(3), reconcile=True)
    assert caught.value.status_code == 500  # the create's error, not the listing's
    assert caught.value.may_have_acted is True
    assert any("listing the newest trainings failed" in n for n in caught.value.__notes__)
    assert operations(app.requests)["list"] == 6  # retried as any idempotent call (FAST: 5)


@contextmanager
def server_behind(seconds: float) -> Iterator[tuple[LocalReplicate, LocalServer]]:
    """A local Replicate whose clock runs `seconds` behind this machine's."""
    clock = ManualClock(time.time() - seconds)
    with LocalReplicate(clock=clock) as app, app.serve() as server:
        yield app, server


@pytest.mark.parametrize(("behind", "found"), [(CLOCK_SKEW / 2, True), (CLOCK_SKEW * 2, False)])
def test_the_server_clock_may_lag_by_the_documented_skew(behind: float, found: bool) -> None:
    with server_behind(behind) as (app, server), client(server) as c:
        app.faults.add(Fault.error(500, after=True), operation="create")
        try:
            training: Training | None = c.trainings.create(
                REF, destination=DESTINATION, input=create_input(4), reconcile=True
            )
        except ServerError:
            training = None
    assert (training is not None) is found


@pytest.mark.anyio
async def test_async_reconcile_finds_the_training(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    app.faults.add(Fault.error(500, after=True), times=3, operation="create")
    async with async_client(local_replicate_server) as c:
        found = [
            await c.trainings.create(
                REF, destination=DESTINATION, input=create_input(n), reconcile=True
            )
            for n in range(3)
        ]
    assert len({t.id for t in found}) == 3
    assert posts(app) == 3


# -- may_have_acted is False wherever the server certainly did not act ---------------------


def error_of(server: LocalServer, call: str, **options: Any) -> ReplicateError:
    with client(server, **options) as c:
        try:
            if call == "create":
                c.trainings.create(REF, destination=DESTINATION, input=create_input(0))
            else:
                c.trainings.get("abc")
        except ReplicateError as exc:
            return exc
    raise AssertionError("no error")


def test_other_errors_say_nothing_was_done(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app, server = local_replicate, local_replicate_server
    app.faults.add(Fault.error(503, after=True), times=None, operation="get")
    assert error_of(server, "get", max_retries=NO_RETRIES).may_have_acted is False
    app.faults.clear()
    assert isinstance(error_of(server, "get"), NotFoundError)
    assert error_of(server, "get").may_have_acted is False
    for status in (400, 401, 403, 404, 409, 422):
        app.faults.add(Fault.error(status), operation="create")
        refused = error_of(server, "create")
        assert (refused.may_have_acted, getattr(refused, "status_code", None)) == (False, status)
    app.faults.add(Fault.rate_limit(retry_after=0), times=None, operation="create")
    limited = error_of(server, "create")
    assert (limited.may_have_acted, isinstance(limited, RateLimitError)) == (False, True)


def test_a_create_that_never_connected_did_not_act() -> None:
    from replicate_trainings import Client

    from tests.clocks import ManualClock as ClientClock
    from tests.clocks import on_clock

    url = f"http://127.0.0.1:{closed_port()}/v1"
    c = on_clock(Client("r8_x", base_url=url, max_retries=1), ClientClock())
    with c, pytest.raises(APIConnectionError) as caught:
        c.trainings.create(REF, destination=DESTINATION, input={}, reconcile=True)
    assert caught.value.may_have_acted is False
    assert not getattr(caught.value, "__notes__", [])  # nothing to reconcile


def test_reconcile_must_be_a_bool(local_replicate_server: LocalServer) -> None:
    with client(local_replicate_server) as c, pytest.raises(TypeError, match="reconcile"):
        c.trainings.create(REF, destination=DESTINATION, input={}, reconcile="yes")  # type: ignore[arg-type]


def test_a_candidate_is_matched_on_every_field_and_skipped_without_a_creation_time() -> None:
    from datetime import UTC, datetime

    from replicate_trainings._operations import Wanted as Made
    from replicate_trainings._pipeline import Call

    from tests import payloads

    listing = Call(
        "trainings.list", "GET", httpx.URL("http://127.0.0.1/v1/trainings"), idempotent=True
    )

    def Wanted(model: str, version: str, input: object, destination: str | None) -> Made:
        return Made(model, version, input, destination, listing)

    since = datetime(2020, 1, 1, tzinfo=UTC)
    base = payloads.succeeded()
    wanted = Wanted(base["model"], base["version"], base["input"], "acme/out")
    training = Training.from_dict(base)
    assert wanted.made(training, since)
    assert not wanted.made(training, datetime(2100, 1, 1, tzinfo=UTC))
    assert not wanted.made(Training.from_dict(base | {"created_at": None}), since)
    assert not wanted.made(Training.from_dict(base | {"model": None}), since)
    assert not Wanted("a/b", base["version"], base["input"], None).made(training, since)
    assert not Wanted(base["model"], "other", base["input"], None).made(training, since)
    assert not Wanted(base["model"], base["version"], {"x": 1}, None).made(training, since)
    elsewhere = Training.from_dict(base | {"destination": "acme/other"})
    assert not wanted.made(elsewhere, since)
    assert wanted.made(Training.from_dict(base | {"destination": "acme/out"}), since)


def test_may_have_acted_survives_pickling(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    import pickle

    local_replicate.faults.add(Fault.error(500, after=True), operation="create")
    with client(local_replicate_server) as c, pytest.raises(ServerError) as caught:
        c.trainings.create(REF, destination=DESTINATION, input=create_input(5))
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (type(copy), copy.may_have_acted, str(copy)) == (
        ServerError,
        True,
        str(caught.value),
    )
    assert pickle.loads(pickle.dumps(ReplicateError("x"))).may_have_acted is False
