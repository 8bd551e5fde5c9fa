"""Each HTTP attempt's log record carries its facts as fields (`extra`), for handlers that
feed metrics or traces; and the README's example doing so runs as written."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from replicate_trainings import APIConnectionError, Client, RetryPolicy
from replicate_trainings.testing import Endpoint, Fault

from tests.clients import sync_client
from tests.clocks import ManualClock, on_clock
from tests.reliability._support import closed_port

FIELDS = {"operation", "method", "path", "status_code", "attempt", "elapsed_ms", "retry_in"}
REF = "stability-ai/sdxl:da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"


def attempts(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [
        {name: getattr(r, name) for name in FIELDS}
        for r in caplog.records
        if r.name == "replicate_trainings" and hasattr(r, "operation")
    ]


def test_each_attempt_logs_its_fields_with_the_retry_that_follows(
    local_replicate_endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    app = local_replicate_endpoint.app
    clock = ManualClock()
    caplog.set_level(logging.DEBUG, logger="replicate_trainings")
    with sync_client(local_replicate_endpoint, clock) as c:
        training = c.trainings.create(REF, destination="acme/t", input={"a": 1})
        app.faults.add(Fault.error(503), operation="get")
        c.trainings.get(training.id)
        list(c.trainings.list())

    create, failed, got, listed = attempts(caplog)
    assert create == {
        "operation": "trainings.create",
        "method": "POST",
        "path": f"/v1/models/stability-ai/sdxl/versions/{REF.split(':')[1]}/trainings",
        "status_code": 201,
        "attempt": 1,
        "elapsed_ms": 0.0,  # the manual clock did not move during the request
        "retry_in": None,
    }
    assert failed | {"elapsed_ms": 0.0} == {
        "operation": "trainings.get",
        "method": "GET",
        "path": f"/v1/trainings/{training.id}",
        "status_code": 503,
        "attempt": 1,
        "elapsed_ms": 0.0,
        "retry_in": clock.sleeps[0],
    }
    assert (got["status_code"], got["attempt"], got["retry_in"]) == (200, 2, None)
    assert (listed["operation"], listed["path"], listed["status_code"]) == (
        "trainings.list",
        "/v1/trainings",
        200,
    )
    retried = [r for r in caplog.records if getattr(r, "retry_in", None) is not None]
    assert [r.getMessage() for r in retried] == [
        f"trainings.get: GET /v1/trainings/{training.id} -> 503 (attempt 1, 0.0 ms, "
        f"retrying in {clock.sleeps[0]:.3g} s)"
    ]


@pytest.mark.local_replicate(seed=150)
def test_every_page_logs_its_path_without_the_query(
    local_replicate_endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="replicate_trainings")
    with sync_client(local_replicate_endpoint, ManualClock()) as c:
        assert len(list(c.trainings.list())) == 150

    pages = attempts(caplog)
    assert [page["path"] for page in pages] == ["/v1/trainings", "/v1/trainings"]
    assert all("cursor" not in record.getMessage() for record in caplog.records)


def test_an_attempt_with_no_answer_logs_status_none(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="replicate_trainings")
    clock = ManualClock()
    policy = RetryPolicy(max_retries=1, initial_delay=2.0, max_delay=2.0)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    c = on_clock(Client("r8_x", base_url=url, max_retries=policy), clock)
    with c, pytest.raises(APIConnectionError):
        c.trainings.get("abc")
    first, second = attempts(caplog)
    assert (first["status_code"], first["attempt"]) == (None, 1)
    assert first["retry_in"] == clock.sleeps[0]  # the wait that was slept, jitter and all
    assert 1.0 <= clock.sleeps[0] <= 2.0
    assert (second["status_code"], second["attempt"], second["retry_in"]) == (None, 2, None)


def test_nothing_is_logged_below_debug(
    local_replicate_endpoint: Endpoint, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="replicate_trainings")
    with sync_client(local_replicate_endpoint) as c:
        c.trainings.create(REF, destination="acme/t", input={"a": 1})
    assert attempts(caplog) == []


def readme_block(marker: str) -> str:
    readme = (Path(__file__).parent.parent / "docs" / "logging.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    (block,) = [b for b in blocks if marker in b]
    return str(block)


def test_the_readme_example_feeding_metrics_and_spans_runs() -> None:
    """The block asserts what it shows (statuses counted, one retry, one span an attempt)."""
    exec(compile(readme_block("class RequestMetrics"), "README.md", "exec"), {})
