"""A training's life on the local server: create, progress, outcomes, cancel."""

from __future__ import annotations

import time
from datetime import datetime

import httpx
import pytest
from replicate_trainings.testing import Endpoint, LocalReplicate, ManualClock, Progression

from tests.testing.helpers import BODY, CREATE, TIMESTAMP, VERSION, create

FIELDS = {
    "id",
    "model",
    "version",
    "input",
    "logs",
    "output",
    "error",
    "status",
    "source",
    "created_at",
    "started_at",
    "completed_at",
    "metrics",
    "urls",
}


def test_create_answers_a_new_starting_training(api: httpx.Client, endpoint: Endpoint) -> None:
    response = api.post(CREATE, json=BODY)
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/json"
    t = response.json()
    assert set(t) == FIELDS
    assert t["status"] == "starting"
    assert (t["model"], t["version"], t["input"]) == ("stability-ai/sdxl", VERSION, BODY["input"])
    assert (t["source"], t["logs"], t["error"], t["output"]) == ("api", "", None, None)
    assert t["started_at"] is t["completed_at"] is t["metrics"] is None
    assert TIMESTAMP.fullmatch(t["created_at"])
    assert len(t["id"]) == 26
    assert t["urls"] == {
        "get": f"{endpoint.base_url}/trainings/{t['id']}",
        "cancel": f"{endpoint.base_url}/trainings/{t['id']}/cancel",
        "web": f"https://replicate.com/p/{t['id']}",
    }


def test_ids_are_unique(api: httpx.Client) -> None:
    ids = {create(api)["id"] for _ in range(50)}
    assert len(ids) == 50


def test_each_get_moves_the_training_one_step(api: httpx.Client) -> None:
    t = create(api)
    seen = [api.get(f"/trainings/{t['id']}").json() for _ in range(4)]
    assert [s["status"] for s in seen] == ["processing", "processing", "succeeded", "succeeded"]
    assert seen[3] == seen[2]
    logs = [s["logs"] for s in seen]
    assert logs[0] and logs[1].startswith(logs[0]) and logs[2].startswith(logs[1])
    assert len(set(logs[:3])) == 3
    done = seen[2]
    assert done["output"]["version"].startswith("acme/sdxl-tuned:")
    assert done["output"]["weights"].startswith("https://")
    assert set(done["metrics"]) == {"predict_time", "total_time"}
    assert done["metrics"]["total_time"] >= done["metrics"]["predict_time"] >= 0
    stamps = [datetime.fromisoformat(done[k]) for k in ("created_at", "started_at", "completed_at")]
    assert stamps == sorted(stamps)
    assert all(TIMESTAMP.fullmatch(done[k]) for k in ("started_at", "completed_at"))


@pytest.mark.local_replicate(progression=Progression.per_polls(2, processing_steps=1))
def test_steps_per_polls_is_configurable(api: httpx.Client) -> None:
    t = create(api)
    statuses = [api.get(f"/trainings/{t['id']}").json()["status"] for _ in range(4)]
    assert statuses == ["starting", "processing", "processing", "succeeded"]


