"""Webhooks: verifying Standard Webhooks deliveries and reading the training they carry."""

from __future__ import annotations

import base64
import dataclasses
import itertools
import json
import math
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from replicate_trainings import Client, ReplicateError, Training, WebhookVerificationError
from replicate_trainings.testing import DEFAULT_WEBHOOK_SECRET, LocalReplicate, Progression
from replicate_trainings.webhooks import WebhookEvent, WebhookVerifier, verify_webhook
from standardwebhooks import Webhook

from tests import payloads

SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
SECRET_KEY_PART = SECRET.removeprefix("whsec_")
OTHER_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
DELIVERY_ID = "msg_2ZsmVEi4Wbb3nYtz5fS1i9XgFXy"


def body_of(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


BODY = body_of(payloads.succeeded())


def signed(
    body: bytes = BODY,
    *,
    secret: str = SECRET,
    msg_id: str = DELIVERY_ID,
    at: float | None = None,
) -> dict[str, str]:
    """Headers as Replicate sends them, signed by the reference implementation."""
    when = datetime.fromtimestamp(int(time.time() if at is None else at), UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body.decode()),
        "content-type": "application/json",
    }


def failure(headers: Any, body: Any = BODY, secret: str = SECRET, **kw: Any) -> str:
    """The message of the WebhookVerificationError that verifying raises; checks the secret."""
    with pytest.raises(WebhookVerificationError) as caught:
        verify_webhook(headers, body, secret, **kw)
    assert_secret_not_in(caught.value, secret)
    return str(caught.value)


def assert_secret_not_in(error: BaseException, secret: str) -> None:
    """Neither the secret nor its key part is in the error, its repr, or anything it chains."""
    key_part = secret.strip().removeprefix("whsec_")
    if len(key_part) < 4:  # nothing secret to leak: '', 'whsec_'
        return
    chained: BaseException | None = error
    while chained is not None:
        for text in (str(chained), repr(chained), repr(chained.args)):
            assert secret not in text
            assert key_part not in text
        chained = chained.__cause__ or chained.__context__


# --- a valid delivery ---------------------------------------------------------------------


def test_a_valid_delivery_verifies_and_returns_the_event() -> None:
    now = int(time.time())
    event = verify_webhook(signed(at=now), BODY, SECRET)

    assert isinstance(event, WebhookEvent)
    assert event.id == DELIVERY_ID
    assert event.timestamp == datetime.fromtimestamp(now, UTC)
    assert event.timestamp.tzinfo is not None
    assert event.training == Training.from_dict(payloads.succeeded())
    assert event.training.succeeded
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.id = "other"  # type: ignore[misc]


def test_the_verifier_object_is_reusable_and_hides_the_secret() -> None:
    verifier = WebhookVerifier(SECRET, tolerance=60)
    created = body_of(payloads.just_created())

    first = verifier.verify(signed(), BODY)
    second = verifier.verify(signed(created, msg_id="msg_2"), created)

    assert (first.id, first.training.status) == (DELIVERY_ID, "succeeded")
    assert (second.id, second.training.status) == ("msg_2", "starting")
    assert verifier.tolerance == 60
    assert repr(verifier) == "WebhookVerifier(tolerance=60)"
    assert SECRET_KEY_PART not in repr(verifier)


def test_matches_the_published_standard_webhooks_test_vector() -> None:
    # The example from the Standard Webhooks spec; its timestamp is from 2021, so only an
    # unlimited tolerance lets it through, and its body is not a training: failing on the
    # body proves every check before it (the signature included) passed.
    headers = {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    }
    body = b'{"test": 2432232314}'

    message = failure(headers, body, OTHER_SECRET, tolerance=math.inf)

    assert message.startswith("unreadable webhook body: it is not a training")
    assert "stale" in failure(headers, body, OTHER_SECRET)
    tampered = b'{"test": 2432232315}'
    assert "no signature" in failure(headers, tampered, OTHER_SECRET, tolerance=math.inf)


