"""Training: reading what the API really sends, tolerantly; refusing only what has no id."""

from __future__ import annotations

import copy
import inspect
import json
import logging
import pickle
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from replicate_trainings import (
    ResponseParseError,
    Training,
    TrainingMetrics,
    TrainingOutput,
    TrainingSource,
    TrainingStatus,
    TrainingURLs,
    UnknownSource,
    UnknownStatus,
)
from replicate_trainings.training import FieldWarnings

from tests import payloads

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.usefixtures("unlimited_warnings")


def test_parses_a_succeeded_training() -> None:
    training = Training.from_dict(payloads.succeeded())

    assert training.id == "zz4ibbonubfz7carwiefibzgga"
    assert training.status is TrainingStatus.SUCCEEDED
    assert training.succeeded and training.is_terminal
    assert training.output == TrainingOutput(
        version="me/new:abc", weights="https://example.com/w.tar"
    )
    assert training.metrics == TrainingMetrics(predict_time=502.713876, total_time=503.1)
    assert training.urls is not None
    assert training.urls.web == "https://replicate.com/p/zz4ibbonubfz7carwiefibzgga"
    assert training.completed_at == datetime(2023, 9, 8, 16, 41, 19, 826523, tzinfo=UTC)
    assert training.source == "api"


def test_parses_nulls_empty_metrics_and_nanoseconds() -> None:
    training = Training.from_dict(payloads.just_created())

    assert training.logs is None and training.output is None and training.error is None
    assert training.metrics == TrainingMetrics(predict_time=None, total_time=None)
    assert training.created_at == datetime(2023, 9, 8, 16, 32, 56, 990893, tzinfo=UTC)
    assert training.completed_at is None
    assert not training.is_terminal


def test_unknown_status_stays_a_string_and_completed_at_ends_it() -> None:
    payload = payloads.just_created() | {"status": "paused"}
    assert Training.from_dict(payload).status == "paused"
    assert not isinstance(Training.from_dict(payload).status, TrainingStatus)
    assert not Training.from_dict(payload).is_terminal

    finished = payload | {"status": "archived", "completed_at": "2024-01-01T00:00:00Z"}
    assert Training.from_dict(finished).is_terminal


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-09-08T16:32:56Z", datetime(2023, 9, 8, 16, 32, 56, tzinfo=UTC)),
        ("2023-09-08T16:32:56.9Z", datetime(2023, 9, 8, 16, 32, 56, 900000, tzinfo=UTC)),
        (
            "2023-09-08T18:32:56.123456789+02:00",
            datetime(2023, 9, 8, 18, 32, 56, 123456, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("2023-09-08t16:32:56z", datetime(2023, 9, 8, 16, 32, 56, tzinfo=UTC)),
    ],
)
def test_timestamps_in_any_rfc3339_precision(text: str, expected: datetime) -> None:
    assert Training.from_dict(payloads.just_created() | {"created_at": text}).created_at == expected


def test_unknown_fields_are_kept_and_to_dict_is_a_copy() -> None:
    payload = payloads.succeeded() | {"hardware": "gpu-a100", "deadline": None}
    training = Training.from_dict(payload)

    assert training.to_dict() == payload
    training.to_dict()["input"]["input_images"] = "changed"
    assert training.to_dict() == payload


def test_pickles_compares_and_reads_well() -> None:
    training = Training.from_dict(payloads.succeeded())

    assert pickle.loads(pickle.dumps(training)) == training
    assert training == Training.from_dict(payloads.succeeded())
    assert training != Training.from_dict(payloads.succeeded() | {"logs": "other"})
    assert repr(training) == (
        "Training(id='zz4ibbonubfz7carwiefibzgga', status='succeeded', model='stability-ai/sdxl', "
        f"version='{payloads.VERSION}', created_at='2023-09-08T16:32:57.018467+00:00')"
    )
    with pytest.raises(AttributeError):
        training.status = "failed"  # type: ignore[misc, assignment]
    with pytest.raises(AttributeError):
        training.anything = 1  # type: ignore[attr-defined]


