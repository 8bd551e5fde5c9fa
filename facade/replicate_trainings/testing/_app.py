"""The local Replicate: one state machine behind both ways in (sans-IO core).

`LocalReplicate.handle(Request) -> Response` is the whole HTTP behaviour of the
four training operations: routing, auth, validation, state changes, pages,
problem details and fault injection. The transport and the HTTP server only
move bytes; the methods here let a test look at and steer the state.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import httpx

from . import _seed
from . import _trainings as lifecycle
from ._catalog import Catalog
from ._clock import Clock, system_clock
from ._faults import Faults
from ._messages import (
    DEFAULT_ORIGIN,
    MAX_BODY_BYTES,
    PREFIX,
    Request,
    Response,
    json_response,
    problem,
)
from ._routes import Route, match
from ._server import HTTPServer
from ._store import Cursor, Store
from ._throttle import RateLimit, Throttle
from ._trainings import EVENTS, Outcome, Progression, TrainingRecord
from ._transport import Transport
from ._validation import (
    CreateRequest,
    parse_json,
    request_schema,
    unsendable,
    validate_create,
)
from ._webhooks import DEFAULT_WEBHOOK_SECRET, Delivery, WebhookSender

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "r8_local_test_token"
"""The API token the local server accepts unless told otherwise."""


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """A request the server received, as the client sent it."""

    method: str
    path: str
    query: str
    headers: httpx.Headers
    body: bytes
    operation: str

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string, decoded."""
        return Request(self.method, self.path, self.query).params

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass(slots=True)
class _Plan:
    outcome: Outcome
    error: str | None
    remaining: int = field(default=1)


