"""The training operations, each described once: what it takes, checks and sends.

Every client method is a view of one of these functions (`client.py`): blocking, asyncio
or with the raw response, they share its parameters, docstring and checks, and only the
driver that runs what it returns differs. Arguments are checked here, when the method is
called, before anything is sent. The generated client owns paths, methods, path quoting
and the body's shape; its modules load on the first call that needs them, since a process
that only verifies webhooks never does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple, Never, Unpack

from replicate_trainings_api.request_shape import NotGiven, TrainingRequestParams

from . import _arguments, _options, errors
from ._config import ClientConfig
from ._effects import Program, relay
from ._options import CallOptions, PollOptions, RequestOptions, given_or
from ._pipeline import Call, request, request_raw
from ._polling import PollSchedule, Watchlist, poll, wait_deadline
from ._raw import RawResponse
from ._server_text import shown
from .pagination import Page, walk
from .training import Training


class CreateParams(TrainingRequestParams, CallOptions, total=False):
    """`create()`'s keywords: the body's fields, from the spec, and the per-call options."""


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class TrainingCall(NamedTuple):
    """A call answered by one training; for a create with reconcile=True, what it looks
    for among the newest trainings if the create fails after it may have acted."""

    call: Call
    reconcile: Wanted | None = None


def create(
    config: ClientConfig,
    ref: str | NotGiven | None = None,
    *,
    model: str | NotGiven | None = None,
    version: str | NotGiven | None = None,
    extra_body: Mapping[str, Any] | NotGiven | None = None,
    reconcile: bool | NotGiven = False,
    **params: Unpack[CreateParams],
) -> TrainingCall:
    """Start a training of `ref` ('owner/name:version', or model= and version=).

    The body's fields (`destination`, `input`, `webhook`, `webhook_events_filter`, and any
    the API adds) are keywords; `extra_body` adds fields this version does not name.
    Retried only when the server certainly did not act (429, no connection made), so it
    never starts a second paid training; other failures set `may_have_acted`.
    `reconcile=True` then looks among the newest trainings for the one it made.
    """
    from replicate_trainings_api.api.trainings import trainings_create  # noqa: PLC0415
    from replicate_trainings_api.models import TrainingRequestModel  # noqa: PLC0415

    ref, model, version = given_or(ref, None), given_or(model, None), given_or(version, None)
    extra_body, reconcile = given_or(extra_body, None), given_or(reconcile, False)
    owner, name, version_id = _arguments.model_version(ref, model, version)
    given: dict[str, object] = dict(params)
    options = {key: given.pop(key) for key in CallOptions.__optional_keys__ & given.keys()}
    body = _arguments.request_body("create", given)
    body.update(_arguments.extra_body(extra_body))
    _arguments.flag("reconcile", reconcile)
    kwargs = trainings_create.build_request_kwargs(
        owner, name, version_id, body=TrainingRequestModel.from_dict(body)
    )
    call = Call.from_generated(config, "trainings.create", kwargs, idempotent=False)
    call = call.with_options(_options.call_options("create", options))
    if not reconcile:
        return TrainingCall(call)
    listing = RequestOptions(headers=call.options.headers, timeout=call.options.timeout)
    wanted = Wanted(
        model=f"{owner}/{name}",
        version=version_id,
        input=body["input"],
        destination=body.get("destination"),
        listing=_first_page(config, None).with_options(listing),
    )
    return TrainingCall(call, reconcile=wanted)


def get(config: ClientConfig, training_id: str, **options: Unpack[CallOptions]) -> TrainingCall:
    """The current state of a training."""
    return TrainingCall(
        _get(config, training_id).with_options(_options.call_options("get", options))
    )


def cancel(config: ClientConfig, training_id: str, **options: Unpack[CallOptions]) -> TrainingCall:
    """Cancel a training; a finished one comes back unchanged (cancel is idempotent)."""
    from replicate_trainings_api.api.trainings import trainings_cancel  # noqa: PLC0415

    training_id = _arguments.identifier("training_id", training_id)
    kwargs = trainings_cancel.build_request_kwargs(training_id)
    call = Call.from_generated(
        config, "trainings.cancel", kwargs, idempotent=True, subject=training_id
    )
    return TrainingCall(call.with_options(_options.call_options("cancel", options)))


def list_(
    config: ClientConfig, *, cursor: str | NotGiven | None = None, **options: Unpack[CallOptions]
) -> Call:
    """Every training, newest first, fetched a page at a time as you iterate.

    `cursor` resumes from a page's `next_cursor` (or walks back with `previous_cursor`).
    The options go with every page's request.
    """
    first = _first_page(config, cursor)
    return first.with_options(_options.call_options("list", options, named_query=("cursor",)))


def watch(
    config: ClientConfig,
    training_or_id: Training | str,
    *,
    timeout: float | NotGiven | None = None,
    poll_interval: float | NotGiven | None = None,
    **options: Unpack[PollOptions],
) -> Program[Training, Training]:
    """Yield the training each time its status or logs change, until it is terminal;
    WaitTimeoutError after `timeout` seconds (None: no limit).

    `request_timeout` bounds each poll's request (the client's timeout if left out); no
    request outlives `timeout` either way.
    """
    get, known, schedule, deadline = _polling(
        config, "watch", training_or_id, timeout, poll_interval, options
    )
    return poll(config, get, known, schedule, deadline=deadline, emit=True)


def wait(
    config: ClientConfig,
    training_or_id: Training | str,
    *,
    timeout: float | NotGiven | None = None,
    poll_interval: float | NotGiven | None = None,
    **options: Unpack[PollOptions],
) -> Program[Never, Training]:
    """Poll until the training is terminal and return it; WaitTimeoutError after `timeout`.

    `request_timeout` bounds each poll's request (the client's timeout if left out); no
    request outlives `timeout` either way.
    """
    get, known, schedule, deadline = _polling(
        config, "wait", training_or_id, timeout, poll_interval, options
    )
    return poll(config, get, known, schedule, deadline=deadline)


def wait_all(
    config: ClientConfig,
    trainings_or_ids: Iterable[Training | str],
    *,
    timeout: float | NotGiven | None = None,
    poll_interval: float | NotGiven | None = None,
    **options: Unpack[PollOptions],
) -> Watchlist:
    """Poll until every training is terminal; return them in the order given.

    Watches them through pages of the listing (newest first) where that costs fewer
    requests than a get per training, and gets the others, so a round's requests grow with
    the pages needed, not the trainings. WaitTimeoutError after `timeout` names those still
    running (`pending`); an id the API does not know raises NotFoundError at once.
    """
    return _watchlist(config, "wait_all", trainings_or_ids, timeout, poll_interval, options)


def as_completed(
    config: ClientConfig,
    trainings_or_ids: Iterable[Training | str],
    *,
    timeout: float | NotGiven | None = None,
    poll_interval: float | NotGiven | None = None,
    **options: Unpack[PollOptions],
) -> Watchlist:
    """Yield each training once, as it ends (those already over first), watched as
    `wait_all` watches them; WaitTimeoutError after `timeout` names those still running.
    """
    return _watchlist(config, "as_completed", trainings_or_ids, timeout, poll_interval, options)


def answer(config: ClientConfig, described: TrainingCall) -> Program[Never, Training]:
    """The training a call's answer holds (or, reconciling, the one the create made)."""
    if described.reconcile is not None:
        return creating(config, described.call, described.reconcile)
    return request(config, described.call, Training._from_decoded)


