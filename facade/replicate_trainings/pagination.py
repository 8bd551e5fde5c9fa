"""Pages of trainings and the lazy walkers over them (`client.trainings.list()`).

Only one page is held at a time, so memory stays flat however long the list is. Each
page's `next` URL is followed only after checking the URL as it will be sent: the
configured scheme, host, port and base path, no credentials, no dot segments, no
percent-encoded dot, slash, backslash or percent, and no `;` path parameters (which a
server or proxy might decode or normalise into a path outside the API: `..;`, `%2e%2e`),
so the token is never sent anywhere else. A `next` link
back to a page already fetched (the same URL, query in any order, or the same cursor)
ends the walk, so a listing never loops.

A page with an item that is not a training (no string `id`) yields the items before it;
the walk then raises ResponseParseError naming the cursor that resumes after that page.
"""

from __future__ import annotations

import dataclasses
import re
from array import array
from bisect import bisect_left
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

import httpx

from ._effects import Emit, Program, stream_async, stream_sync
from ._pipeline import Call, request
from ._server_text import quoted
from .errors import ResponseParseError
from .training import Training

if TYPE_CHECKING:
    from ._config import ClientConfig

__all__ = ["AsyncPager", "Page", "Pager"]

_ENCODED = re.compile(r"%(2e|2f|5c|25)", re.IGNORECASE)  # . / \ %
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    """One page of trainings, newest first, with cursors to its neighbours."""

    results: list[Training]
    """The page's trainings, newest first."""
    next_url: str | None
    """The API's link to the next (older) page, None on the last."""
    previous_url: str | None
    """The API's link to the previous (newer) page, None on the first."""

    @property
    def next_cursor(self) -> str | None:
        """Pass to `list(cursor=...)` to resume at the next (older) page."""
        return _cursor(self.next_url)

    @property
    def previous_cursor(self) -> str | None:
        """Pass to `list(cursor=...)` to walk back to the previous (newer) page."""
        return _cursor(self.previous_url)

    @classmethod
    def from_dict(cls, data: object) -> Page:
        """Parse one page as the API sends it; ResponseParseError if any part is unreadable."""
        page, bad = _read_page(data)
        if bad is not None:
            raise ResponseParseError(f"item {bad.position} of the page: {bad.reason}")
        return page


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class _BadItem(NamedTuple):
    """The first item of a page that is not a training, and how many items follow it."""

    position: int
    reason: str
    after: int


