"""Hostile list pages, from a raw-socket server on loopback that logs each request line
exactly as it arrived: `next` links with encoded dots, slashes or credentials are refused
before anything is sent, loops by URL or cursor end the walk, and a page with an item
that is not a training hands out the items before it, then names the resume cursor."""

from __future__ import annotations

import json
import posixpath
import socket
from collections.abc import AsyncIterable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from replicate_trainings import AsyncClient, Client, Page, ResponseParseError, Training

from tests import payloads
from tests.rawserver import head, raw_server

from ._support import FIGURES, FUZZ

TOKEN = "r8_hostile_pages_token"

PageFor = Callable[[str], dict[str, Any]]
"""The page to answer for a request target such as '/v1/trainings?cursor=b'."""


class PageServer:
    """Answers each GET with `page_for(target)` as JSON (an `Answer` for tests.rawserver),
    recording each request line's target and Authorization header byte for byte."""

    base_url = ""
    """Where it listens, with the API's /v1 (set by `page_server`)."""

    def __init__(self, page_for: PageFor) -> None:
        self.page_for = page_for
        self.targets: list[str] = []
        self.authorizations: list[str | None] = []

    @property
    def origin(self) -> str:
        return self.base_url.removesuffix("/v1")

    @property
    def port(self) -> int:
        return int(self.origin.rpartition(":")[2])

    def __call__(self, connection: socket.socket, request: bytes) -> None:
        line, *headers = request.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
        authorization = None
        for header in headers:
            name, _, value = header.partition(":")
            if name.strip().lower() == "authorization":
                authorization = value.strip()
        target = line.split(" ")[1]
        self.targets.append(target)
        self.authorizations.append(authorization)
        body = json.dumps(self.page_for(target)).encode()
        length = str(len(body))
        connection.sendall(head(Content_Type="application/json", Content_Length=length) + body)


@contextmanager
def page_server(page_for: PageFor) -> Iterator[PageServer]:
    """A PageServer on a raw-socket server of its own; closed on exit."""
    server = PageServer(page_for)
    with raw_server(server) as url:
        server.base_url = url
        yield server


@pytest.fixture
def serve() -> Iterator[Callable[[PageFor], PageServer]]:
    with ExitStack() as servers:
        yield lambda page_for: servers.enter_context(page_server(page_for))


LINK_NEXT = [""]
"""The `next` link the module's link server puts on its first page (set by each example)."""


def _link_page(target: str) -> dict[str, Any]:
    return page([training(1)], LINK_NEXT[0] if target == "/v1/trainings" else None)


def training(n: int) -> dict[str, Any]:
    return payloads.succeeded() | {"id": f"t{n}"}


def page(results: list[Any], next_url: str | None = None) -> dict[str, Any]:
    return {"results": results, "next": next_url, "previous": None}


# -- next links as they will be sent ---------------------------------------------------

ENCODED_LINKS = {
    "%2e%2e segments": ("{base}/%2e%2e/%2e%2e/admin", "encoded dot"),
    "%2E%2E segments": ("{base}/%2E%2E/admin", "encoded dot"),
    "half-encoded .%2e": ("{base}/.%2e/admin", "encoded dot"),
    "encoded slashes": ("{origin}/v1%2F..%2Fadmin", "encoded dot, slash"),
    "encoded slash in a segment": ("{base}/trainings%2f..%2f..%2fadmin", "encoded dot, slash"),
    "encoded backslash": ("{base}/trainings%5C..%5Cadmin", "backslash"),
    "double-encoded dots": ("{base}/%252e%252e/admin", "percent"),
    "userinfo": ("http://user:pw@127.0.0.1:{port}/v1/trainings?cursor=x", "credentials"),
    "user only": ("http://user@127.0.0.1:{port}/v1/trainings?cursor=x", "credentials"),
    "empty userinfo": ("http://@127.0.0.1:{port}/v1/trainings?cursor=x", "credentials"),
    "dot segments (normalised to /admin)": ("{base}/trainings/../../admin", "outside"),
    "default port spelled out elsewhere": ("http://127.0.0.1:80/v1/trainings", "another"),
}


