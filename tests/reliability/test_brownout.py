"""Brown-out: `wait()` and `watch()` keep polling through a spell of errors longer than one
request's retry budget, and `wait()`'s timeout holds to within one poll interval whatever
the server does meanwhile (errors, long Retry-After, slow answers).

The clients run on a manual clock (tests/clocks.py): the time `wait()` takes is read off
that clock exactly, with no real sleeps. Only the slow-answer case runs on real time,
since what it checks is that a request in flight is cut at the deadline."""

from __future__ import annotations

import time
from typing import Literal

import pytest
from replicate_trainings import (
    Client,
    ReplicateError,
    RetryPolicy,
    ServerError,
    Training,
    WaitTimeoutError,
)
from replicate_trainings.testing import Fault, LocalReplicate, LocalServer

from tests.clocks import ManualClock
from tests.reliability._support import (
    FIGURES,
    GOOD_CREATE,
    REF,
    Reporter,
    async_client,
    client,
)

BUDGET = RetryPolicy(max_retries=2, initial_delay=0.001, max_delay=0.01, max_retry_after=0.01)
"""Three attempts per request, so a spell of SPELL errors is four budgets long."""
SPELL = 12
SLACK = 0.2  # real time only: scheduling noise on a busy 2-core machine
PASS = Fault.slow(0.0)

By = Literal["training", "id"]

SPELLS: dict[str, list[Fault]] = {
    "503": [Fault.error(503)] * SPELL,
    "mixed": [
        Fault.error(503),
        Fault.drop(),
        Fault.respond(502, b"<html>Bad gateway</html>", {"Content-Type": "text/html"}),
        Fault.rate_limit(retry_after=0),
        Fault.error(504),
        Fault.error(500),
    ]
    * 2,
}


def start_spell(app: LocalReplicate, faults: list[Fault]) -> None:
    for fault in faults:
        app.faults.add(fault, operation="get")


@pytest.mark.parametrize("spell", sorted(SPELLS))
@pytest.mark.parametrize("by", ["training", "id"])
def test_wait_rides_out_a_spell_longer_than_its_retry_budget(
    local_replicate: LocalReplicate,
    local_replicate_server: LocalServer,
    by: By,
    spell: str,
    report: Reporter,
) -> None:
    app = local_replicate
    with client(local_replicate_server, max_retries=BUDGET) as c:
        training = c.trainings.create(REF, **GOOD_CREATE)
        start_spell(app, SPELLS[spell])
        done = c.trainings.wait(training if by == "training" else training.id, poll_interval=0.01)
    assert done.id == training.id
    assert done.status == "succeeded"
    assert app.faults.injected == len(SPELLS[spell]), "wait gave up before the spell ended"
    report("errors ridden out", app.faults.injected)
    FIGURES.count("brown-out faults ridden out", app.faults.injected)


@pytest.mark.anyio
@pytest.mark.parametrize("by", ["training", "id"])
async def test_async_wait_rides_out_a_spell_longer_than_its_retry_budget(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, by: By
) -> None:
    app = local_replicate
    async with async_client(local_replicate_server, max_retries=BUDGET) as c:
        training = await c.trainings.create(REF, **GOOD_CREATE)
        start_spell(app, SPELLS["mixed"])
        target = training if by == "training" else training.id
        done = await c.trainings.wait(target, poll_interval=0.01)
    assert (done.id, done.status) == (training.id, "succeeded")
    assert app.faults.injected == len(SPELLS["mixed"])
    FIGURES.count("brown-out faults ridden out", app.faults.injected)


