"""A downstream SDK in miniature: the public API as a consumer of the installed wheel uses it.

tests/test_wheel.py installs the built wheel in a scratch venv, type-checks this module
there with `mypy --strict --disallow-any-expr` (so no `Any` reaches a consumer through
the public API) and runs it against the bundled local server. The JSON-valued members
(`Training.input` values, `to_dict()`, `APIStatusError.body`) are `Any` by design and
are not touched here. Annotations are the widest each field may have, so the module
stays valid while fields of a training become optional.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import assert_never

import httpx
from replicate_trainings import (
    NOT_GIVEN,
    APIConnectionError,
    APIStatusError,
    AsyncClient,
    Client,
    LogFields,
    NotFoundError,
    NotGiven,
    Page,
    RateLimitError,
    ReplicateError,
    RetryPolicy,
    Training,
    TrainingSource,
    TrainingStatus,
    UnknownSource,
    UnknownStatus,
    WaitTimeoutError,
    WebhookEvent,
    WebhookVerificationError,
    WebhookVerifier,
    __version__,
    log_fields,
    verify_webhook,
)
from replicate_trainings.testing import DEFAULT_WEBHOOK_SECRET, Fault, LocalReplicate, serve

VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"


def describe(training: Training) -> str:
    """Every typed field of a training, read as a consumer reads it."""
    status: TrainingStatus | UnknownStatus | None = training.status
    model: str | None = training.model
    version: str | None = training.version
    created: datetime | None = training.created_at
    started: datetime | None = training.started_at
    completed: datetime | None = training.completed_at
    logs: str | None = training.logs
    error: str | None = training.error
    source: TrainingSource | UnknownSource | None = training.source
    keys: list[str] = sorted(training.input)
    parts = [training.id, str(status), str(model), str(version), str(created), str(source)]
    parts += [str(started), str(completed), str(len(logs or "")), str(error), ",".join(keys)]
    output = training.output
    if output is not None:
        new_version: str | None = output.version
        weights: str | None = output.weights
        parts += [str(new_version), str(weights)]
    metrics = training.metrics
    if metrics is not None:
        predict: float | None = metrics.predict_time
        total: float | None = metrics.total_time
        parts += [str(predict), str(total)]
    urls = training.urls
    if urls is not None:
        get_url: str | None = urls.get
        cancel_url: str | None = urls.cancel
        web_url: str | None = urls.web
        parts += [str(get_url), str(cancel_url), str(web_url)]
    over: bool = training.is_terminal
    succeeded: bool = training.succeeded
    parts += [str(over), str(succeeded), str(status == TrainingStatus.SUCCEEDED)]
    parts += [phase(training), origin(training)]
    return " ".join(parts)


def phase(training: Training) -> str:
    """Every status, checked exhaustively: one this version does not know has its own arm."""
    status = training.status
    match status:
        case TrainingStatus.STARTING | TrainingStatus.PROCESSING:
            return "running"
        case TrainingStatus.SUCCEEDED:
            return "succeeded"
        case TrainingStatus.FAILED | TrainingStatus.CANCELED | TrainingStatus.ABORTED:
            return "ended"
        case UnknownStatus():
            return f"new status {status}"
        case None:
            return "no status"
        case _:
            assert_never(status)


def origin(training: Training) -> str:
    """The source, as open as the status."""
    source = training.source
    match source:
        case TrainingSource.WEB | TrainingSource.API:
            return f"from {source}"
        case UnknownSource():
            return f"new source {source}"
        case None:
            return "no source"
        case _:
            assert_never(source)


def fetch(
    client: Client, training_id: str, timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN
) -> Training:
    """An SDK's wrapper: NOT_GIVEN passed on keeps the client's deadline."""
    return client.trainings.get(training_id, timeout=timeout, extra_headers=NOT_GIVEN)


class Attempts(logging.Handler):
    """Collects the typed fields of each request attempt's log record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.fields: list[LogFields] = []

    def emit(self, record: logging.LogRecord) -> None:
        fields = log_fields(record)
        if fields is not None:
            self.fields.append(fields)


def explain(error: ReplicateError) -> str:
    """The typed attributes of the error hierarchy."""
    if isinstance(error, RateLimitError):
        retry_after: float | None = error.retry_after
        return f"rate limited, retry in {retry_after}"
    if isinstance(error, APIStatusError):
        code: int = error.status_code
        title: str | None = error.title
        detail: str | None = error.detail
        headers: httpx.Headers = error.headers
        response: httpx.Response = error.response
        return f"{code} {title} {detail} {headers['content-type']} {response.status_code}"
    if isinstance(error, WaitTimeoutError):
        last = error.training  # the last state seen: a Training, typed as its shape
        return f"still {last.status}" if last is not None else "no state seen"
    if isinstance(error, APIConnectionError):
        return "no answer"
    return str(error)