class LocalReplicate:
    """A stateful, in-memory Replicate trainings API.

    Reach it in-process with `transport()` or over loopback with `serve()`.
    `seed` trainings exist from the start; `random_seed` makes ids, outputs and
    seeded history repeatable; `record_limit` caps the request log. With a
    time-based progression a background ticker moves trainings nobody polls
    (so their webhooks go out); `ticker=False` leaves that to `tick()`.
    `rate_limit` throttles each token as Replicate does (`True`: its published
    limits; a `RateLimit` to choose them), on `clock` like everything else;
    `extra_tokens` are accepted besides `token`, each with its own budget.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        seed: int = 0,
        random_seed: int = 0,
        page_size: int = 100,
        progression: Progression | None = None,
        clock: Clock = system_clock,
        catalog: Catalog | None = None,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_transport: httpx.BaseTransport | None = None,
        webhook_retries: int = 2,
        webhook_retry_delay: float = 0.1,
        record_requests: bool = True,
        record_limit: int = 10_000,
        ticker: bool = True,
        rate_limit: RateLimit | bool = False,
        extra_tokens: Iterable[str] = (),
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        request_schema()  # an ImportError now, not a 500 on the first create
        self.token = token
        self.tokens = frozenset((token, *extra_tokens))
        self.page_size = page_size
        self.progression = progression or Progression()
        self.clock = clock
        self.catalog = catalog or Catalog()
        self.faults = Faults()
        limit = RateLimit() if rate_limit is True else rate_limit or None
        # each token's rate budget, on the same clock as the trainings; `.refused` counts 429s
        self.throttle = None if limit is None else Throttle(limit, clock)
        self.record_requests = record_requests
        self.webhook_secret = webhook_secret
        self._webhooks = WebhookSender(
            webhook_secret,
            transport=webhook_transport,
            retries=webhook_retries,
            retry_delay=webhook_retry_delay,
        )
        self._rng = random.Random(random_seed)
        self._lock = threading.RLock()
        history = _seed.History(seed, clock(), self._rng, self.progression.life)
        self._store = Store(history)
        self._active = {t.id: t for t in map(self._store.at, history.running())}
        self._plans: deque[_Plan] = deque()
        self._requests: deque[RecordedRequest] = deque(maxlen=record_limit)
        self._ticker_stop = threading.Event()
        self._ticker: threading.Thread | None = None
        if ticker and self.progression.timed is not None:
            self._start_ticker(self.progression.timed)

    # -- the ways in -------------------------------------------------------------

    def transport(self) -> LocalTransport:
        """An httpx transport (sync and async) that answers from this server, no sockets."""
        return LocalTransport(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> LocalServer:
        """A real HTTP server for this state; start it with `with` (port 0: a free one)."""
        return LocalServer(self, host, port)

    def handle(self, request: Request) -> Response:
        """Answer one request: the whole behaviour of the API, faults included."""
        route = match(request.method, request.path)
        operation = route.operation if isinstance(route, Route) else "other"
        if self.record_requests:
            recorded = RecordedRequest(
                request.method,
                request.path,
                request.query,
                request.headers,
                request.body,
                operation,
            )
            with self._lock:
                self._requests.append(recorded)
        fault = self.faults.draw(operation)
        if fault is not None:
            return fault.intercept(lambda: self._answer(request, route))
        return self._answer(request, route)

    # -- looking at and steering the state ----------------------------------------

    def __len__(self) -> int:
        with self._lock:
            return len(self._store)

    def training(self, training_id: str) -> dict[str, Any]:
        """A training as the API shows it (a copy; looking does not move it); KeyError if none."""
        with self._lock:
            t = self._find(training_id)
            return _copy(t.to_json(t.origin + PREFIX))

    def training_ids(self) -> list[str]:
        """Every training's id, newest first."""
        with self._lock:
            return [t.id for t in self._store]

    def create(
        self,
        model: str = "stability-ai/sdxl",
        version: str | None = None,
        *,
        destination: str = "acme/sdxl-tuned",
        input: dict[str, Any] | None = None,
        webhook: str | None = None,
        webhook_events_filter: list[str] | None = None,
        source: str = "api",
        outcome: Outcome | None = None,
        error: str | None = None,
    ) -> dict[str, Any]:
        """Create a training without HTTP (no validation, no faults); returns it.

        `outcome` (and `error`) say how it will end; when None, the next `plan()` does.
        """
        events = EVENTS if webhook_events_filter is None else frozenset(webhook_events_filter)
        request = CreateRequest(destination, input or {}, webhook, events)
        if problems := unsendable(request.input, "input"):
            raise ValueError(f"{problems[0][0]}: {problems[0][1]}")
        with self._lock:
            version = version or self._rng.randbytes(32).hex()
            t = self._create(model, version, request, source=source, outcome=outcome, error=error)
            return _copy(t.to_json(t.origin + PREFIX))

    def plan(self, outcome: Outcome, *, error: str | None = None, times: int = 1) -> None:
        """Make the next `times` created trainings end with `outcome` (and `error`)."""
        with self._lock:
            self._plans.append(_Plan(outcome, error, times))

    def set_outcome(self, training_id: str, outcome: Outcome, *, error: str | None = None) -> None:
        """Change how an unfinished training will end."""
        with self._lock:
            t = self._find(training_id)
            t.outcome, t.planned_error = outcome, error

    def step(self, training_id: str, steps: int = 1) -> dict[str, Any]:
        """Advance a training `steps` steps now, whatever the progression rule; returns it."""
        with self._lock:
            t = self._find(training_id)
            for _ in range(steps):
                self._changed(t, lifecycle.step(t, self.clock(), self._rng, self._life))
            return _copy(t.to_json(t.origin + PREFIX))

    def finish(
        self, training_id: str, status: str = "succeeded", *, error: str | None = None
    ) -> dict[str, Any]:
        """End a training now with a terminal `status`; no-op if it already ended."""
        with self._lock:
            t = self._find(training_id)
            self._changed(t, lifecycle.finish(t, status, self.clock(), self._rng, error))
            return _copy(t.to_json(t.origin + PREFIX))

    def warm(self, base_url: str = DEFAULT_ORIGIN + PREFIX) -> None:
        """Build and serialize every training for clients of `base_url` now, so a timed
        walk of a big seeded list measures the client, not the server's first pass."""
        with self._lock:
            for t in self._store:
                t.to_json(base_url)

    def tick(self) -> int:
        """Advance every running training whose time has come; returns how many moved."""
        with self._lock:
            return sum(self._catch_up(t) for t in list(self._active.values()))

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received since `clear_requests()`, in order (the latest `record_limit`)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    @property
    def deliveries(self) -> list[Delivery]:
        """Every webhook delivery queued so far, in order."""
        return self._webhooks.deliveries

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Block until queued webhooks are delivered (or given up); False on timeout."""
        return self._webhooks.wait(timeout)

    def close(self) -> None:
        """Stop the background threads (webhooks, ticker)."""
        self._ticker_stop.set()
        self._webhooks.close()
        if self._ticker is not None:
            self._ticker.join(timeout=1.0)

    def __enter__(self) -> LocalReplicate:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the operations ----------------------------------------------------------

    def _answer(self, request: Request, route: Route | Response) -> Response:
        try:
            return self._dispatch(request, route)
        except Exception:  # a bug here must reach the client as the API's 500, not hang it
            log.exception("local Replicate failed on %s %s", request.method, request.path)
            return problem(500, "Internal Server Error", "The local server failed; see its log")

    def _dispatch(self, request: Request, route: Route | Response) -> Response:
        if len(request.body) > MAX_BODY_BYTES:  # the loopback server refuses it unread
            return problem(
                413, "Content Too Large", f"The request body is over {MAX_BODY_BYTES} bytes"
            )
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or credentials not in self.tokens:
            return problem(
                401,
                "Unauthenticated",
                "You did not pass a valid authentication token",
                (("WWW-Authenticate", 'Bearer realm="replicate"'),),
            )
        if self.throttle is not None:
            operation = route.operation if isinstance(route, Route) else "other"
            refusal = self.throttle.admit(credentials, operation)
            if refusal is not None:
                return refusal
        if isinstance(route, Response):
            return route
        api = request.origin + PREFIX
        with self._lock:
            if route.operation == "create":
                return self._create_op(request, api, *route.params)
            if route.operation == "list":
                return self._list_op(request, api)
            t = self._store.get(route.params[0])
            if t is None:
                return problem(404, "Not found", "Not found.")
            if route.operation == "get":
                self._catch_up(t, poll=True)
                return json_response(200, t.to_json(api))
            self._catch_up(t)
            self._changed(t, lifecycle.cancel(t, self.clock(), self._rng))
            return json_response(200, t.to_json(api))

    def _create_op(self, request: Request, api: str, model: str, version: str) -> Response:
        data = parse_json(request.body)
        if isinstance(data, Response):
            return data
        if not self.catalog.has_model(model):
            return problem(404, "Not found", f"Model {model} does not exist")
        if not self.catalog.has_version(model, version):
            return problem(404, "Not found", f"Version {version} of {model} does not exist")
        parsed = validate_create(data)
        if isinstance(parsed, Response):
            return parsed
        if not self.catalog.has_destination(parsed.destination):
            return problem(
                404, "Not found", f"The destination model {parsed.destination} does not exist"
            )
        t = self._create(model, version, parsed, request.origin)
        return json_response(201, t.to_json(api))

    def _list_op(self, request: Request, api: str) -> Response:
        cursor: Cursor | None = None
        raw = request.params.get("cursor")
        if raw:
            cursor = Cursor.decode(raw[-1])
            if cursor is None:
                return problem(404, "Not found", "Invalid cursor")
        page = self._store.page(cursor, self.page_size)
        for t in page.results:
            self._catch_up(t)
        body = b"".join(
            (
                b'{"next":',
                _link(api, page.next),
                b',"previous":',
                _link(api, page.previous),
                b',"results":[',
                b",".join(t.to_json(api) for t in page.results),
                b"]}",
            )
        )
        return json_response(200, body)

    # -- state changes (call with the lock held) ---------------------------------

    @property
    def _life(self) -> int:
        return self.progression.life

    def _find(self, training_id: str) -> TrainingRecord:
        t = self._store.get(training_id)
        if t is None:
            raise KeyError(training_id)
        return t

    def _create(
        self,
        model: str,
        version: str,
        request: CreateRequest,
        origin: str = DEFAULT_ORIGIN,
        *,
        source: str = "api",
        outcome: Outcome | None = None,
        error: str | None = None,
    ) -> TrainingRecord:
        training_id = _seed.new_id(self._rng)
        while training_id in self._store:
            training_id = _seed.new_id(self._rng)
        now = self.clock()
        t = TrainingRecord(
            seq=self._store.next_seq(),
            id=training_id,
            model=model,
            version=version,
            destination=request.destination,
            input=request.input,
            created_at=now,
            source=source,
            webhook=request.webhook,
            webhook_events=request.events,
            requested=request.given,
            origin=origin,
            last_step_at=now,
        )
        if outcome is not None:
            t.outcome, t.planned_error = outcome, error
        elif self._plans:
            plan = self._plans[0]
            t.outcome, t.planned_error = plan.outcome, plan.error
            plan.remaining -= 1
            if plan.remaining <= 0:
                self._plans.popleft()
        self._store.add(t)
        self._active[t.id] = t
        self._changed(t, frozenset({"start"}))
        return t

    def _catch_up(self, t: TrainingRecord, *, poll: bool = False) -> int:
        """Apply the progression rule to `t`; returns the number of steps taken."""
        if t.terminal:
            return 0
        rule, steps = self.progression, 0
        if poll and rule.polls_per_step is not None:
            t.polls += 1
            if t.polls >= rule.polls_per_step:
                t.polls = 0
                steps += self._step(t, self.clock())
        if rule.seconds_to_end is not None:
            steps += self._keep_schedule(t, rule.seconds_to_end)
        if rule.seconds_per_step is not None:
            every, most = rule.seconds_per_step, self._life + 1
            due = int((self.clock() - t.last_step_at) // every)
            for _ in range(min(due, most)):
                steps += self._step(t, t.last_step_at + every)
            if due > most and not t.terminal:  # a training that never ends: skip the backlog
                t.last_step_at = self.clock()
        return steps

    def _keep_schedule(self, t: TrainingRecord, seconds_to_end: float) -> int:
        """Take the steps `t` is due under `Progression.ends_after`: step k of its life at
        `created_at + seconds_to_end * k / life`, the last exactly `seconds_to_end` after."""
        life, now = self._life, self.clock()
        elapsed = now - t.created_at
        due = (
            life
            if elapsed >= seconds_to_end
            else min(int(elapsed * life // seconds_to_end), life - 1)
        )
        taken = 0
        while t.steps < due and not t.terminal:
            k = t.steps + 1
            at = t.created_at + (seconds_to_end if k >= life else seconds_to_end * k / life)
            taken += self._step(t, min(at, now))
        return taken

    def _step(self, t: TrainingRecord, at: float) -> int:
        events = lifecycle.step(t, at, self._rng, self._life)
        self._changed(t, events)
        return 1 if events else 0

    def _changed(self, t: TrainingRecord, events: frozenset[str]) -> None:
        """Book-keeping after a change to `t`: the running set and its webhook."""
        if t.terminal:
            self._active.pop(t.id, None)
        if t.webhook is not None and events & t.webhook_events:
            delivery_id = f"msg_{self._rng.getrandbits(128):032x}"
            body = t.to_json(t.origin + PREFIX)
            self._webhooks.send(Delivery(delivery_id, t.webhook, events, body))

    def _start_ticker(self, every: float) -> None:
        def run() -> None:
            while not self._ticker_stop.wait(min(every / 2, 0.05)):
                self.tick()

        self._ticker = threading.Thread(target=run, name="local-replicate-ticker", daemon=True)
        self._ticker.start()


def _link(api: str, cursor: Cursor | None) -> bytes:
    """A page link as JSON: null, or a string that is valid JSON whatever `api` holds."""
    if cursor is None:
        return b"null"
    return json.dumps(f"{api}/trainings?cursor={quote(cursor.encode(), safe='')}").encode()


def _copy(body: bytes) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(body)
    return document


class LocalServer(HTTPServer[LocalReplicate]):
    """A running HTTP server for a `LocalReplicate`: `with app.serve() as server: ...`;
    `server.app` is the app, to steer while clients call it."""


class LocalTransport(Transport[LocalReplicate]):
    """Answers httpx requests from a `LocalReplicate`; use with `httpx.Client` or
    `AsyncClient` (`base_url` is a base URL to pair with it)."""
