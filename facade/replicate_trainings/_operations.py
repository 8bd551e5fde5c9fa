"""The API calls, each built from the generated client's request description.

This is where the facade meets `replicate_trainings_api` (besides `_arguments`, which
reads its list of webhook events): the generated code owns paths, methods, path quoting
and the request body's shape; the facade owns checking arguments first, and sending
(`_pipeline`). The generated modules are imported by the first call that needs them:
their attrs models take longer to load than the rest of the package, and a process that
only verifies webhooks never needs them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from . import _arguments, _options
from ._config import ClientConfig
from ._pipeline import Call
from .training import Training


def create(
    config: ClientConfig,
    *,
    ref: str | None,
    model: str | None,
    version: str | None,
    destination: str,
    input: Mapping[str, Any],
    webhook: str | None,
    webhook_events_filter: Iterable[str] | None,
    extra_body: Mapping[str, Any] | None = None,
) -> Call:
    """POST a new training. Never retried once it may have reached the server.

    `extra_body` adds fields the spec lacks; it may not repeat one the arguments name.
    """
    from replicate_trainings_api.api.trainings import trainings_create  # noqa: PLC0415
    from replicate_trainings_api.models import (  # noqa: PLC0415
        TrainingRequestModel,
        TrainingRequestModelInput,
        WebhookEventType,
    )
    from replicate_trainings_api.types import UNSET  # noqa: PLC0415

    owner, name, version_id = _arguments.model_version(ref, model, version)
    _arguments.model_name("destination", destination)
    body = TrainingRequestModel(
        destination=destination,
        input_=TrainingRequestModelInput.from_dict(_arguments.training_input(input)),
        webhook=UNSET if webhook is None else _arguments.webhook_url(webhook),
        webhook_events_filter=UNSET
        if webhook_events_filter is None
        else [
            WebhookEventType(e) for e in _arguments.webhook_events(webhook_events_filter, webhook)
        ],
    )
    body.additional_properties.update(_options.extra_body(extra_body))
    kwargs = trainings_create.build_request_kwargs(owner, name, version_id, body=body)
    return Call.from_generated(config, "trainings.create", kwargs, idempotent=False)


def get(config: ClientConfig, training_id: str) -> Call:
    from replicate_trainings_api.api.trainings import trainings_get  # noqa: PLC0415

    training_id = _arguments.identifier("training_id", training_id)
    kwargs = trainings_get.build_request_kwargs(training_id)
    return Call.from_generated(
        config, "trainings.get", kwargs, idempotent=True, subject=training_id
    )


def cancel(config: ClientConfig, training_id: str) -> Call:
    """Cancel is idempotent: canceling a finished training returns it unchanged."""
    from replicate_trainings_api.api.trainings import trainings_cancel  # noqa: PLC0415

    training_id = _arguments.identifier("training_id", training_id)
    kwargs = trainings_cancel.build_request_kwargs(training_id)
    return Call.from_generated(
        config, "trainings.cancel", kwargs, idempotent=True, subject=training_id
    )


def list_first_page(config: ClientConfig, cursor: str | None) -> Call:
    from replicate_trainings_api.api.trainings import trainings_list  # noqa: PLC0415
    from replicate_trainings_api.types import UNSET  # noqa: PLC0415

    if cursor is not None and (not isinstance(cursor, str) or not cursor):
        raise (TypeError if not isinstance(cursor, str) else ValueError)(
            f"cursor must be a non-empty string from a page's next_cursor or previous_cursor, "
            f"got {cursor!r}"
        )
    if cursor is not None:
        _arguments.encodable("cursor", cursor)
    kwargs = trainings_list.build_request_kwargs(cursor=UNSET if cursor is None else cursor)
    return Call.from_generated(config, "trainings.list", kwargs, idempotent=True)


def training_id_of(training_or_id: Training | str) -> tuple[str, Training | None]:
    """The id to poll, and the known state when a Training was given."""
    if isinstance(training_or_id, Training):
        return _arguments.server_identifier(training_or_id.id), training_or_id
    return _arguments.identifier("training_or_id", training_or_id), None
