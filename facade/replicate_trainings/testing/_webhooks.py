"""Webhook delivery: signed POSTs of the training JSON, sent from a background thread.

Signing follows Standard Webhooks (`webhook-id` stable across a delivery's
attempts, `webhook-timestamp` per attempt, `webhook-signature: v1,<base64>`),
using the `standardwebhooks` package, so receivers can verify with it too.
Timestamps are wall-clock whatever the server's clock, since receivers check
them against their own.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook

from ._ssl import shared_ssl_context

DEFAULT_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"""The default signing secret of the local server (not a secret: it is published)."""


@dataclass(slots=True, eq=False)
class Delivery:
    """One webhook delivery and the outcome of its latest attempt."""

    id: str
    url: str
    events: frozenset[str]
    body: bytes
    attempts: int = 0
    status_code: int | None = None
    error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def payload(self) -> Any:
        """The training JSON that was sent."""
        return json.loads(self.body)

    @property
    def ok(self) -> bool:
        """True once an attempt got a 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


class WebhookSender:
    """Sends deliveries in order, one at a time, retrying failures a few times."""

    def __init__(
        self,
        secret: str = DEFAULT_WEBHOOK_SECRET,
        *,
        transport: httpx.BaseTransport | None = None,
        retries: int = 2,
        retry_delay: float = 0.1,
        timeout: float = 5.0,
    ) -> None:
        self._signer = Webhook(secret)
        self._transport = transport
        self._retries = retries
        self._retry_delay = retry_delay
        self._timeout = timeout
        self._queue: deque[Delivery] = deque()
        self._all: list[Delivery] = []
        self._busy = 0
        self._closed = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None

    @property
    def deliveries(self) -> list[Delivery]:
        """Every delivery queued so far, in order (attempted or not yet)."""
        with self._cond:
            return list(self._all)

    def send(self, delivery: Delivery) -> None:
        """Queue `delivery`; returns at once."""
        with self._cond:
            if self._closed:
                return
            self._all.append(delivery)
            self._queue.append(delivery)
            self._busy += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="local-replicate-webhooks", daemon=True
                )
                self._thread.start()
            self._cond.notify_all()

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until every queued delivery is done; False if `timeout` ran out first."""
        with self._cond:
            return self._cond.wait_for(lambda: self._busy == 0, timeout)

    def close(self) -> None:
        """Stop sending; deliveries still queued are dropped."""
        with self._cond:
            self._closed = True
            self._busy -= len(self._queue)
            self._queue.clear()
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=self._timeout + 1)

    def sign(self, delivery: Delivery, when: datetime) -> dict[str, str]:
        """The headers of one attempt of `delivery`, signed at `when`."""
        signature = self._signer.sign(delivery.id, when, delivery.body.decode())
        return {
            "content-type": "application/json",
            "user-agent": "replicate-trainings-local-webhook/1",
            "webhook-id": delivery.id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": str(signature),
        }

    def _run(self) -> None:
        with httpx.Client(
            transport=self._transport,
            timeout=self._timeout,
            follow_redirects=False,
            verify=shared_ssl_context(),
        ) as client:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._queue or self._closed)
                    if self._closed:
                        return
                    delivery = self._queue.popleft()
                try:
                    self._deliver(client, delivery)
                finally:
                    with self._cond:
                        self._busy -= 1
                        self._cond.notify_all()

    def _deliver(self, client: httpx.Client, delivery: Delivery) -> None:
        for attempt in range(self._retries + 1):
            if attempt:
                if self._closed:
                    return
                time.sleep(self._retry_delay * 2 ** (attempt - 1))
            headers = self.sign(delivery, datetime.now(UTC))
            delivery.attempts += 1
            delivery.headers = headers
            try:
                answer = client.post(delivery.url, content=delivery.body, headers=headers)
            except (httpx.HTTPError, httpx.InvalidURL) as exc:  # a URL made by create(): unchecked
                delivery.status_code, delivery.error = None, f"{type(exc).__name__}: {exc}"
                continue
            delivery.status_code, delivery.error = answer.status_code, None
            if delivery.ok:
                return
