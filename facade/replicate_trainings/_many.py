"""Waiting on many trainings for the price of a few requests: `wait_all()` and
`as_completed()`.

Each round looks at every training still running, once: those it expects near the top of
the listing through its pages (newest first, one request per 100 trainings), the others
with a get each. It walks the number of pages that makes the round cheapest, from where
each training was last seen (`_Watch.plan`), so a round's requests grow with the pages
needed, not with the trainings. Trainings never seen yet are taken to be among the newest,
as trainings just created are, and looked for further down while a page costs less than
the gets it may save; one that the pages walked did not reach is fetched with a get that
round, and, if it was never seen in the listing, by a get every round after.
Pages only move down as trainings are created, so one not found near the top will not
come up later.

Rounds start `poll_interval` apart (less the time a round took), and each training is
reported as soon as the page or get that shows it over arrives. Transient failures end a
round, not the wait; a training the API does not know (404) ends the wait at once.
"""

from __future__ import annotations

import math
from typing import Literal, Never, overload

from . import errors
from ._config import ClientConfig
from ._effects import Emit, Program, relay
from ._pipeline import request
from ._polling import Watchlist, until_next_poll
from .pagination import Page, walk
from .training import Training

PAGE_SIZE = 100
"""Trainings on a page of Replicate's listing: the first guess of how deep they lie."""
_UNKNOWN = 0.0
"""The depth of a training not looked for in the listing yet."""
_UNLISTED = math.inf
"""The depth of a training the listing did not show where it should have: got instead."""


@overload
def watch_all(
    config: ClientConfig, watchlist: Watchlist, *, emit: Literal[False] = False
) -> Program[Never, list[Training]]: ...
@overload
def watch_all(
    config: ClientConfig, watchlist: Watchlist, *, emit: Literal[True]
) -> Program[Training, list[Training]]: ...
def watch_all(
    config: ClientConfig, watchlist: Watchlist, *, emit: bool = False
) -> Program[Training, list[Training]]:
    """Poll until every training of `watchlist` is terminal; return them in its order.

    `emit`: hand out each one as it ends, those given already over first. After the
    deadline, WaitTimeoutError naming those still running (the last round's transient
    error, if it failed, as the cause).
    """
    watch = _Watch(watchlist)
    if emit:
        for training in watch.ended.values():
            yield Emit(training)
    delays = watchlist.schedule.delays()
    deadline = watchlist.deadline
    failure: errors.ReplicateError | None = None
    while watch.pending:
        started = config.clock.monotonic()
        try:
            yield from _round(config, watch, emit=emit)
            failure = None
        except errors.ReplicateError as exc:
            if not errors.is_transient(exc):
                raise
            failure = exc
        if not watch.pending:
            break
        delay = max(0.0, next(delays) - (config.clock.monotonic() - started))
        if not (yield from until_next_poll(config, delay, deadline)):
            raise watch.timed_out() from failure
    return [watch.ended[training_id] for training_id in watchlist.order]


class _Watch:
    """One wait on many: the trainings still running, each with where the listing last
    showed it (`pending`: its page, `_UNKNOWN` or `_UNLISTED`), and those that ended."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        self.ended: dict[str, Training] = {}
        self.pending: dict[str, float] = {}
        for training_id in watchlist.gets:
            given = watchlist.known.get(training_id)
            if given is not None and given.is_terminal:
                self.ended[training_id] = given
            else:
                self.pending[training_id] = _UNKNOWN
        self.created = {i: t.created_at for i, t in watchlist.known.items()}

    def see(self, training: Training, depth: float | None = None) -> bool:
        """Record a state (and the page it was on); True if the training just ended."""
        if training.id not in self.pending:
            return False
        if training.created_at is not None:
            self.created[training.id] = training.created_at
        if not training.is_terminal:
            if depth is not None:
                self.pending[training.id] = depth
            return False
        del self.pending[training.id]
        self.ended[training.id] = training
        return True

    def plan(self) -> tuple[int, set[str]]:
        """The pages to walk this round, and the trainings looked for in them: the fewest
        requests, given that a page costs one and so does a get of a training not on them.
        Ties go to gets, which cannot miss."""
        unknown = sum(1 for depth in self.pending.values() if depth == _UNKNOWN)
        guess = float(math.ceil(unknown / PAGE_SIZE))
        depths = {i: guess if d == _UNKNOWN else d for i, d in self.pending.items()}
        pages, cost = 0, len(depths)
        for candidate in sorted({d for d in depths.values() if d < _UNLISTED}):
            candidate_cost = candidate + sum(1 for d in depths.values() if d > candidate)
            if candidate_cost < cost:
                pages, cost = int(candidate), int(candidate_cost)
        return pages, {i for i, d in depths.items() if d <= pages}

    def beyond(self, page: Page, unseen: set[str]) -> bool:
        """Whether the walk is past every training it still looks for: each was created
        after this page's oldest, so it would have shown by now were it listed."""
        oldest = min((t.created_at for t in page.results if t.created_at is not None), default=None)
        if oldest is None:
            return False
        return all(
            (created := self.created.get(i)) is not None and created > oldest for i in unseen
        )

    def timed_out(self) -> errors.WaitTimeoutError:
        order = dict.fromkeys(self.watchlist.order)
        pending = [i for i in order if i in self.pending]
        shown = ", ".join(pending[:10]) + (
            f" and {len(pending) - 10} more" if len(pending) > 10 else ""
        )
        return errors.WaitTimeoutError(
            f"{len(pending)} of {len(order)} trainings still running after the wait timeout: "
            f"{shown}",
            training=None,
            pending=pending,
            finished=[self.ended[i] for i in order if i in self.ended],
        )


def _round(config: ClientConfig, watch: _Watch, *, emit: bool) -> Program[Training, None]:
    """Look at every training still running once; `emit` each that ended as it is seen."""
    watchlist = watch.watchlist
    pages, looked_for = watch.plan()
    unseen = set(looked_for)
    exploring = {i for i in looked_for if watch.pending[i] == _UNKNOWN}
    seen: set[str] = set()
    walked = 0
    past = False

    def take(page: Page) -> tuple[list[Training] | tuple[()], bool]:
        nonlocal walked, past
        walked += 1
        on_page = []
        for training in page.results:
            if training.id in watch.pending:
                seen.add(training.id)
                unseen.discard(training.id)
                if watch.see(training, walked):
                    on_page.append(training)
        past = bool(unseen) and watch.beyond(page, unseen)
        more = (
            walked < pages
            # one page past the plan, in case new trainings pushed some down
            or (walked == pages and len(unseen) >= 2)
            # never seen yet: a page costs less than the gets it may save
            or walked < len(unseen & exploring)
        )
        return on_page if emit else (), bool(unseen) and more and not past

    if pages:
        yield from relay(walk(config, watchlist.listing, deadline=watchlist.deadline), take)
        for training_id in unseen & watch.pending.keys():
            depth = watch.pending[training_id]
            watch.pending[training_id] = _UNLISTED if past or depth == _UNKNOWN else walked + 1
    for training_id in [i for i in watch.pending if i not in seen]:
        try:
            training = yield from request(
                config,
                watchlist.gets[training_id],
                Training._from_decoded,
                deadline=watchlist.deadline,
            )
        except errors.NotFoundError as exc:
            exc.add_note(f"no training has the id {training_id!r}: it cannot be waited for")
            raise
        if watch.see(training) and emit:
            yield Emit(training)
