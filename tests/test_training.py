"""Training: parsing what the API really sends, and rejecting what it never would."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from replicate_trainings import (
    ResponseParseError,
    Training,
    TrainingMetrics,
    TrainingOutput,
    TrainingStatus,
)

from tests import payloads


def test_parses_a_succeeded_training() -> None:
    training = Training.from_dict(payloads.succeeded())

    assert training.id == "zz4ibbonubfz7carwiefibzgga"
    assert training.status is TrainingStatus.SUCCEEDED
    assert training.succeeded and training.is_terminal
    assert training.output == TrainingOutput(
        version="me/new:abc", weights="https://example.com/w.tar"
    )
    assert training.metrics == TrainingMetrics(predict_time=502.713876, total_time=503.1)
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
        ("2023-09-08T16:32:56", datetime(2023, 9, 8, 16, 32, 56, tzinfo=UTC)),
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
        training.status = "failed"  # type: ignore[misc]


def test_nested_objects_are_built_once_and_survive_pickling() -> None:
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
    ("change", "message"),
    [
        ({"id": None}, "'id' is null, not a string"),
        ({"status": 3}, "'status' is an integer, not a string"),
        ({"input": []}, "'input' is an array, not an object"),
        ({"created_at": "yesterday"}, "'created_at' is a string, not an RFC 3339 timestamp"),
        ({"completed_at": 5}, "'completed_at' is an integer, not an RFC 3339 timestamp or null"),
        ({"metrics": {"predict_time": "fast"}}, "'metrics.predict_time' is a string"),
        ({"output": "weights"}, "'output' is a string, not an object or null"),
        ({"output": {"weights": 5}}, "'output.weights' is an integer, not a string or null"),
        ({"metrics": []}, "'metrics' is an array, not an object or null"),
        ({"metrics": {"total_time": True}}, "'metrics.total_time' is a boolean"),
        ({"source": {}}, "'source' is an object, not a string or null"),
        ({"urls": {"get": 1}}, "'urls.get' is an integer"),
        ({"logs": True}, "'logs' is a boolean"),
    ],
)
def test_wrong_types_are_a_parse_error_naming_the_field(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ResponseParseError, match=message.replace("(", r"\(")):
        Training.from_dict(payloads.succeeded() | change)


def test_missing_required_field_and_non_object() -> None:
    payload = copy.deepcopy(payloads.succeeded())
    del payload["urls"]
    with pytest.raises(ResponseParseError, match="'urls' is missing"):
        Training.from_dict(payload)
    with pytest.raises(ResponseParseError, match="expected a training object, got an array"):
        Training.from_dict([payloads.succeeded()])


def test_status_enum_matches_the_generated_client() -> None:
    from replicate_trainings_api.models import TrainingStatusModel as Generated

    assert {s.value for s in TrainingStatus} == {s.value for s in Generated}


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
    assert training.urls.get == payloads.succeeded()["urls"]["get"]
    assert training.metrics is not None and isinstance(training.metrics.total_time, float)
