"""Bad responses: every valid training parses, whatever it adds or leaves null; junk raises
`ResponseParseError` (a success answer) or an `APIStatusError` subclass (any other status),
and nothing else, whether it comes from an httpx.MockTransport, the real local server's
scripted answers (`Fault.respond`), or straight into `Training.from_dict`."""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from replicate_trainings import APIStatusError, Client, ResponseParseError, Training
from replicate_trainings.errors import retry_after
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer, Operation
from replicate_trainings_api.training_shape import (
    RUNNING_STATUSES,
    TERMINAL_STATUSES,
    TRAINING_FIELDS,
    FieldSpec,
)

from tests import payloads
from tests.reliability._support import (
    FIGURES,
    FUZZ,
    GOOD_CREATE,
    NO_RETRIES,
    REF,
    client,
    outcome,
)

TRAINING_ID = "zz4ibbonubfz7carwiefibzgga"

# -- JSON values -----------------------------------------------------------------------

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=16)
)
JSON: st.SearchStrategy[Any] = st.recursive(
    LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
EXTRAS = st.dictionaries(st.text(max_size=12), JSON, max_size=3)


# -- valid trainings -----------------------------------------------------------------


@st.composite
def timestamps(draw: st.DrawFn) -> tuple[str, datetime]:
    """An RFC 3339 timestamp in any precision (0 to 9 digits), 'T' or 't', 'Z', 'z' or an
    offset, and the aware datetime it means (truncated to microseconds)."""
    moment = draw(st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)))
    digits = draw(st.integers(0, 9))
    nanos = f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"
    fraction = "." + nanos[:digits] if digits else ""
    micro = int(nanos[: min(digits, 6)].ljust(6, "0")) if digits else 0
    zone = draw(st.sampled_from(["Z", "z", "+00:00", "-00:00", "offset"]))
    tz: timezone = UTC
    if zone == "offset":
        sign = draw(st.sampled_from([1, -1]))
        hours, minutes = draw(st.integers(0, 23)), draw(st.integers(0, 59))
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
        zone = f"{'+' if sign > 0 else '-'}{hours:02d}:{minutes:02d}"
    separator = draw(st.sampled_from("Tt"))
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{separator}"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{fraction}{zone}"
    )
    return text, moment.replace(microsecond=micro, tzinfo=tz)


# -- trainings, field by field from openapi.yaml (the generated FieldSpec table) ------------

STRINGS = st.text(max_size=30)
NUMBERS = st.integers(-(10**12), 10**12) | st.floats(allow_nan=False, allow_infinity=False)
Reading = tuple[Any, Any]
"""(the JSON value sent, what the attribute should read)"""


def valid(spec: FieldSpec) -> st.SearchStrategy[Reading]:
    """Values the schema allows for `spec`, with what each reads as."""
    same: dict[str, st.SearchStrategy[Any]] = {
        "str": STRINGS,
        "int": st.integers(),
        "bool": st.booleans(),
        "map": st.dictionaries(st.text(max_size=10), JSON, max_size=4),
        "list": st.lists(JSON, max_size=3),
        "enum": st.sampled_from(spec.choices) | st.text(max_size=12),
        "any": JSON,
    }
    if spec.kind in same:
        return same[spec.kind].map(lambda value: (value, value))
    if spec.kind == "float":
        return NUMBERS.map(lambda value: (value, float(value)))
    if spec.kind == "datetime":
        return timestamps()
    assert spec.kind == "object", spec
    return objects(spec.fields)


def unusable(spec: FieldSpec) -> st.SearchStrategy[Any]:
    """Values of another type than `spec` allows, malformed ones, and null where not allowed."""
    others = {
        "str": st.integers() | st.booleans() | st.lists(st.text(), max_size=2),
        "datetime": st.integers()
        | st.sampled_from(["", "yesterday", "2023-13-01T00:00:00Z", "2022-04-26T20:00:84Z"]),
        "float": st.text() | st.booleans() | st.lists(st.integers(), max_size=1),
        "int": st.text() | st.booleans() | st.floats(allow_nan=False),
        "bool": st.text() | st.integers(),
        "map": st.text() | st.lists(st.integers(), max_size=2) | st.integers(),
        "list": st.text() | st.dictionaries(st.text(), st.text(), max_size=1),
        "enum": st.integers() | st.dictionaries(st.text(), st.text(), max_size=1),
        "object": st.text(min_size=1) | st.integers() | st.lists(st.none(), min_size=1),
    }[spec.kind]
    return others if spec.nullable else others | st.none()