def raw_answer(
    config: ClientConfig, described: TrainingCall
) -> Program[Never, RawResponse[Training]]:
    """The HTTP answer beside the training parsed from it."""
    if described.reconcile is not None:
        raise TypeError(
            "with_raw_response.create() cannot reconcile: the training it would find has no "
            "HTTP answer of its own; call trainings.create(..., reconcile=True)"
        )
    return request_raw(config, described.call, Training._from_decoded)


def _get(config: ClientConfig, training_id: str) -> Call:
    from replicate_trainings_api.api.trainings import trainings_get  # noqa: PLC0415

    training_id = _arguments.identifier("training_id", training_id)
    kwargs = trainings_get.build_request_kwargs(training_id)
    return Call.from_generated(
        config, "trainings.get", kwargs, idempotent=True, subject=training_id
    )


def _first_page(config: ClientConfig, cursor: object) -> Call:
    from replicate_trainings_api.api.trainings import trainings_list  # noqa: PLC0415
    from replicate_trainings_api.types import UNSET  # noqa: PLC0415

    cursor = given_or(cursor, None)
    checked = None if cursor is None else _arguments.cursor(cursor)
    kwargs = trainings_list.build_request_kwargs(cursor=UNSET if checked is None else checked)
    return Call.from_generated(config, "trainings.list", kwargs, idempotent=True)


