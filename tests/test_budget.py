"""The rate budget: one per client, shared by its clones, threads and tasks; paced under
the limits it is given; and, once a call meets a 429, every call of the client holds until
the server's time is up (Retry-After, else the body's "resets in ~N s", else the backoff).

Most tests run on a manual clock shared by the client and the local server, so waits are
read exactly and take no time; two run on real time over loopback against the server's
own throttle, and show the budget keeps a client under it where none meets 429s.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
import warnings
from collections.abc import Iterator

import httpx
import pytest
from replicate_trainings import (
    AsyncClient,
    Client,
    RateBudget,
    RateLimitError,
    RetryPolicy,
    WaitTimeoutError,
)
from replicate_trainings._budget import CREATE, OTHER, Budget
from replicate_trainings.testing import (
    LOCAL_BASE_URL,
    Fault,
    LocalReplicate,
    LocalServer,
    Progression,
    RateLimit,
)

from tests.clocks import ManualClock, on_clock

SLOW = RateBudget(other_per_minute=60, other_burst=2)  # a request a second after two at once


class FrozenClock(ManualClock):
    """A manual clock that records sleeps without moving: every request reserves its slot
    at the same instant, so the waits handed out show the budget's queue exactly."""

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)


@pytest.fixture
def app() -> Iterator[LocalReplicate]:
    with LocalReplicate(seed=3, progression=Progression.manual()) as app:
        yield app


def client_on(
    app: LocalReplicate, clock: ManualClock, budget: RateBudget | None = SLOW, **options: object
) -> Client:
    http = httpx.Client(transport=app.transport())
    settings: dict[str, object] = {"max_retries": 0} | options
    client = Client(
        app.token,
        base_url=LOCAL_BASE_URL,
        http_client=http,
        rate_budget=budget,
        **settings,  # type: ignore[arg-type]
    )
    return on_clock(client, clock)


def async_client_on(
    app: LocalReplicate, clock: ManualClock, budget: RateBudget | None = SLOW
) -> AsyncClient:
    http = httpx.AsyncClient(transport=app.transport())
    client = AsyncClient(
        app.token, base_url=LOCAL_BASE_URL, http_client=http, rate_budget=budget, max_retries=0
    )
    return on_clock(client, clock)


