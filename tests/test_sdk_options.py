"""For SDKs built on this one: NOT_GIVEN, client-wide default headers and query, and the
caller's User-Agent, as the local Replicate (or a raw socket) receives them over loopback."""

from __future__ import annotations

import contextlib
import copy
import pickle
import platform
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from replicate_trainings import (
    NOT_GIVEN,
    APITimeoutError,
    AsyncClient,
    Client,
    NotFoundError,
    NotGiven,
    Training,
    __version__,
)
from replicate_trainings.testing import LocalReplicate, LocalServer

from tests import payloads
from tests.rawserver import raw_server

REF = f"stability-ai/sdxl:{payloads.VERSION}"
INPUT = {"input_images": "https://example.com/data.zip"}
LIBRARY_AGENT = (
    f"replicate-trainings/{__version__} python/{platform.python_version()} "
    f"httpx/{httpx.__version__}"
)


def get(
    client: Client, training_id: str, timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN
) -> Training:
    """An SDK's wrapper that passes its own optional argument on."""
    return client.trainings.get(training_id, timeout=timeout)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that reads each request and does not answer: it hangs up after 10 s
    (so a client without a deadline fails with a connection error rather than hanging)."""
    done = threading.Event()

    def never(connection: socket.socket, request: bytes) -> None:
        done.wait(10)
        with contextlib.suppress(OSError):  # the client may have gone already
            connection.shutdown(socket.SHUT_RDWR)

    with raw_server(never) as base_url:
        yield base_url
        done.set()


# -- NOT_GIVEN -------------------------------------------------------------------------------


def test_not_given_is_one_falsy_object_whatever_is_done_to_it() -> None:
    assert NotGiven() is NOT_GIVEN
    assert copy.copy(NOT_GIVEN) is NOT_GIVEN and copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"


def test_a_wrapper_passing_not_given_keeps_the_clients_deadline(silent_server: str) -> None:
    client = Client("t", base_url=silent_server, timeout=0.3, max_retries=0)
    with client, pytest.raises(APITimeoutError):
        get(client, "abc")  # timeout=NOT_GIVEN: the client's 0.3 s, not None (no limit)


def test_not_given_for_the_constructors_timeout_is_the_default_60_seconds() -> None:
    with Client("t", base_url="http://127.0.0.1:9", timeout=NOT_GIVEN) as client:
        given = client.with_options(timeout=NOT_GIVEN)
        default = Client("t", base_url="http://127.0.0.1:9")
        assert client._config.timeout == default._config.timeout == httpx.Timeout(60, connect=10)
        assert given._config.timeout == client._config.timeout
        default.close()


def test_every_per_call_option_as_not_given_is_left_out(
    client: Client, local_replicate: LocalReplicate
) -> None:
    created = client.trainings.create(
        REF,
        destination="acme/tuned",
        input=INPUT,
        webhook=NOT_GIVEN,
        webhook_events_filter=NOT_GIVEN,
        timeout=NOT_GIVEN,
        extra_headers=NOT_GIVEN,
        extra_query=NOT_GIVEN,
    )
    client.trainings.get(created.id, timeout=NOT_GIVEN, extra_query=NOT_GIVEN)
    client.trainings.wait(created.id, poll_interval=0.01, request_timeout=NOT_GIVEN)
    list(client.trainings.list(extra_headers=NOT_GIVEN))

    create, *others = local_replicate.requests
    assert create.json() == {"destination": "acme/tuned", "input": INPUT}
    assert all(sent.query == "" for sent in local_replicate.requests)
    assert (create.operation, others[0].operation, others[-1].operation) == (
        "create",
        "get",
        "list",
    )


def test_the_operations_own_optional_arguments_take_not_given(
    client: Client, local_replicate: LocalReplicate
) -> None:
    made = client.trainings.create(
        NOT_GIVEN,
        model=REF.partition(":")[0],
        version=REF.partition(":")[2],
        destination="acme/tuned",
        input=INPUT,
        extra_body=NOT_GIVEN,
        reconcile=NOT_GIVEN,
    )
    done = client.trainings.wait(made.id, timeout=NOT_GIVEN, poll_interval=NOT_GIVEN)
    assert done.is_terminal
    ended = client.trainings.wait_all([made.id], timeout=NOT_GIVEN, poll_interval=NOT_GIVEN)
    assert [t.id for t in ended] == [made.id]
    assert [t.id for t in client.trainings.list(cursor=NOT_GIVEN)] == [made.id]
    assert local_replicate.requests[0].json() == {"destination": "acme/tuned", "input": INPUT}


def test_the_constructors_optional_arguments_take_not_given(
    monkeypatch: pytest.MonkeyPatch, local_replicate_server: LocalServer
) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", local_replicate_server.token)
    monkeypatch.setenv("REPLICATE_BASE_URL", local_replicate_server.base_url)
    with Client(
        NOT_GIVEN,
        base_url=NOT_GIVEN,
        timeout=NOT_GIVEN,
        max_retries=NOT_GIVEN,
        max_response_bytes=NOT_GIVEN,
        http_client=NOT_GIVEN,
        allow_insecure_http=NOT_GIVEN,
        default_headers=NOT_GIVEN,
        default_query=NOT_GIVEN,
    ) as client:
        clone = client.with_options(
            timeout=NOT_GIVEN,
            max_retries=NOT_GIVEN,
            max_response_bytes=NOT_GIVEN,
            default_headers=NOT_GIVEN,
            default_query=NOT_GIVEN,
        )
        with Client() as plain:
            assert client._config == plain._config
        assert clone._config == client._config
        with pytest.raises(NotFoundError):
            clone.trainings.get("abc")


# -- default headers and query --------------------------------------------------------------


@pytest.mark.local_replicate(seed=5, page_size=2)
def test_default_headers_and_query_go_with_every_request_pages_included(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    with Client(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        default_headers={"X-Team": "ml", "Accept": "application/json, */*"},
        default_query={"trace": 1},
    ) as client:
        trainings = list(client.trainings.list())
        client.trainings.get(trainings[0].id)

    assert len(local_replicate.requests) == 4  # three pages and a get
    for sent in local_replicate.requests:
        assert sent.headers.get_list("x-team") == ["ml"]
        assert sent.headers.get_list("accept") == ["application/json, */*"]  # replaced
        assert sent.params["trace"] == ["1"]
        assert sent.headers["authorization"] == f"Bearer {local_replicate.token}"
    assert "cursor" in local_replicate.requests[1].params  # a page's own query is kept


def test_a_calls_extra_headers_and_query_win_over_the_defaults(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    with httpx.Client() as http:
        client = Client(
            local_replicate_server.token,
            base_url=local_replicate_server.base_url,
            http_client=http,
            default_headers={"X-Team": "ml", "X-Keep": "1"},
            default_query={"trace": "default", "keep": "1"},
        )
        with pytest.raises(NotFoundError):
            client.trainings.get("abc", extra_headers={"x-team": "infra"}, extra_query={"trace": 2})

    (sent,) = local_replicate.requests
    assert sent.headers.get_list("x-team") == ["infra"]
    assert sent.headers.get_list("x-keep") == ["1"]
    assert sent.params == {"trace": ["2"], "keep": ["1"]}


def test_with_options_adds_defaults_over_the_parents_and_leaves_the_parent_alone(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    with Client(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        default_headers={"X-Team": "ml", "X-Keep": "1"},
        default_query={"keep": "1"},
    ) as parent:
        child = parent.with_options(default_headers={"X-Team": "infra"}, default_query={"a": "b"})
        for client in (child, parent):
            with pytest.raises(NotFoundError):
                client.trainings.get("abc")

    to_child, to_parent = local_replicate.requests
    assert to_child.headers.get_list("x-team") == ["infra"]
    assert to_child.headers.get_list("x-keep") == ["1"]
    assert to_child.params == {"keep": ["1"], "a": ["b"]}
    assert to_parent.headers.get_list("x-team") == ["ml"]
    assert to_parent.params == {"keep": ["1"]}


@pytest.mark.anyio
async def test_the_async_client_sends_the_defaults(
    local_replicate_server: LocalServer, local_replicate: LocalReplicate
) -> None:
    async with AsyncClient(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        default_headers={"User-Agent": "mysdk/1.0", "X-Team": "ml"},
        default_query={"trace": "1"},
    ) as client:
        with pytest.raises(NotFoundError):
            await client.trainings.get("abc")

    (sent,) = local_replicate.requests
    assert sent.headers.get_list("x-team") == ["ml"]
    assert sent.headers.get_list("user-agent") == [f"mysdk/1.0 {LIBRARY_AGENT}"]
    assert sent.params == {"trace": ["1"]}


@pytest.mark.parametrize(
    ("arguments", "error", "match"),
    [
        ({"default_headers": {"Authorization": "x"}}, ValueError, "default_headers may not set"),
        ({"default_headers": {"Host": "x"}}, ValueError, "default_headers may not set"),
        ({"default_headers": {"X-A": "a\r\nB: 1"}}, ValueError, r"default_headers\['X-A'\]"),
        ({"default_headers": [("X-A", "1")]}, TypeError, "default_headers must be a mapping"),
        ({"default_query": {"cursor": "x"}}, ValueError, "default_query has 'cursor'"),
        ({"default_query": {"a": 1.5}}, TypeError, r"default_query\['a'\] must be a string"),
        ({"default_query": "a=1"}, TypeError, "default_query must be a mapping"),
    ],
)
def test_defaults_are_checked_as_the_per_call_options_are(
    arguments: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        Client("t", base_url="http://127.0.0.1:9", **arguments)  # type: ignore[arg-type]
    with Client("t", base_url="http://127.0.0.1:9") as client, pytest.raises(error, match=match):
        client.with_options(**arguments)  # type: ignore[arg-type]


# -- the User-Agent -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("http_headers", "default_headers", "expected"),
    [
        (None, None, LIBRARY_AGENT),
        ({}, None, LIBRARY_AGENT),  # httpx's own python-httpx/x.y is not the caller's
        ({"User-Agent": "mysdk/1.0"}, None, f"mysdk/1.0 {LIBRARY_AGENT}"),
        (None, {"user-agent": "mysdk/1.0 (team ml)"}, f"mysdk/1.0 (team ml) {LIBRARY_AGENT}"),
        ({"User-Agent": "old/1"}, {"User-Agent": "mysdk/2"}, f"mysdk/2 {LIBRARY_AGENT}"),
    ],
)
def test_the_server_gets_the_callers_product_token_then_the_librarys(
    local_replicate_server: LocalServer,
    local_replicate: LocalReplicate,
    http_headers: dict[str, str] | None,
    default_headers: dict[str, str] | None,
    expected: str,
) -> None:
    http = None if http_headers is None else httpx.Client(headers=http_headers)
    with Client(
        local_replicate_server.token,
        base_url=local_replicate_server.base_url,
        http_client=http,
        default_headers=default_headers,
    ) as client:
        with pytest.raises(NotFoundError):
            client.trainings.get("abc")
        with pytest.raises(NotFoundError):
            client.with_options(timeout=5).trainings.get("abc")
    if http is not None:
        http.close()

    assert [sent.headers.get_list("user-agent") for sent in local_replicate.requests] == [
        [expected],
        [expected],
    ]


def test_a_raw_socket_sees_one_user_agent_line() -> None:
    """Below httpx's Headers: the request carries exactly one User-Agent field."""
    seen: list[bytes] = []

    def answer(connection: socket.socket, request: bytes) -> None:
        seen.append(request)
        connection.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    with raw_server(answer) as base_url, httpx.Client(headers={"User-Agent": "mysdk/1.0"}) as h:
        client = Client("t", base_url=base_url, http_client=h, max_retries=0)
        with pytest.raises(NotFoundError):
            client.trainings.get("abc")

    fields = [line.partition(b":") for line in seen[0].split(b"\r\n")[1:]]
    agents = [value.strip() for name, _, value in fields if name.lower() == b"user-agent"]
    assert agents == [f"mysdk/1.0 {LIBRARY_AGENT}".encode()]