def _polling(  # noqa: PLR0917 - watch's and wait's own arguments, passed on whole
    config: ClientConfig,
    method: str,
    training_or_id: Training | str,
    timeout: object,
    poll_interval: object,
    options: Mapping[str, object],
) -> tuple[Call, Training | None, PollSchedule, float | None]:
    """What `watch` and `wait` poll, from where, how often and until when; all checked now."""
    if isinstance(training_or_id, Training):
        training_id, known = _server_id(training_or_id.id), training_or_id
    else:
        training_id, known = _arguments.identifier("training_or_id", training_or_id), None
    get = _get(config, training_id).with_options(_options.poll_options(method, options))
    return get, known, PollSchedule.from_interval(poll_interval), wait_deadline(config, timeout)


def _watchlist(  # noqa: PLR0917 - wait_all's and as_completed's own arguments, passed on whole
    config: ClientConfig,
    method: str,
    trainings_or_ids: object,
    timeout: object,
    poll_interval: object,
    options: Mapping[str, object],
) -> Watchlist:
    """What `wait_all` and `as_completed` watch, how often and until when; all checked now."""
    if isinstance(trainings_or_ids, str | bytes | Training) or not isinstance(
        trainings_or_ids, Iterable
    ):
        raise TypeError(
            f"{method}() takes an iterable of trainings or ids, "
            f"not {type(trainings_or_ids).__name__}"
        )
    order: list[str] = []
    known: dict[str, Training] = {}
    for item in trainings_or_ids:
        if isinstance(item, Training):
            order.append(_server_id(item.id))
            known[item.id] = item
        else:
            order.append(_arguments.identifier("trainings_or_ids", item))
    request_options = _options.poll_options(method, options)
    return Watchlist(
        order=tuple(order),
        gets={i: _get(config, i).with_options(request_options) for i in dict.fromkeys(order)},
        listing=_first_page(config, None).with_options(request_options),
        known=known,
        schedule=PollSchedule.from_interval(poll_interval),
        deadline=wait_deadline(config, timeout),
    )


def _server_id(value: str) -> str:
    """A training id the server chose, about to go back into a path: one safe segment.

    Not the caller's mistake, so not a ValueError: the server sent something no id can be.
    """
    if not _arguments.is_segment(value):
        raise errors.ResponseParseError(
            f"the server gave a training the id {shown(value)}, which cannot be sent back as "
            "a path segment (letters, digits, '.', '_' or '-')"
        )
    return value


# -- create(..., reconcile=True): after a create that may have acted, find what it made -
#
# A create that failed after it may have reached the server (a 5xx, a connection lost after
# sending) is never sent again: a second paid training is worse than an error. Instead the
# newest trainings are listed (an idempotent call, retried as any) for one with the same
# model, version, input (and destination, when the listing shows it) created no earlier
# than the moment the request left, less CLOCK_SKEW. Exactly one match is the answer;
# none or several, and the original error is raised, `may_have_acted` still True.
# Inputs match as JSON values (`same_json`): `true` is not `1`, though `1` is `1.0`.


