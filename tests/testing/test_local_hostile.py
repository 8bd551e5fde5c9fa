"""The local Replicate answers 4xx, never 500, to every well-formed request it does not
like, as the API does: a downstream SDK's tests would otherwise retry what the API refuses.
Only an injected fault makes a 500."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from replicate_trainings.testing import Fault, LocalReplicate

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

APP = LocalReplicate(
    seed=3,
    page_size=2,
    ticker=False,
    webhook_retries=0,
    webhook_transport=httpx.MockTransport(lambda request: httpx.Response(204)),
)
"""One server for every example: state built up by earlier examples is part of the fuzz.
Its webhooks go to a transport that answers 204, never to the network."""
CLIENT = httpx.Client(transport=APP.transport(), base_url="http://replicate.test")
AUTH = {"Authorization": f"Bearer {APP.token}"}


def cursor(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


CREATE = "/v1/models/acme/sdxl/versions/v1/trainings"
START = b'{"destination": "acme/sdxl-tuned", '


def deep_input(depth: int) -> bytes:
    return START + b'"input": ' + b'{"a":' * depth + b"1" + b"}" * (depth + 1)


CURSORS = [
    cursor("p=²"),
    cursor("p=" + "9" * 5000),
    cursor("p=" + "1" * 4300),
    cursor("r=1&p=٣"),
    cursor("p=-1"),
    cursor("p=1&p=2"),
    cursor("r=1&p=99999999999999999999"),
    cursor("p=0"),
    cursor("p=1.5"),
    "cD0x",  # p=1
    "not base64!",
    "",
]

WEBHOOKS = [
    "http://[::1/h",
    "http://[::1]/h",
    "http://h:99999/x",
    "http://h:-1/x",
    "http://h:port/x",
    "https://exa mple.com/h",
    "http://xn--/h",
    "http://\u2603.example/h",
    "http://h/\x00",
    "http://:80/h",
    "http:///h",
    "https://example.com/hook",
    "ftp://example.com/h",
]

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)

CREATE_BODIES = st.fixed_dictionaries(
    {
        "destination": st.sampled_from(["acme/sdxl-tuned", "bad", "a/b/c"]) | JSON_VALUES,
        "input": st.just({"x": 1}) | JSON_VALUES,
    },
    optional={
        "webhook": st.sampled_from(WEBHOOKS) | JSON_VALUES,
        "webhook_events_filter": st.sampled_from(
            [["start"], [["start"]], [{"a": 1}], [None], "start", [1.5], ["start", "start"]]
        )
        | JSON_VALUES,
    },
)

TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12)
SEGMENTS = st.sampled_from(
    ["trainings", "models", "versions", "cancel", "v1", "acme", "sdxl", "abc", "", "..", "%"]
) | TEXT.filter(bool)


METHODS = {"list": "GET", "get": "GET", "cancel": "POST", "create": "POST", "random": "GET"}
ANY_METHOD = st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"])
BODIES = st.one_of(
    st.just(b""),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=30),
    st.just(b'{"destination": "acme/x", "input": ' + b"[" * 5000 + b"]" * 5000 + b"}"),
    st.just(b"NaN"),
    st.sampled_from([400, 700, 900, 950, 970, 980, 990, 1000]).map(deep_input),
    st.just(b'{"destination": "acme/\\ud800", "input": {"\\udc00": "\\ud800"}}'),
    st.just(b'{"destination": "acme/x", "input": {}, "webhook": "http://h/\\u0000"}'),
)
QUERIES = st.lists(
    st.tuples(st.sampled_from(["cursor", "page", "x"]) | TEXT, st.sampled_from(CURSORS) | TEXT),
    max_size=3,
)
HEADER_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True)
HEADER_VALUES = st.from_regex(r"[ -~]{0,20}", fullmatch=True)


@st.composite
def requests(draw: st.DrawFn) -> httpx.Request:
    """Mostly the four operations with their own method and the token, so the checks past
    routing and auth are reached; sometimes any method, path, body or no token."""
    shape = draw(st.sampled_from(["list", "get", "cancel", "create", "create", "random"]))
    ident = draw(st.sampled_from(APP.training_ids()[:3]) | SEGMENTS)
    path = {
        "list": "/v1/trainings",
        "get": f"/v1/trainings/{ident}",
        "cancel": f"/v1/trainings/{ident}/cancel",
        "create": f"/v1/models/acme/sdxl/versions/{draw(st.just('v1') | SEGMENTS)}/trainings",
        "random": "/" + "/".join(draw(st.lists(SEGMENTS, max_size=7))),
    }[shape]
    method = METHODS[shape] if draw(st.integers(0, 7)) else draw(ANY_METHOD)
    query = draw(QUERIES)
    if shape == "create" and draw(st.integers(0, 3)):
        body = json.dumps(draw(CREATE_BODIES)).encode()
    else:
        body = draw(BODIES)
    headers = dict(AUTH) if draw(st.integers(0, 7)) else {}
    headers |= draw(st.dictionaries(HEADER_NAMES, HEADER_VALUES, max_size=2))
    if draw(st.booleans()):
        headers["Content-Type"] = draw(st.sampled_from(["application/json", "text/plain", "x"]))
    params = httpx.QueryParams(tuple(query))
    return CLIENT.build_request(method, path, params=params, content=body, headers=headers)


@pytest.fixture(scope="module", autouse=True)
def _close_app() -> Iterator[None]:
    yield
    CLIENT.close()
    APP.close()


@FUZZ
@given(requests())
def test_no_well_formed_request_gets_a_500(request: httpx.Request) -> None:
    response = CLIENT.send(request)
    shown = (request.method, request.url, request.content[:300], response.text[:300])
    assert response.status_code < 500, shown


@pytest.mark.parametrize(
    ("path", "params", "body", "status"),
    [
        (CREATE, {}, START + b'"input": {}, "webhook_events_filter": [["start"]]}', 422),
        (CREATE, {}, START + b'"input": {}, "webhook": "http://[::1/h"}', 422),
        (CREATE, {}, START + b'"input": {}, "webhook": "http://h:99999/"}', 422),
        (CREATE, {}, START + b'"input": {}, "webhook": "http://xn--/h"}', 422),
        ("/v1/trainings", {"cursor": cursor("p=\u00b2")}, b"", 404),
        ("/v1/trainings", {"cursor": cursor("p=" + "9" * 5000)}, b"", 404),
    ],
    ids=[
        "events filter [['start']]",
        "webhook http://[::1/h",
        "webhook port 99999",
        "webhook with a bad IDNA label",
        "cursor p=\u00b2",
        "cursor of 5,000 digits",
    ],
)
def test_the_reported_requests_are_refused_with_a_4xx(
    path: str, params: dict[str, str], body: bytes, status: int
) -> None:
    method = "POST" if body else "GET"
    response = CLIENT.request(method, path, params=params, content=body, headers=AUTH)
    assert response.status_code == status, response.text


@pytest.mark.parametrize("depth", [400, 700, 900, 950, 970, 980, 990, 1000, 5000])
def test_an_input_too_deep_to_parse_or_to_send_back_is_refused(depth: int) -> None:
    """Whether parsing or rendering hits the recursion limit first depends on the stack."""
    response = CLIENT.post(CREATE, content=deep_input(depth), headers=AUTH)
    assert response.status_code in (201, 400, 422), response.text


def test_an_injected_fault_is_still_a_500() -> None:
    APP.faults.add(Fault.error(500), operation="list")
    assert CLIENT.get("/v1/trainings", headers=AUTH).status_code == 500


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /v1/trainings HTTP/1.1\r\nX-Note: caf\xe9\r\n", 200),
        (b"GET /v1/trainings HTTP/1.1\r\nAuthorization: Bearer \xff\r\n", 401),
        (b"GET /v1/trainings/caf\xe9 HTTP/1.1\r\n", 404),
        (b"GET /v1/trainings/%ff%fe HTTP/1.1\r\n", 404),
        (b"POST /v1/trainings/x/cancel HTTP/1.1\r\nContent-Length: nope\r\n", 400),
    ],
    ids=["non-ASCII header", "non-ASCII token", "non-ASCII path", "bad UTF-8 escape", "bad length"],
)
def test_the_loopback_server_answers_odd_bytes_with_a_4xx(head: bytes, status: int) -> None:
    """Over a raw socket: bytes httpx would refuse to send still get an answer, never a
    dropped connection (which a client retries) or a 500."""
    with LocalReplicate(ticker=False) as app, app.serve() as server:
        auth = (
            b"" if b"Authorization" in head else f"Authorization: Bearer {app.token}\r\n".encode()
        )
        request = head + auth + b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
        with socket.create_connection((server.host, server.port), timeout=10) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    assert answer.split(b" ", 2)[1] == str(status).encode(), answer[:300]