def test_the_default_budget_is_replicates_published_limits() -> None:
    assert RateBudget() == RateBudget(
        create_per_minute=600, other_per_minute=3000, create_burst=40, other_burst=200
    )
    with pytest.raises(ValueError, match="other_per_minute"):
        RateBudget(other_per_minute=0)
    with pytest.raises(TypeError, match="create_burst"):
        RateBudget(create_burst=1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rate_budget must be a RateBudget or None"):
        Client("t", base_url=LOCAL_BASE_URL, rate_budget=600)  # type: ignore[arg-type]


def test_a_burst_goes_at_once_then_the_pace_holds(app: LocalReplicate) -> None:
    clock = FrozenClock()
    training_id = app.training_ids()[0]
    with client_on(app, clock) as client:
        for _ in range(5):
            client.trainings.get(training_id)
    assert clock.sleeps == [1.0, 2.0, 3.0]  # two at once, then one a second


def test_creates_and_other_requests_have_budgets_of_their_own(app: LocalReplicate) -> None:
    clock = FrozenClock()
    budget = RateBudget(create_per_minute=30, create_burst=1, other_per_minute=60, other_burst=1)
    with client_on(app, clock, budget) as client:
        for _ in range(2):
            client.trainings.create(
                "stability-ai/sdxl:" + "a" * 64, destination="acme/sdxl-tuned", input={}
            )
        client.trainings.get(app.training_ids()[0])
    assert clock.sleeps == [2.0]  # the second create; the get had its own budget


def test_clones_share_their_clients_budget(app: LocalReplicate) -> None:
    clock = FrozenClock()
    training_id = app.training_ids()[0]
    with client_on(app, clock) as client:
        clones = [client.with_options(timeout=5), client.with_options(max_retries=1), client]
        for each in clones * 2:
            each.trainings.get(training_id)
    assert clock.sleeps == [1.0, 2.0, 3.0, 4.0]


def test_a_budget_of_none_sends_at_once(app: LocalReplicate) -> None:
    clock = FrozenClock()
    with client_on(app, clock, None) as client:
        for _ in range(10):
            client.trainings.get(app.training_ids()[0])
    assert clock.sleeps == []


def test_threads_queue_for_one_budget(app: LocalReplicate) -> None:
    clock = FrozenClock()
    training_id = app.training_ids()[0]
    with client_on(app, clock) as client:
        clone = client.with_options(timeout=10)
        start = threading.Barrier(12)

        def get(each: Client) -> None:
            start.wait()
            each.trainings.get(training_id)

        threads = [threading.Thread(target=get, args=(c,)) for c in [client, clone] * 6]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    # twelve requests at one instant: two go, ten wait for slots a second apart, none shared
    assert sorted(clock.sleeps) == [float(n) for n in range(1, 11)]


@pytest.mark.anyio
async def test_tasks_queue_for_one_budget(app: LocalReplicate) -> None:
    clock = FrozenClock()
    training_id = app.training_ids()[0]
    async with async_client_on(app, clock) as client:
        clone = client.with_options(timeout=10)
        await asyncio.gather(*(c.trainings.get(training_id) for c in [client, clone] * 6))
    assert sorted(clock.sleeps) == [float(n) for n in range(1, 11)]


def test_an_async_clients_budget_is_its_own(app: LocalReplicate) -> None:
    clock = FrozenClock()
    training_id = app.training_ids()[0]

    async def three_gets() -> None:
        async with async_client_on(app, clock) as client:
            for _ in range(3):
                await client.trainings.get(training_id)

    with client_on(app, clock) as client:
        for _ in range(3):
            client.trainings.get(training_id)
        asyncio.run(three_gets())
    assert clock.sleeps == [1.0, 1.0]  # each client's third request


# -- 429s: every call holds ---------------------------------------------------------------


def test_a_429_without_retry_after_holds_every_call_for_the_backoff(app: LocalReplicate) -> None:
    clock = ManualClock()
    training_id = app.training_ids()[0]
    policy = RetryPolicy(max_retries=0, initial_delay=4.0)
    with client_on(app, clock, RateBudget(), max_retries=policy) as client:
        app.faults.add(Fault.error(429, detail="slow down"), times=1, operation="get")
        with pytest.raises(RateLimitError) as raised:
            client.trainings.get(training_id)
        assert raised.value.retry_after is None  # no header, no "resets in"
        assert clock.sleeps == []
        client.with_options(timeout=3).trainings.get(training_id)  # another call, a clone's
    # the backoff's first delay, jittered over its upper half: 2 to 4 s
    assert len(clock.sleeps) == 1
    assert 2.0 <= clock.sleeps[0] <= 4.0


def test_a_429_with_resets_in_holds_every_call_for_that_long() -> None:
    clock = ManualClock(wall=1_700_000_000.0)
    server = RateLimit(other_per_minute=6, other_burst=1)  # one request each 10 s
    with LocalReplicate(seed=1, rate_limit=server, clock=clock.time) as app:
        training_id = app.training_ids()[0]
        with client_on(app, clock, RateBudget()) as client:  # paced far above the server
            client.trainings.get(training_id)
            with pytest.raises(RateLimitError) as raised:
                client.trainings.get(training_id)
            assert raised.value.detail == "Request was throttled. Your rate limit resets in ~10s."
            assert raised.value.retry_after == 10.0
            assert clock.sleeps == []
            client.with_options(timeout=3).trainings.get(training_id)
            assert clock.sleeps == [10.0]  # held, then let through: no second 429
            assert app.throttle is not None and app.throttle.refused == 1


def test_a_429_met_in_one_thread_holds_the_calls_of_another() -> None:
    clock = ManualClock(wall=1_700_000_000.0)
    server = RateLimit(other_per_minute=6, other_burst=1)
    with LocalReplicate(seed=1, rate_limit=server, clock=clock.time) as app:
        training_id = app.training_ids()[0]
        with client_on(app, clock, RateBudget()) as client:
            client.trainings.get(training_id)  # the server's one request in 10 s
            met: list[BaseException] = []

            def meet_the_429() -> None:
                try:
                    client.trainings.get(training_id)
                except RateLimitError as exc:
                    met.append(exc)

            thread = threading.Thread(target=meet_the_429)
            thread.start()
            thread.join()
            assert len(met) == 1 and clock.sleeps == []
            client.trainings.get(training_id)  # this thread holds for the other's 429
        assert clock.sleeps == [10.0]
        assert app.throttle is not None and app.throttle.refused == 1


def test_retries_wait_out_the_servers_time_and_then_pass() -> None:
    clock = ManualClock(wall=1_700_000_000.0)
    server = RateLimit(other_per_minute=12, other_burst=1)
    with LocalReplicate(seed=1, rate_limit=server, clock=clock.time) as app:
        training_id = app.training_ids()[0]
        with client_on(app, clock, RateBudget(), max_retries=2) as client:
            for _ in range(3):
                client.trainings.get(training_id)
        # each retried once, after its 429's "resets in ~5s"; after a hold no burst goes,
        # so the next call waits one slot of the client's pace (3,000 a minute) first
        assert clock.sleeps == pytest.approx([5.0, 0.02, 5.0])
        assert app.throttle is not None and app.throttle.refused == 2


# -- real time, over loopback -------------------------------------------------------------


@pytest.fixture
def throttled_server() -> Iterator[LocalServer]:
    limit = RateLimit(other_per_minute=600, other_burst=3)  # ten a second after three
    with LocalReplicate(seed=1, rate_limit=limit) as app, app.serve() as server:
        yield server


# A burst below the server's: the client's first request may arrive late (a new
# connection) and start the server's count after the client's.
UNDER = RateBudget(other_per_minute=600, other_burst=2)


def test_threads_under_one_budget_meet_no_429_over_loopback(
    throttled_server: LocalServer,
) -> None:
    app = throttled_server.app
    training_id = app.training_ids()[0]
    with Client(
        throttled_server.token,
        base_url=throttled_server.base_url,
        rate_budget=UNDER,
        max_retries=0,
    ) as client:
        clone = client.with_options(timeout=30)
        errors: list[BaseException] = []

        def gets(each: Client) -> None:
            try:
                for _ in range(3):
                    each.trainings.get(training_id)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=gets, args=(c,)) for c in [client, clone] * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert app.throttle is not None and app.throttle.refused == 0


