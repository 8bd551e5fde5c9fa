"""Fault injection: errors before and after effect, 429s, delays, drops, exact answers."""

from __future__ import annotations

import time
from collections import Counter

import httpx
import pytest
from replicate_trainings.testing import Endpoint, Fault, LocalReplicate, Request

from tests.testing.helpers import BODY, CREATE, create


def test_a_rate_limit_with_retry_after(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.rate_limit(retry_after=2))
    response = api.get("/trainings")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 429
    assert api.get("/trainings").status_code == 200
    assert local_replicate.faults.injected == 1


def test_retry_after_can_be_an_http_date(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    when = "Wed, 21 Oct 2015 07:28:00 GMT"
    local_replicate.faults.add(Fault.rate_limit(when))
    assert api.get("/trainings").headers["retry-after"] == when


def test_an_error_before_the_request_takes_effect(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.error(503), operation="create")
    assert api.get("/trainings").status_code == 200
    response = api.post(CREATE, json=BODY)
    assert response.status_code == 503
    assert response.json()["title"] == "Service Unavailable"
    assert len(local_replicate) == 0
    create(api)
    assert len(local_replicate) == 1


def test_an_error_after_the_request_took_effect(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.error(500, after=True), operation="create")
    assert api.post(CREATE, json=BODY).status_code == 500
    assert len(local_replicate) == 1
    [made] = api.get("/trainings").json()["results"]
    assert made["status"] == "starting"


def test_an_error_after_a_cancel_still_cancels(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    t = create(api)
    local_replicate.faults.add(Fault.error(502, after=True), operation="cancel")
    assert api.post(f"/trainings/{t['id']}/cancel").status_code == 502
    assert local_replicate.training(t["id"])["status"] == "canceled"


def test_faults_count_down_and_aim_at_one_operation(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    t = create(api)
    local_replicate.faults.add(Fault.error(502), times=3, operation="get")
    assert local_replicate.faults.pending == 3
    assert api.get("/trainings").status_code == 200
    codes = [api.get(f"/trainings/{t['id']}").status_code for _ in range(4)]
    assert codes == [502, 502, 502, 200]
    assert local_replicate.faults.pending == 0
    assert local_replicate.faults.injected == 3
    assert [op for op, _ in local_replicate.faults.served] == ["get"] * 3


def test_faults_queue_in_order(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.rate_limit(1))
    local_replicate.faults.add(Fault.error(503), times=2)
    local_replicate.faults.add(Fault.error(504))
    codes = [api.get("/trainings").status_code for _ in range(5)]
    assert codes == [429, 503, 503, 504, 200]


def test_a_fault_until_cleared(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.error(500), times=None, operation="list")
    assert {api.get("/trainings").status_code for _ in range(5)} == {500}
    local_replicate.faults.clear()
    assert api.get("/trainings").status_code == 200
    assert local_replicate.faults.injected == 5


def test_other_paths_can_be_aimed_at(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.error(503), operation="other")
    assert api.get("/trainings").status_code == 200
    assert api.get("/elsewhere").status_code == 503


def test_random_faults_follow_their_rates_and_their_seed() -> None:
    def run() -> list[int]:
        with LocalReplicate() as app:
            app.faults.random({Fault.error(503): 0.2, Fault.rate_limit(): 0.1}, seed=7)
            headers = httpx.Headers({"Authorization": f"Bearer {app.token}"})
            request = Request("GET", "/v1/trainings", "", headers)
            codes = [app.handle(request).status for _ in range(2000)]
            assert app.faults.injected == codes.count(503) + codes.count(429)
            return codes

    codes = run()
    counts = Counter(codes)
    assert 340 < counts[503] < 460
    assert 150 < counts[429] < 250
    assert counts[200] == 2000 - counts[503] - counts[429]
    assert run() == codes


def test_random_faults_can_aim_at_one_operation(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.random({Fault.error(500): 1.0}, operation="cancel")
    assert api.get("/trainings").status_code == 200
    assert api.post("/trainings/x/cancel").status_code == 500


def test_queued_faults_come_before_random_ones(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.random({Fault.error(500): 1.0})
    local_replicate.faults.add(Fault.rate_limit())
    assert [api.get("/trainings").status_code for _ in range(2)] == [429, 500]


def test_a_slow_answer(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.slow(0.2))
    started = time.perf_counter()
    assert api.get("/trainings").status_code == 200
    assert time.perf_counter() - started >= 0.2


def test_a_slow_answer_times_the_client_out(
    raw: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.slow(1.0), operation="create")
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        raw.post(CREATE, json=BODY, timeout=httpx.Timeout(5, read=0.1))
    assert time.perf_counter() - started < 0.9
    assert len(local_replicate) == 1  # it took effect; only the answer was late


def test_an_error_can_be_slow(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.error(503, delay=0.1))
    started = time.perf_counter()
    assert api.get("/trainings").status_code == 503
    assert time.perf_counter() - started >= 0.1


def test_a_connection_dropped_before_the_request_takes_effect(
    endpoint: Endpoint, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.drop(), operation="create")
    expected = httpx.ConnectError if endpoint.kind == "transport" else httpx.RemoteProtocolError
    with endpoint.client() as client:
        with pytest.raises(expected):
            client.post(CREATE, json=BODY)
        assert len(local_replicate) == 0
        assert client.post(CREATE, json=BODY).status_code == 201


def test_a_connection_dropped_after_the_request_took_effect(
    endpoint: Endpoint, local_replicate: LocalReplicate
) -> None:
    local_replicate.faults.add(Fault.drop(after=True), operation="create")
    with endpoint.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.post(CREATE, json=BODY)
        assert len(local_replicate) == 1
        assert client.get("/trainings").status_code == 200


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (502, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>"),
        (520, {"Content-Type": "text/plain"}, b"origin error"),
        (200, {"Content-Type": "application/json"}, b'{"id": "abc", "sta'),
        (500, {}, b""),
    ],
)
def test_scripted_exact_answers(
    raw: httpx.Client,
    local_replicate: LocalReplicate,
    status: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    local_replicate.faults.add(Fault.respond(status, body, headers), operation="get")
    response = raw.get("/trainings/anything")
    assert response.status_code == status
    assert response.content == body
    for name, value in headers.items():
        assert response.headers[name] == value
    assert response.headers["content-length"] == str(len(body))


def test_a_scripted_answer_after_effect(raw: httpx.Client, local_replicate: LocalReplicate) -> None:
    local_replicate.faults.add(Fault.respond(200, b"{", after=True), operation="create")
    assert raw.post(CREATE, json=BODY).content == b"{"
    assert len(local_replicate) == 1


def test_fault_rules_reject_nonsense(local_replicate: LocalReplicate) -> None:
    with pytest.raises(ValueError, match="times"):
        local_replicate.faults.add(Fault.error(), times=0)
    with pytest.raises(ValueError, match="probabilities"):
        local_replicate.faults.random({Fault.error(): 0.7, Fault.rate_limit(): 0.4})
