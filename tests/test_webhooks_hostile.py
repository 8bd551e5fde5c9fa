"""Hostile webhook deliveries: any bytes in any header or in the body either verify or raise
WebhookVerificationError; nothing else escapes (anyone can send a delivery, and a receiver
that lets another exception out answers 500)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from replicate_trainings import WebhookVerificationError
from replicate_trainings.webhooks import WebhookEvent, WebhookVerifier

from tests import payloads

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
KEY = base64.b64decode(SECRET.removeprefix("whsec_"))
VERIFIER = WebhookVerifier(SECRET)
NAMES = ("webhook-id", "webhook-timestamp", "webhook-signature")
BODY = json.dumps(payloads.succeeded()).encode()

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def sign(msg_id: bytes, timestamp: bytes, body: bytes) -> bytes:
    """A `v1,<base64>` signature over the bytes as sent: HMAC-SHA256 of `id.timestamp.body`."""
    digest = hmac.new(KEY, msg_id + b"." + timestamp + b"." + body, hashlib.sha256).digest()
    return b"v1," + base64.b64encode(digest)


def outcome(headers: Any, body: Any) -> WebhookEvent | WebhookVerificationError:
    """What verifying returns or raises; any other exception fails the test."""
    try:
        return VERIFIER.verify(headers, body)
    except WebhookVerificationError as error:
        return error


# Every character, lone surrogates included (hypothesis leaves out category Cs by default).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
ANY_VALUE = st.binary(max_size=60) | ANY_TEXT


NESTED = st.recursive(st.none(), st.lists, max_leaves=5)
FIELDS = st.dictionaries(
    st.sampled_from(["id", "status", "created_at", "input", "urls", "output"]),
    st.none() | st.integers() | st.text(max_size=5) | st.lists(st.none(), max_size=2),
)
BODIES = st.one_of(
    st.just(BODY),
    st.binary(max_size=200),
    NESTED.map(lambda value: json.dumps(value).encode()),
    FIELDS.map(lambda fields: json.dumps(payloads.succeeded() | fields).encode()),
)
FORMS = st.sampled_from(["bytes", "latin-1", "any"])


PARTS = st.sets(st.sampled_from(["id", "timestamp", "signature", "text", "presence"]))


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[Any, Any]:
    """Headers and a body: a real delivery of a random body (JSON or not), with a random
    set of its parts replaced by random bytes or text, so every check is reached."""
    broken = draw(PARTS)
    msg_id = draw(st.binary(min_size=1, max_size=40)) if "id" in broken else b"msg_1"
    timestamp = draw(st.binary(max_size=20)) if "timestamp" in broken else now()
    body = draw(BODIES)
    signature = sign(msg_id, timestamp, body)
    if "signature" in broken:
        signature = draw(st.binary(max_size=80) | st.binary(max_size=60).map(b"v1,".__add__))
    values = {"webhook-id": msg_id, "webhook-timestamp": timestamp}
    values["webhook-signature"] = signature
    headers: dict[str | bytes, Any] = {}
    for name, value in values.items():  # as bytes, as text (latin-1, as WSGI gives), any text
        if "presence" in broken and draw(st.booleans()):
            continue
        form = draw(FORMS) if "text" in broken else "bytes"
        spelled = draw(st.sampled_from([name, name.upper(), name.title()]))
        key = spelled.encode() if draw(st.booleans()) else spelled
        headers[key] = value if form == "bytes" else value.decode("latin-1")
        if form == "any":
            headers[key] = draw(ANY_TEXT)
    extra = draw(st.lists(st.tuples(ANY_VALUE, ANY_VALUE), max_size=3))
    shape = draw(st.sampled_from(["dict", "pairs"]))
    pairs = [*headers.items(), *extra]
    as_text = draw(st.booleans())
    return (
        pairs if shape == "pairs" else dict(pairs),
        body.decode("utf-8", "surrogateescape") if as_text else body,
    )


@FUZZ
@given(deliveries())
def test_any_delivery_verifies_or_raises_a_verification_error(delivery: tuple[Any, Any]) -> None:
    headers, body = delivery
    result = outcome(headers, body)
    event("verified" if isinstance(result, WebhookEvent) else str(result).partition(":")[0])


@FUZZ
@given(st.dictionaries(ANY_TEXT, ANY_VALUE, max_size=5), ANY_VALUE)
def test_any_headers_and_body_at_all_raise_a_verification_error(
    headers: dict[str, Any], body: Any
) -> None:
    assert isinstance(outcome(headers, body), WebhookVerificationError)


def now() -> bytes:
    return str(int(time.time())).encode()


def valid(body: bytes = BODY, **changes: Any) -> dict[str, Any]:
    """Headers of a delivery of `body` signed now, with `changes` (names with `_` for `-`)."""
    at = now()
    headers: dict[str, Any] = {
        "webhook-id": "msg_1",
        "webhook-timestamp": at.decode(),
        "webhook-signature": sign(b"msg_1", at, body).decode(),
    }
    return headers | {name.replace("_", "-"): value for name, value in changes.items()}


CONCRETE: dict[str, tuple[dict[str, Any], str]] = {
    "non-ASCII in webhook-signature": (
        {"webhook_signature": "v1,é"},
        "no well-formed 'v1,<base64>' signature",
    ),
    "non-ASCII bytes in webhook-signature": (
        {"webhook_signature": b"v1,\xff\xfe"},
        "no well-formed",
    ),
    "a lone surrogate in webhook-id": ({"webhook_id": "msg_\ud800"}, "not text that can be signed"),
    "a lone surrogate in webhook-timestamp": ({"webhook_timestamp": "\udcff"}, "not a Unix time"),
    "a lone surrogate in webhook-signature": ({"webhook_signature": "v1,\udcff"}, "no well-formed"),
    "a NUL in webhook-id": ({"webhook_id": "msg\x00"}, "no signature in the webhook-signature"),
    "non-ASCII digits in webhook-timestamp": (
        {"webhook_timestamp": "١٢٣٤٥٦٧٨٩٠"},
        "not a Unix time",
    ),
    "a megabyte webhook-id": ({"webhook_id": "m" * 1_000_000}, "no signature in the"),
    "a megabyte webhook-signature": (
        {"webhook_signature": "v1,AAAA " * 125_000},
        "no signature in the",
    ),
    "a megabyte webhook-timestamp": ({"webhook_timestamp": "1" * 1_000_000}, "not a Unix time"),
}


@pytest.mark.parametrize("case", list(CONCRETE))
def test_hostile_headers_raise_a_verification_error(case: str) -> None:
    changes, reason = CONCRETE[case]
    result = outcome(valid(**changes), BODY)
    assert isinstance(result, WebhookVerificationError)
    assert reason in str(result)


def test_a_non_ascii_entry_before_a_valid_signature_is_skipped() -> None:
    headers = valid()
    headers["webhook-signature"] = "v1,ü " + headers["webhook-signature"]
    assert isinstance(outcome(headers, BODY), WebhookEvent)


def test_bytes_names_with_text_values_verify() -> None:
    headers = {name.encode(): value for name, value in valid().items()}
    assert isinstance(outcome(headers, BODY), WebhookEvent)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("\ud800".join(["{", "}"]), "not UTF-8"),
        (b"\xff" * 10, "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
        (b'{"id": "x", "n": ' + b"9" * 5000 + b"}", "not JSON"),
        (b"1e999999", "not a training"),
        (b'"\\ud800"', "not a training"),
    ],
    ids=["lone surrogate", "not UTF-8", "deep", "huge int", "huge float", "escaped surrogate"],
)
def test_a_signed_hostile_body_raises_a_verification_error(body: Any, reason: str) -> None:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    result = outcome(valid(raw), body)
    assert isinstance(result, WebhookVerificationError)
    assert reason in str(result)


def test_a_delivery_signed_over_its_bytes_verifies_given_bytes_or_text() -> None:
    headers = valid()
    for body in (BODY, BODY.decode()):
        result = outcome(headers, body)
        assert isinstance(result, WebhookEvent), result
        assert result.id == "msg_1"
