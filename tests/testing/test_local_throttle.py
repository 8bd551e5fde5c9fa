"""The local server throttles as Replicate does: per-token buckets for creates and for
everything else, each a per-minute rate with a burst, on the server's (manual) clock, and
Replicate's 429 body past them."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from replicate_trainings.testing import (
    Endpoint,
    LocalReplicate,
    LocalServer,
    ManualClock,
    RateLimit,
)

from tests.testing.helpers import BODY, CREATE

SLOW = RateLimit(create_per_minute=6, other_per_minute=60, create_burst=2, other_burst=3)
"""One create every 10 s after a burst of 2; one other request a second after 3."""
RESETS = re.compile(r"Request was throttled\. Your rate limit resets in ~(\d+)s\.")


def resets_in(response: httpx.Response) -> int:
    """The seconds a 429's body says the limit resets in; asserts the body is Replicate's."""
    assert response.status_code == 429, response.text
    body = response.json()
    assert list(body) == ["detail"]
    found = RESETS.fullmatch(body["detail"])
    assert found, body
    return int(found[1])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def local_replicate_options(clock: ManualClock) -> dict[str, object]:
    return {"rate_limit": SLOW, "clock": clock, "ticker": False}


def test_a_burst_then_a_429_with_replicates_body(raw: httpx.Client, endpoint: Endpoint) -> None:
    assert [raw.get("/trainings").status_code for _ in range(3)] == [200, 200, 200]
    refused = raw.get("/trainings")
    assert refused.status_code == 429
    assert refused.content == b'{"detail":"Request was throttled. Your rate limit resets in ~1s."}'
    assert refused.headers["content-type"] == "application/json"
    assert "retry-after" not in refused.headers
    assert endpoint.app.throttle is not None and endpoint.app.throttle.refused == 1


def test_the_budget_refills_on_the_servers_clock(raw: httpx.Client, clock: ManualClock) -> None:
    for _ in range(3):
        raw.get("/trainings")
    assert raw.get("/trainings").status_code == 429
    clock.advance(0.999)
    assert raw.get("/trainings").status_code == 429
    clock.advance(0.001)
    assert raw.get("/trainings").status_code == 200  # one request a second
    assert raw.get("/trainings").status_code == 429
    clock.advance(60)  # a long pause refills the burst, no more
    assert [raw.get("/trainings").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_refusals_do_not_spend_the_budget(raw: httpx.Client, clock: ManualClock) -> None:
    for _ in range(3):
        raw.get("/trainings")
    for _ in range(20):
        assert raw.get("/trainings").status_code == 429
    clock.advance(1)
    assert raw.get("/trainings").status_code == 200


def test_resets_in_says_when_a_request_would_next_pass(
    raw: httpx.Client, clock: ManualClock
) -> None:
    assert [raw.post(CREATE, json=BODY).status_code for _ in range(2)] == [201, 201]
    assert resets_in(raw.post(CREATE, json=BODY)) == 10  # one create per 10 s
    clock.advance(3.5)
    assert resets_in(raw.post(CREATE, json=BODY)) == 7  # 6.5 s, rounded up
    clock.advance(6.4)
    assert resets_in(raw.post(CREATE, json=BODY)) == 1  # 0.1 s: never less than 1
    clock.advance(0.1)
    assert raw.post(CREATE, json=BODY).status_code == 201


def test_creates_and_other_requests_have_separate_budgets(
    raw: httpx.Client, endpoint: Endpoint
) -> None:
    ids = [raw.post(CREATE, json=BODY).json()["id"] for _ in range(2)]
    assert raw.post(CREATE, json=BODY).status_code == 429
    assert raw.get(f"/trainings/{ids[0]}").status_code == 200  # gets are still allowed
    assert raw.post(f"/trainings/{ids[0]}/cancel").status_code == 200
    assert raw.get("/trainings").status_code == 200
    assert raw.get("/trainings").status_code == 429  # get, cancel and list share one
    assert len(endpoint.app) == 2  # the refused create made nothing


@pytest.mark.local_replicate(
    rate_limit=RateLimit(other_per_minute=60, other_burst=1), extra_tokens=["r8_second"]
)
def test_each_token_has_its_own_budget(endpoint: Endpoint) -> None:
    with (
        endpoint.client() as first,
        endpoint.client(headers={"Authorization": "Bearer r8_second"}) as second,
    ):
        assert first.get("/trainings").status_code == 200
        assert first.get("/trainings").status_code == 429
        assert second.get("/trainings").status_code == 200
        assert second.get("/trainings").status_code == 429


def test_a_request_without_a_valid_token_is_not_counted(
    raw: httpx.Client, endpoint: Endpoint
) -> None:
    with endpoint.client(headers={"Authorization": "Bearer r8_wrong"}) as anonymous:
        for _ in range(5):
            assert anonymous.get("/trainings").status_code == 401
    assert [raw.get("/trainings").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_unknown_paths_spend_the_other_budget(raw: httpx.Client) -> None:
    assert [raw.get("/nowhere").status_code for _ in range(3)] == [404, 404, 404]
    assert resets_in(raw.get("/nowhere")) == 1
    assert raw.get("/trainings").status_code == 429


@pytest.mark.local_replicate(rate_limit=RateLimit(other_burst=1, retry_after=True))
def test_retry_after_when_asked(raw: httpx.Client) -> None:
    raw.get("/trainings")
    refused = raw.get("/trainings")
    assert refused.headers["retry-after"] == str(resets_in(refused)) == "1"


@pytest.mark.local_replicate(rate_limit=True)
def test_replicates_limits_by_default(raw: httpx.Client, clock: ManualClock) -> None:
    """600 creates and 3,000 other requests a minute, bursts of 5 seconds' worth."""
    assert RateLimit().bucket("create") == (50.0, 10.0)
    assert RateLimit().bucket("other") == (250.0, 50.0)
    assert {raw.get("/trainings").status_code for _ in range(250)} == {200}
    assert resets_in(raw.get("/trainings")) == 1
    clock.advance(1 / 50)
    assert raw.get("/trainings").status_code == 200
    assert {raw.post(CREATE, json=BODY).status_code for _ in range(50)} == {201}
    assert resets_in(raw.post(CREATE, json=BODY)) == 1


