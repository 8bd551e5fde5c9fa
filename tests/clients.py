"""Facade clients on the local Replicate, whichever way in the endpoint fixture chose."""

from __future__ import annotations

import httpx
from replicate_trainings import AsyncClient, Client, RetryPolicy
from replicate_trainings.testing import Endpoint

from tests.clocks import ManualClock, on_clock

# Retries as the defaults decide them, with backoff shrunk so tests stay fast;
# Retry-After from the server still counts (capped at a second).
FAST_RETRIES = RetryPolicy(max_retries=3, initial_delay=0.001, max_delay=0.01, max_retry_after=1.0)


def sync_client(endpoint: Endpoint, clock: ManualClock | None = None, **options: object) -> Client:
    """A client on the endpoint, its retries and polls on `clock` (or a fresh manual one)."""
    http = None if endpoint.transport is None else httpx.Client(transport=endpoint.transport)
    settings: dict[str, object] = {"max_retries": FAST_RETRIES} | options
    c = Client(endpoint.token, base_url=endpoint.base_url, http_client=http, **settings)  # type: ignore[arg-type]
    return on_clock(c, clock or ManualClock())


def async_client(
    endpoint: Endpoint, clock: ManualClock | None = None, **options: object
) -> AsyncClient:
    http = None if endpoint.transport is None else httpx.AsyncClient(transport=endpoint.transport)
    settings: dict[str, object] = {"max_retries": FAST_RETRIES} | options
    c = AsyncClient(endpoint.token, base_url=endpoint.base_url, http_client=http, **settings)  # type: ignore[arg-type]
    return on_clock(c, clock or ManualClock())
