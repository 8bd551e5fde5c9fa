"""Bad arguments, property-based: for every argument of the facade, an invalid value raises
`ValueError` or `TypeError` (exactly those classes) whose message names the argument, and
nothing reaches the server (its request log stays as it was); a valid value is sent as
given. tests/test_arguments.py holds the example-based cases; these are the complement.

The calls go through the local server's in-process transport, so its request log is
the proof that nothing was sent, at the cost of no sockets.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import Any

import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from replicate_trainings import (
    AuthenticationError,
    Client,
    NotFoundError,
    ReplicateError,
    RetryPolicy,
    Training,
)
from replicate_trainings.testing import LocalReplicate, LocalServer

from tests import payloads
from tests.reliability._support import (
    FIGURES,
    FUZZ,
    GOOD_CREATE,
    NO_RETRIES,
    REF,
    VERSION,
    client,
    in_process_client,
    outcome,
)

SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
SEGMENTS = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True)
NOT_STRINGS = (
    st.integers()
    | st.floats()
    | st.booleans()
    | st.binary(max_size=8)
    | st.lists(st.text(max_size=4), max_size=2)
    | st.dictionaries(st.text(max_size=4), st.integers(), max_size=2)
    | st.builds(object)
)
EVENTS = ["start", "output", "logs", "completed"]
TERMINAL = Training.from_dict(payloads.succeeded())


@pytest.fixture
def app(local_replicate: LocalReplicate) -> LocalReplicate:
    return local_replicate


@pytest.fixture
def api(app: LocalReplicate) -> Iterator[Client]:
    with in_process_client(app) as c:
        yield c


def rejected(app: LocalReplicate, call: Callable[[], object], name: str) -> None:
    """`call()` raises ValueError or TypeError naming `name` and sends nothing."""
    FIGURES.count("bad arguments: invalid inputs tried")
    before = len(app.requests)
    error = outcome(call)
    assert error is not None, f"accepted; expected a ValueError or TypeError naming {name}"
    assert type(error) in (ValueError, TypeError), f"{type(error).__name__}: {error}"
    assert re.search(name, str(error)), f"{type(error).__name__} does not name {name}: {error}"
    assert len(app.requests) == before, "a request was sent for an invalid argument"


def accepted(app: LocalReplicate, call: Callable[[], object]) -> list[Any]:
    """`call()` sends its request (whatever the server answers); returns what was sent."""
    FIGURES.count("bad arguments: valid inputs tried")
    before = len(app.requests)
    with contextlib.suppress(ReplicateError):
        call()
    sent = app.requests[before:]
    assert sent, "a valid argument sent nothing"
    return sent


def is_segment(value: str) -> bool:
    return SEGMENT.fullmatch(value) is not None


# -- ids ---------------------------------------------------------------------------------

ID_CALLS: dict[str, tuple[str, Callable[[Client, Any], object]]] = {
    "get": ("training_id", lambda c, v: c.trainings.get(v)),
    "cancel": ("training_id", lambda c, v: c.trainings.cancel(v)),
    "watch": ("training_or_id", lambda c, v: c.trainings.watch(v)),
    "wait": ("training_or_id", lambda c, v: c.trainings.wait(v, timeout=0)),
}


@settings(FUZZ, max_examples=200)
@given(
    operation=st.sampled_from(sorted(ID_CALLS)),
    value=st.text(max_size=12).filter(lambda v: not is_segment(v)) | NOT_STRINGS | st.none(),
)
@example(operation="get", value="../models")
@example(operation="cancel", value="a/b")
@example(operation="get", value="a?b")
@example(operation="get", value="a#b")
@example(operation="cancel", value="%2e%2e")
@example(operation="wait", value="\ud800")
def test_an_invalid_training_id_is_refused(
    app: LocalReplicate, api: Client, operation: str, value: Any
) -> None:
    name, call = ID_CALLS[operation]
    rejected(app, lambda: call(api, value), name)


@settings(FUZZ, max_examples=100)
@given(operation=st.sampled_from(["get", "cancel"]), value=SEGMENTS)
def test_a_valid_training_id_is_sent_as_one_path_segment(
    app: LocalReplicate, api: Client, operation: str, value: str
) -> None:
    _, call = ID_CALLS[operation]
    [sent] = accepted(app, lambda: call(api, value))
    suffix = "/cancel" if operation == "cancel" else ""
    assert sent.path == f"/v1/trainings/{value}{suffix}"
    assert sent.operation == operation


# -- create ----------------------------------------------------------------------------

REF_NAMES = r"\bref\b|\bmodel\b|\bversion\b"


def create_with(api: Client, **overrides: Any) -> Callable[[], object]:
    arguments: dict[str, Any] = {"ref": REF, **GOOD_CREATE} | overrides
    return lambda: api.trainings.create(**arguments)


def is_ref(value: str) -> bool:
    model, colon, version = value.partition(":")
    owner, slash, name = model.partition("/")
    return bool(colon and slash) and all(map(is_segment, (owner, name, version)))


@settings(FUZZ, max_examples=200)
@given(
    st.text(alphabet=st.sampled_from("ab1/:.-_ ?#%\\\n\u00e9"), max_size=14).filter(
        lambda v: not is_ref(v)
    )
    | NOT_STRINGS
)
@example("stability-ai/sdxl")
@example("stability-ai/sdxl:")
@example(":v")
@example("a/b/c:v")
@example("a/b:v:w")
@example("../b:v")
@example("a/b:../v")
def test_an_invalid_ref_is_refused(app: LocalReplicate, api: Client, ref: Any) -> None:
    rejected(app, create_with(api, ref=ref), REF_NAMES)


@settings(FUZZ, max_examples=60)
@given(SEGMENTS, SEGMENTS, SEGMENTS)
def test_a_valid_ref_is_sent_to_its_model_version(
    app: LocalReplicate, api: Client, owner: str, name: str, version: str
) -> None:
    [sent] = accepted(app, create_with(api, ref=f"{owner}/{name}:{version}"))
    assert sent.path == f"/v1/models/{owner}/{name}/versions/{version}/trainings"


@settings(FUZZ, max_examples=150)
@given(
    which=st.sampled_from(["model", "version"]),
    value=st.text(max_size=10) | NOT_STRINGS,
)
def test_an_invalid_model_or_version_is_refused(
    app: LocalReplicate, api: Client, which: str, value: Any
) -> None:
    good = {"model": "stability-ai/sdxl", "version": VERSION}
    valid = isinstance(value, str) and (
        is_segment(value)
        if which == "version"
        else (value.count("/") == 1 and all(map(is_segment, value.split("/"))))
    )
    call = create_with(api, ref=None, **(good | {which: value}))
    if valid:
        accepted(app, call)
    else:
        rejected(app, call, rf"\b{which}\b")


@settings(FUZZ, max_examples=150)
@given(st.text(max_size=12) | NOT_STRINGS)
@example("me")
@example("me/")
@example("/x")
@example("a/b/c")
@example("../x")
def test_an_invalid_destination_is_refused(app: LocalReplicate, api: Client, value: Any) -> None:
    valid = (
        isinstance(value, str) and value.count("/") == 1 and all(map(is_segment, value.split("/")))
    )
    call = create_with(api, destination=value)
    if valid:
        [sent] = accepted(app, call)
        assert sent.json()["destination"] == value
    else:
        rejected(app, call, r"\bdestination\b")


JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
NOT_JSON = st.sampled_from(
    [object(), {1, 2}, b"bytes", math.nan, math.inf, -math.inf, 1j, range(3), Ellipsis]
)


@settings(FUZZ, max_examples=100)
@given(st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=5))
def test_any_json_input_is_sent_unchanged(app: LocalReplicate, api: Client, value: Any) -> None:
    [sent] = accepted(app, create_with(api, input=value))
    assert sent.json()["input"] == value


@st.composite
def bad_inputs(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["not a mapping", "key", "value", "nested value"]))
    good = draw(st.dictionaries(st.text(max_size=6), JSON_VALUES, max_size=3))
    if kind == "not a mapping":
        return draw(
            st.lists(st.integers(), max_size=2) | st.text(max_size=5) | st.integers() | st.none()
        )
    if kind == "key":
        key = draw(st.integers() | st.none() | st.tuples(st.integers()) | st.booleans())
        return {**good, key: 1}
    if kind == "value":
        return {**good, draw(st.text(max_size=6)): draw(NOT_JSON)}
    return {**good, "nested": {"deeper": [draw(NOT_JSON)]}}


@settings(FUZZ, max_examples=150)
@given(bad_inputs())
def test_an_invalid_input_is_refused(app: LocalReplicate, api: Client, value: Any) -> None:
    rejected(app, create_with(api, input=value), r"\binput\b")


def test_input_may_be_any_mapping(app: LocalReplicate, api: Client) -> None:
    """create() takes `input: Mapping[str, Any]`; a read-only mapping is a Mapping."""
    value = {"input_images": "https://example.com/a.zip", "steps": 3}
    [sent] = accepted(app, create_with(api, input=MappingProxyType(value)))
    assert sent.json()["input"] == value


HOSTS = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){1,2}", fullmatch=True)
PATHS = st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){0,3}", fullmatch=True)


@st.composite
def invalid_webhooks(draw: st.DrawFn) -> Any:
    host, path = draw(HOSTS), draw(PATHS)
    kind = draw(st.sampled_from(["type", "scheme", "http elsewhere", "relative", "no host"]))
    if kind == "type":
        return draw(NOT_STRINGS)
    if kind == "scheme":
        scheme = draw(st.sampled_from(["ftp", "ws", "wss", "file", "javascript", "data", "gopher"]))
        return f"{scheme}://{host}{path}"
    if kind == "http elsewhere":
        return f"http://{host}{path}"
    if kind == "relative":
        return draw(st.sampled_from(["", "/hook", "hook", "//", "example.com/hook"])) + path
    return draw(st.sampled_from(["https://", "https:///hook", "https://:443/x", "https:?x"]))


@settings(FUZZ, max_examples=150)
@given(invalid_webhooks())
def test_an_invalid_webhook_is_refused(app: LocalReplicate, api: Client, value: Any) -> None:
    rejected(app, create_with(api, webhook=value), r"\bwebhook\b")


@settings(FUZZ, max_examples=60)
@given(
    st.builds("https://{}{}".format, HOSTS, PATHS)
    | st.builds(
        "http://{}{}{}".format,
        st.sampled_from(["127.0.0.1", "localhost", "[::1]", "127.0.0.2"]),
        st.sampled_from(["", ":8080", ":1"]),
        PATHS,
    )
)
def test_a_valid_webhook_is_sent_as_given(app: LocalReplicate, api: Client, value: str) -> None:
    [sent] = accepted(app, create_with(api, webhook=value))
    assert sent.json()["webhook"] == value


@settings(FUZZ, max_examples=300)
@given(st.text(max_size=30))
@example("https://[::1")
@example("https://exa mple.com/x")
def test_any_webhook_string_is_accepted_or_refused_cleanly(
    app: LocalReplicate, api: Client, value: str
) -> None:
    """No oracle for every string; but nothing other than a clean refusal may come out."""
    FIGURES.count("bad arguments: arbitrary webhook strings")
    before = len(app.requests)
    error = outcome(lambda: api.trainings.create(REF, **GOOD_CREATE, webhook=value))
    if error is None or isinstance(error, ReplicateError):
        return  # accepted: sent, whatever the server made of it
    assert type(error) in (ValueError, TypeError) and "webhook" in str(error), repr(error)
    assert len(app.requests) == before


@st.composite
def invalid_event_filters(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["type", "string", "empty", "unknown"]))
    if kind == "type":
        return draw(st.integers() | st.floats() | st.booleans() | st.builds(object))
    if kind == "string":
        return draw(st.sampled_from(EVENTS).map(lambda e: e.encode()) | st.sampled_from(EVENTS))
    if kind == "empty":
        return draw(st.sampled_from([[], (), set(), iter([])]))
    known = draw(st.lists(st.sampled_from(EVENTS), max_size=3))
    unknown = draw(
        st.text(max_size=10).filter(lambda e: e not in EVENTS)
        | st.integers()
        | st.none()
        | st.sampled_from([b"start", "START", " start", "completed\n"])
    )
    position = draw(st.integers(0, len(known)))
    return [*known[:position], unknown, *known[position:]]


WEBHOOK = "https://example.com/hook"


@settings(FUZZ, max_examples=150)
@given(invalid_event_filters())
def test_an_invalid_event_filter_is_refused(app: LocalReplicate, api: Client, value: Any) -> None:
    call = create_with(api, webhook=WEBHOOK, webhook_events_filter=value)
    rejected(app, call, r"\bwebhook_events_filter\b")


@settings(FUZZ, max_examples=40)
@given(
    st.lists(
        st.lists(st.sampled_from(EVENTS), max_size=2)
        | st.dictionaries(st.sampled_from(EVENTS), st.integers(), max_size=1)
        | st.sets(st.sampled_from(EVENTS), max_size=1),
        min_size=1,
        max_size=2,
    ).map(lambda items: ["start", *items])
)
def test_an_event_filter_with_unhashable_items_is_refused(
    app: LocalReplicate, api: Client, value: Any
) -> None:
    call = create_with(api, webhook=WEBHOOK, webhook_events_filter=value)
    rejected(app, call, r"\bwebhook_events_filter\b")


@settings(FUZZ, max_examples=60)
@given(
    st.lists(st.sampled_from(EVENTS), min_size=1, max_size=6), st.sampled_from([list, tuple, iter])
)
def test_a_valid_event_filter_is_sent_without_duplicates(
    app: LocalReplicate, api: Client, events: list[str], container: Callable[[list[str]], Any]
) -> None:
    call = create_with(api, webhook=WEBHOOK, webhook_events_filter=container(events))
    [sent] = accepted(app, call)
    assert sent.json()["webhook_events_filter"] == list(dict.fromkeys(events))


def test_an_event_filter_without_a_webhook_is_refused(app: LocalReplicate, api: Client) -> None:
    rejected(app, create_with(api, webhook_events_filter=["start"]), r"\bwebhook_events_filter\b")


# -- list cursor -----------------------------------------------------------------------


@settings(FUZZ, max_examples=60)
@given(NOT_STRINGS.filter(lambda v: v is not None) | st.just(""))
def test_an_invalid_cursor_is_refused(app: LocalReplicate, api: Client, cursor: Any) -> None:
    rejected(app, lambda: api.trainings.list(cursor=cursor), r"\bcursor\b")


@settings(FUZZ, max_examples=100)
@given(st.text(min_size=1, max_size=30))
def test_any_cursor_string_is_sent_unchanged(app: LocalReplicate, api: Client, cursor: str) -> None:
    sent = accepted(app, lambda: list(api.trainings.list(cursor=cursor)))
    assert [r.params.get("cursor") for r in sent] == [[cursor]]


@settings(FUZZ, max_examples=30)
@given(st.text(max_size=5), st.sampled_from(["\ud800", "\udfff", "\udc80"]), st.text(max_size=5))
def test_a_cursor_that_cannot_be_encoded_is_refused(
    app: LocalReplicate, api: Client, before: str, surrogate: str, after: str
) -> None:
    """A lone surrogate cannot be sent in a URL: refuse it at list(), naming cursor."""
    rejected(app, lambda: list(api.trainings.list(cursor=before + surrogate + after)), "cursor")


# -- watch / wait ------------------------------------------------------------------------

NOT_NUMBERS: st.SearchStrategy[object] = st.one_of(
    st.text(max_size=4), st.booleans(), st.lists(st.integers(), max_size=1), st.builds(object)
)


@settings(FUZZ, max_examples=150)
@given(
    which=st.sampled_from(["watch", "wait"]),
    value=NOT_NUMBERS
    | st.floats(max_value=0)
    | st.integers(max_value=0)
    | st.just(math.nan)
    | st.just(-math.inf),
)
def test_an_invalid_poll_interval_is_refused(
    app: LocalReplicate, api: Client, which: str, value: Any
) -> None:
    operation = getattr(api.trainings, which)
    rejected(app, lambda: operation("tr1", poll_interval=value), r"\bpoll_interval\b")


@pytest.mark.parametrize("value", [math.inf, 1e10, 1e300])
def test_a_poll_interval_too_long_to_sleep_is_refused(
    app: LocalReplicate, api: Client, value: float
) -> None:
    """time.sleep() cannot take it (OverflowError); refuse it up front, naming it."""
    rejected(app, lambda: api.trainings.watch("tr1", poll_interval=value), r"\bpoll_interval\b")


@settings(FUZZ, max_examples=100)
@given(
    st.floats(min_value=1e-6, max_value=3600) | st.integers(min_value=1, max_value=3600),
    st.none() | st.floats(min_value=0, max_value=1e6) | st.integers(0, 10**6),
)
def test_a_valid_poll_interval_and_timeout_are_accepted(
    app: LocalReplicate, api: Client, interval: float, timeout: float | None
) -> None:
    """With a finished training, wait() returns at once and sends nothing."""
    FIGURES.count("bad arguments: valid inputs tried")
    before = len(app.requests)
    assert api.trainings.wait(TERMINAL, poll_interval=interval, timeout=timeout) is TERMINAL
    assert len(app.requests) == before


@settings(FUZZ, max_examples=100)
@given(NOT_NUMBERS | st.floats(max_value=-1e-9) | st.integers(max_value=-1) | st.just(math.nan))
def test_an_invalid_wait_timeout_is_refused(app: LocalReplicate, api: Client, value: Any) -> None:
    rejected(app, lambda: api.trainings.wait("tr1", timeout=value), r"\btimeout\b")


# -- Client ------------------------------------------------------------------------------


def valid_token(value: str) -> bool:
    token = value.strip()
    return bool(token) and token.isascii() and token.isprintable() and " " not in token


@settings(FUZZ, max_examples=200)
@given(
    st.one_of(
        st.text(max_size=20), st.builds("r8_{} {}".format, st.text(max_size=6), st.text(max_size=6))
    ).filter(lambda v: not valid_token(v))
    | NOT_STRINGS
)
@example("r8_to ken")
@example("r8_tok\u00e9n")
@example("r8_to\x00ken")
@example("   ")
def test_an_invalid_token_is_refused_without_showing_it(app: LocalReplicate, value: Any) -> None:
    def build() -> Client:
        return Client(value, base_url="https://api.test/v1")

    rejected(app, build, r"\btoken\b")
    if isinstance(value, str) and len(value.strip()) >= 4:
        assert value.strip() not in str(outcome(build)), "the error shows the token"


@settings(FUZZ, max_examples=100)
@given(st.from_regex(r"\s{0,2}[!-~]{1,40}\s{0,2}", fullmatch=True))
def test_a_valid_token_is_sent_stripped(app: LocalReplicate, token: str) -> None:
    http = httpx.Client(transport=app.transport())
    base = app.transport().base_url
    with Client(token, base_url=base, http_client=http, max_retries=NO_RETRIES) as c:
        [sent] = accepted(app, lambda: c.trainings.get("tr1"))
    http.close()
    assert sent.headers["authorization"] == f"Bearer {token.strip()}"


@st.composite
def invalid_base_urls(draw: st.DrawFn) -> Any:
    host, path = draw(HOSTS), draw(PATHS)
    kind = draw(st.sampled_from(["type", "scheme", "relative", "no host", "query", "malformed"]))
    if kind == "type":
        return draw(NOT_STRINGS.filter(lambda v: not isinstance(v, str)))
    if kind == "scheme":
        return draw(st.sampled_from(["ftp", "ws", "file", "mailto"])) + f"://{host}{path}"
    if kind == "relative":
        return draw(st.sampled_from(["", "/v1", "api.replicate.com/v1", "v1"]))
    if kind == "no host":
        return draw(st.sampled_from(["https://", "https:///v1", "http://:80/v1"]))
    if kind == "query":
        return f"https://{host}{path}" + draw(st.sampled_from(["?a=b", "#frag", "?", "?x#y"]))
    return draw(
        st.sampled_from(
            ["http://[::1/v1", "http://xn--/v1", "https://xn--zz/v1", "http://h:99999/v1"]
        )
    )


@settings(FUZZ, max_examples=150)
@given(invalid_base_urls())
@example("http://xn--/v1")
@example("https://api.replicate.com/v1?")
@example("https://api.replicate.com/v1#")
def test_an_invalid_base_url_is_refused(app: LocalReplicate, value: Any) -> None:
    rejected(app, lambda: Client("r8_x", base_url=value), r"\bbase_url\b")


@settings(FUZZ, max_examples=150)
@given(st.text(max_size=30))
@example("http://xn--/v1")
@example("http://\ud800/v1")
def test_any_base_url_string_is_accepted_or_refused_cleanly(
    app: LocalReplicate, value: str
) -> None:
    FIGURES.count("bad arguments: arbitrary base_url strings")
    error = outcome(lambda: Client("r8_x", base_url=value or "x"))
    if error is not None:
        assert type(error) in (ValueError, TypeError), f"{type(error).__name__}: {error}"
        assert "base_url" in str(error)


@settings(FUZZ, max_examples=25)
@given(st.sampled_from(["http", "https"]), HOSTS, st.none() | st.integers(1, 65535), PATHS)
def test_a_valid_base_url_is_accepted(
    app: LocalReplicate, scheme: str, host: str, port: int | None, path: str
) -> None:
    FIGURES.count("bad arguments: valid inputs tried")
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"
    # plain http off this machine needs saying so (README: Security)
    client = Client("r8_x", base_url=url, allow_insecure_http=scheme == "http")
    assert repr(client).startswith("Client(")


BASE = Client("r8_x", base_url="https://api.test/v1")
"""For with_options(): one client for every example (building one costs an SSL context)."""
TIMEOUT_CALLS: dict[str, Callable[[Any], object]] = {
    "Client": lambda v: Client("r8_x", base_url="https://api.test/v1", timeout=v),
    "with_options": lambda v: BASE.with_options(timeout=v),
}


@settings(FUZZ, max_examples=100)
@given(
    st.sampled_from(sorted(TIMEOUT_CALLS)),
    NOT_NUMBERS | st.floats(max_value=0) | st.integers(max_value=0) | st.just(math.nan),
)
def test_an_invalid_client_timeout_is_refused(app: LocalReplicate, where: str, value: Any) -> None:
    rejected(app, lambda: TIMEOUT_CALLS[where](value), r"\btimeout\b")


@pytest.mark.parametrize(
    "value", [math.inf, 1e300, httpx.Timeout(math.inf), httpx.Timeout(5, read=math.inf)]
)
def test_an_unbounded_client_timeout_means_no_limit(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, value: Any
) -> None:
    """timeout=inf (or beyond a week) means no limit, like None: never an OverflowError from
    the socket layer, on the client, a clone or one call."""
    with client(local_replicate_server, timeout=value) as c:
        assert list(c.trainings.list()) == []
        training = c.trainings.create(REF, **GOOD_CREATE)
        assert c.with_options(timeout=value).trainings.get(training.id).id == training.id
        assert c.trainings.get(training.id, timeout=value).id == training.id
        assert c.trainings.wait(training.id, timeout=math.inf, poll_interval=0.01).is_terminal


@settings(FUZZ, max_examples=100)
@given(
    st.sampled_from(["Client", "with_options"]),
    st.integers(max_value=-1) | st.floats() | st.booleans() | st.text(max_size=3) | st.none(),
)
def test_invalid_max_retries_are_refused(app: LocalReplicate, where: str, value: Any) -> None:
    if where == "with_options" and value is None:
        return  # with_options(max_retries=None) means "keep the current setting"

    def build() -> object:
        if where == "Client":
            return Client("r8_x", base_url="https://api.test/v1", max_retries=value)
        return BASE.with_options(max_retries=value)

    rejected(app, build, r"\bmax_retries\b")


@settings(FUZZ, max_examples=100)
@given(
    st.sampled_from(["initial_delay", "max_delay", "max_retry_after"]),
    st.floats(max_value=-1e-9) | st.integers(max_value=-1) | st.just(math.nan),
)
def test_invalid_retry_delays_are_refused(app: LocalReplicate, field: str, value: Any) -> None:
    """A negative or NaN delay would fail only at the first retry, in time.sleep()."""
    rejected(app, lambda: RetryPolicy(**{field: value}), rf"\b{field}\b")


def test_an_http_client_of_the_wrong_kind_is_refused(app: LocalReplicate) -> None:
    rejected(app, lambda: Client("r8_x", http_client=httpx.AsyncClient()), r"\bhttp_client\b")  # type: ignore[arg-type]


def test_a_not_found_answer_is_not_an_argument_error(app: LocalReplicate, api: Client) -> None:
    """The control: a well-formed id for a training that does not exist reaches the server."""
    with pytest.raises(NotFoundError):
        api.trainings.get("doesnotexist")
    with pytest.raises(AuthenticationError):
        Client(
            "r8_wrong",
            base_url=app.transport().base_url,
            http_client=httpx.Client(transport=app.transport()),
            max_retries=NO_RETRIES,
        ).trainings.get("x")