def _read_page(data: Any) -> tuple[Page, _BadItem | None]:
    """The page with its items up to the first unreadable one, and that one if any."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise ResponseParseError("expected a page object with a 'results' array")
    links = [data.get("next"), data.get("previous")]
    if any(link is not None and not isinstance(link, str) for link in links):
        raise ResponseParseError("a page's 'next' and 'previous' must be URL strings or null")
    items: list[Any] = data["results"]
    results: list[Training] = []
    bad: _BadItem | None = None
    parse = Training._from_decoded
    try:
        for item in items:
            results.append(parse(item))
    except ResponseParseError as exc:
        index = len(results)
        bad = _BadItem(index, str(exc), len(items) - index - 1)
    page = Page(results=results, next_url=links[0] or None, previous_url=links[1] or None)
    return page, bad


def walk(
    config: ClientConfig, first: Call, *, deadline: float | None = None
) -> Program[Page, None]:
    """Emit each page from `first` on, following `next` links on the configured API only.

    A page with an unreadable item is emitted with the items before it, then the walk
    raises; a `next` link off the API, or back to a page already fetched, raises too.
    No request's retries pass `deadline` (see `request`).
    """
    call = first
    seen = _SeenPages()
    number = 1
    seen.add(call.url, number)
    while True:
        page, bad = yield from request(config, call, _read_page, deadline=deadline)
        yield Emit(page)
        if bad is not None:
            raise ResponseParseError(_resume_message(page, bad, number, call, config.token))
        if page.next_url is None:
            return
        url, refusal = _judged(config.base_url, page.next_url)
        if url is None or refusal is not None:
            raise ResponseParseError(
                f"refusing to follow page {number}'s next link "
                f"{quoted(page.next_url, config.token)}: {refusal} "
                f"(the token is only sent to {config.base_url})"
            )
        earlier = seen.add(url, number + 1)
        if earlier is not None:
            raise ResponseParseError(
                f"the listing loops: page {number}'s next link "
                f"{quoted(page.next_url, config.token)} leads back to page {earlier}, "
                "already fetched"
            )
        number += 1
        call = Call(call.operation, "GET", url, idempotent=True, options=call.options)


class Pager:
    """Every training, lazily, newest first; `.pages()` for the pages themselves."""

    def __init__(self, http: httpx.Client, config: ClientConfig, first: Call) -> None:
        self._http, self._config, self._first = http, config, first

    def __iter__(self) -> Iterator[Training]:
        for page in self.pages():
            yield from page.results

    def pages(self) -> Iterator[Page]:
        """The pages themselves, fetched one at a time as you iterate."""
        return stream_sync(walk(self._config, self._first), self._http)


class AsyncPager:
    """`async for` over every training, lazily, newest first; `.pages()` for the pages."""

    def __init__(self, http: httpx.AsyncClient, config: ClientConfig, first: Call) -> None:
        self._http, self._config, self._first = http, config, first

    async def __aiter__(self) -> AsyncIterator[Training]:
        async for page in self.pages():
            for training in page.results:
                yield training

    def pages(self) -> AsyncIterator[Page]:
        """The pages themselves, for `async for`, fetched one at a time."""
        return stream_async(walk(self._config, self._first), self._http)


def _cursor(url: str | None) -> str | None:
    if url is None:
        return None
    values = parse_qs(urlsplit(url).query).get("cursor")
    return values[0] if values else None


def _judged(base: httpx.URL, link: str) -> tuple[httpx.URL | None, str | None]:
    """`link` parsed once, and why it must not be sent the token, judged on the URL as
    httpx will send it (dot segments removed, escapes kept); None when it is on the API."""
    try:
        url = httpx.URL(link)
        host, sent = url.host, url.raw_path.decode("ascii").partition("?")[0]
        netloc = urlsplit(link).netloc
    except (httpx.InvalidURL, TypeError, ValueError):  # UnicodeError (IDNA) is a ValueError
        return None, "it is not a valid URL"
    if url.userinfo or "@" in netloc:
        return url, "it carries credentials (user:password@)"
    if (url.scheme, host, _port(url)) != (base.scheme, base.host, _port(base)):
        return url, "it is on another scheme, host or port"
    if _ENCODED.search(sent) or "\\" in sent or "/./" in sent + "/" or "/../" in sent + "/":
        return url, "its path has dot segments or an encoded dot, slash, backslash or percent"
    if ";" in sent:
        return url, "its path has ';' parameters (a server may read '..;' as '..')"
    if any(_dots(segment) for segment in sent.split("/")):
        return url, "its path has a segment that normalises to a dot segment"
    prefix = base.raw_path.decode("ascii").rstrip("/")
    if sent != prefix and not sent.startswith(prefix + "/"):
        return url, "its path is outside the base URL's"
    return url, None


def _dots(segment: str) -> bool:
    """Whether a path segment reads as `.` or `..` once percent-decoded, stripped of `;`
    parameters and of the white space some servers trim."""
    decoded = unquote(segment).partition(";")[0].strip()
    return decoded in (".", "..")


def _port(url: httpx.URL) -> int | None:
    return url.port if url.port is not None else _DEFAULT_PORTS.get(url.scheme)


class _SeenPages:
    """The pages a walk fetched, each as a 64-bit hash of its cursor (or, for a page
    without one, its URL with the query in any order), kept sorted in arrays: 16 bytes a
    page, so a walk's memory stays flat however long the listing."""

    def __init__(self) -> None:
        self._hashes = array("q")
        self._numbers = array("q")

    def add(self, url: httpx.URL, number: int) -> int | None:
        """Record page `number`; the number of an earlier page with its cursor or URL."""
        query = parse_qsl(url.query.decode("ascii"), keep_blank_values=True)
        cursors = [value for name, value in query if name == "cursor"]
        if cursors:
            key = f"cursor {cursors}"
        else:
            path = url.raw_path.partition(b"?")[0].decode()
            key = f"url {url.scheme}://{url.host}:{_port(url)}{path}?{urlencode(sorted(query))}"
        digest = hash(key)
        at = bisect_left(self._hashes, digest)
        if at < len(self._hashes) and self._hashes[at] == digest:
            return self._numbers[at]
        self._hashes.insert(at, digest)
        self._numbers.insert(at, number)
        return None


def _resume_message(page: Page, bad: _BadItem, number: int, call: Call, token: str) -> str:
    path = call.url.raw_path.decode("ascii")
    resume = (
        "it was the last page, so nothing follows"
        if page.next_url is None
        else f"resume after this page with list(cursor='{quoted(page.next_cursor or '', token)}')"
    )
    rest = f" (skipping the {_items(bad.after)} after it on this page)" if bad.after else ""
    return (
        f"item {bad.position} of page {number} of the listing (GET {quoted(path, token)}) is "
        f"not a training: {quoted(bad.reason, token)}. The {_items(bad.position)} before it "
        "were handed out; "
        f"{resume}{rest}"
    )


def _items(count: int) -> str:
    return f"{count} item{'' if count == 1 else 's'}"