@pytest.mark.parametrize(
    "shape",
    ["dict", "title-case dict", "upper-case dict", "httpx.Headers", "str pairs", "bytes pairs"],
)
def test_headers_in_any_shape_and_case(shape: str) -> None:
    headers = signed()
    forms: dict[str, Any] = {
        "dict": headers,
        "title-case dict": {k.title(): v for k, v in headers.items()},
        "upper-case dict": {k.upper(): v for k, v in headers.items()},
        "httpx.Headers": httpx.Headers(headers),
        "str pairs": list(headers.items()),
        "bytes pairs": [(k.encode(), v.encode()) for k, v in headers.items()],  # ASGI
    }

    assert verify_webhook(forms[shape], BODY, SECRET).id == DELIVERY_ID


@pytest.mark.parametrize("form", ["bytes", "str", "bytearray", "memoryview"])
def test_body_as_bytes_or_text(form: str) -> None:
    body: dict[str, bytes | bytearray | memoryview | str] = {
        "bytes": BODY,
        "str": BODY.decode(),
        "bytearray": bytearray(BODY),
        "memoryview": memoryview(BODY),
    }

    assert verify_webhook(signed(), body[form], SECRET).training.id == "zz4ibbonubfz7carwiefibzgga"


def test_a_non_ascii_body_verifies() -> None:
    payload = payloads.succeeded() | {"logs": "étape 1 ✓\n"}
    body = json.dumps(payload, ensure_ascii=False).encode()

    assert verify_webhook(signed(body), body, SECRET).training.logs == "étape 1 ✓\n"


def test_secret_surrounding_whitespace_and_missing_padding_are_accepted() -> None:
    unpadded = "whsec_" + "A" * 22  # 16 bytes without its '=='
    headers = signed(secret=unpadded + "==")

    assert verify_webhook(headers, BODY, f"  {unpadded}\n").id == DELIVERY_ID


# --- signatures -----------------------------------------------------------------------------


def test_a_tampered_body_is_rejected() -> None:
    tampered = BODY.replace(b'"succeeded"', b'"failed"')

    assert failure(signed(), tampered).startswith("no signature in the webhook-signature header")


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp"])
def test_a_tampered_signed_header_is_rejected(header: str) -> None:
    headers = signed()
    headers[header] = "msg_other" if header == "webhook-id" else str(int(time.time()) - 1)

    assert failure(headers).startswith("no signature")


def test_a_wrong_secret_is_rejected() -> None:
    message = failure(signed(secret=OTHER_SECRET))

    assert message.startswith("no signature in the webhook-signature header matches")
    assert "secret" in message


def test_only_the_second_signature_of_the_list_matches() -> None:
    good = signed()["webhook-signature"]
    wrong = signed(secret=OTHER_SECRET)["webhook-signature"]
    headers = signed() | {"webhook-signature": f"{wrong} {good}"}

    assert verify_webhook(headers, BODY, SECRET).id == DELIVERY_ID


@pytest.mark.parametrize(
    "before", ["v1,not*base64", "nocomma", "v1a,AAAA", "v2,AAAA", "v1,", ",", "v1,AAAA,"]
)
def test_malformed_or_other_version_entries_are_skipped(before: str) -> None:
    good = signed()["webhook-signature"]
    headers = signed() | {"webhook-signature": f"{before}  {good}"}

    assert verify_webhook(headers, BODY, SECRET).id == DELIVERY_ID


def test_a_list_without_any_v1_signature_says_so() -> None:
    headers = signed() | {"webhook-signature": "v1a,AAAA garbage v1,***"}

    assert failure(headers) == (
        "the webhook-signature header has no well-formed 'v1,<base64>' signature"
    )


def test_signatures_split_over_repeated_headers_are_all_tried() -> None:
    headers = signed()
    wrong = signed(secret=OTHER_SECRET)["webhook-signature"]
    pairs = [(k, v) for k, v in headers.items() if k != "webhook-signature"]
    pairs += [("Webhook-Signature", wrong), ("webhook-signature", headers["webhook-signature"])]

    assert verify_webhook(pairs, BODY, SECRET).id == DELIVERY_ID
    assert verify_webhook(httpx.Headers(pairs), BODY, SECRET).id == DELIVERY_ID


