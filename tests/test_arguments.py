"""Bad arguments raise ValueError/TypeError naming the argument, before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from replicate_trainings import Client


@pytest.fixture
def sent() -> list[httpx.Request]:
    return []


@pytest.fixture
def client(sent: list[httpx.Request]) -> Client:
    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(500)

    http = httpx.Client(transport=httpx.MockTransport(record))
    return Client("r8_token", base_url="https://api.test/v1", http_client=http, max_retries=0)


GOOD: dict[str, Any] = {"destination": "me/new-model", "input": {"data": "https://x/y.zip"}}

BAD_CALLS: list[tuple[str, type[Exception], str, Callable[[Client], object]]] = [
    ("empty id", ValueError, "training_id", lambda c: c.trainings.get("")),
    ("dot-dot id", ValueError, "training_id", lambda c: c.trainings.get("../x")),
    ("slash id", ValueError, "training_id", lambda c: c.trainings.cancel("a/b")),
    ("query id", ValueError, "training_id", lambda c: c.trainings.get("a?b")),
    ("fragment id", ValueError, "training_id", lambda c: c.trainings.get("a#b")),
    ("encoded id", ValueError, "training_id", lambda c: c.trainings.get("%2e%2e")),
    ("int id", TypeError, "training_id", lambda c: c.trainings.get(5)),  # type: ignore[arg-type]
    ("no ref", TypeError, "ref=", lambda c: c.trainings.create(**GOOD)),
    ("ref without version", ValueError, "ref", lambda c: c.trainings.create("o/m", **GOOD)),
    # a bad part of ref names ref, the argument given, not the part it was split into
    ("ref's model not owner/name", ValueError, "ref", lambda c: c.trainings.create("om:v", **GOOD)),
    ("ref's version", ValueError, "ref", lambda c: c.trainings.create("o/m:../x", **GOOD)),
    (
        "model not owner/name",
        ValueError,
        "model",
        lambda c: c.trainings.create(model="om", version="v", **GOOD),
    ),
    (
        "ref and model",
        TypeError,
        "either ref",
        lambda c: c.trainings.create("o/m:v", model="o/m", **GOOD),
    ),
    (
        "model without version",
        TypeError,
        "version=",
        lambda c: c.trainings.create(model="o/m", **GOOD),
    ),
    (
        "path-like version",
        ValueError,
        "version",
        lambda c: c.trainings.create(model="o/m", version="../v", **GOOD),
    ),
    (
        "destination not owner/name",
        ValueError,
        "destination",
        lambda c: c.trainings.create("o/m:v", destination="me", input={}),
    ),
    (
        "input a list",
        TypeError,
        "input",
        lambda c: c.trainings.create("o/m:v", destination="a/b", input=[1]),  # type: ignore[arg-type]
    ),
    (
        "input not JSON",
        TypeError,
        "input",
        lambda c: c.trainings.create("o/m:v", destination="a/b", input={"f": object()}),
    ),
    (
        "http webhook",
        ValueError,
        "webhook",
        lambda c: c.trainings.create("o/m:v", **GOOD, webhook="http://example.com/hook"),
    ),
    (
        "relative webhook",
        ValueError,
        "webhook",
        lambda c: c.trainings.create("o/m:v", **GOOD, webhook="/hook"),
    ),
    (
        "webhook port out of range",
        ValueError,
        "webhook",
        lambda c: c.trainings.create("o/m:v", **GOOD, webhook="https://e.com:99999/h"),
    ),
    (
        "unknown event",
        ValueError,
        "webhook_events_filter",
        lambda c: c.trainings.create(
            "o/m:v", **GOOD, webhook="https://e.com/h", webhook_events_filter=["begin"]
        ),
    ),
    (
        "filter as a string",
        TypeError,
        "webhook_events_filter",
        lambda c: c.trainings.create(
            "o/m:v", **GOOD, webhook="https://e.com/h", webhook_events_filter="start"
        ),
    ),
    (
        "filter without webhook",
        ValueError,
        "webhook_events_filter",
        lambda c: c.trainings.create("o/m:v", **GOOD, webhook_events_filter=["start"]),
    ),
    ("empty cursor", ValueError, "cursor", lambda c: c.trainings.list(cursor="")),
    (
        "poll interval 0",
        ValueError,
        "poll_interval",
        lambda c: c.trainings.watch("a", poll_interval=0),
    ),
    ("negative wait", ValueError, "timeout", lambda c: c.trainings.wait("a", timeout=-1)),
    ("watch bad id", ValueError, "training_or_id", lambda c: c.trainings.watch("../a")),
]


@pytest.mark.parametrize(
    ("kind", "name", "call"), [case[1:] for case in BAD_CALLS], ids=[case[0] for case in BAD_CALLS]
)
def test_bad_argument_names_itself_and_sends_nothing(
    client: Client,
    sent: list[httpx.Request],
    kind: type[Exception],
    name: str,
    call: Callable[[Client], object],
) -> None:
    with pytest.raises(kind, match=name):
        call(client)
    assert sent == []


def test_http_webhook_is_allowed_to_this_machine_only(
    client: Client, sent: list[httpx.Request]
) -> None:
    for url in ("http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/h"):
        with pytest.raises(Exception, match="500"):
            client.trainings.create("o/m:v", **GOOD, webhook=url)
    assert len(sent) == 3


@pytest.mark.parametrize(
    ("kwargs", "kind", "message"),
    [
        ({"token": ""}, ValueError, "token is empty"),
        ({"token": "a b"}, ValueError, "characters"),
        ({"base_url": "ftp://x"}, ValueError, "base_url"),
        ({"base_url": "https://x/v1?q=1"}, ValueError, "base_url"),
        ({"timeout": 0}, ValueError, "timeout"),
        ({"max_retries": -1}, ValueError, "max_retries"),
        ({"max_retries": "3"}, TypeError, "max_retries"),
        ({"http_client": object()}, TypeError, "http_client"),
    ],
)
def test_bad_client_settings(kwargs: dict[str, Any], kind: type[Exception], message: str) -> None:
    with pytest.raises(kind, match=message):
        Client(**({"token": "r8_x"} | kwargs))


def test_missing_token_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REPLICATE_API_TOKEN", raising=False)
    with pytest.raises(ValueError, match="REPLICATE_API_TOKEN"):
        Client()


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", " r8_from_env\n")
    monkeypatch.setenv("REPLICATE_BASE_URL", "http://127.0.0.1:9/v1/")
    with Client() as client:
        assert repr(client) == "Client(base_url='http://127.0.0.1:9/v1')"
        assert "r8_from_env" not in repr(client.trainings) + repr(vars(client))
