"""The loopback server keeps its contract against bytes no well-behaved client sends.

Over a raw socket: every request gets an answer that is problem-details JSON (strict: no
`Infinity`), a request that cannot be framed or placed is refused with a 400 (413 when it
is about size) and its connection closed, and nothing the client sends (a body, a `Host`
header) makes the server write what is not JSON. A hung server fails these tests through
the socket's timeout; no test measures time.
"""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from replicate_trainings.testing import LocalReplicate

from tests.testing.helpers import BODY, CREATE

GUARD_SECONDS = 20.0
"""How long a read may block before the test calls the server hung (never reached when
the server answers)."""

APP = LocalReplicate(seed=3, page_size=2, ticker=False, webhook_retries=0)
SERVER = APP.serve()


@pytest.fixture(scope="module", autouse=True)
def _serve() -> Iterator[None]:
    with SERVER:
        yield
    TRANSPORT.close()
    APP.close()


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as strict JSON: `Infinity`, `NaN` or bad UTF-8 fail the test."""
        return strict_json(self.body)


def _refuse_constant(name: str) -> Any:
    raise AssertionError(f"{name} is not JSON")


def strict_json(body: bytes) -> Any:
    return json.loads(body.decode("utf-8"), parse_constant=_refuse_constant)


def head(method: str, path: str, *headers: str, host: str | None = "127.0.0.1") -> bytes:
    """A request head with the token (and `Host`, unless None), before the blank line."""
    lines = [f"{method} {path} HTTP/1.1", f"Authorization: Bearer {APP.token}"]
    lines += [f"Host: {host}"] if host is not None else []
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode()


def exchange(data: bytes, *, half_close: bool = False) -> list[Answer]:
    """Send `data` on a fresh connection; the answers, read until the server closes it.

    Without `half_close` the client keeps its side open, so an answer and a close prove
    the server did not wait for bytes it will never read.
    """
    with socket.create_connection((SERVER.host, SERVER.port), timeout=GUARD_SECONDS) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return parse_answers(received)


def parse_answers(stream: bytes) -> list[Answer]:
    """Every HTTP/1.1 answer in `stream` (interim 1xx ones left out); each must be framed
    by its Content-Length."""
    answers = []
    while stream:
        head_bytes, separator, rest = stream.partition(b"\r\n\r\n")
        assert separator, f"an answer without the end of its head: {stream[:300]!r}"
        status_line, *lines = head_bytes.decode("latin-1").split("\r\n")
        version, status, _ = status_line.split(" ", 2)
        assert version == "HTTP/1.1", status_line
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = 0 if int(status) < 200 else int(headers["content-length"])
        assert len(rest) >= length, f"an answer cut short: {stream[:300]!r}"
        if int(status) >= 200:
            answers.append(Answer(int(status), headers, rest[:length]))
        stream = rest[length:]
    return answers


def only_answer(data: bytes, *, half_close: bool = False) -> Answer:
    answers = exchange(data, half_close=half_close)
    assert len(answers) == 1, answers
    return answers[0]


def assert_refused(answer: Answer, status: int) -> None:
    """A problem-details refusal that closes the connection."""
    assert answer.status == status, answer
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["connection"] == "close"
    assert answer.json()["status"] == status


CHUNKED = ("Transfer-Encoding: chunked",)


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        (CHUNKED, b"f" * 1000 + b"\r\n", 413),
        (CHUNKED, b"f" * 5000 + b"\r\n", 400),
        (CHUNKED, b"-1\r\n", 400),
        (CHUNKED, b"0x10\r\n", 400),
        (CHUNKED, b"zz\r\n", 400),
        (CHUNKED, b"\r\n", 400),
        (CHUNKED, b"2\r\n{}XX\r\n0\r\n\r\n", 400),
        (CHUNKED, b"1000001\r\n", 413),
        (("Content-Length: " + "1" + "0" * 22,), b"", 413),
        (("Content-Length: 16777217",), b"", 413),
        (("Content-Length: -1",), b"", 400),
        (("Content-Length: +2",), b"{}", 400),
        (("Content-Length: 1_0",), b"{}", 400),
        (("Content-Length: \u0663",), b"{}", 400),
        (("Content-Length: 2", "Content-Length: 3"), b"{}", 400),
        (("Content-Length: 2, 2",), b"{}", 400),
        (("Content-Length: 2", *CHUNKED), b"2\r\n{}\r\n0\r\n\r\n", 400),
        (("Transfer-Encoding: gzip",), b"", 501),
        (("Transfer-Encoding: gzip, chunked",), b"", 501),
    ],
    ids=lambda value: repr(value)[:40] if not isinstance(value, int) else str(value),
)
def test_a_body_that_cannot_be_framed_is_refused_and_the_connection_closed(
    headers: tuple[str, ...], body: bytes, status: int
) -> None:
    """The client keeps its side open: the answer comes without the server waiting for a
    body it will never read (10^22 bytes, a chunk of size ffff...)."""
    answer = only_answer(head("POST", "/v1" + CREATE, *headers) + body)
    assert_refused(answer, status)
    assert len(APP.training_ids()) == 3  # nothing was created


def test_a_body_over_the_limit_is_413_in_process_too() -> None:
    response = TRANSPORT.post(
        "/v1" + CREATE,
        content=b" " * (16 * 1024 * 1024 + 1),
        headers={"Authorization": f"Bearer {APP.token}"},
    )
    assert response.status_code == 413
    assert strict_json(response.content)["status"] == 413


def test_a_body_shorter_than_its_length_is_refused() -> None:
    answer = only_answer(
        head("POST", "/v1" + CREATE, "Content-Length: 50") + b"{}", half_close=True
    )
    assert_refused(answer, 400)


def test_a_chunked_body_is_read() -> None:
    body = json.dumps(BODY).encode()
    chunks = b"%x;ext=1\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(body), body)
    answer = only_answer(head("POST", "/v1" + CREATE, *CHUNKED, "Connection: close") + chunks)
    assert answer.status == 201, answer
    APP.clear_requests()


@pytest.mark.parametrize(
    "host",
    ['a"b', "a\\b", "a b", "</script>", "h:99999", "h:1:2", "[::1", "", "h/x", "h?x", "é"],
)
def test_an_invalid_host_is_400(host: str) -> None:
    assert_refused(only_answer(head("GET", "/v1/trainings", host=host)), 400)


def test_a_missing_or_repeated_host_is_400_on_http_1_1() -> None:
    assert_refused(only_answer(head("GET", "/v1/trainings", host=None)), 400)
    repeated = head("GET", "/v1/trainings", "Host: 127.0.0.1")
    assert_refused(only_answer(repeated), 400)


def test_http_1_0_without_host_links_to_the_server() -> None:
    request = f"GET /v1/trainings HTTP/1.0\r\nAuthorization: Bearer {APP.token}\r\n\r\n"
    answer = only_answer(request.encode())
    assert answer.status == 200
    assert answer.json()["next"].startswith(f"{SERVER.origin}/v1/trainings?cursor=")


@pytest.mark.parametrize("host", ["example.com:8080", "[::1]:80", "replicate.test", "h:"])
def test_page_links_point_at_a_valid_host_and_are_json(host: str) -> None:
    answer = only_answer(head("GET", "/v1/trainings", "Connection: close", host=host))
    assert answer.status == 200, answer
    assert answer.json()["next"].startswith(f"http://{host}/v1/trainings?cursor=")


@pytest.mark.parametrize(
    "head_bytes",
    [
        b"HELLO\r\n\r\n",
        b"BREW /v1/trainings HTTP/1.1\r\nHost: h\r\n\r\n",
        b"GET /v1/trainings HTTP/2.0\r\nHost: h\r\n\r\n",
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
        b"GET /v1/trainings HTTP/1.1\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n",
        b"GET /v1/trainings HTTP/1.1\r\nX-A: " + b"a" * 70_000 + b"\r\n\r\n",
    ],
    ids=["no version", "unknown method", "HTTP/2.0", "long line", "101 headers", "long header"],
)
def test_what_http_server_cannot_parse_is_refused_as_problem_details(head_bytes: bytes) -> None:
    answer = only_answer(head_bytes)
    assert 400 <= answer.status < 600 and answer.status != 500, answer
    assert_refused(answer, answer.status)


INFINITE_INPUTS = [
    (b'{"lr": 1e999}', "input.lr"),
    (b'{"a": {"b": [1, -1e999]}}', "input.a.b.1"),
    (b'{"x": 1E+400}', "input.x"),
]


@pytest.mark.parametrize(("payload", "field"), INFINITE_INPUTS)
def test_a_number_out_of_range_is_422_naming_its_field(payload: bytes, field: str) -> None:
    """`1e999` parses as infinity, which JSON cannot carry back: refused, never echoed."""
    body = b'{"destination": "acme/x", "input": ' + payload + b"}"
    headers = ("Content-Type: application/json", f"Content-Length: {len(body)}")
    answer = only_answer(head("POST", "/v1" + CREATE, *headers, "Connection: close") + body)
    assert answer.status == 422, answer
    assert [f["field"] for f in answer.json()["invalid_fields"]] == [field]


def test_a_training_made_without_http_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(ValueError, match=r"input\.lr: Number out of range"):
        APP.create(input={"lr": math.inf})


# -- every answer is strict JSON, whatever the request ---------------------------------

HOSTS = st.sampled_from(
    ["127.0.0.1", 'a"b', "a\\b", "[::1]:1", "h:99999", "", "x y", "\u00e9", "h:8", None]
)
LENGTHS = st.sampled_from(["1" + "0" * 22, "-1", "+3", " 3", "1_0", "0x10", "3, 4", "", "0"])
CODINGS = st.sampled_from(["chunked", "gzip", "chunked, chunked", " Chunked", "identity"])
CHUNK_SIZES = st.sampled_from([b"f" * 64, b"-1", b"0x2", b"", b"2;x", b"ffffffff", b"1 1"])
NUMBERS = st.sampled_from(["1e999", "-1e999", "1E+400", "NaN", "Infinity", "-0", "1e-999"])
STRINGS = st.text(max_size=8).map(json.dumps) | st.sampled_from(['"\\ud800"', '"\\u0000"'])
VALUES = st.recursive(
    NUMBERS | STRINGS | st.integers().map(str) | st.sampled_from(["null", "true", "1" * 5000]),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda items: "[" + ",".join(items) + "]")
        | st.dictionaries(STRINGS, inner, max_size=3).map(
            lambda members: "{" + ",".join(f"{k}:{v}" for k, v in members.items()) + "}"
        )
    ),
    max_leaves=6,
)
CREATE_BODIES = st.builds(
    lambda destination, payload, webhook: (
        f'{{"destination": {destination}, "input": {payload}, "webhook": {webhook}}}'
    ).encode(),
    st.sampled_from(['"acme/x"', '"bad"', "1e999"]) | STRINGS,
    VALUES,
    st.sampled_from(['"https://example.com/h"', "null", '"http://h/\\u0000"']) | VALUES,
)
INPUTS = st.dictionaries(STRINGS, VALUES, max_size=3).map(
    lambda members: "{" + ",".join(f"{k}:{v}" for k, v in members.items()) + "}"
)
GOOD_CREATE_BODIES = INPUTS.map(lambda payload: f'{{"destination": "acme/x", "input": {payload}}}')
BODIES = (
    GOOD_CREATE_BODIES.map(str.encode)
    | CREATE_BODIES
    | st.binary(max_size=40)
    | VALUES.map(str.encode)
)
PATHS = st.sampled_from(
    [
        "/v1" + CREATE,
        "/v1/models/acme/sdxl/versions/v1/trainings",
        "/v1/trainings",
        "/v1/trainings?cursor=cD0x",
        "/v1/trainings?cursor=%ff",
        "/v1/trainings/%22",
        '/v1/trainings/"/cancel',
        "/v1/models/a/b/versions/v/trainings",
        "/x",
        "*",
    ]
)
METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "OPTIONS", "BREW", 'G"T'])
HEADER_LINES = st.lists(
    st.tuples(
        st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}", fullmatch=True),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=16),
    ).map(lambda pair: f"{pair[0]}: {pair[1]}"),
    max_size=3,
)


@st.composite
def hostile_requests(draw: st.DrawFn) -> bytes:
    """A request line and headers (the token usually right, so checks past auth are
    reached), a body, and framing that is right, wrong or hostile."""
    path = draw(PATHS)
    own = "POST" if "/versions/" in path or path.endswith("/cancel") else "GET"
    method = own if draw(st.integers(0, 3)) != 3 else draw(METHODS)
    headers = draw(HEADER_LINES)
    if draw(st.integers(0, 5)) != 5:
        headers.append(f"Authorization: Bearer {APP.token}")
    host = draw(HOSTS) if draw(st.integers(0, 2)) == 2 else "127.0.0.1"
    if host is not None:
        headers.append(f"Host: {host}")
    body = draw(BODIES)
    framing = draw(st.sampled_from(["length"] * 4 + ["chunked", "hostile length", "coding"]))
    if framing == "length":
        headers.append(f"Content-Length: {len(body)}")
    elif framing == "chunked":
        headers.append("Transfer-Encoding: chunked")
        size = b"%x" % len(body) if draw(st.booleans()) else draw(CHUNK_SIZES)
        body = size + b"\r\n" + body + b"\r\n0\r\n\r\n"
    elif framing == "hostile length":
        headers.append(f"Content-Length: {draw(LENGTHS)}")
    else:
        headers.append(f"Transfer-Encoding: {draw(CODINGS)}")
    lines = [f"{method} {path} HTTP/1.1", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=150,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_requests())
def test_every_answer_over_loopback_is_strict_json(request_bytes: bytes) -> None:
    """Each answer (an extra one when the framing leaves bytes over) is problem details or
    a training, as strict JSON, and no hostile request makes a 500."""
    answers = exchange(request_bytes, half_close=True)
    assert answers, request_bytes[:300]
    for answer in answers:
        assert answer.status != 500, (request_bytes[:300], answer)
        assert answer.headers["content-type"] in ("application/json", "application/problem+json")
        answer.json()


TRANSPORT = httpx.Client(transport=APP.transport(), base_url="http://replicate.test")


@settings(derandomize=True, database=None, deadline=None, max_examples=150)
@given(
    st.sampled_from(["GET", "POST", "PUT"]),
    PATHS.filter(lambda path: path != "*"),
    BODIES,
    st.dictionaries(
        st.from_regex(r"X-[A-Za-z0-9-]{1,8}", fullmatch=True),
        st.from_regex(r"[ -~]{0,16}", fullmatch=True),
        max_size=2,
    ),
)
def test_every_answer_in_process_is_strict_json(
    method: str, path: str, body: bytes, headers: dict[str, str]
) -> None:
    headers = {**headers, "Authorization": f"Bearer {APP.token}"}
    response = TRANSPORT.request(method, path, content=body, headers=headers)
    assert response.status_code < 500, response.text[:300]
    strict_json(response.content)