def absent(spec: FieldSpec) -> Any:
    return {} if spec.kind == "map" else None


@st.composite
def fields(draw: st.DrawFn, specs: tuple[FieldSpec, ...], *, broken: bool) -> Reading:
    """(object, expectations by attribute): each field absent, null if nullable, or valid;
    with `broken`, some fields unusable instead (they read as missing)."""
    names = {spec.name for spec in specs}
    obj = {k: v for k, v in draw(EXTRAS).items() if k not in names}
    expected: dict[str, Any] = {}
    for spec in specs:
        choice = draw(st.sampled_from(["absent", "valid", "valid", "null", "unusable"]))
        if spec.required or choice == "valid":
            obj[spec.name], expected[spec.attr] = draw(valid(spec))
        elif choice == "null" and spec.nullable:
            obj[spec.name], expected[spec.attr] = None, absent(spec)
        elif choice == "unusable" and broken:
            obj[spec.name], expected[spec.attr] = draw(unusable(spec)), absent(spec)
        else:
            expected[spec.attr] = absent(spec)
    return obj, expected


def objects(specs: tuple[FieldSpec, ...]) -> st.SearchStrategy[Reading]:
    return fields(specs, broken=False)


def valid_trainings(*, broken: bool = False, id: str | None = None) -> st.SearchStrategy[Reading]:
    """(payload, expectations): a training as openapi.yaml allows it, with extra fields at
    every level, nulls and absences, open statuses and odd timestamps; with `broken`, also
    fields the reader cannot use."""
    trainings = fields(TRAINING_FIELDS, broken=broken)
    if id is None:
        return trainings
    return trainings.map(lambda case: ({**case[0], "id": id}, {**case[1], "id": id}))


def check_fields(got: object, expected: dict[str, Any], specs: tuple[FieldSpec, ...]) -> None:
    for spec in specs:
        value, want = getattr(got, spec.attr), expected[spec.attr]
        if spec.kind == "object" and want is not None:
            check_fields(value, want, spec.fields)
        elif spec.kind == "map":
            assert dict(value) == want, spec.name
        else:
            assert value == want, spec.name
            assert type(value) is not str or want not in spec.choices, spec.name  # an enum
            if spec.kind == "datetime" and want is not None:
                assert value.utcoffset() == want.utcoffset()


def check_parsed(training: Training, payload: dict[str, Any], expected: dict[str, Any]) -> None:
    assert training.to_dict() == payload  # nothing dropped, nothing added
    check_fields(training, expected, TRAINING_FIELDS)
    status = expected["status"]
    terminal = status in TERMINAL_STATUSES or (
        status not in RUNNING_STATUSES and expected["completed_at"] is not None
    )
    assert training.is_terminal == terminal
    assert pickle.loads(pickle.dumps(training)) == training
    repr(training)


@settings(FUZZ, max_examples=100)
@given(valid_trainings())
def test_every_valid_training_parses(case: Reading) -> None:
    FIGURES.count("bad responses: valid trainings parsed directly")
    payload, expected = case
    check_parsed(Training.from_dict(json.loads(json.dumps(payload))), payload, expected)


@settings(FUZZ, max_examples=150)
@given(valid_trainings(broken=True))
def test_every_training_with_an_id_reads_its_unusable_fields_as_missing(case: Reading) -> None:
    FIGURES.count("bad responses: trainings with unusable fields parsed directly")
    payload, expected = case
    check_parsed(Training.from_dict(json.loads(json.dumps(payload))), payload, expected)


