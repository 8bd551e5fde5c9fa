"""Faults: a soak of get / list / cancel through 5xx, 429 and dropped connections over real
loopback HTTP, and creates that fail after taking effect, which must never be duplicated.

The soak's faults come from a seeded schedule queued on the server, one slot per request:
20% 5xx (500, 502, 503, 504 and an HTML 502), 10% 429 with `Retry-After: 0`, 3% dropped
connections, and a pass-through (`Fault.slow(0)`) otherwise. Bursts are capped at five
faults in a row: with `max_retries=5` a call has six attempts, so a sixth fault in a row
would make a call fail by design (independent 33% faults give each call a 0.33**6 = 0.13%
chance of that, about three calls in 2,000). `test_a_burst_longer_than_the_budget_fails_typed`
covers that case. Every slot taken is a request the server received, so the server's
counters prove how many retries the client made, and that it made no others.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from replicate_trainings import (
    APIConnectionError,
    Client,
    ReplicateError,
    RetryPolicy,
    ServerError,
    Training,
)
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer, Operation

from tests.reliability._support import (
    FAST,
    FIGURES,
    GOOD_CREATE,
    REF,
    Reporter,
    async_client,
    client,
    closed_port,
)

HTML = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
PASS = Fault.slow(0.0)
"""A queue slot that lets the request through unchanged (the normal answer, 0 s late)."""

SOAK_MIX: dict[str, tuple[Fault, float]] = {
    "500": (Fault.error(500), 0.05),
    "502": (Fault.error(502), 0.04),
    "503": (Fault.error(503), 0.05),
    "504": (Fault.error(504), 0.03),
    "502 html": (Fault.respond(502, HTML, {"Content-Type": "text/html"}), 0.03),
    "429 retry-after 0": (Fault.rate_limit(retry_after=0), 0.10),
    "dropped connection": (Fault.drop(), 0.03),
}
BURST_LIMIT = 5  # == FAST.max_retries: the longest run of faults one call can ride out

SOAK_CALLS = 2_000
SOAK_SEED = 20_240_607
SEEDED_TRAININGS = 30
PAGE_SIZE = 20
PAGES = -(-SEEDED_TRAININGS // PAGE_SIZE)


def schedule(
    mix: dict[str, tuple[Fault, float]], rng: random.Random, slots: int
) -> Iterator[Fault]:
    """`slots` faults drawn from `mix` (PASS otherwise), never more than BURST_LIMIT in a row."""
    run = 0
    for _ in range(slots):
        drawn = PASS
        if run < BURST_LIMIT:
            roll = rng.random()
            for fault, chance in mix.values():
                if roll < chance:
                    drawn = fault
                    break
                roll -= chance
        run = 0 if drawn is PASS else run + 1
        yield drawn


def queue(app: LocalReplicate, faults: Iterator[Fault], operation: Operation = "any") -> None:
    for fault in faults:
        app.faults.add(fault, operation=operation)


def attempts_per_request(served: list[Fault]) -> Counter[int]:
    """How many attempts each successful request took: 1 + the faults before its pass."""
    histogram: Counter[int] = Counter()
    run = 0
    for fault in served:
        if fault == PASS:
            histogram[run + 1] += 1
            run = 0
        else:
            run += 1
    return histogram


def kinds(served: list[Fault], mix: dict[str, tuple[Fault, float]]) -> Counter[str]:
    names = {fault: name for name, (fault, _) in mix.items()}
    return Counter(names[f] for f in served if f != PASS)


def soak_plan(rng: random.Random, ids: list[str], calls: int) -> list[tuple[str, str]]:
    ops = rng.choices(("get", "list", "cancel"), weights=(50, 25, 25), k=calls)
    return [(op, rng.choice(ids)) for op in ops]


def expected_requests(plan: list[tuple[str, str]]) -> int:
    return sum(PAGES if op == "list" else 1 for op, _ in plan)


def run_sync_call(c: Client, op: str, training_id: str, all_ids: list[str]) -> str | None:
    """Make one call; None if the answer is right, else what was wrong with it."""
    if op == "list":
        got = [t.id for t in c.trainings.list()]
        return None if got == all_ids else f"list returned {len(got)} ids, not the {len(all_ids)}"
    training: Training = getattr(c.trainings, op)(training_id)
    if training.id != training_id:
        return f"{op}({training_id}) answered {training.id}"
    if op == "cancel" and not training.is_terminal:
        return f"cancel({training_id}) left it {training.status}"
    return None


def summarize(
    report: Reporter,
    app: LocalReplicate,
    plan: list[tuple[str, str]],
    elapsed: float,
) -> None:
    served = [fault for _, fault in app.faults.served]
    injected = [f for f in served if f != PASS]
    passes = len(served) - len(injected)
    requests = app.requests
    calls = Counter(op for op, _ in plan)

    # Every successful request took exactly one pass slot, every retry one fault slot,
    # and the server saw nothing else: the retries counted are all the client made.
    assert app.faults.pending > 0, "the schedule ran dry; counts below would be off"
    assert passes == expected_requests(plan)
    assert len(requests) == passes + len(injected)
    assert {r.operation for r in requests} <= {"get", "list", "cancel"}

    histogram = attempts_per_request(served)
    report("calls", f"{len(plan):,} ({', '.join(f'{op} {n}' for op, n in sorted(calls.items()))})")
    report("http requests received by the server", f"{len(requests):,}")
    report("faults injected", f"{len(injected):,} ({len(injected) / len(requests):.1%})")
    report("faults by kind", dict(sorted(kinds(served, SOAK_MIX).items())))
    report("retries used (= faults; each call succeeded)", f"{len(injected):,}")
    report("attempts per request", dict(sorted(histogram.items())))
    report("elapsed seconds", round(elapsed, 2))
    FIGURES.count("soak calls made", len(plan))
    FIGURES.count("soak faults injected", len(injected))
    FIGURES.count("soak retries used", len(injected))
    FIGURES.count("soak calls lost", 0)


@pytest.mark.timeout(90)
@pytest.mark.local_replicate(seed=SEEDED_TRAININGS, page_size=PAGE_SIZE, record_limit=50_000)
def test_soak_of_2000_calls_through_5xx_429_and_drops(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    rng = random.Random(SOAK_SEED)
    all_ids = app.training_ids()
    plan = soak_plan(rng, all_ids, SOAK_CALLS)
    queue(app, schedule(SOAK_MIX, rng, 3 * expected_requests(plan)))
    app.clear_requests()

    wrong: list[str] = []
    started = time.monotonic()
    with client(local_replicate_server) as c:
        for op, training_id in plan:
            try:
                problem = run_sync_call(c, op, training_id, all_ids)
            except ReplicateError as exc:
                problem = f"{op}({training_id}) raised {type(exc).__name__}: {exc}"
            if problem is not None:
                wrong.append(problem)
    elapsed = time.monotonic() - started

    assert wrong == [], f"{len(wrong)} of {len(plan)} calls went wrong, e.g. {wrong[:5]}"
    summarize(report, app, plan, elapsed)
    app.faults.clear()


@pytest.mark.anyio
@pytest.mark.timeout(60)
@pytest.mark.local_replicate(seed=SEEDED_TRAININGS, page_size=PAGE_SIZE, record_limit=50_000)
async def test_async_soak_through_5xx_429_and_drops(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    rng = random.Random(SOAK_SEED + 1)
    all_ids = app.training_ids()
    plan = soak_plan(rng, all_ids, 300)
    queue(app, schedule(SOAK_MIX, rng, 3 * expected_requests(plan)))
    app.clear_requests()

    wrong: list[str] = []
    started = time.monotonic()
    async with async_client(local_replicate_server) as c:
        for op, training_id in plan:
            try:
                if op == "list":
                    got = [t.id async for t in c.trainings.list()]
                    if got != all_ids:
                        wrong.append(f"list returned {len(got)} ids")
                    continue
                training = await getattr(c.trainings, op)(training_id)
                if training.id != training_id:
                    wrong.append(f"{op}({training_id}) answered {training.id}")
            except ReplicateError as exc:
                wrong.append(f"{op}({training_id}) raised {type(exc).__name__}: {exc}")
    elapsed = time.monotonic() - started

    assert wrong == [], f"{len(wrong)} of {len(plan)} calls went wrong, e.g. {wrong[:5]}"
    summarize(report, app, plan, elapsed)
    app.faults.clear()


@pytest.mark.local_replicate(seed=3)
def test_a_burst_longer_than_the_budget_fails_typed(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    """Six faults in a row exhaust max_retries=5: a typed error after exactly six requests."""
    app = local_replicate
    training_id = app.training_ids()[0]
    app.faults.add(Fault.error(503), times=FAST.max_retries + 1, operation="get")
    app.clear_requests()
    with client(local_replicate_server) as c:
        with pytest.raises(ServerError, match="503") as caught:
            c.trainings.get(training_id)
        assert caught.value.status_code == 503
        assert len(app.requests) == FAST.max_retries + 1
        assert c.trainings.get(training_id).id == training_id  # and the next call is fine


CREATES = 200


@pytest.mark.timeout(60)
def test_creates_answered_500_after_creating_are_never_duplicated(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    app.faults.add(Fault.error(500, after=True), times=CREATES, operation="create")
    failures = 0
    with client(local_replicate_server) as c:
        for _ in range(CREATES):
            with pytest.raises(ServerError) as caught:
                c.trainings.create(REF, **GOOD_CREATE)
            assert "may have been created" in str(caught.value)
            assert caught.value.status_code == 500
            failures += 1

    creates_sent = sum(r.operation == "create" for r in app.requests)
    assert creates_sent == CREATES, "a create answered 500 was sent again"
    assert len(app) == CREATES  # each attempt created one training: none twice, none lost
    assert app.faults.injected == CREATES
    report("creates attempted", CREATES)
    report("create requests sent", creates_sent)
    report("trainings the server holds", len(app))
    report("errors saying 'may have been created'", failures)
    FIGURES.count("creates attempted under faults", CREATES)
    FIGURES.count("create faults injected", CREATES)


CREATE_MIX: dict[str, tuple[Fault, float]] = {
    "500 after effect": (Fault.error(500, after=True), 0.12),
    "503 before effect": (Fault.error(503), 0.08),
    "502 html after effect": (
        Fault.respond(502, HTML, {"Content-Type": "text/html"}, after=True),
        0.05,
    ),
    "201 truncated after effect": (
        Fault.respond(201, b'{"id": "tr', {"Content-Type": "application/json"}, after=True),
        0.05,
    ),
    "dropped before effect": (Fault.drop(), 0.05),
    "dropped after effect": (Fault.drop(after=True), 0.05),
    "429 retry-after 0": (Fault.rate_limit(retry_after=0), 0.10),
}
ACTED = {"500 after effect", "502 html after effect", "201 truncated after effect"}
ACTED |= {"dropped after effect"}


@pytest.mark.timeout(60)
def test_creates_under_mixed_faults_never_outnumber_the_attempts(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    """Only 429s are retried; every other failure says the training may exist, and the
    server holds exactly the creates that succeeded plus those that failed after acting."""
    app = local_replicate
    rng = random.Random(SOAK_SEED + 2)
    queue(app, schedule(CREATE_MIX, rng, 4 * CREATES), operation="create")
    returned: list[Training] = []
    unsure: Counter[str] = Counter()
    messages: list[str] = []
    with client(local_replicate_server) as c:
        for _ in range(CREATES):
            try:
                returned.append(c.trainings.create(REF, **GOOD_CREATE))
            except ReplicateError as exc:
                unsure[type(exc).__name__] += 1
                messages.append(f"{type(exc).__name__}: {exc}")

    assert [m for m in messages if "may have been created" not in m] == []
    served = kinds([f for _, f in app.faults.served], CREATE_MIX)
    acted = sum(n for name, n in served.items() if name in ACTED)
    assert len(returned) + sum(unsure.values()) == CREATES
    assert len(app) == len(returned) + acted <= CREATES
    assert {t.id for t in returned} <= set(app.training_ids())
    creates_sent = sum(r.operation == "create" for r in app.requests)
    assert creates_sent == CREATES + served["429 retry-after 0"]  # only 429s were retried
    report("creates attempted", CREATES)
    report("created and returned", len(returned))
    report("failed, saying 'may have been created'", dict(unsure))
    report("faults by kind", dict(sorted(served.items())))
    report("trainings the server holds", len(app))
    FIGURES.count("creates attempted under faults", CREATES)
    FIGURES.count("create faults injected", sum(served.values()))


def test_a_create_that_times_out_after_acting_is_not_retried(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    app.faults.add(Fault.slow(1.0), times=3, operation="create")
    with client(local_replicate_server, timeout=0.4) as c:
        for _ in range(3):
            with pytest.raises(APIConnectionError, match="may have been created"):
                c.trainings.create(REF, **GOOD_CREATE)
    assert sum(r.operation == "create" for r in app.requests) == 3
    assert len(app) == 3


def test_a_create_that_never_connected_is_retried_and_says_nothing_was_sent() -> None:
    """Connection refused: nothing reached a server, so create may be retried, and the
    error does not claim the training may exist."""
    port = closed_port()
    attempts: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [attempts.append]})
    policy = RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01)
    with (
        Client(
            "r8_x", base_url=f"http://127.0.0.1:{port}/v1", http_client=http, max_retries=policy
        ) as c,
        pytest.raises(APIConnectionError) as caught,
    ):
        c.trainings.create(REF, **GOOD_CREATE)
    http.close()
    assert len(attempts) == policy.max_retries + 1
    assert "may have been created" not in str(caught.value)