def test_a_client_at_the_rate_is_never_refused(clock: ManualClock) -> None:
    with (
        LocalReplicate(rate_limit=True, clock=clock, ticker=False) as app,
        app.serve() as server,
        httpx.Client(
            base_url=server.base_url, headers={"Authorization": f"Bearer {app.token}"}
        ) as client,
    ):
        statuses = set()
        for _ in range(600):  # 12 s of gets at 3,000 a minute, well past the burst
            statuses.add(client.get("/trainings").status_code)
            clock.advance(60 / 3000)
        assert statuses == {200}
        assert app.throttle is not None and app.throttle.refused == 0


def test_reset_refills_every_bucket(raw: httpx.Client, endpoint: Endpoint) -> None:
    for _ in range(3):
        raw.get("/trainings")
    assert raw.get("/trainings").status_code == 429
    assert endpoint.app.throttle is not None
    endpoint.app.throttle.reset()
    assert raw.get("/trainings").status_code == 200
    assert endpoint.app.throttle.refused == 1


def test_unthrottled_by_default() -> None:
    with LocalReplicate() as app:
        assert app.throttle is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"create_per_minute": 0}, "must be positive"),
        ({"other_per_minute": -1}, "must be positive"),
        ({"create_burst": 0.5}, "at least one request"),
        ({"other_burst": 0}, "at least one request"),
    ],
)
def test_rate_limit_rejects_nonsense(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RateLimit(**options)


def test_the_429_answers_over_a_real_socket(local_replicate_server: LocalServer) -> None:
    headers = {"Authorization": f"Bearer {local_replicate_server.token}"}
    with httpx.Client(base_url=local_replicate_server.base_url, headers=headers) as client:
        statuses = [client.get("/trainings").status_code for _ in range(4)]
        refused = client.get("/trainings")
    assert statuses == [200, 200, 200, 429]
    assert json.loads(refused.content) == {
        "detail": "Request was throttled. Your rate limit resets in ~1s."
    }
    assert refused.headers["content-length"] == str(len(refused.content))
