"""Listing on the local server: newest first, cursor pages that stay put, seeded history."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from replicate_trainings.testing import Endpoint, LocalReplicate, ManualClock, Request

from tests.testing.helpers import create


def walk(api: httpx.Client, url: str | None = "/trainings") -> list[dict[str, Any]]:
    pages = []
    while url:
        page = api.get(url).json()
        pages.append(page)
        url = page["next"]
    return pages


def ids(page: dict[str, Any]) -> list[str]:
    return [t["id"] for t in page["results"]]


def test_an_empty_list(api: httpx.Client) -> None:
    assert api.get("/trainings").json() == {"next": None, "previous": None, "results": []}


@pytest.mark.local_replicate(seed=250)
def test_pages_of_100_newest_first(
    api: httpx.Client, endpoint: Endpoint, local_replicate: LocalReplicate
) -> None:
    pages = walk(api)
    assert [len(p["results"]) for p in pages] == [100, 100, 50]
    assert [i for p in pages for i in ids(p)] == local_replicate.training_ids()
    created = [t["created_at"] for p in pages for t in p["results"]]
    assert created == sorted(created, reverse=True)
    first, second, last = pages
    assert first["previous"] is None
    assert last["next"] is None
    for url in (first["next"], second["next"], second["previous"], last["previous"]):
        parts = urlsplit(url)
        assert url.startswith(f"{endpoint.base_url}/trainings?cursor=")
        assert list(parse_qs(parts.query)) == ["cursor"]


@pytest.mark.local_replicate(seed=400)
def test_seeded_trainings_have_a_mix_of_statuses(api: httpx.Client) -> None:
    statuses = {t["status"] for p in walk(api) for t in p["results"]}
    assert statuses >= {"starting", "processing", "succeeded", "failed", "canceled", "aborted"}
    sources = {t["source"] for p in walk(api) for t in p["results"]}
    assert sources == {"api", "web"}


@pytest.mark.local_replicate(seed=20, page_size=7)
def test_page_size_is_configurable(api: httpx.Client) -> None:
    assert [len(p["results"]) for p in walk(api)] == [7, 7, 6]


@pytest.mark.local_replicate(seed=250)
def test_a_walk_is_stable_while_trainings_are_created(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    before = local_replicate.training_ids()
    first = api.get("/trainings").json()
    new = [create(api)["id"] for _ in range(5)]
    rest = walk(api, first["next"])
    assert [i for p in [first, *rest] for i in ids(p)] == before
    assert local_replicate.training_ids() == new[::-1] + before


@pytest.mark.local_replicate(seed=250)
def test_previous_leads_back_to_the_same_pages(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    first = api.get("/trainings").json()
    second = api.get(first["next"]).json()
    third = api.get(second["next"]).json()
    new = [create(api)["id"] for _ in range(3)]
    back = api.get(third["previous"]).json()
    assert ids(back) == ids(second)
    back = api.get(back["previous"]).json()
    assert ids(back) == ids(first)
    newest = api.get(back["previous"]).json()
    assert ids(newest) == new[::-1]
    assert newest["previous"] is None
    assert ids(api.get(newest["next"]).json()) == ids(first)


@pytest.mark.parametrize("cursor", ["nonsense", "cD1hYmM=", "!!!", "cj0xJnA9"])
def test_an_invalid_cursor_is_404(api: httpx.Client, cursor: str) -> None:
    response = api.get("/trainings", params={"cursor": cursor})
    assert response.status_code == 404
    assert response.json()["detail"] == "Invalid cursor"


@pytest.mark.local_replicate(seed=3)
def test_other_query_parameters_are_ignored(api: httpx.Client) -> None:
    assert len(api.get("/trainings", params={"page_size": "1"}).json()["results"]) == 3


def test_100_000_seeded_trainings_are_quick_to_make_and_to_page() -> None:
    started = time.perf_counter()
    with LocalReplicate(seed=100_000) as app:
        seeded = time.perf_counter() - started
        assert len(app) == 100_000
        assert seeded < 2.0, f"seeding took {seeded:.2f}s"
        headers = httpx.Headers({"Authorization": f"Bearer {app.token}"})
        page = Request("GET", "/v1/trainings", "", headers)
        app.handle(page)
        started = time.perf_counter()
        for _ in range(100):
            app.handle(page)
        cached = (time.perf_counter() - started) / 100
        assert cached < 0.005, f"a cached page took {cached * 1000:.1f} ms"
        client = httpx.Client(
            transport=app.transport(), base_url="http://x.test/v1", headers=headers
        )
        with client:
            started = time.perf_counter()
            url: str | None = "/trainings"
            for _ in range(50):
                assert url is not None
                url = client.get(url).json()["next"]
            walked = (time.perf_counter() - started) / 50
        assert walked < 0.05, f"a fresh page took {walked * 1000:.1f} ms"


def test_seeded_history_and_ids_follow_the_random_seed() -> None:
    def history(random_seed: int) -> list[dict[str, Any]]:
        with LocalReplicate(seed=30, random_seed=random_seed, clock=ManualClock()) as app:
            app.create()
            return [app.training(i) for i in app.training_ids()]

    same = history(1)
    assert history(1) == same
    assert [t["id"] for t in history(2)] != [t["id"] for t in same]


@pytest.mark.local_replicate(seed=250)
def test_warm_serializes_ahead(endpoint: Endpoint, local_replicate: LocalReplicate) -> None:
    local_replicate.warm(endpoint.base_url)
    with endpoint.client() as client:
        assert len(client.get("/trainings").json()["results"]) == 100
