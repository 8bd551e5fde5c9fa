"""Verify and read Replicate's training webhooks (the Standard Webhooks scheme).

    from replicate_trainings.webhooks import verify_webhook

    event = verify_webhook(request_headers, raw_body, secret)   # or WebhookVerificationError
    event.id          # the delivery's id: the same on every retry, so de-duplicate on it
    event.timestamp   # when this attempt was signed (aware UTC datetime)
    event.training    # the Training the delivery carries, parsed like an API response

Replicate signs each delivery with three headers: `webhook-id`, `webhook-timestamp` (Unix
seconds) and `webhook-signature`, a space-separated list of `v1,<base64 HMAC-SHA256>` over
`{id}.{timestamp}.{raw body}` keyed by the secret's bytes (`whsec_<base64>`). A delivery
is accepted when its timestamp is within `tolerance` seconds of now, in either direction,
and any one of the listed signatures matches, compared in constant time.

What `standardwebhooks` (the scheme's reference implementation, 1.1) does here, and not:

- Used: `Webhook(key).sign(id, timestamp, text)` computes the expected signature, so the
  HMAC construction (message layout, key, encoding) is the reference's, not ours. The
  bundled local server signs with the same call.
- Not used: `Webhook.verify`. Its tolerance is fixed at five minutes (ours is an
  argument); its messages do not say which header is missing ("Missing required
  headers"), call a malformed timestamp "Invalid Signature Headers", and do not give the
  clock skew; one malformed entry in the signature list (no comma, bad base64) escapes as
  a bare ValueError or binascii.Error instead of being skipped so a later entry can match;
  a non-UTF-8 body escapes as UnicodeDecodeError; and it takes only objects with
  `.items()`, folding duplicate headers away. So this module reads the headers itself
  (any mapping or list of pairs, case-insensitively, str or bytes), checks the timestamp
  against `tolerance`, skips malformed signature entries, and compares each candidate
  with `hmac.compare_digest` (constant time), as `Webhook.verify` does inside.
- Not used: its secret parsing. `Webhook("...")` decodes base64 leniently (characters
  that are not base64 are silently dropped, so a typo yields a different key and every
  delivery then fails as "no matching signature"), and accepts a secret without the
  `whsec_` prefix, so an API token passed by mistake is taken as a key. Here the secret
  must be `whsec_` and strict base64 (padding optional); the decoded bytes are handed to
  `Webhook`, which takes a raw key as bytes.
- Timestamps: the reference signs `floor(timestamp)` re-formatted, not the header's
  text, so only canonical whole seconds (no sign, fraction, exponent or leading zero) are
  accepted here; anything else would otherwise fail later as a misleading signature
  mismatch.

Every failure is a `WebhookVerificationError` whose message names the check that failed;
no message contains the secret. Whatever a sender puts in a header or the body (non-ASCII
bytes or characters, lone surrogates, any size) verifies or raises that, nothing else,
since anyone can send a delivery. Arguments of the wrong type raise `TypeError` naming
the argument, and a bad `tolerance` raises `ValueError`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hmac
import json
import math
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, TypeAlias

from standardwebhooks import Webhook

from .errors import ResponseParseError, WebhookVerificationError
from .training import Training

__all__ = ["DEFAULT_TOLERANCE", "WebhookEvent", "WebhookVerifier", "verify_webhook"]

DEFAULT_TOLERANCE = 300
"""Seconds a delivery's timestamp may be from now, either way (the scheme's default)."""


class _HeaderItems(Protocol):
    """Anything with `.items()` giving (name, value) pairs: every Mapping, and
    `http.server`'s `self.headers`, werkzeug's (Flask's) `Headers`, aiohttp's multidicts."""

    def items(self) -> Iterable[tuple[str, str]]: ...


Headers: TypeAlias = _HeaderItems | Iterable[tuple[str | bytes, str | bytes]]
"""A request's headers: any mapping (dict, httpx.Headers, a framework's headers object)
or an iterable of (name, value) pairs, str or bytes (an ASGI scope's `headers`)."""

Body: TypeAlias = bytes | bytearray | memoryview | str
"""The raw request body as received: bytes, or the same decoded as UTF-8."""

_ID, _TIMESTAMP, _SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
_SECRET_PREFIX = "whsec_"
_BASE64 = re.compile(r"[A-Za-z0-9+/]+")
_SECONDS = re.compile(r"[1-9][0-9]{0,14}")  # canonical whole Unix seconds


@dataclasses.dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One verified webhook delivery.

    `id` is the delivery's `webhook-id`: every retry of a delivery reuses it, so it is the
    key to de-duplicate on. `timestamp` is when this attempt was signed (aware, UTC).
    `training` is the training's state the delivery carries.
    """

    id: str
    """The delivery's id (`webhook-id`): the same for each retry of one delivery."""
    timestamp: datetime
    """When Replicate signed the delivery (`webhook-timestamp`), an aware datetime."""
    training: Training
    """The training the delivery is about, as the API would answer for it."""


class WebhookVerifier:
    """Verifies deliveries signed with one secret; reusable and safe to share across threads.

    `WebhookVerifier(secret).verify(headers, body)` is `verify_webhook(headers, body, secret)`
    with the secret checked once. Its repr never shows the secret.
    """

    __slots__ = ("_signer", "_tolerance")

    def __init__(self, secret: str, *, tolerance: float = DEFAULT_TOLERANCE) -> None:
        self._signer = Webhook(_secret_key(secret))
        self._tolerance = _tolerance(tolerance)

    @property
    def tolerance(self) -> float:
        """Seconds a delivery's timestamp may be from now, in either direction."""
        return self._tolerance

    def __repr__(self) -> str:
        return f"WebhookVerifier(tolerance={self._tolerance!r})"

    def verify(self, headers: Headers, body: Body) -> WebhookEvent:
        """Check one delivery and return its event; WebhookVerificationError if a check fails.

        `body` must be the raw request body exactly as received (bytes, or the same decoded
        as UTF-8): JSON that was parsed and re-serialized will not match its signature.
        """
        raw = _body_bytes(body)
        found = _webhook_headers(headers)
        missing = [name for name in (_ID, _TIMESTAMP, _SIGNATURE) if not found.get(name)]
        if missing:
            raise WebhookVerificationError(
                f"missing {'header' if len(missing) == 1 else 'headers'}: {', '.join(missing)}"
            )
        delivery_id, signatures = found[_ID], found[_SIGNATURE]
        timestamp = self._check_timestamp(found[_TIMESTAMP])
        text = _body_text(raw)
        try:
            expected = _decoded_signature(self._signer.sign(delivery_id, timestamp, text))
        except UnicodeError:  # a lone surrogate: text a sender cannot have signed
            raise WebhookVerificationError(
                f"the webhook-id header is not text that can be signed: {_excerpt(delivery_id)}"
            ) from None
        candidates = _v1_signatures(signatures)
        if not candidates:
            raise WebhookVerificationError(
                "the webhook-signature header has no well-formed 'v1,<base64>' signature"
            )
        # Compare with every candidate (no early exit), each in constant time.
        matches = [hmac.compare_digest(expected, candidate) for candidate in candidates]
        if not any(matches):
            raise WebhookVerificationError(
                "no signature in the webhook-signature header matches: the secret is not the "
                "one this delivery was signed with, or the body or headers were changed "
                "(verify the raw body bytes as received, not re-serialized JSON)"
            )
        return WebhookEvent(id=delivery_id, timestamp=timestamp, training=_training(text))

    def _check_timestamp(self, header: str) -> datetime:
        if not _SECONDS.fullmatch(header):
            raise WebhookVerificationError(
                f"the webhook-timestamp header is not a Unix time in whole seconds: "
                f"{_excerpt(header)}"
            )
        seconds = int(header)
        now = time.time()
        if now - seconds > self._tolerance:
            raise WebhookVerificationError(
                f"stale webhook timestamp: signed {now - seconds:.0f} seconds ago, more than the "
                f"tolerance of {self._tolerance:g} seconds (a replayed delivery, or the clocks "
                "disagree)"
            )
        if seconds - now > self._tolerance:
            raise WebhookVerificationError(
                f"future webhook timestamp: signed {seconds - now:.0f} seconds from now, "
                f"more than the tolerance of {self._tolerance:g} seconds (the clocks disagree)"
            )
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # only with a huge tolerance
            raise WebhookVerificationError(
                f"the webhook-timestamp header is out of range: {_excerpt(header)}"
            ) from None


def verify_webhook(
    headers: Headers,
    body: Body,
    secret: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
) -> WebhookEvent:
    """Verify one delivery of a Replicate webhook and return its event.

    `headers` are the request's headers (any mapping or (name, value) pairs, names in any
    case), `body` the raw request body as received, `secret` the `whsec_...` signing
    secret. Raises WebhookVerificationError naming the check that failed: a missing header,
    a malformed secret, a stale or future timestamp, no matching signature, or a body that
    is not a training.
    """
    return WebhookVerifier(secret, tolerance=tolerance).verify(headers, body)


def _secret_key(secret: object) -> bytes:
    if not isinstance(secret, str):
        raise TypeError(f"secret must be a string 'whsec_...', not {type(secret).__name__}")
    encoded = secret.strip()
    if not encoded.startswith(_SECRET_PREFIX):
        raise WebhookVerificationError(
            "malformed webhook secret: it must start with 'whsec_' (Replicate's webhook "
            "signing secret, not an API token)"
        )
    encoded = encoded[len(_SECRET_PREFIX) :].rstrip("=")
    if not encoded or not _BASE64.fullmatch(encoded) or len(encoded) % 4 == 1:
        raise WebhookVerificationError(
            "malformed webhook secret: after 'whsec_' it must be non-empty base64"
        )
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:  # pragma: no cover - the pattern above admits only valid base64
        raise WebhookVerificationError(
            "malformed webhook secret: after 'whsec_' it must be non-empty base64"
        ) from None


def _tolerance(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"tolerance must be a number of seconds, not {type(value).__name__}")
    if math.isnan(value) or value < 0:
        raise ValueError(f"tolerance must be a number of seconds >= 0, got {value!r}")
    return value


def _body_bytes(body: object) -> bytes | str:
    if isinstance(body, bytes | str):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    raise TypeError(f"body must be the raw request body as bytes or str, not {type(body).__name__}")


def _body_text(body: bytes | str) -> str:
    """The body as text for the signer, which signs `text.encode()` (UTF-8)."""
    try:
        return body.decode() if isinstance(body, bytes) else body.encode().decode()
    except UnicodeError:
        raise WebhookVerificationError("unreadable webhook body: it is not UTF-8 text") from None


def _webhook_headers(headers: object) -> dict[str, str]:
    """The three webhook headers, looked up case-insensitively in any headers object."""
    if isinstance(headers, str | bytes) or headers is None:
        raise TypeError(
            "headers must be a mapping or an iterable of (name, value) pairs, "
            f"not {type(headers).__name__}"
        )
    pairs: Any
    multi_items = getattr(headers, "multi_items", None)  # httpx, starlette: one per line
    if callable(multi_items):
        pairs = multi_items()
    elif callable(items := getattr(headers, "items", None)):  # mappings, werkzeug, aiohttp
        pairs = items()
    elif isinstance(headers, Iterable):
        pairs = headers
    else:
        raise TypeError(
            "headers must be a mapping or an iterable of (name, value) pairs, "
            f"not {type(headers).__name__}"
        )
    found: dict[str, list[str]] = {}
    for pair in pairs:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise TypeError(
                "headers must be a mapping or an iterable of (name, value) pairs, "
                f"got an item {type(pair).__name__}"
            ) from None
        key = _header_text(name, "name").lower()
        if key in (_ID, _TIMESTAMP, _SIGNATURE):
            found.setdefault(key, []).append(_header_text(value, "value").strip())
    result = {}
    for name, values in found.items():
        if name == _SIGNATURE:  # a repeated signature header adds to the list
            result[name] = " ".join(values)
        elif len(set(values)) > 1:
            raise WebhookVerificationError(f"conflicting values of the {name} header")
        else:
            result[name] = values[0]
    return result


def _header_text(value: object, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("latin-1")
    raise TypeError(f"header {what}s must be str or bytes, not {type(value).__name__}")


def _v1_signatures(header: str) -> list[bytes]:
    """The decoded `v1` signatures of the list; other versions and malformed entries skipped."""
    signatures = []
    for entry in header.split():
        version, comma, encoded = entry.rstrip(",").partition(",")
        if version != "v1" or not comma:
            continue
        try:
            signatures.append(base64.b64decode(encoded, validate=True))
        except ValueError:  # binascii.Error, or a character that is not ASCII
            continue
    return signatures


def _decoded_signature(signed: str) -> bytes:
    """The HMAC bytes of `Webhook.sign`'s `v1,<base64>`."""
    return base64.b64decode(signed.partition(",")[2])


def _training(text: str) -> Training:
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise WebhookVerificationError(f"unreadable webhook body: it is not JSON ({exc})") from None
    try:
        return Training._from_decoded(payload)
    except ResponseParseError as exc:
        raise WebhookVerificationError(
            f"unreadable webhook body: it is not a training ({exc})"
        ) from exc


def _excerpt(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")
