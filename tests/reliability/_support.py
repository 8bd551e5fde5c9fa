"""Shared pieces of the reliability tests: fast retries, clients, hypothesis settings, figures.

`FIGURES` collects the numbers each test reports (calls made, faults injected, retries
used, inputs tried); `conftest.py` prints them in the terminal summary, so a run of
`make test` ends with the figures of the soak and the fuzzers.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from replicate_trainings import AsyncClient, Client, RetryPolicy
from replicate_trainings.testing import LocalReplicate, LocalServer, RecordedRequest

from tests.clocks import ManualClock, on_clock

FAST = RetryPolicy(max_retries=5, initial_delay=0.001, max_delay=0.01, max_retry_after=0.01)
"""The brief's retry policy: five retries, with backoff too short to slow the suite."""

NO_RETRIES = RetryPolicy(max_retries=0)

VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"
REF = f"stability-ai/sdxl:{VERSION}"
GOOD_CREATE: dict[str, Any] = {
    "destination": "acme/sdxl-tuned",
    "input": {"input_images": "https://example.com/a.zip"},
}

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=100,
    print_blob=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
"""Property tests: a fixed seed per test (derandomized), no example database, bounded."""


def client(server: LocalServer, clock: ManualClock | None = None, **options: Any) -> Client:
    """A facade client on a running local server over loopback HTTP, FAST retries by default,
    its retries and polls on a manual clock (`clock`, or a fresh one): no real sleeps."""
    settings_: dict[str, Any] = {"max_retries": FAST} | options
    c = Client(server.token, base_url=server.base_url, **settings_)
    return on_clock(c, clock or ManualClock())


def async_client(
    server: LocalServer, clock: ManualClock | None = None, **options: Any
) -> AsyncClient:
    settings_: dict[str, Any] = {"max_retries": FAST} | options
    c = AsyncClient(server.token, base_url=server.base_url, **settings_)
    return on_clock(c, clock or ManualClock())


def in_process_client(app: LocalReplicate, **options: Any) -> Client:
    """A facade client on `app` through its in-process transport (no sockets): for fuzzing."""
    transport = app.transport()
    settings_: dict[str, Any] = {"max_retries": NO_RETRIES} | options
    http = httpx.Client(transport=transport)
    return Client(app.token, base_url=transport.base_url, http_client=http, **settings_)


def operations(requests: list[RecordedRequest]) -> Counter[str]:
    """How many requests of each operation the server received."""
    return Counter(r.operation for r in requests)


class Figures:
    """Named counters and notes, thread-safe, printed at the end of the session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._notes: list[str] = []

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def note(self, line: str) -> None:
        with self._lock:
            self._notes.append(line)

    def lines(self) -> list[str]:
        with self._lock:
            counts = [f"{name}: {value:,}" for name, value in sorted(self._counts.items())]
            return [*self._notes, *counts]


FIGURES = Figures()

Reporter = Callable[[str, object], None]


def outcome(call: Callable[[], object]) -> Exception | None:
    """The exception `call()` raised, or None if it returned."""
    try:
        call()
    except Exception as exc:  # the caller asserts on what it was
        return exc
    return None


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
