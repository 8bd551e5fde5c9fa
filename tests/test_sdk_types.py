"""For SDKs built on this one: types a consumer can rely on. An open status and source that a
`match` checks exhaustively, typed log fields, typed raw-response headers, and `trainings`
shown by help(). tests/consumer.py type-checks the same under mypy on the installed wheel."""

from __future__ import annotations

import logging
import pickle
import pydoc
import socket
import typing
from collections.abc import Mapping
from typing import assert_never

import pytest
from replicate_trainings import (
    APIConnectionError,
    AsyncClient,
    AsyncTrainings,
    Client,
    LogFields,
    RawResponse,
    Training,
    Trainings,
    TrainingSource,
    TrainingStatus,
    UnknownSource,
    UnknownStatus,
    log_fields,
)
from replicate_trainings.testing import Fault, LocalReplicate

from tests import payloads


def phase(training: Training) -> str:
    """An exhaustive match over the status, with an arm for statuses added later."""
    status = training.status
    match status:
        case TrainingStatus.STARTING | TrainingStatus.PROCESSING:
            return "running"
        case TrainingStatus.SUCCEEDED:
            return "done"
        case TrainingStatus.FAILED | TrainingStatus.CANCELED | TrainingStatus.ABORTED:
            return "over"
        case UnknownStatus():
            return f"new: {status}"
        case None:
            return "unknown"
        case _:
            assert_never(status)


def test_a_status_this_version_does_not_know_reads_as_unknown_status() -> None:
    known = Training.from_dict({**payloads.succeeded(), "status": "processing"})
    newer = Training.from_dict({**payloads.succeeded(), "status": "queued"})

    assert known.status is TrainingStatus.PROCESSING
    assert type(newer.status) is UnknownStatus
    assert newer.status == "queued" and str(newer.status) == "queued"
    assert repr(newer.status) == "UnknownStatus('queued')"
    assert (phase(known), phase(newer)) == ("running", "new: queued")
    assert phase(Training.from_dict({"id": "x"})) == "unknown"
    assert type(pickle.loads(pickle.dumps(newer)).status) is UnknownStatus
    assert "status='queued'" in repr(newer)


def test_every_known_status_has_its_member() -> None:
    for member in TrainingStatus:
        training = Training.from_dict({**payloads.succeeded(), "status": member.value})
        assert training.status is member
        assert phase(training) != "unknown" and not phase(training).startswith("new")


def test_source_is_open_the_same_way() -> None:
    web = Training.from_dict({**payloads.succeeded(), "source": "web"})
    newer = Training.from_dict({**payloads.succeeded(), "source": "cli"})

    assert web.source is TrainingSource.WEB
    assert type(newer.source) is UnknownSource and newer.source == "cli"
    assert typing.get_type_hints(Training.source.fget)["return"] == (  # type: ignore[attr-defined]
        TrainingSource | UnknownSource | None
    )
    assert typing.get_type_hints(Training.status.fget)["return"] == (  # type: ignore[attr-defined]
        TrainingStatus | UnknownStatus | None
    )


# -- log fields -----------------------------------------------------------------------------


def test_log_fields_reads_each_attempts_record(
    client: Client, local_replicate: LocalReplicate, caplog: pytest.LogCaptureFixture
) -> None:
    local_replicate.faults.add(Fault.rate_limit(retry_after=0), operation="get")
    training = client.trainings.create(
        f"stability-ai/sdxl:{payloads.VERSION}", destination="acme/x", input={}
    )
    with caplog.at_level(logging.DEBUG, logger="replicate_trainings"):
        caplog.clear()  # the create's record, if another test left the logger at DEBUG
        client.trainings.get(training.id)

    fields = [log_fields(record) for record in caplog.records]
    assert all(isinstance(f, dict) and f["elapsed_ms"] >= 0 for f in fields)
    timeless = [{k: v for k, v in f.items() if k != "elapsed_ms"} for f in fields if f]
    path = f"/v1/trainings/{training.id}"
    get = {"operation": "trainings.get", "method": "GET", "path": path}
    assert timeless == [
        {**get, "status_code": 429, "attempt": 1, "retry_in": 0.0},
        {**get, "status_code": 200, "attempt": 2, "retry_in": None},
    ]


def test_log_fields_of_a_record_without_them_is_none() -> None:
    plain = logging.makeLogRecord({"msg": "hello"})
    fields = LogFields(
        operation="trainings.get",
        method="GET",
        path="/v1/trainings/x",
        status_code=200,
        attempt=1,
        elapsed_ms=1.5,
        retry_in=None,
    )
    odd = logging.makeLogRecord({**fields, "status_code": "200"})  # not an int

    assert log_fields(logging.makeLogRecord(dict(fields))) == fields
    assert log_fields(plain) is None
    assert log_fields(odd) is None


def test_an_attempt_without_an_answer_logs_no_status(caplog: pytest.LogCaptureFixture) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]  # closed below: nothing listens there
    client = Client("t", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    logged = caplog.at_level(logging.DEBUG, logger="replicate_trainings")
    with logged, client, pytest.raises(APIConnectionError):
        client.trainings.get("abc")

    (record,) = caplog.records
    fields = log_fields(record)
    assert fields is not None
    assert (fields["status_code"], fields["attempt"], fields["retry_in"]) == (None, 1, None)


# -- raw-response headers ------------------------------------------------------------------


def test_raw_response_headers_are_a_typed_mapping(
    client: Client, local_replicate: LocalReplicate
) -> None:
    raw: RawResponse[Training] = client.trainings.with_raw_response.create(
        f"stability-ai/sdxl:{payloads.VERSION}", destination="acme/x", input={}
    )

    assert raw.headers.get("CONTENT-TYPE", "").startswith("application/json")
    assert raw.headers.get("x-no-such-header") is None
    assert raw.headers is raw.http_response.headers  # httpx's, for multi-valued fields
    hints = typing.get_type_hints(RawResponse.headers.fget)  # type: ignore[attr-defined]
    assert hints["return"] == Mapping[str, str]


# -- trainings in help() --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "operations"), [(Client, Trainings), (AsyncClient, AsyncTrainings)]
)
def test_trainings_is_a_documented_property_typed_per_client(kind: type, operations: type) -> None:
    prop = kind.__dict__["trainings"]
    assert isinstance(prop, property)
    assert typing.get_type_hints(prop.fget)["return"] is operations
    text = pydoc.plain(pydoc.render_doc(kind))
    assert "trainings\n" in text
    assert "The training operations" in text