CLOCK_SKEW = 60.0
"""Seconds the server's clock may run behind this machine's and a match still count."""
MAX_PAGES = 5
"""Pages of the newest trainings looked through at most (500 trainings)."""


# A NamedTuple, not a frozen dataclass: a fraction of the import time (make bench: import).
class Wanted(NamedTuple):
    """What the create asked for, as a listed training shows it."""

    model: str
    version: str
    input: object
    destination: str | None
    listing: Call
    """The first page of the newest trainings, with the create's headers and timeout (a
    proxy may need a tenant header)."""

    def made(self, training: Training, since: datetime) -> bool:
        """True if `training` could be the one this create made (created at `since` or later).

        A training without `created_at` or `model` cannot be matched: it is skipped.
        """
        created: datetime | None = training.created_at
        model: str | None = training.model
        if created is None or model is None or created < since:
            return False
        if model != self.model or training.version != self.version:
            return False
        if not same_json(training.input, self.input):
            return False
        destination = training.to_dict().get("destination")
        return self.destination is None or destination in (None, self.destination)


def same_json(one: object, other: object) -> bool:
    """True if two decoded JSON values are the same JSON value, at any depth.

    Python's `==` takes `True` for `1`; JSON does not: a boolean equals only a boolean,
    null only null, a string only a string. Numbers compare by value, so `1` is `1.0`
    (JSON has one number type; a server may write either). Iterative: inputs may nest
    deeper than Python recursion goes.
    """
    todo: list[tuple[Any, Any]] = [(one, other)]
    while todo:
        a, b = todo.pop()
        kind = _json_kind(a)
        if kind is None or kind != _json_kind(b):
            return False
        if kind == "object":
            if a.keys() != b.keys():
                return False
            todo.extend((a[key], b[key]) for key in a)
        elif kind == "array":
            if len(a) != len(b):
                return False
            todo.extend(zip(a, b, strict=True))
        elif a != b:
            return False
    return True


def _json_kind(value: object) -> str | None:
    """The JSON type of a decoded value (`bool` looked at before `int`, which it subclasses)."""
    for kind, python in _JSON_KINDS:
        if isinstance(value, python):
            return kind
    return None


_JSON_KINDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("null", type(None)),
    ("boolean", bool),
    ("number", (int, float)),
    ("string", str),
    ("object", Mapping),
    ("array", (list, tuple)),
)


def creating(config: ClientConfig, call: Call, wanted: Wanted) -> Program[Never, Training]:
    """Send the create once; if it may have acted, look for what it made."""
    sent_at = config.clock.time()
    try:
        return (yield from request(config, call, Training._from_decoded))
    except errors.ReplicateError as failure:
        if not failure.may_have_acted:
            raise
        original = failure
    since = datetime.fromtimestamp(sent_at - CLOCK_SKEW, UTC)
    try:
        matches = yield from _newest_matching(config, wanted, since)
    except errors.ReplicateError as listing_failed:
        original.add_note(f"reconcile: listing the newest trainings failed: {listing_failed}")
        raise original  # noqa: B904 - the create's error, with the listing's as its context
    if len(matches) == 1:
        return matches[0]
    original.add_note(
        f"reconcile: {len(matches)} trainings of {wanted.model}:{wanted.version} with this "
        f"input were created since {since.isoformat()}; expected exactly one"
        + (f": {', '.join(t.id for t in matches[:10])}" if matches else "")
    )
    raise original


def _newest_matching(
    config: ClientConfig, wanted: Wanted, since: datetime
) -> Program[Never, list[Training]]:
    """The trainings among the newest that `wanted` could have made, newest first."""
    matches: list[Training] = []
    pages = 0

    def take(page: Page) -> tuple[tuple[Never, ...], bool]:
        nonlocal pages
        pages += 1
        matches.extend(t for t in page.results if wanted.made(t, since))
        oldest = [t.created_at for t in page.results if t.created_at is not None]
        reached = bool(oldest) and min(oldest) < since  # older pages were made before it
        return (), not reached and pages < MAX_PAGES

    yield from relay(walk(config, wanted.listing), take)
    return matches
