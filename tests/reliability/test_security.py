"""Security: the token stays secret (logs at DEBUG, reprs, errors, pickles), never leaves
the configured host (redirects, foreign `next` links, foreign `urls`), ids cannot reach
another endpoint, and webhook verification rejects tampering and stale replays."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import pickle
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from replicate_trainings import (
    APIStatusError,
    AsyncClient,
    Client,
    ReplicateError,
    ResponseParseError,
    Training,
    WebhookVerificationError,
    verify_webhook,
)
from replicate_trainings._pipeline import request
from replicate_trainings.testing import (
    DEFAULT_WEBHOOK_SECRET,
    Fault,
    LocalReplicate,
    LocalServer,
)
from standardwebhooks import Webhook

from tests import payloads
from tests.reliability._support import (
    FAST,
    FIGURES,
    FUZZ,
    GOOD_CREATE,
    NO_RETRIES,
    REF,
    Reporter,
    async_client,
    client,
    closed_port,
    in_process_client,
)

SECRET = "r8_S3cr3tT0kenNeverToBeSeen4f9a0c"
WRONG = "r8_Wr0ngT0kenAlsoSecret77e1b2"
SECRETS = (SECRET, WRONG)
JSON_HEADERS = {"Content-Type": "application/json"}


@pytest.fixture
def second_host() -> Iterator[LocalServer]:
    """Another local server on another port: if it ever gets a request, the token left."""
    with LocalReplicate(token=SECRET) as app, app.serve() as server:
        yield server


def leaks(text: str) -> bool:
    return any(secret in text for secret in SECRETS)


def assert_no_token(what: str, text: str) -> None:
    assert not leaks(text), f"the token shows in {what}: {text[:300]}"


def error_texts(error: BaseException) -> dict[str, str]:
    texts = {
        "str": str(error),
        "repr": repr(error),
        "args": repr(error.args),
        "traceback": "".join(traceback.format_exception(error)),
        "attributes": repr(vars(error)),
    }
    if isinstance(error, APIStatusError):
        texts["response"] = repr(error.response)
        texts["request"] = repr(error.response.request)
        texts["request headers"] = repr(error.response.request.headers)
        texts["body"] = repr(error.body)
    return texts


def collect(errors: list[BaseException], call: Callable[[], object]) -> None:
    try:
        call()
    except ReplicateError as exc:
        errors.append(exc)


def exercise_everything(
    app: LocalReplicate, c: Client, server: LocalServer, second_host: LocalServer
) -> list[BaseException]:
    """Every operation, with successes, retries and failures of each kind; the errors."""
    errors: list[BaseException] = []
    trainings = c.trainings
    made = trainings.create(REF, **GOOD_CREATE)
    app.faults.add(Fault.error(500, after=True), operation="create")
    collect(errors, lambda: trainings.create(REF, **GOOD_CREATE))
    app.faults.add(Fault.error(503), times=2, operation="get")
    trainings.get(made.id)  # two retries
    collect(errors, lambda: trainings.get("nosuchtraining"))
    app.faults.add(Fault.rate_limit(retry_after=0), operation="list")
    assert len(list(trainings.list())) == len(app)  # a 429, then every page
    app.faults.add(Fault.drop(), operation="cancel")
    trainings.cancel(made.id)
    list(trainings.watch(trainings.create(REF, **GOOD_CREATE), poll_interval=0.01))
    running = app.create(outcome="processing")["id"]
    collect(errors, lambda: trainings.wait(running, timeout=0.05, poll_interval=0.01))
    page: dict[str, Any] = {"results": [], "next": f"{second_host.base_url}/trainings?cursor=x"}
    app.faults.add(Fault.respond(200, json.dumps(page).encode(), JSON_HEADERS), operation="list")
    collect(errors, lambda: list(trainings.list()))
    app.faults.add(Fault.respond(200, b"<html>oops</html>"), operation="get")
    collect(errors, lambda: trainings.get(made.id))
    app.faults.add(Fault.error(503), times=FAST.max_retries + 1, operation="get")
    collect(errors, lambda: trainings.get(made.id))
    app.faults.add(Fault.rate_limit(retry_after=0), times=FAST.max_retries + 1)
    collect(errors, lambda: trainings.cancel(made.id))
    wrong = Client(WRONG, base_url=server.base_url, max_retries=NO_RETRIES)
    collect(errors, lambda: wrong.trainings.get(made.id))
    assert_no_token("the wrong-token Client", repr(wrong) + repr(vars(wrong)))
    nowhere = Client(
        SECRET, base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=NO_RETRIES
    )
    collect(errors, lambda: nowhere.trainings.get("x"))

    async def run_async() -> None:
        async with async_client(server) as ac:
            await ac.trainings.get(made.id)
            app.faults.add(Fault.error(502), times=FAST.max_retries + 1)
            try:
                await ac.trainings.get(made.id)
            except ReplicateError as exc:
                errors.append(exc)
            assert_no_token("repr(AsyncClient)", repr(ac) + str(ac) + repr(vars(ac)))

    asyncio.run(run_async())
    return errors


def check_records(caplog: pytest.LogCaptureFixture) -> None:
    """Every record of every logger at DEBUG: messages, arguments and tracebacks."""
    ours = [r for r in caplog.records if r.name.startswith("replicate_trainings")]
    assert any(r.levelno == logging.DEBUG for r in ours), "no DEBUG records to check"
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for record in caplog.records:
        assert_no_token(f"log record {record.name}", formatter.format(record))
        assert_no_token(f"log record {record.name} args", repr(record.args))
    assert_no_token("caplog.text", caplog.text)


@pytest.mark.timeout(60)
@pytest.mark.local_replicate(token=SECRET, seed=5, page_size=2)
def test_the_token_never_shows_in_debug_logs_reprs_or_errors(
    local_replicate: LocalReplicate,
    local_replicate_server: LocalServer,
    second_host: LocalServer,
    caplog: pytest.LogCaptureFixture,
    report: Reporter,
) -> None:
    caplog.set_level(logging.DEBUG)
    sent: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    c = client(local_replicate_server, http_client=http)
    errors = exercise_everything(local_replicate, c, local_replicate_server, second_host)
    check_records(caplog)
    for name, text in {
        "repr(Client)": repr(c),
        "str(Client)": str(c),
        "vars(Client)": repr(vars(c)),
        "vars(client.trainings)": repr(vars(c.trainings)),
        "with_options": repr(c.with_options(timeout=5)),
        "Pager": repr(c.trainings.list()),
    }.items():
        assert_no_token(name, text)
    for outgoing in sent:
        assert_no_token("repr(httpx.Request)", repr(outgoing) + repr(outgoing.headers))
    program = request(c._config, _get_call(c, "abc"), Training.from_dict)
    assert_no_token("the pipeline's Send effect", repr(next(program)))
    program.close()
    assert len(errors) >= 10
    for error in errors:
        for where, text in error_texts(error).items():
            assert_no_token(f"{type(error).__name__} {where}", text)
    assert second_host.app.requests == []
    http.close()
    report("log records checked", len(caplog.records))
    report("errors checked", len(errors))
    report("requests checked", len(sent))
    FIGURES.count("security: log records checked", len(caplog.records))
    FIGURES.count("security: errors checked", len(errors))


def _get_call(c: Client, training_id: str) -> Any:
    from replicate_trainings import _operations

    return _operations.get(c._config, training_id).call


@pytest.mark.local_replicate(token=SECRET)
def test_a_pickled_training_carries_no_token(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    with client(local_replicate_server) as c:
        made = c.trainings.create(REF, **GOOD_CREATE)
        got = c.trainings.get(made.id)
        listed = next(iter(c.trainings.list()))
    for training in (made, got, listed):
        data = pickle.dumps(training)
        assert SECRET.encode() not in data
        assert pickle.loads(data) == training


@pytest.mark.parametrize("fault", ["500", "404", "429", "junk 200"])
@pytest.mark.local_replicate(token=SECRET)
def test_a_pickled_error_carries_no_token_and_unpickles(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, fault: str
) -> None:
    """Errors cross process boundaries (concurrent.futures.ProcessPoolExecutor, task
    queues) by pickle; the request inside an APIStatusError's response holds the
    Authorization header, which must not travel with it."""
    faults = {
        "500": Fault.error(500),
        "404": Fault.error(404),
        "429": Fault.rate_limit(retry_after=1),
        "junk 200": Fault.respond(200, b"<html>", {"Content-Type": "text/html"}),
    }
    local_replicate.faults.add(faults[fault])
    with (
        client(local_replicate_server, max_retries=NO_RETRIES) as c,
        pytest.raises(ReplicateError) as caught,
    ):
        c.trainings.get("abc")
    data = pickle.dumps(caught.value)
    assert SECRET.encode() not in data, "the pickled error carries the token"
    copy = pickle.loads(data)
    assert type(copy) is type(caught.value)
    assert str(copy) == str(caught.value)


# -- the token stays on the configured host --------------------------------------------

REDIRECT_CALLS: dict[str, Callable[[Client], object]] = {
    "get": lambda c: c.trainings.get("abc"),
    "cancel": lambda c: c.trainings.cancel("abc"),
    "create": lambda c: c.trainings.create(REF, **GOOD_CREATE),
    "list": lambda c: list(c.trainings.list()),
}


@pytest.mark.parametrize("follow", [False, True], ids=["default", "http_client follows"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("operation", sorted(REDIRECT_CALLS))
@pytest.mark.local_replicate(token=SECRET)
def test_a_redirect_to_another_host_is_not_followed(
    *,
    local_replicate: LocalReplicate,
    local_replicate_server: LocalServer,
    second_host: LocalServer,
    operation: str,
    status: int,
    follow: bool,
) -> None:
    target = second_host.base_url + "/trainings/abc"
    local_replicate.faults.add(Fault.respond(status, b"", {"Location": target}))
    http = httpx.Client(follow_redirects=follow)
    with (
        client(local_replicate_server, http_client=http) as c,
        pytest.raises(APIStatusError) as caught,
    ):
        REDIRECT_CALLS[operation](c)
    http.close()
    assert caught.value.status_code == status
    assert second_host.app.requests == [], "the redirect was followed to another host"
    assert len(local_replicate.requests) == 1
    FIGURES.count("security: redirects refused")


def foreign_next_links(server: LocalServer, other: LocalServer) -> dict[str, str]:
    port, other_port = server.port, other.port
    return {
        "another port": f"{other.base_url}/trainings?cursor=abc",
        "https": f"https://127.0.0.1:{port}/v1/trainings?cursor=abc",
        "another host name": f"http://localhost:{port}/v1/trainings?cursor=abc",
        "userinfo trick": f"http://127.0.0.1:{port}@127.0.0.1:{other_port}/v1/trainings",
        "scheme-relative": f"//127.0.0.1:{other_port}/v1/trainings?cursor=abc",
        "relative": "/v1/trainings?cursor=abc",
        "outside the base path": f"http://127.0.0.1:{port}/trainings?cursor=abc",
        "dot segments": f"http://127.0.0.1:{port}/v1/../admin/trainings",
        "a longer path with the base as prefix": f"http://127.0.0.1:{port}/v1evil/trainings?c=1",
        "backslash": f"http://127.0.0.1:{port}\\@127.0.0.1:{other_port}/v1/trainings",
        "malformed IDNA host": f"http://xn--:{port}/v1/trainings?cursor=abc",
        "javascript": "javascript:alert(1)",
        "file": "file:///etc/passwd",
    }


NEXT_LINK_CASES = [
    "another port",
    "https",
    "another host name",
    "userinfo trick",
    "scheme-relative",
    "relative",
    "outside the base path",
    "dot segments",
    "a longer path with the base as prefix",
    "backslash",
    "malformed IDNA host",
    "javascript",
    "file",
]


@pytest.mark.parametrize("case", NEXT_LINK_CASES)
@pytest.mark.local_replicate(token=SECRET)
def test_a_next_link_off_the_configured_api_is_refused(
    local_replicate: LocalReplicate,
    local_replicate_server: LocalServer,
    second_host: LocalServer,
    case: str,
) -> None:
    app = local_replicate
    link = foreign_next_links(local_replicate_server, second_host)[case]
    page = {"results": [payloads.succeeded()], "next": link, "previous": None}
    app.faults.add(Fault.respond(200, json.dumps(page).encode(), JSON_HEADERS), operation="list")
    seen: list[Training] = []
    with client(local_replicate_server) as c:
        walk = c.trainings.list()
        with pytest.raises(ResponseParseError, match="refusing"):
            seen.extend(walk)
    assert [t.id for t in seen] == [payloads.succeeded()["id"]]  # the first page came through
    assert second_host.app.requests == []
    assert [(r.method, r.path) for r in app.requests] == [("GET", "/v1/trainings")]
    FIGURES.count("security: foreign next links refused")


@pytest.mark.anyio
@pytest.mark.local_replicate(token=SECRET)
async def test_an_async_walk_refuses_a_next_link_to_another_host(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, second_host: LocalServer
) -> None:
    link = f"{second_host.base_url}/trainings?cursor=abc"
    page: dict[str, Any] = {"results": [], "next": link, "previous": None}
    local_replicate.faults.add(Fault.respond(200, json.dumps(page).encode(), JSON_HEADERS))
    async with async_client(local_replicate_server) as c:
        with pytest.raises(ResponseParseError, match="refusing"):
            [t async for t in c.trainings.list()]
    assert second_host.app.requests == []


@pytest.mark.local_replicate(token=SECRET)
def test_polling_uses_the_id_never_the_training_urls(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, second_host: LocalServer
) -> None:
    """A training whose `urls` point at another host: wait() still polls the configured API."""
    app = local_replicate
    made = app.create(outcome="succeeded")
    foreign = made | {
        "urls": {
            "get": f"{second_host.base_url}/trainings/{made['id']}",
            "cancel": f"{second_host.base_url}/trainings/{made['id']}/cancel",
            "web": f"{second_host.origin}/p/{made['id']}",
        }
    }
    app.faults.add(Fault.respond(200, json.dumps(foreign).encode(), JSON_HEADERS), operation="get")
    with client(local_replicate_server) as c:
        done = c.trainings.wait(made["id"], poll_interval=0.01)
        c.trainings.cancel(done.id)
    assert done.status == "succeeded"
    assert second_host.app.requests == []
    assert {r.operation for r in app.requests} == {"get", "cancel"}


# -- ids cannot reach another endpoint ---------------------------------------------------

TRAVERSALS = ["../models", "a/b", "a?b", "a#b", "%2e%2e", "..", ".", "%2f", "a%2fb", "..%2f"]
TRAVERSALS += [
    "..\\..\\x",
    "a;b",
    "a b",
    "",
    "/",
    "?",
    "#",
    "trainings/../../models",
    "\u2024\u2024",
]


@pytest.mark.parametrize("operation", ["get", "cancel", "wait", "watch"])
@pytest.mark.local_replicate(token=SECRET, seed=3)
def test_path_like_ids_are_refused_before_anything_is_sent(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, operation: str
) -> None:
    app = local_replicate
    with client(local_replicate_server) as c:
        for value in TRAVERSALS:
            with pytest.raises(ValueError, match=r"training_id|training_or_id"):
                getattr(c.trainings, operation)(value)
            FIGURES.count("security: path-like ids refused")
        for value in ("../../trainings", "a/b", "..", "a?b"):
            with pytest.raises(ValueError, match=r"model|version|destination|ref"):
                c.trainings.create(f"{value}/x:v", **GOOD_CREATE)
            with pytest.raises(ValueError, match=r"version|ref"):
                c.trainings.create(f"acme/x:{value}", **GOOD_CREATE)
            with pytest.raises(ValueError, match="destination"):
                c.trainings.create(REF, destination=f"me/{value}", input={})
    assert app.requests == []


@settings(FUZZ, max_examples=300)
@given(
    operation=st.sampled_from(["get", "cancel"]),
    value=st.text(
        alphabet=st.sampled_from("aZ09._-/\\?#%&=:@;+ 2efF\u2024\u00e9\x00"), max_size=10
    ),
)
@example(operation="get", value="%2e%2e")
@example(operation="cancel", value="a%2fb")
def test_no_id_reaches_another_endpoint(
    local_replicate: LocalReplicate, operation: str, value: str
) -> None:
    """Any id is refused before sending, or addresses exactly that training: one request,
    routed by the server to the same operation, with the id as its one path parameter."""
    FIGURES.count("security: ids tried")
    app = local_replicate
    before = len(app.requests)
    with in_process_client(app) as c:
        try:
            getattr(c.trainings, operation)(value)
        except ValueError:
            assert len(app.requests) == before
            return
        except ReplicateError:
            pass
    [sent] = app.requests[before:]
    suffix = "/cancel" if operation == "cancel" else ""
    assert sent.operation == operation
    assert sent.path == f"/v1/trainings/{value}{suffix}"


# -- webhooks ----------------------------------------------------------------------------

BODY = json.dumps(payloads.succeeded()).encode()
DELIVERY_ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"


def sign(
    body: bytes, *, at: float, delivery: str = DELIVERY_ID, secret: str = DEFAULT_WEBHOOK_SECRET
) -> dict[str, str]:
    signature = Webhook(secret).sign(delivery, datetime.fromtimestamp(int(at), UTC), body.decode())
    return {
        "webhook-id": delivery,
        "webhook-timestamp": str(int(at)),
        "webhook-signature": signature,
    }


def test_an_untampered_delivery_verifies() -> None:
    event = verify_webhook(sign(BODY, at=time.time()), BODY, DEFAULT_WEBHOOK_SECRET)
    assert event.id == DELIVERY_ID
    assert event.training.id == payloads.succeeded()["id"]


@st.composite
def tampered(draw: st.DrawFn) -> tuple[dict[str, str], bytes, str]:
    """(headers, body, secret) of a signed delivery with one thing changed after signing."""
    now = time.time()
    headers, body, secret = sign(BODY, at=now), BODY, DEFAULT_WEBHOOK_SECRET
    kind = draw(
        st.sampled_from(
            ["body byte", "body added", "id", "timestamp", "signature", "secret", "header"]
        )
    )
    if kind == "body byte":
        position = draw(st.integers(0, len(BODY) - 1))
        flip = draw(st.integers(1, 255))
        body = BODY[:position] + bytes([BODY[position] ^ flip]) + BODY[position + 1 :]
    elif kind == "body added":
        body = draw(st.sampled_from([b" ", b"\n", b"{}", b"\x00"])) + BODY
    elif kind == "id":
        other = draw(st.text(min_size=1, max_size=30))
        assume(other.strip() != DELIVERY_ID)
        headers["webhook-id"] = other
    elif kind == "timestamp":
        shift = draw(st.integers(-250, 250).filter(bool))
        headers["webhook-timestamp"] = str(int(now) + shift)
    elif kind == "signature":
        raw = bytearray(base64.b64decode(headers["webhook-signature"].partition(",")[2]))
        raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
        headers["webhook-signature"] = "v1," + base64.b64encode(bytes(raw)).decode()
    elif kind == "secret":
        key = draw(st.binary(min_size=16, max_size=32))
        secret = "whsec_" + base64.b64encode(key).decode()
        assume(secret != DEFAULT_WEBHOOK_SECRET)
    else:
        del headers[draw(st.sampled_from(sorted(headers)))]
    return headers, body, secret


@settings(FUZZ, max_examples=200)
@given(tampered())
def test_a_tampered_delivery_is_rejected(case: tuple[dict[str, str], bytes, str]) -> None:
    FIGURES.count("security: tampered webhook deliveries rejected")
    headers, body, secret = case
    with pytest.raises(WebhookVerificationError):
        verify_webhook(headers, body, secret)


@settings(FUZZ, max_examples=150)
@given(
    tolerance=st.integers(1, 3600),
    offset=st.integers(-10_000, 10_000),
)
def test_a_replay_outside_the_tolerance_is_rejected(tolerance: int, offset: int) -> None:
    """A delivery signed `offset` seconds from now verifies within the tolerance, and is
    rejected as stale (a replay) or from the future beyond it; 2 s of margin for the clock."""
    assume(abs(abs(offset) - tolerance) > 2)
    FIGURES.count("security: webhook replays tried")
    headers = sign(BODY, at=time.time() + offset)
    if abs(offset) < tolerance:
        assert verify_webhook(headers, BODY, DEFAULT_WEBHOOK_SECRET, tolerance=tolerance)
        return
    with pytest.raises(WebhookVerificationError, match="stale" if offset < 0 else "future"):
        verify_webhook(headers, BODY, DEFAULT_WEBHOOK_SECRET, tolerance=tolerance)


def test_a_replayed_delivery_keeps_its_id_for_de_duplication() -> None:
    """Inside the tolerance a replay verifies (the scheme allows it) with the same id, which
    is what receivers de-duplicate on."""
    headers = sign(BODY, at=time.time() - 10)
    first = verify_webhook(headers, BODY, DEFAULT_WEBHOOK_SECRET)
    again = verify_webhook(dict(headers), BODY, DEFAULT_WEBHOOK_SECRET)
    assert first.id == again.id == DELIVERY_ID


def test_an_async_client_repr_hides_the_token() -> None:
    c = AsyncClient(SECRET, base_url="https://api.test/v1")
    assert_no_token("AsyncClient", repr(c) + str(c) + repr(vars(c)))