@pytest.mark.parametrize("case", list(ENCODED_LINKS))
def test_a_next_link_is_checked_as_it_will_be_sent(
    serve: Callable[[PageFor], PageServer], case: str
) -> None:
    template, reason = ENCODED_LINKS[case]
    links: dict[str, str] = {}
    server = serve(lambda target: page([training(1)], links["next"]))
    links["next"] = template.format(base=server.base_url, origin=server.origin, port=server.port)
    seen: list[Training] = []
    with (
        Client(TOKEN, base_url=server.base_url, max_retries=0) as client,
        pytest.raises(ResponseParseError, match="refusing to follow page 1's next link") as e,
    ):
        seen.extend(client.trainings.list())
    assert reason in str(e.value)
    assert [t.id for t in seen] == ["t1"]
    assert server.targets == ["/v1/trainings"], "the refused link was sent"
    assert server.authorizations == [f"Bearer {TOKEN}"]
    FIGURES.count("hostile pages: encoded or credentialed next links refused")


def test_plain_next_links_are_followed(serve: Callable[[PageFor], PageServer]) -> None:
    """The check refuses only what it must: percent-escapes in the query, and paths of
    other characters, go through."""

    def page_for(target: str) -> dict[str, Any]:
        if target == "/v1/trainings":
            return page([training(1)], f"{base}/trainings?cursor=a%2Fb%2e%25&x=%5C")
        return page([training(2)])

    server = serve(page_for)
    base = server.base_url
    with Client(TOKEN, base_url=base, max_retries=0) as client:
        assert [t.id for t in client.trainings.list()] == ["t1", "t2"]
    assert server.targets == ["/v1/trainings", "/v1/trainings?cursor=a%2Fb%2e%25&x=%5C"]


PIECES = st.sampled_from(
    [
        "/",
        "..",
        ".",
        "%2e",
        "%2E",
        "%2f",
        "%2F",
        "%5c",
        "%5C",
        "\\",
        "%25",
        "%",
        "trainings",
        "v1",
        "admin",
        "@",
        ":",
        ";",
        "%00",
        "%40",
        "~",
        "//",
        "?",
        "#",
        "&",
        "=",
        "cursor",
    ]
)


@pytest.fixture(scope="module")
def link_server() -> Iterator[PageServer]:
    """One raw server for every generated next link."""
    with page_server(_link_page) as server:
        yield server


@pytest.fixture(scope="module")
def link_client(link_server: PageServer) -> Iterator[Client]:
    with Client(TOKEN, base_url=link_server.base_url, max_retries=0) as client:
        yield client


@settings(FUZZ, max_examples=300)
@given(st.lists(PIECES, max_size=8), st.sampled_from(["{base}", "{origin}", "{origin}/v1/"]))
def test_any_followed_next_link_stays_under_the_base_path_however_decoded(
    link_server: PageServer, link_client: Client, pieces: list[str], start: str
) -> None:
    """Whatever a server or proxy does with the path it receives (percent-decode it once or
    twice, turn backslashes into slashes, resolve dot segments), a link that is followed
    stays under /v1 on the same server; anything else is refused before it is sent."""
    link = start.format(base=link_server.base_url, origin=link_server.origin) + "".join(pieces)
    link_server.targets.clear()
    LINK_NEXT[0] = link
    problem = ""
    try:
        list(link_client.trainings.list())
    except ResponseParseError as error:
        problem = str(error)
    assert not problem or "refusing" in problem or "loops" in problem, problem
    event("followed" if len(link_server.targets) > 1 else "refused")
    for target in link_server.targets[1:]:
        path = target.partition("?")[0]
        for decoded in (path, unquote(path), unquote(unquote(path))):
            resolved = posixpath.normpath(decoded.replace("\\", "/"))
            assert resolved == "/v1" or resolved.startswith("/v1/"), (link, target)
    FIGURES.count("hostile pages: generated next links followed or refused safely")


