"""`wait_all()` and `as_completed()`: many trainings watched through pages of the listing,
sync and async, against the local server throttling as Replicate does.

The client and the server share one manual clock (`ManualClock.time` is the server's
clock), so trainings end exactly `ends_after` seconds after their creation, polls come
exactly a poll interval apart, and each test takes no real time. The async tests run over
a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from replicate_trainings import (
    AsyncClient,
    Client,
    NotFoundError,
    RetryPolicy,
    Training,
    WaitTimeoutError,
)
from replicate_trainings.testing import LOCAL_BASE_URL, LocalReplicate, LocalServer, Progression

from tests.clocks import ManualClock, on_clock

ENDS_AFTER = 10.0
POLL = 1.0
RETRIES = RetryPolicy(max_retries=2, initial_delay=0.01, max_delay=0.1)


class RoundClock(ManualClock):
    """A manual clock that notes how many requests the server had at each poll's sleep,
    so a test reads the requests of each round."""

    def __init__(self, app_ref: list[LocalReplicate]) -> None:
        super().__init__(wall=1_700_000_000.0)
        self._app_ref = app_ref
        self.marks: list[int] = []

    def sleep(self, seconds: float) -> None:
        if self._app_ref:
            self.marks.append(len(self._app_ref[0].requests))
        super().sleep(seconds)

    def rounds(self) -> list[int]:
        """Requests per round (the last round's too)."""
        total = len(self._app_ref[0].requests)
        edges = [0, *self.marks, total]
        return [b - a for a, b in itertools.pairwise(edges) if b > a]


@pytest.fixture
def clock() -> RoundClock:
    return RoundClock([])


@pytest.fixture
def app(clock: RoundClock) -> Iterator[LocalReplicate]:
    with LocalReplicate(
        rate_limit=True,
        progression=Progression.ends_after(ENDS_AFTER),
        clock=clock.time,
        ticker=False,
    ) as app:
        clock._app_ref.append(app)
        yield app


@pytest.fixture
def client(app: LocalReplicate, clock: RoundClock) -> Iterator[Client]:
    http = httpx.Client(transport=app.transport())
    with Client(app.token, base_url=LOCAL_BASE_URL, http_client=http, max_retries=RETRIES) as c:
        yield on_clock(c, clock)


def create(app: LocalReplicate, clock: ManualClock, count: int, spacing: float = 0.0) -> list[str]:
    """`count` new trainings, `spacing` seconds apart; their ids, oldest first."""
    ids = []
    for _ in range(count):
        ids.append(app.create()["id"])
        clock.advance(spacing)
    return ids


def operations(app: LocalReplicate) -> list[str]:
    return [request.operation for request in app.requests]


def test_wait_all_returns_each_training_terminal_in_the_order_given(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    ids = create(app, clock, 250, spacing=0.02)
    order = random.Random(1).sample(ids, len(ids)) + ids[:3]  # shuffled, with repeats
    app.clear_requests()

    done = client.trainings.wait_all(order, poll_interval=POLL)

    assert [t.id for t in done] == order
    assert all(t.is_terminal for t in done)
    assert set(operations(app)) == {"list"}  # every one seen on the pages: no get
    assert max(clock.rounds()) <= math.ceil(250 / 100) + 1
    assert app.throttle is not None and app.throttle.refused == 0


def test_as_completed_reports_each_end_within_one_poll_interval(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    ids = create(app, clock, 120, spacing=0.1)  # the first ten have ended already
    started = clock.time()
    reported: dict[str, float] = {}
    for training in client.trainings.as_completed(ids, poll_interval=POLL):
        assert training.id not in reported
        assert training.is_terminal and training.completed_at is not None
        ended = max(training.completed_at.timestamp(), started)
        reported[training.id] = clock.time() - ended

    assert sorted(reported) == sorted(ids)
    assert max(reported.values()) <= POLL + 1e-6
    assert min(reported.values()) >= 0


def test_trainings_beyond_the_pages_walked_are_got(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    deep = create(app, clock, 3)  # under 1,000 newer ones: page 11
    near = create(app, clock, 1000)[-150:]  # the newest 150: pages 1 and 2
    app.clear_requests()

    done = client.trainings.wait_all([*deep, *near], poll_interval=POLL)

    assert [t.id for t in done] == [*deep, *near]
    gets = [r.path.rsplit("/", 1)[-1] for r in app.requests if r.operation == "get"]
    assert set(gets) == set(deep)  # the near ones came through the pages
    # the first round looks one page further (it costs less than the 3 gets it may save);
    # each round: the near ones' pages, one more, and a get of each deep one
    assert max(clock.rounds()) <= math.ceil(150 / 100) + 1 + len(deep)


def test_trainings_found_further_down_are_watched_on_their_pages(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    targets = create(app, clock, 120, spacing=0.01)  # under 300 newer ones: pages 4 and 5
    create(app, clock, 300)
    app.clear_requests()

    done = client.trainings.wait_all(targets, poll_interval=POLL)

    assert [t.id for t in done] == targets
    assert set(operations(app)) == {"list"}
    assert max(clock.rounds()) <= 5 + 1


def test_trainings_pushed_down_by_new_ones_are_still_seen_each_round(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    ids = create(app, clock, 180, spacing=0.05)
    watching = client.trainings.as_completed(ids, poll_interval=POLL)
    seen = [next(watching)]
    create(app, clock, 150)  # between two rounds: every watched training moves 1-2 pages down
    seen += list(watching)
    assert sorted(t.id for t in seen) == sorted(ids)


def test_a_timeout_names_the_trainings_still_running_in_the_order_given(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    early = create(app, clock, 5)
    clock.advance(6.0)
    late = create(app, clock, 5)
    order = [late[0], *early, *late[1:]]
    started = clock.monotonic()

    with pytest.raises(WaitTimeoutError) as raised:
        client.trainings.wait_all(order, timeout=5.0, poll_interval=POLL)

    error = raised.value
    assert error.pending == tuple(late)
    assert [t.id for t in error.finished] == early
    assert error.training is None
    assert all(training_id in str(error) for training_id in late)
    assert clock.monotonic() - started == pytest.approx(5.0)


def test_as_completed_hands_out_what_ended_before_the_timeout(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    early = create(app, clock, 3)
    clock.advance(8.0)
    late = create(app, clock, 2)
    watching = client.trainings.as_completed([*late, *early], timeout=4.0)
    got = [next(watching).id for _ in early]
    with pytest.raises(WaitTimeoutError) as raised:
        next(watching)
    assert sorted(got) == sorted(early)
    assert raised.value.pending == tuple(late)


def test_an_unknown_id_raises_not_found_naming_it(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    ids = create(app, clock, 3)
    with pytest.raises(NotFoundError) as raised:
        client.trainings.wait_all([*ids, "nosuchtraining"], poll_interval=POLL)
    assert "nosuchtraining" in str(raised.value)
    assert any("nosuchtraining" in note for note in raised.value.__notes__)


def test_trainings_already_over_cost_no_request(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    ids = create(app, clock, 3)
    finished = [Training.from_dict(app.finish(training_id)) for training_id in ids]
    app.clear_requests()
    assert client.trainings.wait_all(finished) == finished
    assert list(client.trainings.as_completed(finished)) == finished
    assert client.trainings.wait_all([]) == []
    assert app.requests == []


def test_one_training_is_watched_with_a_get(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    """A page costs what a get does and may not hold it: the get wins."""
    (training_id,) = create(app, clock, 1)
    app.clear_requests()
    assert client.trainings.wait_all([training_id], poll_interval=POLL)[0].is_terminal
    assert set(operations(app)) == {"get"}


def test_arguments_are_checked_before_anything_is_sent(app: LocalReplicate, client: Client) -> None:
    with pytest.raises(TypeError, match="iterable of trainings or ids"):
        client.trainings.wait_all("abc")  # a str is an iterable of str: refused all the same
    with pytest.raises(ValueError, match="trainings_or_ids"):
        client.trainings.wait_all(["ok", "../x"])
    with pytest.raises(ValueError, match="poll_interval"):
        client.trainings.as_completed(["ok"], poll_interval=-1)
    with pytest.raises(TypeError, match="unexpected keyword"):
        client.trainings.wait_all(["ok"], timeuot=3)  # type: ignore[call-arg]
    assert app.requests == []


def test_a_thousand_trainings_under_replicates_limits_meet_no_429(
    app: LocalReplicate, clock: RoundClock, client: Client
) -> None:
    ids = create(app, clock, 1000, spacing=0.01)
    app.clear_requests()
    done = client.trainings.wait_all(ids, poll_interval=POLL)
    assert [t.id for t in done] == ids
    assert app.throttle is not None and app.throttle.refused == 0
    assert max(clock.rounds()) <= math.ceil(1000 / 100) + 1


# -- AsyncClient, over loopback -----------------------------------------------------------


@pytest.fixture
def server(app: LocalReplicate) -> Iterator[LocalServer]:
    with app.serve() as server:
        yield server


@pytest.fixture
async def aclient(server: LocalServer, clock: RoundClock) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(server.token, base_url=server.base_url, max_retries=RETRIES) as c:
        yield on_clock(c, clock)


@pytest.mark.anyio
async def test_async_wait_all_returns_them_in_the_order_given(
    app: LocalReplicate, clock: RoundClock, aclient: AsyncClient
) -> None:
    ids = create(app, clock, 130, spacing=0.05)
    deep = ids[:5]
    create(app, clock, 300)
    order = [*reversed(ids), deep[0]]

    done = await aclient.trainings.wait_all(order, poll_interval=POLL)

    assert [t.id for t in done] == order
    assert all(t.is_terminal for t in done)
    assert app.throttle is not None and app.throttle.refused == 0


@pytest.mark.anyio
async def test_async_as_completed_reports_each_once_within_a_poll_interval(
    app: LocalReplicate, clock: RoundClock, aclient: AsyncClient
) -> None:
    ids = create(app, clock, 60, spacing=0.2)
    started = clock.time()
    lags = {}
    async for training in aclient.trainings.as_completed(ids, poll_interval=POLL):
        assert training.completed_at is not None and training.id not in lags
        lags[training.id] = clock.time() - max(training.completed_at.timestamp(), started)
    assert sorted(lags) == sorted(ids)
    assert max(lags.values()) <= POLL + 1e-6


@pytest.mark.anyio
async def test_async_timeout_and_unknown_ids(
    app: LocalReplicate, clock: RoundClock, aclient: AsyncClient
) -> None:
    ids = create(app, clock, 4)
    with pytest.raises(WaitTimeoutError) as raised:
        await aclient.trainings.wait_all(ids, timeout=3.0, poll_interval=POLL)
    assert raised.value.pending == tuple(ids)
    with pytest.raises(NotFoundError, match="nosuchtraining"):
        await aclient.trainings.wait_all([*ids, "nosuchtraining"])
    watching = aclient.trainings.as_completed(ids, timeout=0)
    with pytest.raises(WaitTimeoutError) as raised:
        await anext(watching)
    assert raised.value.pending == tuple(ids)
