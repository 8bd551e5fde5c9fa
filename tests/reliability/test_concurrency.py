"""Concurrency: one `Client` shared by 8 threads, one `AsyncClient` running 200 tasks at
once, both over loopback HTTP with a light seeded fault mix: no errors, and no crossed
answers (each answer is the training that was asked for). An `AsyncClient` used from a
second event loop raises a RuntimeError that says so, before sending anything."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from replicate_trainings import AsyncClient, Client, ReplicateError
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer

from tests.reliability._support import FIGURES, Reporter, async_client, client

THREADS = 8
THREAD_CALLS = 1_000
TASKS = 200
ROUNDS = 2
LIGHT_FAULTS = {Fault.error(503): 0.03, Fault.rate_limit(retry_after=0): 0.02, Fault.drop(): 0.01}
"""6% faults: a call exhausting six attempts has odds of 0.06**6 (5e-8), so these tests
need no burst cap even though threads make the order of draws vary from run to run."""
SEEDED = 120
PAGE_SIZE = 25


def sync_call(c: Client, op: str, training_id: str, first_page: list[str]) -> str | None:
    """One call; None if the answer is the one asked for, else what was wrong."""
    if op == "list":
        got = [t.id for t in next(iter(c.trainings.list().pages())).results]
        return None if got == first_page else f"first page {got[:3]}... is not {first_page[:3]}"
    training = getattr(c.trainings, op)(training_id)
    return None if training.id == training_id else f"{op}({training_id}) answered {training.id}"


def check_counts(
    report: Reporter, app: LocalReplicate, calls: int, ops: Counter[str], elapsed: float
) -> None:
    injected = app.faults.injected
    # One successful request per call (get, cancel, a first page), one retry per fault.
    assert len(app.requests) == calls + injected
    report("calls", f"{calls:,} ({dict(sorted(ops.items()))})")
    report("faults injected = retries used", injected)
    report("elapsed seconds", round(elapsed, 2))
    FIGURES.count("concurrency: calls made", calls)
    FIGURES.count("concurrency: faults injected", injected)


@pytest.mark.timeout(60)
@pytest.mark.local_replicate(seed=SEEDED, page_size=PAGE_SIZE, record_limit=20_000)
def test_one_client_shared_by_eight_threads(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    ids = app.training_ids()
    first_page = ids[:PAGE_SIZE]
    rng = random.Random(8)
    plan = [
        (rng.choices(("get", "cancel", "list"), weights=(60, 25, 15))[0], rng.choice(ids))
        for _ in range(THREAD_CALLS)
    ]
    app.faults.random(LIGHT_FAULTS, seed=8)
    app.clear_requests()
    threads_used: set[int] = set()

    with client(local_replicate_server) as c:

        def run(item: tuple[str, str]) -> str | None:
            threads_used.add(threading.get_ident())
            op, training_id = item
            try:
                return sync_call(c, op, training_id, first_page)
            except ReplicateError as exc:
                return f"{op}({training_id}) raised {type(exc).__name__}: {exc}"

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            outcomes = list(pool.map(run, plan))
        elapsed = time.monotonic() - started

    wrong = [o for o in outcomes if o is not None]
    assert wrong == [], f"{len(wrong)} of {len(plan)} calls went wrong, e.g. {wrong[:5]}"
    assert len(threads_used) == THREADS
    app.faults.clear()
    check_counts(report, app, len(plan), Counter(op for op, _ in plan), elapsed)


@pytest.mark.anyio
@pytest.mark.timeout(60)
@pytest.mark.local_replicate(seed=SEEDED, page_size=PAGE_SIZE, record_limit=20_000)
async def test_one_async_client_running_200_tasks_at_once(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    ids = app.training_ids()
    rng = random.Random(200)
    app.faults.random(LIGHT_FAULTS, seed=200)
    app.clear_requests()
    in_flight = peak = 0
    ops: Counter[str] = Counter()

    async with async_client(local_replicate_server) as c:

        async def run(op: str, training_id: str) -> str | None:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                training = await getattr(c.trainings, op)(training_id)
            except ReplicateError as exc:
                return f"{op}({training_id}) raised {type(exc).__name__}: {exc}"
            finally:
                in_flight -= 1
            return None if training.id == training_id else f"{op}({training_id}): {training.id}"

        started = time.monotonic()
        outcomes: list[str | None] = []
        for _ in range(ROUNDS):
            batch = [(rng.choice(("get", "get", "cancel")), rng.choice(ids)) for _ in range(TASKS)]
            ops.update(op for op, _ in batch)
            outcomes += await asyncio.gather(*(run(op, tid) for op, tid in batch))
        elapsed = time.monotonic() - started

    wrong = [o for o in outcomes if o is not None]
    assert wrong == [], f"{len(wrong)} of {len(outcomes)} calls went wrong, e.g. {wrong[:5]}"
    assert peak == TASKS, "the tasks did not overlap"
    app.faults.clear()
    check_counts(report, app, len(outcomes), ops, elapsed)
    report("tasks in flight at the peak", peak)


@pytest.mark.local_replicate(seed=3)
def test_an_async_client_used_from_a_second_event_loop_says_so(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    training_id = app.training_ids()[0]
    c = async_client(local_replicate_server)

    async def get() -> str:
        return (await c.trainings.get(training_id)).id

    assert asyncio.run(get()) == training_id
    sent = len(app.requests)
    for attempt in (get, lambda: c.with_options(timeout=5).trainings.get(training_id)):
        with pytest.raises(RuntimeError, match="event loop") as caught:
            asyncio.run(attempt())
        assert "AsyncClient" in str(caught.value)
    assert len(app.requests) == sent, "the second loop sent a request"

    # A fresh client per loop is the way, and works.
    async def fresh() -> str:
        async with async_client(local_replicate_server) as other:
            return (await other.trainings.get(training_id)).id

    assert asyncio.run(fresh()) == training_id


@pytest.mark.local_replicate(seed=3)
def test_async_with_in_a_second_event_loop_keeps_the_clear_error(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    """`async with client:` in a second loop: leaving the block closes the client; that must
    not replace the clear error with asyncio's bare 'Event loop is closed'."""
    training_id = local_replicate.training_ids()[0]
    c = async_client(local_replicate_server)

    async def use() -> str:
        async with c:
            return (await c.trainings.get(training_id)).id

    async def use_without_closing() -> str:
        return (await c.trainings.get(training_id)).id

    assert asyncio.run(use_without_closing()) == training_id
    with pytest.raises(RuntimeError) as caught:
        asyncio.run(use())
    assert "first used in another event loop" in str(caught.value), str(caught.value)


@pytest.mark.local_replicate(seed=3)
def test_an_async_client_used_from_a_loop_in_another_thread_says_so(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    """Two loops at once, one per thread: the second is refused while the first works."""
    training_id = local_replicate.training_ids()[0]
    shared: AsyncClient = async_client(local_replicate_server)
    results: dict[str, object] = {}

    async def use(name: str) -> None:
        try:
            results[name] = (await shared.trainings.get(training_id)).id
        except RuntimeError as exc:
            results[name] = exc

    asyncio.run(use("first"))
    worker = threading.Thread(target=lambda: asyncio.run(use("second")))
    worker.start()
    worker.join(10)
    assert results["first"] == training_id
    assert isinstance(results["second"], RuntimeError)
    assert "event loop" in str(results["second"])