def test_conflicting_repeated_ids_are_rejected() -> None:
    pairs = [*signed().items(), ("Webhook-Id", "msg_other")]

    assert failure(pairs) == "conflicting values of the webhook-id header"


# --- timestamps -----------------------------------------------------------------------------


def test_a_stale_timestamp_is_rejected() -> None:
    message = failure(signed(at=time.time() - 330))

    assert message.startswith("stale webhook timestamp: signed 33")
    assert "tolerance of 300 seconds" in message


def test_a_future_timestamp_is_rejected() -> None:
    message = failure(signed(at=time.time() + 330))

    assert message.startswith("future webhook timestamp: signed 3")
    assert "tolerance of 300 seconds" in message


@pytest.mark.parametrize("offset", [-250, 250])
def test_timestamps_within_the_tolerance_pass_either_way(offset: int) -> None:
    assert verify_webhook(signed(at=time.time() + offset), BODY, SECRET).id == DELIVERY_ID


def test_the_tolerance_is_configurable() -> None:
    old = signed(at=time.time() - 600)

    assert verify_webhook(old, BODY, SECRET, tolerance=900).id == DELIVERY_ID
    assert "tolerance of 30 seconds" in failure(signed(at=time.time() - 60), tolerance=30)


@pytest.mark.parametrize("value", ["abc", "1.7e9", "-1700000000", "1700000000.5", "017", " "])
def test_a_timestamp_that_is_not_whole_unix_seconds_is_rejected(value: str) -> None:
    headers = signed() | {"webhook-timestamp": value}

    message = failure(headers)

    assert message.startswith("the webhook-timestamp header is not a Unix time") or (
        value.isspace() and message == "missing header: webhook-timestamp"
    )


def test_a_far_future_timestamp_with_unlimited_tolerance_is_out_of_range() -> None:
    headers = signed() | {"webhook-timestamp": "999999999999999"}

    assert "out of range" in failure(headers, tolerance=math.inf)


# --- missing headers, secrets, bodies, arguments --------------------------------------------


@pytest.mark.parametrize("header", ["webhook-id", "webhook-timestamp", "webhook-signature"])
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_a_missing_header_is_named(header: str, how: str) -> None:
    headers = signed()
    if how == "absent":
        del headers[header]
    else:
        headers[header] = ""

    assert failure(headers) == f"missing header: {header}"


def test_every_missing_header_is_named() -> None:
    assert failure({"content-type": "application/json"}) == (
        "missing headers: webhook-id, webhook-timestamp, webhook-signature"
    )


MALFORMED_SECRETS = [
    pytest.param("", id="empty"),
    pytest.param("whsec_", id="prefix only"),
    pytest.param("whsec_====", id="padding only"),
    pytest.param(SECRET_KEY_PART, id="no prefix"),
    pytest.param("r8_Fq3kV0XhJQ1gUj5tY7zW9pL2bN4mC6dS8eR", id="an API token"),
    pytest.param("whsec_C2FVsBQIhrscChlQ IMV+b5sSYspob7oD", id="inner space"),
    pytest.param("whsec_C2FVsBQIhrscChlQ-IMV_b5sSYspob7oD", id="urlsafe alphabet"),
    pytest.param("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oDx", id="impossible length"),
]


@pytest.mark.parametrize("secret", MALFORMED_SECRETS)
def test_a_malformed_secret_is_rejected_without_showing_it(secret: str) -> None:
    message = failure(signed(), secret=secret)

    assert message.startswith("malformed webhook secret: ")
    with pytest.raises(WebhookVerificationError) as caught:
        WebhookVerifier(secret)
    assert_secret_not_in(caught.value, secret)


def test_a_body_that_is_not_json_is_unreadable() -> None:
    body = b"<html>502 Bad Gateway</html>"

    assert failure(signed(body), body).startswith("unreadable webhook body: it is not JSON (")