# -- loops -----------------------------------------------------------------------------


def test_a_two_page_cycle_ends_the_walk(serve: Callable[[PageFor], PageServer]) -> None:
    def page_for(target: str) -> dict[str, Any]:
        if target == "/v1/trainings":
            return page([training(1)], f"{base}/trainings?cursor=two")
        return page([training(2)], f"{base}/trainings")

    server = serve(page_for)
    base = server.base_url
    seen: list[str] = []
    with (
        Client(TOKEN, base_url=base, max_retries=0) as client,
        pytest.raises(ResponseParseError, match=r"loops: page 2's next link .* page 1"),
    ):
        seen.extend(t.id for t in client.trainings.list())
    assert seen == ["t1", "t2"]
    assert server.targets == ["/v1/trainings", "/v1/trainings?cursor=two"]
    FIGURES.count("hostile pages: loops ended")


def test_a_cycle_of_cursors_from_a_resumed_listing_ends(
    serve: Callable[[PageFor], PageServer],
) -> None:
    following = {"a": "b", "b": "c", "c": "a"}

    def page_for(target: str) -> dict[str, Any]:
        cursor = target.rpartition("=")[2]
        return page([training(ord(cursor))], f"{base}/trainings?cursor={following[cursor]}")

    server = serve(page_for)
    base = server.base_url
    with (
        Client(TOKEN, base_url=base, max_retries=0) as client,
        pytest.raises(ResponseParseError, match=r"loops: page 3's next link .* page 1"),
    ):
        list(client.trainings.list(cursor="a"))
    assert len(server.targets) == 3


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("/trainings?a=1&b=2", "/trainings?b=2&a=1"),
        ("/trainings?cursor=c", "/trainings?cursor=c&extra=1"),
        ("/trainings?cursor=c&x=", "/trainings?x=&cursor=c"),
    ],
    ids=["reordered query", "same cursor, other query", "blank value reordered"],
)
def test_a_self_loop_in_other_words_ends_the_walk(
    serve: Callable[[PageFor], PageServer], first: str, then: str
) -> None:
    def page_for(target: str) -> dict[str, Any]:
        if target == "/v1/trainings":
            return page([training(1)], base + first)
        return page([training(2)], base + then)

    server = serve(page_for)
    base = server.base_url
    with (
        Client(TOKEN, base_url=base, max_retries=0) as client,
        pytest.raises(ResponseParseError, match=r"loops: page 2's next link .* page 2"),
    ):
        list(client.trainings.list())
    assert len(server.targets) == 2
    FIGURES.count("hostile pages: loops ended")


@pytest.mark.anyio
async def test_an_async_walk_refuses_encoded_links_and_loops(
    serve: Callable[[PageFor], PageServer],
) -> None:
    def page_for(target: str) -> dict[str, Any]:
        if target == "/v1/trainings":
            return page([training(1)], f"{base}/trainings?cursor=x")
        if target == "/v1/trainings?cursor=x":
            return page([training(2)], f"{base}/trainings")
        return page([training(3)], f"{base}/%2e%2e/admin")

    server = serve(page_for)
    base = server.base_url
    async with AsyncClient(TOKEN, base_url=base, max_retries=0) as client:
        with pytest.raises(ResponseParseError, match="loops"):
            [t async for t in client.trainings.list()]
        with pytest.raises(ResponseParseError, match="encoded dot"):
            [t async for t in client.trainings.list(cursor="y")]
    assert server.targets == [
        "/v1/trainings",
        "/v1/trainings?cursor=x",
        "/v1/trainings?cursor=y",
    ]


# -- an item that is not a training ----------------------------------------------------

NO_ID = payloads.succeeded() | {"id": None}


