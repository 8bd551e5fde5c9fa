"""Webhooks: signed deliveries of the training on the events a create selects."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from replicate_trainings.testing import DEFAULT_WEBHOOK_SECRET, LocalReplicate
from standardwebhooks import Webhook

from tests.testing.helpers import create

HOOK = "https://hooks.example.com/replicate"
SECRET = "whsec_c2VjcmV0LWZvci10ZXN0cy1vbmx5"


class Receiver:
    """An in-process webhook endpoint: records requests, fails or dawdles on demand."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.failures = 0
        self.delay = 0.0
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        time.sleep(self.delay)
        with self.lock:
            self.requests.append(request)
            if self.failures:
                self.failures -= 1
                return httpx.Response(500)
        return httpx.Response(204)


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
def local_replicate_options(receiver: Receiver) -> dict[str, Any]:
    return {
        "webhook_transport": httpx.MockTransport(receiver),
        "webhook_retry_delay": 0.01,
    }


def run_to_the_end(app: LocalReplicate, training_id: str) -> None:
    app.step(training_id, 3)
    assert app.wait_for_webhooks()


def test_every_event_by_default(
    api: httpx.Client, local_replicate: LocalReplicate, receiver: Receiver
) -> None:
    t = create(api, webhook=HOOK)
    run_to_the_end(local_replicate, t["id"])
    deliveries = local_replicate.deliveries
    assert [d.payload["status"] for d in deliveries] == [
        "starting",
        "processing",
        "processing",
        "succeeded",
    ]
    assert [sorted(d.events) for d in deliveries] == [
        ["start"],
        ["logs"],
        ["logs"],
        ["completed", "logs", "output"],
    ]
    assert all(d.ok and d.attempts == 1 and d.url == HOOK for d in deliveries)
    assert len({d.id for d in deliveries}) == 4
    assert deliveries[-1].payload == api.get(f"/trainings/{t['id']}").json()
    verifier = Webhook(DEFAULT_WEBHOOK_SECRET)
    for request, delivery in zip(receiver.requests, deliveries, strict=True):
        assert str(request.url) == HOOK
        assert request.method == "POST"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["webhook-id"] == delivery.id
        assert request.headers["webhook-signature"].startswith("v1,")
        assert verifier.verify(request.content, dict(request.headers)) == delivery.payload


@pytest.mark.parametrize(
    ("events", "statuses"),
    [
        (["completed"], ["succeeded"]),
        (["start"], ["starting"]),
        (["output"], ["succeeded"]),
        (["logs"], ["processing", "processing", "succeeded"]),
        (["start", "completed"], ["starting", "succeeded"]),
        ([], []),
    ],
)
def test_the_events_filter_selects_deliveries(
    api: httpx.Client, local_replicate: LocalReplicate, events: list[str], statuses: list[str]
) -> None:
    t = create(api, webhook=HOOK, webhook_events_filter=events)
    run_to_the_end(local_replicate, t["id"])
    assert [d.payload["status"] for d in local_replicate.deliveries] == statuses


def test_a_failed_training_sends_no_output_event(
    api: httpx.Client, local_replicate: LocalReplicate
) -> None:
    local_replicate.plan("failed")
    t = create(api, webhook=HOOK, webhook_events_filter=["output", "completed"])
    run_to_the_end(local_replicate, t["id"])
    [delivery] = local_replicate.deliveries
    assert delivery.events == {"completed", "logs"}
    assert delivery.payload["status"] == "failed"


def test_a_cancel_is_a_completed_event(api: httpx.Client, local_replicate: LocalReplicate) -> None:
    t = create(api, webhook=HOOK, webhook_events_filter=["completed"])
    api.post(f"/trainings/{t['id']}/cancel")
    assert local_replicate.wait_for_webhooks()
    assert [d.payload["status"] for d in local_replicate.deliveries] == ["canceled"]


def test_failed_deliveries_are_retried_with_the_same_id(
    api: httpx.Client, local_replicate: LocalReplicate, receiver: Receiver
) -> None:
    receiver.failures = 2
    create(api, webhook=HOOK, webhook_events_filter=["start"])
    assert local_replicate.wait_for_webhooks()
    [delivery] = local_replicate.deliveries
    assert (delivery.attempts, delivery.ok, delivery.status_code) == (3, True, 204)
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.id}
    verifier = Webhook(DEFAULT_WEBHOOK_SECRET)
    for request in receiver.requests:
        verifier.verify(request.content, dict(request.headers))


def test_a_delivery_is_given_up_after_its_retries(
    api: httpx.Client, local_replicate: LocalReplicate, receiver: Receiver
) -> None:
    receiver.failures = 100
    create(api, webhook=HOOK, webhook_events_filter=["start"])
    assert local_replicate.wait_for_webhooks()
    [delivery] = local_replicate.deliveries
    assert (delivery.attempts, delivery.ok, delivery.status_code) == (3, False, 500)


def test_deliveries_never_hold_up_the_answer(
    api: httpx.Client, local_replicate: LocalReplicate, receiver: Receiver
) -> None:
    receiver.delay = 0.5
    started = time.perf_counter()
    create(api, webhook=HOOK)
    assert time.perf_counter() - started < 0.4
    assert local_replicate.wait_for_webhooks()
    assert len(receiver.requests) == 1


@pytest.mark.local_replicate(webhook_secret=SECRET)
def test_the_secret_is_configurable(
    api: httpx.Client, local_replicate: LocalReplicate, receiver: Receiver
) -> None:
    create(api, webhook=HOOK, webhook_events_filter=["start"])
    assert local_replicate.wait_for_webhooks()
    [request] = receiver.requests
    Webhook(SECRET).verify(request.content, dict(request.headers))


class _Hook(BaseHTTPRequestHandler):
    server: _HookServer

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers.items()), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _HookServer(ThreadingHTTPServer):
    received: list[tuple[dict[str, str], bytes]]


@pytest.fixture
def hook_server() -> Iterator[_HookServer]:
    server = _HookServer(("127.0.0.1", 0), _Hook)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def test_deliveries_over_real_http(hook_server: _HookServer) -> None:
    url = f"http://127.0.0.1:{hook_server.server_address[1]}/hook"
    with LocalReplicate() as app, app.serve() as server:
        endpoint = "/models/a/b/versions/c/trainings"
        headers = {"Authorization": f"Bearer {server.token}"}
        with httpx.Client(base_url=server.base_url, headers=headers) as client:
            t = client.post(endpoint, json={"destination": "a/c", "input": {}, "webhook": url})
        assert app.wait_for_webhooks()
    [(headers, body)] = hook_server.received
    payload = Webhook(DEFAULT_WEBHOOK_SECRET).verify(body, headers)
    assert payload == t.json()
    assert payload["urls"]["get"].startswith(server.base_url)