def test_a_json_body_that_is_not_a_training_is_unreadable() -> None:
    payload = payloads.succeeded()
    del payload["id"]
    body = body_of(payload)

    message = failure(signed(body), body)

    assert message == (
        "unreadable webhook body: it is not a training (a training's field 'id' is missing)"
    )


def test_a_body_that_is_not_utf8_is_unreadable() -> None:
    body = "é".encode("latin-1")
    assert failure(signed(), body) == "unreadable webhook body: it is not UTF-8 text"
    assert failure(signed(), "\ud800") == "unreadable webhook body: it is not UTF-8 text"
    assert failure({}, body) == (
        "missing headers: webhook-id, webhook-timestamp, webhook-signature"
    )


@pytest.mark.parametrize(
    ("headers", "body", "secret", "argument"),
    [
        ({}, {"id": "x"}, SECRET, "body"),
        ({}, None, SECRET, "body"),
        ({}, BODY, SECRET.encode(), "secret"),
        ({}, BODY, None, "secret"),
        (None, BODY, SECRET, "headers"),
        ("webhook-id: x", BODY, SECRET, "headers"),
        (42, BODY, SECRET, "headers"),
        ([("webhook-id",)], BODY, SECRET, "headers"),
        ([("webhook-id", 1)], BODY, SECRET, "header value"),
    ],
)
def test_arguments_of_the_wrong_type_raise_type_error(
    headers: Any, body: Any, secret: Any, argument: str
) -> None:
    with pytest.raises(TypeError, match=argument):
        verify_webhook(headers, body, secret)


@pytest.mark.parametrize(
    ("tolerance", "error"),
    [(-1, ValueError), (math.nan, ValueError), ("300", TypeError), (True, TypeError)],
)
def test_a_bad_tolerance_is_rejected(tolerance: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="tolerance"):
        WebhookVerifier(SECRET, tolerance=tolerance)


def test_verification_errors_are_replicate_errors() -> None:
    assert issubclass(WebhookVerificationError, ReplicateError)


def failures() -> Iterator[tuple[str, Any, Any, str]]:
    """(case, headers, body, secret) of every kind of failure, for the secret sweep."""
    now = time.time()
    yield "tampered", signed(), BODY + b" ", SECRET
    yield "wrong secret", signed(secret=OTHER_SECRET), BODY, SECRET
    yield "stale", signed(at=now - 900), BODY, SECRET
    yield "future", signed(at=now + 900), BODY, SECRET
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        yield f"no {header}", {k: v for k, v in signed().items() if k != header}, BODY, SECRET
    yield "bad timestamp", signed() | {"webhook-timestamp": "1.7e9"}, BODY, SECRET
    yield "no v1", signed() | {"webhook-signature": "v1," + SECRET_KEY_PART}, BODY, SECRET
    yield "not json", signed(b"nope"), b"nope", SECRET
    yield "not a training", signed(b"{}"), b"{}", SECRET
    yield "not utf-8", signed(), b"\xff", SECRET
    for param in MALFORMED_SECRETS:
        yield f"malformed secret {param.id}", signed(), BODY, str(param.values[0])
    yield "secret with spaces", signed(), BODY, f" {SECRET} x"


@pytest.mark.parametrize(("case", "headers", "body", "secret"), list(failures()))
def test_the_secret_never_appears_in_an_error(
    case: str, headers: Any, body: Any, secret: str
) -> None:
    with pytest.raises(WebhookVerificationError) as caught:
        WebhookVerifier(secret).verify(headers, body)

    assert_secret_not_in(caught.value, secret)
    assert_secret_not_in(caught.value, SECRET)


