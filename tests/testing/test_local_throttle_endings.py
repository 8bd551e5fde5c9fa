"""Trainings that end at a set time after creation (`Progression.ends_after`), seen through
a listing as well as a get, on the same clock as the throttle."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import pytest
from replicate_trainings.testing import (
    Endpoint,
    LocalReplicate,
    ManualClock,
    Progression,
    RateLimit,
)

from tests.testing.helpers import BODY, CREATE, create


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def local_replicate_options(clock: ManualClock) -> dict[str, object]:
    return {"progression": Progression.ends_after(3.0), "clock": clock, "ticker": False}


def listed(api: httpx.Client) -> dict[str, dict[str, object]]:
    """The first page's trainings by id."""
    return {t["id"]: t for t in api.get("/trainings").json()["results"]}


def test_a_listing_sees_trainings_end_at_the_set_time(
    api: httpx.Client, clock: ManualClock
) -> None:
    first = create(api)["id"]
    clock.advance(1.5)
    second = create(api)["id"]
    assert {k: t["status"] for k, t in listed(api).items()} == {
        first: "processing",
        second: "starting",
    }
    clock.advance(1.499)
    assert listed(api)[first]["status"] == "processing"
    clock.advance(0.001)  # 3.0 s after the first creation
    seen = listed(api)
    assert (seen[first]["status"], seen[second]["status"]) == ("succeeded", "processing")
    clock.advance(1.5)
    assert listed(api)[second]["status"] == "succeeded"


def test_the_steps_are_spread_evenly_and_the_end_is_exact(
    api: httpx.Client, clock: ManualClock
) -> None:
    t = create(api)
    clock.advance(10)  # nobody looked in between: every step is dated when it was due
    done = api.get(f"/trainings/{t['id']}").json()
    created = datetime.fromisoformat(done["created_at"])
    assert datetime.fromisoformat(done["started_at"]) - created == timedelta(seconds=1)
    assert datetime.fromisoformat(done["completed_at"]) - created == timedelta(seconds=3)
    assert done["metrics"]["total_time"] == 3.0
    assert done["logs"].count("\n") == 3  # started, a step in processing, complete


def test_polls_do_not_hurry_it(api: httpx.Client, clock: ManualClock) -> None:
    t = create(api)
    statuses = {api.get(f"/trainings/{t['id']}").json()["status"] for _ in range(10)}
    assert statuses == {"starting"}
    clock.advance(2.999)
    assert api.get(f"/trainings/{t['id']}").json()["status"] == "processing"


def test_a_planned_outcome_comes_at_the_set_time(
    api: httpx.Client, endpoint: Endpoint, clock: ManualClock
) -> None:
    endpoint.app.plan("failed", error="CUDA out of memory")
    t = create(api)
    clock.advance(3)
    ended = listed(api)[t["id"]]
    assert (ended["status"], ended["error"]) == ("failed", "CUDA out of memory")


def test_a_training_stepped_by_hand_keeps_its_end_time(
    api: httpx.Client, endpoint: Endpoint, clock: ManualClock
) -> None:
    t = create(api)
    endpoint.app.step(t["id"], 2)
    clock.advance(2.9)
    assert listed(api)[t["id"]]["status"] == "processing"
    clock.advance(0.1)
    assert listed(api)[t["id"]]["status"] == "succeeded"


def test_tick_ends_trainings_nobody_looks_at(clock: ManualClock) -> None:
    with LocalReplicate(progression=Progression.ends_after(3), clock=clock, ticker=False) as app:
        training_id = app.create()["id"]
        clock.advance(3)
        assert app.tick() == 3
        assert app.training(training_id)["status"] == "succeeded"


def test_the_background_ticker_runs_for_timed_endings(clock: ManualClock) -> None:
    with LocalReplicate(progression=Progression.ends_after(0.5), clock=clock) as app:
        training_id = app.create()["id"]
        clock.advance(60)
        deadline = time.monotonic() + 5  # a bound on a hang, not a measure of speed
        while app.training(training_id)["status"] != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.training(training_id)["status"] == "succeeded"


def test_the_throttle_and_the_endings_share_one_clock(clock: ManualClock) -> None:
    limit = RateLimit(other_per_minute=60, other_burst=1)
    with (
        LocalReplicate(
            progression=Progression.ends_after(2), rate_limit=limit, clock=clock, ticker=False
        ) as app,
        app.serve() as server,
        httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {app.token}"}
        ) as client,
    ):
        assert client.post(CREATE, json=BODY).status_code == 201
        assert client.get("/trainings").json()["results"][0]["status"] == "starting"
        assert client.get("/trainings").status_code == 429
        clock.advance(2)  # one tick of the clock both refills the budget and ends it
        assert client.get("/trainings").json()["results"][0]["status"] == "succeeded"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Progression.ends_after(0), "seconds_to_end must be positive"),
        (lambda: Progression(None, 1.0, 2, 3.0), "not both"),
    ],
)
def test_ends_after_rejects_nonsense(make: object, message: str) -> None:
    assert callable(make)
    with pytest.raises(ValueError, match=message):
        make()
