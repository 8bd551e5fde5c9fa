"""The training operations, each described once: what it takes, checks and sends.

Every client method is a view of one of these functions (`client.py`): blocking, asyncio
or with the raw response, they share its parameters, docstring and checks, and only the
driver that runs what it returns differs. Arguments are checked here, when the method is
called, before anything is sent. The generated client owns paths, methods, path quoting
and the body's shape; its modules load on the first call that needs them, since a process
that only verifies webhooks never does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Never, Unpack

from replicate_trainings_api.request_shape import TrainingRequestParams

from . import _arguments, _options
from ._config import ClientConfig
from ._effects import Program
from ._options import CallOptions, PollOptions, RequestOptions
from ._pipeline import Call, request, request_raw
from ._polling import PollSchedule, poll, wait_deadline
from ._raw import RawResponse
from ._reconcile import Wanted, creating
from .training import Training


class CreateParams(TrainingRequestParams, CallOptions, total=False):
    """`create()`'s keywords: the body's fields, from the spec, and the per-call options."""


@dataclasses.dataclass(frozen=True, slots=True)
class TrainingCall:
    """A call answered by one training; for a create with reconcile=True, what it looks
    for among the newest trainings if the create fails after it may have acted."""

    call: Call
    reconcile: Wanted | None = None


def create(
    config: ClientConfig,
    ref: str | None = None,
    *,
    model: str | None = None,
    version: str | None = None,
    extra_body: Mapping[str, Any] | None = None,
    reconcile: bool = False,
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

    owner, name, version_id = _arguments.model_version(ref, model, version)
    given: dict[str, object] = dict(params)
    options = {key: given.pop(key) for key in CallOptions.__optional_keys__ & given.keys()}
    body = _arguments.request_body("create", given)
    body.update(_arguments.extra_body(extra_body))
    if not isinstance(reconcile, bool):
        raise TypeError(f"reconcile must be True or False, not {type(reconcile).__name__}")
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


def list(
    config: ClientConfig, *, cursor: str | None = None, **options: Unpack[CallOptions]
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
    timeout: float | None = None,
    poll_interval: float | None = None,
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
    timeout: float | None = None,
    poll_interval: float | None = None,
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
        training_id, known = _arguments.server_identifier(training_or_id.id), training_or_id
    else:
        training_id, known = _arguments.identifier("training_or_id", training_or_id), None
    get = _get(config, training_id).with_options(_options.poll_options(method, options))
    return get, known, PollSchedule.from_interval(poll_interval), wait_deadline(config, timeout)