@pytest.mark.anyio
async def test_tasks_under_one_budget_meet_no_429_over_loopback(
    throttled_server: LocalServer,
) -> None:
    app = throttled_server.app
    training_id = app.training_ids()[0]
    async with AsyncClient(
        throttled_server.token,
        base_url=throttled_server.base_url,
        rate_budget=UNDER,
        max_retries=0,
    ) as client:
        clone = client.with_options(timeout=30)
        await asyncio.gather(*(c.trainings.get(training_id) for c in [client, clone] * 6))
    assert app.throttle is not None and app.throttle.refused == 0


def test_without_a_budget_the_same_threads_meet_429s(throttled_server: LocalServer) -> None:
    """The counter-test: the loopback tests above could fail."""
    app = throttled_server.app
    training_id = app.training_ids()[0]
    with Client(
        throttled_server.token,
        base_url=throttled_server.base_url,
        rate_budget=None,
        max_retries=0,
    ) as client:
        failures: list[RateLimitError] = []

        def gets() -> None:
            try:
                for _ in range(3):
                    client.trainings.get(training_id)
            except RateLimitError as exc:
                failures.append(exc)

        threads = [threading.Thread(target=gets) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert failures
    assert app.throttle is not None and app.throttle.refused >= 1


def test_a_wait_the_budget_would_hold_past_its_timeout_ends_at_the_deadline(
    app: LocalReplicate,
) -> None:
    clock = ManualClock()
    training_id = app.training_ids()[0]
    with client_on(app, clock) as client:
        client.trainings.get(training_id)
        client.trainings.get(training_id)  # the burst is spent: the next slot is 1 s away
        sent = len(app.requests)
        with pytest.raises(WaitTimeoutError):
            client.trainings.wait(training_id, timeout=0.5)
    assert clock.slept == pytest.approx(0.5)
    assert len(app.requests) == sent  # the poll it could not send in time was not sent


def test_a_hold_voids_the_slots_reserved_before_it_and_paces_what_follows() -> None:
    budget = Budget(RateBudget(other_per_minute=60, other_burst=3))
    assert budget.reserve(OTHER, 0.0) == (0.0, 0)
    assert budget.reserve(OTHER, 0.0) == (0.0, 0)
    budget.hold(10.0)
    # a slot reserved before the hold is void (`holds` moved): the request reserves again
    assert budget.holds == 1
    assert budget.reserve(OTHER, 0.0) == (10.0, 1)
    assert budget.reserve(OTHER, 0.0) == (11.0, 1)  # after the hold: the pace, no burst
    assert budget.reserve(CREATE, 0.0) == (10.0, 1)  # creates hold too
    assert budget.reserve(OTHER, 12.0) == (0.0, 1)


def test_a_request_that_would_give_up_first_spends_no_slot() -> None:
    budget = Budget(RateBudget(other_per_minute=60, other_burst=1))  # a slot a second
    assert budget.reserve(OTHER, 0.0)[0] == 0.0  # the burst's one slot
    pause, _ = budget.reserve(OTHER, 0.0, latest=0.5)  # its slot (1 s) is past its deadline
    assert pause == pytest.approx(1.0)
    assert budget.reserve(OTHER, 0.0)[0] == pytest.approx(1.0)  # so the next gets that slot
    assert budget.reserve(OTHER, 0.0)[0] == pytest.approx(2.0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_a_forked_child_is_not_locked_out_by_a_parent_thread() -> None:
    budget = Budget(RateBudget())
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with budget._lock:
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold_the_lock)
    thread.start()
    holding.wait(10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded process
        pid = os.fork()
    if pid == 0:  # the child: its copy of the lock is held by a thread it does not have
        budget.reserve(OTHER, 0.0)
        os._exit(0)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                assert os.waitstatus_to_exitcode(status) == 0
                break
            time.sleep(0.01)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the child hung on the budget's lock")
    finally:
        release.set()
        thread.join()