def test_nested_objects_are_read_once_and_survive_pickling() -> None:
    training = Training.from_dict(payloads.succeeded())
    assert training.output is training.output
    assert training.urls is training.urls

    copied = pickle.loads(pickle.dumps(training))

    assert (copied.output, copied.metrics, copied.urls) == (
        training.output,
        training.metrics,
        training.urls,
    )
    assert copied.metrics is not None and isinstance(copied.metrics.total_time, float)


@pytest.mark.parametrize(
    ("change", "field", "read"),
    [
        ({"status": 3}, "status", lambda t: t.status),
        ({"input": []}, "input", lambda t: dict(t.input)),
        ({"input": None}, "input", lambda t: dict(t.input)),
        ({"model": None}, "model", lambda t: t.model),
        ({"created_at": "yesterday"}, "created_at", lambda t: t.created_at),
        ({"created_at": ""}, "created_at", lambda t: t.created_at),
        ({"created_at": "2022-04-26T20:00:84.583803Z"}, "created_at", lambda t: t.created_at),
        ({"completed_at": 5}, "completed_at", lambda t: t.completed_at),
        (
            {"metrics": {"predict_time": "fast"}},
            "metrics.predict_time",
            lambda t: t.metrics.predict_time,
        ),
        ({"output": "weights"}, "output", lambda t: t.output),
        ({"output": {"weights": 5}}, "output.weights", lambda t: t.output.weights),
        ({"metrics": []}, "metrics", lambda t: t.metrics),
        ({"metrics": {"total_time": True}}, "metrics.total_time", lambda t: t.metrics.total_time),
        ({"source": {}}, "source", lambda t: t.source),
        ({"urls": {"get": 1}}, "urls.get", lambda t: t.urls.get),
        ({"urls": None}, "urls", lambda t: t.urls),
        ({"logs": True}, "logs", lambda t: t.logs),
    ],
)
def test_an_unusable_field_reads_as_none_is_kept_raw_and_is_logged(
    change: dict[str, Any],
    field: str,
    read: Callable[[Any], Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = payloads.succeeded() | change
    with caplog.at_level(logging.WARNING, logger="replicate_trainings"):
        training = Training.from_dict(payload)

    assert read(training) in (None, {})
    assert training.to_dict() == payload
    assert training.id == payload["id"]
    [record] = caplog.records
    assert f"field '{field}' is " in record.getMessage()
    assert vars(record)["field"] == field


def test_missing_fields_read_as_none_without_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="replicate_trainings"):
        training = Training.from_dict({"id": "abc"})

    assert training.id == "abc"
    assert (training.model, training.version, training.status, training.created_at) == (None,) * 4
    assert (training.urls, training.output, training.metrics, training.source) == (None,) * 4
    assert dict(training.input) == {} and not training.is_terminal and not training.succeeded
    assert repr(training) == (
        "Training(id='abc', status=None, model=None, version=None, created_at=None)"
    )
    assert caplog.records == []


@pytest.mark.parametrize("body", payloads.RECORDED, ids=lambda body: str(body["id"]))
def test_every_recorded_answer_reads(body: dict[str, Any]) -> None:
    training = Training.from_dict(body)
    assert training.id == body["id"] and training.to_dict() == body
    assert training.status == body.get("status")
    assert training.is_terminal == (body["status"] in ("canceled", "succeeded"))


def test_warnings_are_rate_limited() -> None:
    now = [0.0]
    warnings = FieldWarnings(burst=3, window=60.0, clock=lambda: now[0])
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign,assignment]
    logger = logging.getLogger("replicate_trainings")
    logger.addHandler(handler)
    try:
        for _ in range(10_000):
            warnings("x", "created_at", "", "an RFC 3339 timestamp")
        now[0] = 61.0
        warnings("x", "created_at", "", "an RFC 3339 timestamp")
    finally:
        logger.removeHandler(handler)

    assert len(records) == 4
    assert "9997 more such warnings were not logged" in records[-1].getMessage()