@pytest.mark.local_replicate(progression=Progression.elapsed(10), clock=ManualClock())
def test_trainings_move_as_the_clock_passes(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    clock = local_replicate.clock
    assert isinstance(clock, ManualClock)
    t = create(api)
    url = f"/trainings/{t['id']}"
    assert api.get(url).json()["status"] == "starting"
    clock.advance(10)
    assert api.get(url).json()["status"] == "processing"
    clock.advance(25)
    done = api.get(url).json()
    assert done["status"] == "succeeded"
    assert done["metrics"] == {"predict_time": 20.0, "total_time": 30.0}


def test_tick_moves_trainings_nobody_polls() -> None:
    clock = ManualClock()
    with LocalReplicate(progression=Progression.elapsed(10), clock=clock, ticker=False) as app:
        early, late = app.create()["id"], None
        clock.advance(10)
        late = app.create()["id"]
        assert app.tick() == 1
        clock.advance(20)
        assert app.tick() == 4
        assert [app.training(i)["status"] for i in (early, late)] == ["succeeded", "processing"]


def test_the_background_ticker_moves_trainings_nobody_polls() -> None:
    clock = ManualClock()
    with LocalReplicate(progression=Progression.elapsed(0.5), clock=clock) as app:
        t = app.create()
        clock.advance(60)
        deadline = time.monotonic() + 5
        while app.training(t["id"])["status"] != "succeeded" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert app.training(t["id"])["status"] == "succeeded"


@pytest.mark.local_replicate(progression=Progression.manual())
def test_manual_progression_moves_only_by_hand(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    t = create(api)
    url = f"/trainings/{t['id']}"
    assert [api.get(url).json()["status"] for _ in range(5)] == ["starting"] * 5
    assert local_replicate.step(t["id"])["status"] == "processing"
    assert api.get(url).json()["status"] == "processing"
    assert local_replicate.step(t["id"], 2)["status"] == "succeeded"
    assert api.get(url).json()["status"] == "succeeded"


def test_a_planned_failure(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.plan("failed", error="CUDA out of memory")
    failed, fine = create(api), create(api)
    for _ in range(3):
        t = api.get(f"/trainings/{failed['id']}").json()
    assert t["status"] == "failed"
    assert t["error"] == "CUDA out of memory"
    assert "CUDA out of memory" in t["logs"]
    assert t["output"] is None
    assert t["completed_at"] is not None
    local_replicate.finish(fine["id"])
    assert api.get(f"/trainings/{fine['id']}").json()["status"] == "succeeded"


def test_a_planned_abort_never_starts(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.plan("aborted")
    t = create(api)
    t = api.get(f"/trainings/{t['id']}").json()
    assert t["status"] == "aborted"
    assert t["started_at"] is None
    assert t["completed_at"] is not None


def test_a_training_can_run_until_canceled(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.plan("processing", times=2)
    first, second = create(api), create(api)
    for _ in range(10):
        t = api.get(f"/trainings/{first['id']}").json()
    assert t["status"] == "processing"
    assert t["logs"].count("\n") == 10
    canceled = api.post(f"/trainings/{first['id']}/cancel").json()
    assert canceled["status"] == "canceled"
    assert canceled["completed_at"] is not None
    local_replicate.step(second["id"], 20)
    assert local_replicate.training(second["id"])["status"] == "processing"


def test_set_outcome_changes_how_a_running_training_ends(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    t = create(api)
    local_replicate.set_outcome(t["id"], "failed", error="bad data")
    done = local_replicate.step(t["id"], 3)
    assert (done["status"], done["error"]) == ("failed", "bad data")


def test_finish_ends_a_training_now(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    t = create(api)
    ended = local_replicate.finish(t["id"], "failed", error="boom")
    assert (ended["status"], ended["error"]) == ("failed", "boom")
    assert api.get(f"/trainings/{t['id']}").json() == ended
    assert local_replicate.finish(t["id"], "succeeded") == ended
    with pytest.raises(ValueError, match="terminal"):
        local_replicate.finish(t["id"], "processing")
    with pytest.raises(KeyError):
        local_replicate.finish("nope")


def test_cancel_stops_a_running_training(api: httpx.Client) -> None:
    t = create(api)
    api.get(f"/trainings/{t['id']}")
    response = api.post(f"/trainings/{t['id']}/cancel")
    assert response.status_code == 200
    canceled = response.json()
    assert canceled["status"] == "canceled"
    assert canceled["output"] is None
    assert api.get(f"/trainings/{t['id']}").json() == canceled


def test_cancel_before_it_starts(api: httpx.Client) -> None:
    t = create(api)
    canceled = api.post(f"/trainings/{t['id']}/cancel").json()
    assert (canceled["status"], canceled["started_at"]) == ("canceled", None)


def test_canceling_a_finished_training_returns_it_unchanged(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    t = create(api)
    done = local_replicate.finish(t["id"])
    response = api.post(f"/trainings/{t['id']}/cancel")
    assert response.status_code == 200
    assert response.json() == done


def test_create_without_http(local_replicate: LocalReplicate) -> None:
    t = local_replicate.create("meta/llama-2-7b", "abc", source="web", outcome="failed")
    assert (t["model"], t["version"], t["source"], t["status"]) == (
        "meta/llama-2-7b",
        "abc",
        "web",
        "starting",
    )
    assert local_replicate.step(t["id"], 3)["status"] == "failed"
    assert local_replicate.training_ids() == [t["id"]]
    assert len(local_replicate) == 1


def test_progression_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="polls_per_step"):
        Progression.per_polls(0)
    with pytest.raises(ValueError, match="seconds_per_step"):
        Progression.elapsed(0)
    with pytest.raises(ValueError, match="processing_steps"):
        Progression(processing_steps=0)


def test_odd_text_survives_serialization(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    odd = 'quote " backslash \\ newline \n tab \t unicode é 🙂 nul \x00'
    t = create(api, input={"prompt": odd, "nested": [1, 2.5, None, {"k": odd}]})
    assert t["input"] == {"prompt": odd, "nested": [1, 2.5, None, {"k": odd}]}
    done = local_replicate.finish(t["id"], "failed", error=odd)
    assert done["error"] == odd
    assert api.get(f"/trainings/{t['id']}").json() == done
