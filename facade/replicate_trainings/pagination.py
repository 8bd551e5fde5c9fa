"""Pages of trainings and the lazy walkers over them (`client.trainings.list()`).

Only one page is held at a time, so memory stays flat however long the list is. Each
page's `next` URL is followed as given, after checking it points at the configured API:
the token is never sent to another scheme, host, port or path.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import attrs
import httpx

from ._effects import Emit, Program, stream_async, stream_sync
from ._pipeline import Call, request
from .errors import ResponseParseError
from .training import Training

if TYPE_CHECKING:
    from ._config import ClientConfig

__all__ = ["AsyncPager", "Page", "Pager"]


@attrs.frozen
class Page:
    """One page of trainings, newest first, with cursors to its neighbours."""

    results: list[Training]
    next_url: str | None
    previous_url: str | None

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
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ResponseParseError("expected a page object with a 'results' array")
        links = [data.get("next"), data.get("previous")]
        if any(link is not None and not isinstance(link, str) for link in links):
            raise ResponseParseError("a page's 'next' and 'previous' must be URL strings or null")
        return cls(
            results=[Training._from_decoded(item) for item in data["results"]],
            next_url=links[0] or None,
            previous_url=links[1] or None,
        )


def walk(config: ClientConfig, first: Call) -> Program[None]:
    """Emit each page from `first` on, following `next` links on the configured API only."""
    call = first
    while True:
        page = yield from request(config, call, Page.from_dict)
        yield Emit(page)
        if page.next_url is None:
            return
        if not config.owns(page.next_url):
            raise ResponseParseError(
                f"refusing to follow a next page URL outside {config.base_url}: "
                f"{_origin(page.next_url)}"
            )
        if page.next_url == call.url and not call.params:
            raise ResponseParseError(f"the next page URL repeats the current one: {call.url}")
        call = Call(call.operation, "GET", page.next_url, idempotent=True, options=call.options)


class Pager:
    """Every training, lazily, newest first; `.pages()` for the pages themselves."""

    def __init__(self, http: httpx.Client, config: ClientConfig, first: Call) -> None:
        self._http, self._config, self._first = http, config, first

    def __iter__(self) -> Iterator[Training]:
        for page in self.pages():
            yield from page.results

    def pages(self) -> Iterator[Page]:
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
        return stream_async(walk(self._config, self._first), self._http)


def _cursor(url: str | None) -> str | None:
    if url is None:
        return None
    values = parse_qs(urlsplit(url).query).get("cursor")
    return values[0] if values else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