# --- round trip: the local server's real deliveries, over loopback HTTP -------------------


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records each request as received.

    It answers 204, or 500 to the first attempt of each delivery when `fail_first` is set,
    so the sender retries.
    """

    def __init__(self, *, fail_first: bool = False) -> None:
        self.requests: list[tuple[Message, bytes]] = []
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.requests.append((self.headers, body))
                    first = self.headers.get("webhook-id", "") not in receiver._seen
                    receiver._seen.add(self.headers.get("webhook-id", ""))
                self.send_response(500 if fail_first and first else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/hooks/replicate"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


ROUND_TRIP_SECRET = "whsec_" + base64.b64encode(b"round trip key, 32 bytes long!!!").decode()
TRAINED = "acme/base:" + "a1" * 32
# The local server's life of a training with processing_steps=2, one step per poll:
# created `starting` (start); `processing` with its first log line (logs); one more log
# line (logs); `succeeded` with output, a last log line and completed_at (completed, output,
# logs). Each change is delivered when one of its events is in the filter.
EXPECTED_STATUSES: dict[str | None, list[str]] = {
    "start": ["starting"],
    "logs": ["processing", "processing", "succeeded"],
    "output": ["succeeded"],
    "completed": ["succeeded"],
    None: ["starting", "processing", "processing", "succeeded"],
}
ALL_EVENTS = frozenset({"start", "output", "logs", "completed"})


def train_to_completion(
    receiver: Receiver, events_filter: list[str] | None, **server_options: Any
) -> LocalReplicate:
    """Create a training with a webhook on the local server, over HTTP, and wait it out."""
    options: dict[str, Any] = {
        "webhook_secret": ROUND_TRIP_SECRET,
        "progression": Progression.per_polls(1, processing_steps=2),
    }
    with LocalReplicate(**options | server_options) as app, app.serve() as server:
        with Client(server.token, base_url=server.base_url) as client:
            created = client.trainings.create(
                TRAINED,
                destination="me/fine-tuned",
                input={"train_data": "https://example.com/data.zip"},
                webhook=receiver.url,
                webhook_events_filter=events_filter,
            )
            final = client.trainings.wait(created, timeout=30, poll_interval=0.01)
        assert final.succeeded
        assert app.wait_for_webhooks(timeout=10)
        return app


@pytest.mark.parametrize("only", ["start", "output", "logs", "completed", None])
def test_round_trip_every_delivery_verifies_and_matches_the_filter(only: str | None) -> None:
    events_filter = None if only is None else [only]
    with Receiver() as receiver:
        app = train_to_completion(receiver, events_filter)
    wanted = ALL_EVENTS if only is None else frozenset({only})
    started = time.time()

    events = [
        verify_webhook(headers, body, ROUND_TRIP_SECRET) for headers, body in receiver.requests
    ]

    assert [str(event.training.status) for event in events] == EXPECTED_STATUSES[only]
    assert len({event.id for event in events}) == len(events)  # no retries were needed
    assert len({event.training.id for event in events}) == 1
    assert all(abs(event.timestamp.timestamp() - started) < 60 for event in events)
    # The events each delivery stands for, as the server recorded them, joined on the id.
    sent = {delivery.id: delivery.events for delivery in app.deliveries}
    assert sorted(sent) == sorted(event.id for event in events)
    assert all(sent[event.id] & wanted for event in events)
    assert frozenset().union(*(sent[event.id] for event in events)) & wanted == wanted
    # Observable from the bodies alone:
    if only == "start":
        assert events[0].training.started_at is None
    if only in ("output", "completed"):
        assert events[0].training.is_terminal and events[0].training.output is not None
    if only == "logs":
        logs = [event.training.logs or "" for event in events]
        assert all(len(a) < len(b) and b.startswith(a) for a, b in itertools.pairwise(logs))
    # The server signed with the configured secret, not its default one.
    headers, body = receiver.requests[0]
    with pytest.raises(WebhookVerificationError, match="no signature"):
        verify_webhook(headers, body, DEFAULT_WEBHOOK_SECRET)


def test_round_trip_retries_reuse_the_id_so_they_de_duplicate() -> None:
    with Receiver(fail_first=True) as receiver:
        train_to_completion(receiver, ["completed"], webhook_retry_delay=0.01)

    events = [verify_webhook(h, b, ROUND_TRIP_SECRET) for h, b in receiver.requests]

    assert len(events) == 2  # the first attempt got a 500; the retry got a 204
    assert events[0].id == events[1].id
    assert events[0].training == events[1].training
    assert events[0].timestamp <= events[1].timestamp
    assert len({event.id: event for event in events}) == 1