def bad_page_server(
    serve: Callable[[PageFor], PageServer], bad: Any, *, last: bool = False
) -> PageServer:
    def page_for(target: str) -> dict[str, Any]:
        if target == "/v1/trainings":
            next_url = None if last else f"{base}/trainings?cursor=next2"
            return page([training(1), training(2), bad, training(4)], next_url)
        return page([training(5)])

    server = serve(page_for)
    base = server.base_url
    return server


@pytest.mark.parametrize("bad", [NO_ID, {"status": "succeeded"}, 5, "t3", None, [1]])
def test_an_item_without_an_id_raises_after_the_items_before_it(
    serve: Callable[[PageFor], PageServer], bad: Any
) -> None:
    server = bad_page_server(serve, bad)
    seen: list[str] = []
    with Client(TOKEN, base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(ResponseParseError) as caught:
            seen.extend(t.id for t in client.trainings.list())
        assert seen == ["t1", "t2"]
        message = str(caught.value)
        assert "item 2 of page 1 of the listing (GET /v1/trainings) is not a training" in message
        assert "resume after this page with list(cursor='next2')" in message
        assert "skipping the 1 item after it" in message
        assert [t.id for t in client.trainings.list(cursor="next2")] == ["t5"]
    FIGURES.count("hostile pages: unreadable items reported with the resume cursor")


def test_an_item_without_an_id_on_the_last_page_says_so(
    serve: Callable[[PageFor], PageServer],
) -> None:
    server = bad_page_server(serve, NO_ID, last=True)
    with (
        Client(TOKEN, base_url=server.base_url, max_retries=0) as client,
        pytest.raises(ResponseParseError, match="it was the last page, so nothing follows"),
    ):
        list(client.trainings.list())


def test_pages_hands_out_the_good_part_then_raises(serve: Callable[[PageFor], PageServer]) -> None:
    """`pages()` yields the page with the items before the bad one; the next step raises."""
    server = bad_page_server(serve, NO_ID)
    with Client(TOKEN, base_url=server.base_url, max_retries=0) as client:
        pages = iter(client.trainings.list().pages())
        first = next(pages)
        assert isinstance(first, Page)
        assert [t.id for t in first.results] == ["t1", "t2"]
        assert first.next_cursor == "next2"
        with pytest.raises(ResponseParseError, match=r"list\(cursor='next2'\)"):
            next(pages)
    assert server.targets == ["/v1/trainings"]


@pytest.mark.anyio
async def test_an_async_listing_raises_after_the_items_before_it(
    serve: Callable[[PageFor], PageServer],
) -> None:
    server = bad_page_server(serve, NO_ID)
    seen: list[str] = []
    async with AsyncClient(TOKEN, base_url=server.base_url, max_retries=0) as client:
        with pytest.raises(ResponseParseError, match=r"list\(cursor='next2'\)"):
            await collect(seen, client.trainings.list())
    assert seen == ["t1", "t2"]


async def collect(into: list[str], trainings: AsyncIterable[Training]) -> None:
    async for t in trainings:
        into.append(t.id)


def test_page_from_dict_refuses_an_item_without_an_id() -> None:
    with pytest.raises(ResponseParseError, match="item 1 of the page"):
        Page.from_dict(page([training(1), NO_ID]))


@pytest.mark.parametrize(
    "odd",
    [
        {"model": None},
        {"created_at": "2022-04-26T20:00:84.583803Z"},
        {"input": None},
        {"status": 7},
    ],
)
def test_an_item_with_an_id_and_odd_fields_is_yielded(
    serve: Callable[[PageFor], PageServer], odd: dict[str, Any]
) -> None:
    server = bad_page_server(serve, training(3) | odd, last=True)
    with Client(TOKEN, base_url=server.base_url, max_retries=0) as client:
        assert [t.id for t in client.trainings.list()] == ["t1", "t2", "t3", "t4"]
