"""Date-time fields hold an instant, and extreme values never crash a reader.

A timestamp RFC 3339 does not allow but Python reads (a date alone, no time zone, no
seconds) reads as before (midnight, UTC) and is warned as a value the schema does not
allow. An instant a datetime cannot hold in UTC, and a metric beyond a float's range,
read as None with a warning; `to_dict()`, `repr`, pickling keep working.
"""

from __future__ import annotations

import json
import logging
import pickle
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from replicate_trainings import Client, Training
from replicate_trainings_api.training_shape import TRAINING_FIELDS

from tests import payloads
from tests.rawserver import Canned, raw_server, response

DATETIME_FIELDS = [spec.name for spec in TRAINING_FIELDS if spec.kind == "datetime"]

pytestmark = pytest.mark.usefixtures("unlimited_warnings")


def warned_fields(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [vars(r)["field"] for r in caplog.records if r.name == "replicate_trainings"]


@pytest.mark.parametrize("field", DATETIME_FIELDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T10:00:00", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T10:00:00.5", datetime(2024, 1, 1, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2024-01-01T10:00Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01 10:00:00Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("20240101T100000Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01T10:00:00+0200", datetime(2024, 1, 1, 8, tzinfo=UTC)),
    ],
)
def test_a_timestamp_rfc3339_does_not_allow_reads_as_before_and_is_warned(
    field: str, text: str, expected: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="replicate_trainings"):
        training = Training.from_dict(payloads.succeeded() | {field: text})
        value = getattr(training, field)

    assert value == expected and value.utcoffset() is not None  # an instant
    assert warned_fields(caplog) == [field]
    assert training.to_dict()[field] == text


@pytest.mark.parametrize("field", DATETIME_FIELDS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T10:00:00Z", datetime(2024, 1, 1, 10, tzinfo=UTC)),
        ("2024-01-01t10:00:00.123456789z", datetime(2024, 1, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-01-01T10:00:00-00:30", datetime(2024, 1, 1, 10, 30, tzinfo=UTC)),
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", datetime(1, 1, 1, tzinfo=UTC)),
        ("0001-01-01T00:00:00-01:00", datetime(1, 1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59.999999Z", datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_an_rfc3339_timestamp_reads_without_a_warning(
    field: str, text: str, expected: datetime, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="replicate_trainings"):
        value = getattr(Training.from_dict(payloads.succeeded() | {field: text}), field)

    assert value == expected and value.astimezone(UTC) == expected
    assert warned_fields(caplog) == []


@pytest.mark.parametrize("field", DATETIME_FIELDS)
@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-00:01", "0001-01-01T00:59:59+01:00"],
)
def test_an_instant_a_datetime_cannot_hold_reads_as_none_with_a_warning(
    field: str, text: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="replicate_trainings"):
        training = Training.from_dict(payloads.succeeded() | {field: text})
        assert getattr(training, field) is None

    assert warned_fields(caplog) == [field]
    assert training.to_dict()[field] == text
    assert pickle.loads(pickle.dumps(training)) == training
    repr(training)


@pytest.mark.parametrize("number", ["1e999", "-1e999", "Infinity", "NaN", "9" * 400])
@pytest.mark.parametrize("metric", ["predict_time", "total_time"])
def test_a_metric_beyond_a_float_reads_as_none_with_a_warning(
    number: str, metric: str, caplog: pytest.LogCaptureFixture
) -> None:
    text = json.dumps(payloads.succeeded() | {"metrics": {metric: "N"}}).replace('"N"', number)
    with caplog.at_level(logging.WARNING, logger="replicate_trainings"):
        training = Training._from_decoded(json.loads(text))
        assert training.metrics is not None and getattr(training.metrics, metric) is None

    assert warned_fields(caplog) == [f"metrics.{metric}"]
    assert repr(training.to_dict()["metrics"][metric]) == repr(json.loads(number))
    assert pickle.loads(pickle.dumps(training)) == training


EXTREME = (
    json.dumps(
        payloads.succeeded()
        | {
            "created_at": "0001-01-01T00:00:00+01:00",
            "started_at": "2024-01-01",
            "completed_at": "9999-12-31T23:59:59-01:00",
            "metrics": {"predict_time": "BIG", "total_time": "NEG"},
        }
    )
    .replace('"BIG"', "1e999")
    .replace('"NEG"', "-" + "9" * 400)
    .encode()
)


def test_extreme_values_from_a_server_read_through_get_and_list() -> None:
    single = response(200, EXTREME, {"Content-Type": "application/json"})
    page = b'{"next": null, "previous": null, "results": [' + EXTREME + b", " + EXTREME + b"]}"
    listing = response(200, page, {"Content-Type": "application/json"})
    with raw_server(Canned(single, listing)) as base_url, Client("r8_x", base_url=base_url) as c:
        got = c.trainings.get("zz4ibbonubfz7carwiefibzgga")
        listed = list(c.trainings.list())

    for training in [got, *listed]:
        assert (training.created_at, training.completed_at) == (None, None)
        assert training.started_at == datetime(2024, 1, 1, tzinfo=UTC)
        assert training.metrics is not None
        assert (training.metrics.predict_time, training.metrics.total_time) == (None, None)
        assert training.to_dict()["created_at"] == "0001-01-01T00:00:00+01:00"
        assert training.is_terminal and repr(training)


def test_every_datetime_read_is_an_instant_whatever_the_offset() -> None:
    for minutes in range(-23 * 60 - 59, 24 * 60, 97):
        zone = timezone(timedelta(minutes=minutes))
        moment = datetime(2024, 2, 29, 12, 30, tzinfo=zone)
        value: Any = Training.from_dict({"id": "x", "created_at": moment.isoformat()}).created_at
        assert value == moment and value.utcoffset() == timedelta(minutes=minutes)