def use_sync(base_url: str, token: str) -> list[str]:
    """Every operation of the blocking client."""
    lines: list[str] = []
    with Client(
        token,
        base_url=base_url,
        timeout=10.0,
        max_retries=RetryPolicy(),
        default_headers={"User-Agent": "consumer-sdk/1.0", "X-Team": "ml"},
        default_query={"trace": "consumer"},
    ) as client:
        training = client.trainings.create(
            f"stability-ai/sdxl:{VERSION}",
            destination="acme/sdxl-tuned",
            input={"input_images": "https://example.com/data.zip"},
            webhook=NOT_GIVEN,
        )
        lines.append(describe(fetch(client, training.id)))
        raw = client.trainings.with_raw_response.get(training.id)
        content_type: str | None = raw.headers.get("content-type")
        lines.append(f"{raw.status_code} {content_type}")
        for state in client.trainings.watch(training, poll_interval=0.01):
            lines.append(describe(state))
        done: Training = client.trainings.wait(training.id, timeout=60, poll_interval=0.01)
        if done.succeeded and done.output:
            lines.append(f"made {done.output.version}")
        lines.append(describe(client.trainings.get(done.id)))
        other = client.trainings.create(
            model="stability-ai/sdxl", version=VERSION, destination="acme/x", input={}
        )
        lines.append(describe(client.trainings.cancel(other.id)))
        pages: list[Page] = list(client.trainings.list().pages())
        cursor: str | None = pages[0].next_cursor
        previous: str | None = pages[0].previous_cursor
        everything: list[Training] = list(client.trainings.list(cursor=cursor))
        lines.append(f"{len(pages)} pages, {len(everything)} after the first, {previous}")
        quick = client.with_options(
            timeout=5, max_retries=0, default_headers={"X-Team": "infra"}, default_query=NOT_GIVEN
        )
        try:
            quick.trainings.get("no-such-training")
        except NotFoundError as error:
            lines.append(explain(error))
    return lines


async def use_async(base_url: str, token: str) -> list[str]:
    """The same surface, awaited."""
    lines: list[str] = []
    async with AsyncClient(token, base_url=base_url) as client:
        training = await client.trainings.create(
            f"stability-ai/sdxl:{VERSION}", destination="acme/sdxl-tuned", input={"steps": 3}
        )
        async for state in client.trainings.watch(training, poll_interval=0.01):
            lines.append(describe(state))
        done = await client.trainings.wait(training, poll_interval=0.01)
        lines.append(describe(await client.trainings.get(done.id)))
        lines.append(describe(await client.trainings.cancel(done.id)))
        async for page in client.trainings.list().pages():
            lines.append(f"{len(page.results)} on a page")
        async for item in client.trainings.list():
            lines.append(item.id)
    return lines


def verify(headers: Mapping[str, str], body: bytes) -> str:
    """Both ways to check a webhook delivery."""
    verifier = WebhookVerifier(DEFAULT_WEBHOOK_SECRET, tolerance=300)
    tolerance: float = verifier.tolerance
    try:
        event: WebhookEvent = verifier.verify(headers, body)
    except WebhookVerificationError as error:
        return f"refused: {error}"
    again = verify_webhook(headers, body, DEFAULT_WEBHOOK_SECRET)
    when: datetime = event.timestamp
    return f"{event.id} {again.id} {when.isoformat()} {tolerance} {describe(event.training)}"


def main() -> None:
    """Run it all against the bundled local server; print one summary line."""
    attempts = Attempts()
    logger = logging.getLogger("replicate_trainings")
    logger.addHandler(attempts)
    logger.setLevel(logging.DEBUG)
    with serve(seed=120, page_size=50) as server:
        lines = use_sync(server.base_url, server.token)
        lines += asyncio.run(use_async(server.base_url, server.token))
        agents = {sent.headers["user-agent"] for sent in server.app.requests[:3]}
    logger.removeHandler(attempts)
    assert len(agents) == 1 and agents.pop().startswith("consumer-sdk/1.0 replicate-trainings/")
    statuses = [fields["status_code"] for fields in attempts.fields]
    assert attempts.fields and all(isinstance(code, int) for code in statuses), statuses
    app = LocalReplicate()
    app.faults.add(Fault.rate_limit(retry_after=0), operation="get")
    injected: int = app.faults.injected
    with app, httpx.Client(transport=app.transport()) as http:
        client = Client(app.token, http_client=http)
        try:
            client.with_options(max_retries=0).trainings.get("x")
        except ReplicateError as error:
            lines.append(explain(error))
    lines.append(verify({"webhook-id": "msg_1"}, b"{}"))
    print(f"replicate-trainings {__version__}: {len(lines)} lines, {injected} faults before")


if __name__ == "__main__":
    main()
