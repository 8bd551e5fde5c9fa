"""Retry decisions and delays: what may be sent again, and how long to wait first."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from replicate_trainings import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ReplicateError,
    ResponseParseError,
    RetryPolicy,
    WaitTimeoutError,
)
from replicate_trainings._pipeline import should_retry_error, should_retry_status
from replicate_trainings.errors import is_transient, retry_after, transient_status


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "-4"}, 0.0),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers: dict[str, str], expected: float | None) -> None:
    assert retry_after(httpx.Headers(headers)) == expected


def test_retry_after_as_an_http_date() -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    delay = retry_after(httpx.Headers({"retry-after": when}))
    assert delay is not None and 28 <= delay <= 30


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo", "America/Los_Angeles"])
def test_retry_after_dates_are_read_as_utc_whatever_the_local_zone(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        when = datetime.now(UTC) + timedelta(seconds=30)
        unzoned = when.strftime("%a, %d %b %Y %H:%M:%S -0000")
        delay = retry_after(httpx.Headers({"retry-after": unzoned}))
        assert delay is not None and 28 <= delay <= 30
        far = retry_after(httpx.Headers({"retry-after": "Fri, 31 Dec 9999 23:59:59 -0000"}))
        assert far is not None and far > 2.5e11  # eight thousand years, not an error
        assert (
            RetryPolicy(max_retry_after=5).delay(
                0, httpx.Response(429, headers={"retry-after": "Fri, 31 Dec 9999 23:59:59 +1400"})
            )
            == 5
        )
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_backoff_grows_with_jitter_to_a_cap_and_honours_retry_after_capped() -> None:
    policy = RetryPolicy(max_retries=9, initial_delay=1.0, max_delay=8.0, max_retry_after=20.0)
    for retry, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (6, 8.0)]:
        delays = {policy.delay(retry) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1
    response = httpx.Response(429, headers={"retry-after": "120"})
    assert policy.delay(0, response) == 20.0


@pytest.mark.parametrize(
    ("status", "idempotent", "expected"),
    [
        (429, False, True),
        (500, False, False),
        (503, False, False),
        (408, False, False),
        (500, True, True),
        (520, True, True),
        (408, True, True),
        (404, True, False),
        (409, True, False),
    ],
)
def test_which_statuses_are_retried(status: int, idempotent: bool, expected: bool) -> None:
    assert should_retry_status(status, idempotent=idempotent) is expected


def test_create_is_retried_only_on_errors_before_sending() -> None:
    request = httpx.Request("POST", "https://api.test/")
    never_sent = httpx.ConnectError("refused", request=request)
    maybe_sent = httpx.RemoteProtocolError("dropped", request=request)
    read_timeout = httpx.ReadTimeout("slow", request=request)
    assert should_retry_error(never_sent, idempotent=False)
    assert not should_retry_error(maybe_sent, idempotent=False)
    assert not should_retry_error(read_timeout, idempotent=False)
    assert should_retry_error(maybe_sent, idempotent=True)
    assert should_retry_error(read_timeout, idempotent=True)


def test_jitter_comes_from_the_random_source_given() -> None:
    policy = RetryPolicy(initial_delay=1.0, max_delay=8.0)
    first = [policy.delay(n, rng=random.Random(7)) for n in range(4)]
    again = [policy.delay(n, rng=random.Random(7)) for n in range(4)]
    assert first == again


def test_a_retry_after_date_is_read_against_the_clock_given() -> None:
    when = datetime(2030, 1, 1, tzinfo=UTC)
    headers = httpx.Headers({"retry-after": format_datetime(when, usegmt=True)})
    assert retry_after(headers, now=when.timestamp() - 12) == 12


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (APIConnectionError("x"), True),
        (APITimeoutError("x"), True),
        (ResponseParseError("x"), False),
        (WaitTimeoutError("x", training=None), False),
    ],
)
def test_one_rule_says_which_errors_are_transient(error: ReplicateError, transient: bool) -> None:
    assert is_transient(error) is transient


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 520])
def test_polling_and_retries_agree_on_statuses(status: int) -> None:
    """An idempotent call is retried exactly on the statuses polling rides out."""
    response = httpx.Response(status, request=httpx.Request("GET", "https://api.test/"))
    error = APIStatusError("x", response=response, title=None, detail=None, body=None)
    assert is_transient(error) is transient_status(status)
    assert should_retry_status(status, idempotent=True) is transient_status(status)
    assert should_retry_status(status, idempotent=False) is (status == 429)