def test_watch_rides_out_a_spell_and_reports_each_state_once(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    with client(local_replicate_server, max_retries=BUDGET) as c:
        training = c.trainings.create(REF, **GOOD_CREATE)
        start_spell(app, SPELLS["mixed"])
        states = list(c.trainings.watch(training, poll_interval=0.01))
    assert states[0] == training
    assert states[-1].status == "succeeded"
    seen = [(s.status, s.logs) for s in states]
    assert len(seen) == len(set(seen)), "a state was reported twice"
    assert app.faults.injected == len(SPELLS["mixed"])
    FIGURES.count("brown-out faults ridden out", app.faults.injected)


def timed_wait(
    server: LocalServer,
    target: Training | str,
    timeout: float,
    interval: float,
    retry: RetryPolicy = BUDGET,
) -> tuple[float, BaseException]:
    """How long `wait()` took on its manual clock, and what it raised."""
    clock = ManualClock()
    with client(server, clock, max_retries=retry) as c:
        with pytest.raises(ReplicateError) as caught:
            c.trainings.wait(target, timeout=timeout, poll_interval=interval)
        return clock.monotonic(), caught.value


def real_timed_wait(
    server: LocalServer, target: Training | str, timeout: float, interval: float
) -> tuple[float, BaseException]:
    with Client(server.token, base_url=server.base_url, max_retries=BUDGET) as c:
        started = time.monotonic()
        with pytest.raises(ReplicateError) as caught:
            c.trainings.wait(target, timeout=timeout, poll_interval=interval)
        return time.monotonic() - started, caught.value


def running_training(app: LocalReplicate) -> str:
    """A training that never ends on its own, seen once by a first successful get."""
    training_id: str = app.create(outcome="processing")["id"]
    app.faults.add(PASS, operation="get")
    return training_id


def check_bound(
    report: Reporter, elapsed: float, timeout: float, interval: float, slack: float = 0.0
) -> None:
    """Not before the timeout, and at most one poll interval after it (on the manual clock;
    `slack` for the one real-time case)."""
    report("timeout, poll interval, elapsed", (timeout, interval, round(elapsed, 3)))
    FIGURES.note(f"wait timeout {timeout}s / poll {interval}s: elapsed {elapsed:.3f}s")
    assert elapsed >= timeout, f"gave up after {elapsed:.3f}s, before the {timeout}s timeout"
    assert elapsed <= timeout + interval + slack, (
        f"wait(timeout={timeout}, poll_interval={interval}) took {elapsed:.3f}s"
    )


@pytest.mark.parametrize(("timeout", "interval"), [(0.5, 0.1), (0.8, 0.25)])
@pytest.mark.parametrize("by", ["training", "id"])
def test_wait_timeout_holds_through_a_503_spell(
    *,
    local_replicate: LocalReplicate,
    local_replicate_server: LocalServer,
    by: By,
    timeout: float,
    interval: float,
    report: Reporter,
) -> None:
    app = local_replicate
    training_id = running_training(app)
    app.faults.add(Fault.error(503), times=None, operation="get")
    target: Training | str = training_id
    if by == "training":
        with client(local_replicate_server) as c:
            target = c.trainings.get(training_id)  # the one answer before the spell
    elapsed, error = timed_wait(local_replicate_server, target, timeout, interval)
    assert isinstance(error, WaitTimeoutError), f"{type(error).__name__}: {error}"
    assert error.training is not None and error.training.id == training_id
    assert error.training.status == "processing"
    check_bound(report, elapsed, timeout, interval)


def test_wait_timeout_holds_when_no_poll_ever_answers(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    """wait(id) in a spell from its first poll on: it keeps trying until the timeout, not
    just for one request's retry budget, then raises WaitTimeoutError with no state and
    the spell's last error as its cause."""
    app = local_replicate
    training_id = app.create(outcome="processing")["id"]
    app.faults.add(Fault.error(503), times=None, operation="get")
    elapsed, error = timed_wait(local_replicate_server, training_id, 0.5, 0.1)
    assert isinstance(error, WaitTimeoutError), f"{type(error).__name__}: {error}"
    assert error.training is None
    assert isinstance(error.__cause__, ServerError) and error.__cause__.status_code == 503
    assert training_id in str(error) and "no poll answered" in str(error)
    check_bound(report, elapsed, 0.5, 0.1)


@pytest.mark.parametrize(
    "fault",
    [Fault.drop(), Fault.error(500), Fault.rate_limit(retry_after=30), Fault.error(408)],
    ids=["drop", "500", "429", "408"],
)
def test_wait_raises_wait_timeout_with_no_state_whatever_the_first_polls_got(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, fault: Fault
) -> None:
    """No poll ever answered with a state: WaitTimeoutError (training None), never the
    transport's or the status's own error."""
    app = local_replicate
    training_id = app.create(outcome="processing")["id"]
    app.faults.add(fault, times=None, operation="get")
    elapsed, error = timed_wait(local_replicate_server, training_id, 0.3, 0.1)
    assert isinstance(error, WaitTimeoutError), f"{type(error).__name__}: {error}"
    assert error.training is None
    assert isinstance(error.__cause__, ReplicateError)
    assert elapsed <= 0.3 + 0.1


def test_wait_timeout_holds_when_retry_after_is_longer_than_the_timeout(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    training_id = running_training(app)
    app.faults.add(Fault.rate_limit(retry_after=30), times=None, operation="get")
    patient = RetryPolicy(max_retries=5, initial_delay=0.001, max_delay=0.01, max_retry_after=60)
    elapsed, error = timed_wait(local_replicate_server, training_id, 0.5, 0.1, patient)
    assert isinstance(error, WaitTimeoutError), f"{type(error).__name__}: {error}"
    check_bound(report, elapsed, 0.5, 0.1)


def test_wait_timeout_holds_when_answers_are_slow(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    """A server that takes 3 s to answer a get: wait(timeout=0.5) still returns at ~0.5 s
    (the request in flight is cut at the deadline), not when the answer finally comes."""
    app = local_replicate
    training_id = running_training(app)
    app.faults.add(Fault.slow(3.0), times=None, operation="get")
    elapsed, error = real_timed_wait(local_replicate_server, training_id, 0.5, 0.1)
    assert isinstance(error, WaitTimeoutError), f"{type(error).__name__}: {error}"
    check_bound(report, elapsed, 0.5, 0.1, SLACK)


def test_wait_timeout_holds_with_no_faults(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer, report: Reporter
) -> None:
    app = local_replicate
    training_id = app.create(outcome="processing")["id"]
    elapsed, error = timed_wait(local_replicate_server, training_id, 0.6, 0.2)
    assert isinstance(error, WaitTimeoutError)
    check_bound(report, elapsed, 0.6, 0.2)


@pytest.mark.anyio
async def test_async_wait_raises_wait_timeout_with_no_state_when_no_poll_answers(
    local_replicate: LocalReplicate, local_replicate_server: LocalServer
) -> None:
    app = local_replicate
    training_id = app.create(outcome="processing")["id"]
    app.faults.add(Fault.error(503), times=None, operation="get")
    clock = ManualClock()
    async with async_client(local_replicate_server, clock, max_retries=BUDGET) as c:
        with pytest.raises(WaitTimeoutError) as caught:
            await c.trainings.wait(training_id, timeout=0.5, poll_interval=0.1)
    assert caught.value.training is None
    assert isinstance(caught.value.__cause__, ServerError)
    assert 0.5 <= clock.monotonic() <= 0.6