class Scripted:
    """One answer for every request; `client` is a facade client on a MockTransport of it."""

    def __init__(self) -> None:
        self.status, self.body, self.headers = 200, b"", httpx.Headers()
        http = httpx.Client(transport=httpx.MockTransport(self._answer))
        # One client answers every example: a 429 in one must not hold the next through
        # the rate budget (which tests/test_budget.py covers), so it has none.
        self.client = Client(
            "r8_x",
            base_url="https://api.test/v1",
            http_client=http,
            max_retries=NO_RETRIES,
            rate_budget=None,
        )

    def _answer(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(self.status, content=self.body, headers=self.headers)


SCRIPTED = Scripted()


def mock_client(status: int, body: bytes, headers: dict[str, str] | None = None) -> Client:
    """The shared scripted client, answering `status`, `headers` and `body` from now on."""
    SCRIPTED.status, SCRIPTED.body, SCRIPTED.headers = status, body, httpx.Headers(headers)
    return SCRIPTED.client


@pytest.fixture
def server_client(local_replicate_server: LocalServer) -> Iterator[Client]:
    """One client for all of a property test's examples (building one per example is slow)."""
    with client(local_replicate_server, max_retries=NO_RETRIES) as c:
        yield c


@settings(FUZZ, max_examples=60)
@given(valid_trainings(broken=True, id=TRAINING_ID), st.sampled_from(["get", "cancel", "create"]))
def test_every_valid_training_parses_through_the_client(case: Reading, operation: str) -> None:
    FIGURES.count("bad responses: valid trainings through a mock transport")
    payload, expected = case
    payload = payload | {"id": TRAINING_ID}  # an answer about another training is refused
    c = mock_client(200, json.dumps(payload).encode(), {"Content-Type": "application/json"})
    training = OPERATIONS[operation](c)
    assert isinstance(training, Training)
    check_parsed(training, payload, expected)


@settings(FUZZ, max_examples=30)
@given(st.lists(valid_trainings(broken=True), max_size=3))
def test_every_valid_page_parses_through_the_client(
    cases: list[Reading],
) -> None:
    FIGURES.count("bad responses: valid pages through a mock transport")
    page = {"next": None, "previous": None, "results": [p for p, _ in cases]}
    trainings = list(mock_client(200, json.dumps(page).encode()).trainings.list())
    assert [t.to_dict() for t in trainings] == [p for p, _ in cases]


@pytest.mark.timeout(60)
@settings(FUZZ, max_examples=40)
@given(valid_trainings(broken=True, id=TRAINING_ID))
def test_every_valid_training_parses_from_the_real_server(
    local_replicate: LocalReplicate,
    server_client: Client,
    case: Reading,
) -> None:
    FIGURES.count("bad responses: valid trainings over loopback HTTP")
    payload, expected = case
    payload = payload | {"id": TRAINING_ID}  # an answer about another training is refused
    body = json.dumps(payload).encode()
    local_replicate.faults.add(Fault.respond(200, body, {"Content-Type": "application/json"}))
    check_parsed(server_client.trainings.get(TRAINING_ID), payload, expected)


# -- junk ----------------------------------------------------------------------------


def truncate(payload: dict[str, Any], fraction: float) -> bytes:
    body = json.dumps(payload).encode()
    return body[: int(len(body) * fraction)]


def without_id(document: Any) -> bool:
    return not (isinstance(document, dict) and type(document.get("id")) is str)


@st.composite
def idless_trainings(draw: st.DrawFn) -> dict[str, Any]:
    """A training whose id is missing or not a string: the one thing a reader cannot do without."""
    payload: dict[str, Any] = draw(valid_trainings(broken=True))[0]
    if draw(st.booleans()):
        del payload["id"]
    else:
        payload["id"] = draw(st.integers() | st.none() | st.lists(st.text(), max_size=2))
    return payload


@settings(FUZZ, max_examples=60)
@given(idless_trainings())
def test_a_training_without_a_string_id_is_a_parse_error_naming_it(payload: Any) -> None:
    FIGURES.count("bad responses: trainings without an id parsed directly")
    with pytest.raises(ResponseParseError, match="'id'"):
        Training.from_dict(json.loads(json.dumps(payload)))


@settings(FUZZ, max_examples=300)
@given(JSON)
def test_any_json_is_a_training_or_a_parse_error(document: Any) -> None:
    FIGURES.count("bad responses: arbitrary JSON parsed directly")
    with contextlib.suppress(ResponseParseError):
        Training.from_dict(document)


def junk_bodies() -> st.SearchStrategy[bytes]:
    html = st.text(max_size=80).map(
        lambda t: f"<!DOCTYPE html><html><body><h1>{t}</h1></body></html>".encode()
    )
    truncated = st.builds(
        truncate, valid_trainings().map(lambda case: case[0]), st.floats(0, 0.999)
    )
    wrong = st.one_of(
        idless_trainings(),
        JSON.filter(lambda doc: not isinstance(doc, dict)),
        st.dictionaries(st.text(max_size=8), JSON, max_size=3).filter(without_id),
    ).map(lambda doc: json.dumps(doc).encode())
    empty = st.sampled_from([b"", b" ", b"\n", b"\r\n\r\n", b"null", b"{}", b"[]"])
    binary = st.binary(max_size=120)
    return st.one_of(html, truncated, wrong, empty, binary)


Call = Callable[[Client], object]
OPERATIONS: dict[str, Call] = {
    "get": lambda c: c.trainings.get(TRAINING_ID),
    "cancel": lambda c: c.trainings.cancel(TRAINING_ID),
    "create": lambda c: c.trainings.create(REF, **GOOD_CREATE),
    "list": lambda c: list(c.trainings.list()),
}
CONTENT_TYPES = [
    "application/json",
    "application/problem+json",
    "text/html; charset=utf-8",
    "text/plain",
    "application/octet-stream",
    "",
]
STATUSES = [200, 201, 202, 203, 400, 401, 403, 404, 409, 410, 418, 422, 429, 500, 502, 503, 504]
STATUSES += [520, 599, 301, 302, 307, 308]


def expect_typed_error(status: int, operation: str, call: Callable[[], object]) -> None:
    """`call()` raises ResponseParseError (success status) or APIStatusError, nothing else."""
    results: list[object] = []
    error = outcome(lambda: results.append(call()))
    if error is None:
        if operation == "list" and results == [[]]:
            return  # a junk dict may happen to read as an empty last page ({"results": []})
        pytest.fail(f"{operation}: junk in a {status} answer was taken as {results[0]!r}")
    success = 200 <= status < 300
    if isinstance(error, ResponseParseError):
        assert success, f"{status} answer raised {error!r}"
        assert operation != "create" or "may have been created" in str(error)
    elif isinstance(error, APIStatusError):
        assert not success and error.status_code == status
        if operation == "create" and status >= 500:
            assert "may have been created" in str(error)
    else:  # the property under test: nothing else escapes
        pytest.fail(f"{operation}: a {status} answer escaped as {type(error).__name__}: {error}")


@settings(FUZZ, max_examples=120)
@given(
    status=st.sampled_from(STATUSES),
    body=junk_bodies(),
    content_type=st.sampled_from(CONTENT_TYPES),
    operation=st.sampled_from(sorted(OPERATIONS)),
)
@example(status=200, body=b"x" * 8_000_000, content_type="text/html", operation="get")
@example(status=200, body=b'"' + b"a" * 8_000_000 + b'"', content_type="", operation="list")
@example(status=503, body=b"<html>" * 1_000_000, content_type="text/html", operation="create")
@example(status=200, body=b"[" * 200_000, content_type="application/json", operation="cancel")
def test_junk_raises_only_typed_errors(
    status: int, body: bytes, content_type: str, operation: str
) -> None:
    FIGURES.count("bad responses: junk answers through a mock transport")
    c = mock_client(status, body, {"Content-Type": content_type})
    expect_typed_error(status, operation, lambda: OPERATIONS[operation](c))


@pytest.mark.timeout(60)
@settings(FUZZ, max_examples=60)
@given(
    status=st.sampled_from(STATUSES),
    body=junk_bodies(),
    content_type=st.sampled_from(CONTENT_TYPES),
    operation=st.sampled_from(sorted(OPERATIONS)),
)
@example(status=200, body=b"x" * 8_000_000, content_type="text/html", operation="get")
@example(status=502, body=b"<html>" * 1_000_000, content_type="text/html", operation="list")
def test_junk_from_the_real_server_raises_only_typed_errors(
    *,
    local_replicate: LocalReplicate,
    server_client: Client,
    status: int,
    body: bytes,
    content_type: str,
    operation: str,
) -> None:
    FIGURES.count("bad responses: junk answers over loopback HTTP")
    local_replicate.faults.clear()
    local_replicate.faults.add(
        Fault.respond(status, body, {"Content-Type": content_type}),
        operation=cast(Operation, operation),
    )
    expect_typed_error(status, operation, lambda: OPERATIONS[operation](server_client))


@st.composite
def junk_pages(draw: st.DrawFn) -> Any:
    good = [draw(valid_trainings())[0] for _ in range(draw(st.integers(0, 2)))]
    bad = draw(
        st.sampled_from(
            [
                {"next": None},
                {"results": "none"},
                {"results": None, "next": None},
                {"results": good, "next": 5},
                {"results": good, "previous": ["x"]},
                {"results": [*good, draw(JSON.filter(lambda d: not isinstance(d, dict)))]},
                {"results": [*good, draw(idless_trainings())]},
            ]
        )
    )
    return bad


@settings(FUZZ, max_examples=30)
@given(junk_pages())
def test_a_junk_page_is_a_parse_error(page: Any) -> None:
    FIGURES.count("bad responses: junk pages through a mock transport")
    c = mock_client(200, json.dumps(page).encode())
    with pytest.raises(ResponseParseError):
        list(c.trainings.list())


# -- headers ---------------------------------------------------------------------------


@settings(FUZZ, max_examples=200)
@given(
    st.text(max_size=40)
    | st.sampled_from(
        [
            "Wed, 21 Oct 2015 07:28:00 GMT",
            "Mon, 99 Oct 2015 07:28:00 GMT",
            "Fri, 31 Dec 9999 23:59:59 -2359",
            "Mon, 01 Jan 0001 00:00:00 +2359",
            "1e999",
            "-1e999",
            "nan",
            "-0",
            "0x10",
        ]
    ),
    st.none() | st.text(max_size=20) | st.sampled_from(["inf", "nan", "-5", "1e400"]),
)
def test_any_retry_after_is_read_as_a_wait_or_ignored(value: str, millis: str | None) -> None:
    FIGURES.count("bad responses: Retry-After values")
    headers = {"Retry-After": value} | ({} if millis is None else {"retry-after-ms": millis})
    try:
        parsed = retry_after(httpx.Headers(headers))
    except UnicodeEncodeError:
        return  # httpx itself refuses such a header value; no server can send it
    assert parsed is None or parsed >= 0
    c = mock_client(429, b"", headers)
    expect_typed_error(429, "get", lambda: c.trainings.get(TRAINING_ID))


# -- single findings, kept as examples -----------------------------------------------------


@pytest.mark.parametrize("digits", [309, 400, 4000])
def test_a_metric_too_big_for_a_float_is_not_an_escaping_overflow(digits: int) -> None:
    """JSON numbers have no size limit and openapi.yaml says `type: number`; an integer
    beyond a float's range must not escape as OverflowError."""
    body = json.dumps(payloads.succeeded()).replace("502.713876", "9" * digits).encode()
    parsed: list[Training] = []
    error = outcome(lambda: parsed.append(Training.from_dict(json.loads(body))))
    assert error is None or type(error) is ResponseParseError, repr(error)
    assert error is not None or parsed[0].metrics is not None
    c = mock_client(200, body)
    error = outcome(lambda: c.trainings.get(TRAINING_ID))
    assert error is None or type(error) is ResponseParseError, repr(error)


@pytest.mark.parametrize("charset", ["utf-16", "utf-32", "bogus", "utf-8", "latin-1"])
@pytest.mark.parametrize("status", [200, 500])
def test_an_answer_in_an_odd_charset_raises_only_typed_errors(charset: str, status: int) -> None:
    headers = {"Content-Type": f"text/plain; charset={charset}"}
    c = mock_client(status, b"\xffno such page\x00", headers)
    expect_typed_error(status, "get", lambda: c.trainings.get(TRAINING_ID))


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "identity, gzip"])
@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("operation", ["get", "create"])
def test_a_body_that_fails_to_decompress_is_an_answer_error(
    encoding: str, status: int, operation: str
) -> None:
    """The server answered; only its body is corrupt: ResponseParseError (or the status's
    error), not an APIConnectionError that says no answer came."""
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    c = mock_client(status, b"\x1f\x8b not really compressed", headers)
    error = outcome(lambda: OPERATIONS[operation](c))
    assert isinstance(error, ResponseParseError | APIStatusError), repr(error)
    assert not isinstance(error, APIStatusError) or error.status_code == status
    assert operation != "create" or "may have been created" in str(error)