def test_no_id_or_not_an_object_is_a_parse_error() -> None:
    for payload, message in [
        ({"id": None}, "'id' is null, not a string"),
        ({"status": "succeeded"}, "'id' is missing"),
        ({"id": 12}, "'id' is an integer, not a string"),
        ([payloads.succeeded()], "expected a training object, got an array"),
    ]:
        with pytest.raises(ResponseParseError, match=message):
            Training.from_dict(payload)


def test_a_known_status_alone_decides_whether_it_is_over() -> None:
    running = payloads.succeeded() | {"status": "processing"}
    assert not Training.from_dict(running).is_terminal  # completed_at is set, yet it runs
    ended = payloads.just_created() | {"status": "canceled"}
    assert Training.from_dict(ended).is_terminal  # no completed_at, yet it is over


def test_a_deeply_nested_input_copies_and_pickles() -> None:
    payload = payloads.succeeded()
    inner = payload["input"]
    for _ in range(700):
        inner["deeper"] = {}
        inner = inner["deeper"]
    training = Training.from_dict(json.loads(json.dumps(payload)))

    assert training.to_dict() == payload
    assert pickle.loads(pickle.dumps(training)) == training
    assert copy.deepcopy(training) == training


def test_a_payload_with_values_json_cannot_carry_still_pickles() -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    training = Training.from_dict(payloads.succeeded() | {"input": {"when": moment}})

    copied = pickle.loads(pickle.dumps(training))

    assert copied == training and copied.input["when"] == moment


def test_status_enum_is_the_spec_enum() -> None:
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    enum = spec["components"]["schemas"]["TrainingStatus"]
    assert [s.value for s in TrainingStatus] == enum["enum"]
    terminal = {s for s in enum["enum"] if Training.from_dict({"id": "x", "status": s}).is_terminal}
    assert terminal == set(enum["x-terminal"])
    assert set(enum["x-terminal"]) | set(enum["x-running"]) == set(enum["enum"])


def test_training_attributes_are_the_spec_fields_with_their_types() -> None:
    """Field by field: name, static type and nullability, nested objects included."""
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    for name in schemas["Training"]["properties"]:
        prop = inspect.getattr_static(Training, name)
        assert isinstance(prop, property), name
        returns = typing.get_type_hints(prop.fget)["return"]
        assert returns == EXPECTED_TYPES[name], name
    members = {name for name in dir(Training) if not name.startswith("_")}
    assert set(schemas["Training"]["properties"]) <= members
    assert members - set(schemas["Training"]["properties"]) == {
        "from_dict",
        "is_terminal",
        "succeeded",
        "to_dict",
    }


EXPECTED_TYPES: dict[str, Any] = {
    "id": str,
    "model": str | None,
    "version": str | None,
    "input": Mapping[str, Any],
    "output": TrainingOutput | None,
    "logs": str | None,
    "error": str | None,
    "status": TrainingStatus | UnknownStatus | None,
    "source": TrainingSource | UnknownSource | None,
    "created_at": datetime | None,
    "started_at": datetime | None,
    "completed_at": datetime | None,
    "metrics": TrainingMetrics | None,
    "urls": TrainingURLs | None,
}


def test_equal_trainings_hash_alike() -> None:
    one, same = Training.from_dict(payloads.succeeded()), Training.from_dict(payloads.succeeded())
    assert hash(one) == hash(same)
    assert len({one, same, Training.from_dict(payloads.just_created())}) == 2


def test_a_leap_second_is_a_valid_timestamp() -> None:
    training = Training.from_dict(payloads.succeeded() | {"completed_at": "2016-12-31T23:59:60Z"})
    assert training.completed_at == datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def test_what_was_checked_stays_true_when_the_callers_dict_changes() -> None:
    payload = payloads.succeeded()
    training = Training.from_dict(payload)
    before = hash(training)

    payload["status"] = 5
    payload["urls"]["get"] = 5
    payload["metrics"]["total_time"] = "slow"

    assert training.status is TrainingStatus.SUCCEEDED
    assert hash(training) == before
    assert training.urls is not None
    assert training.urls.get == payloads.succeeded()["urls"]["get"]
    assert training.metrics is not None and isinstance(training.metrics.total_time, float)
