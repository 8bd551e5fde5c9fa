"""How a training reads on the command line: JSON, a list row, a detail block, a summary.

Every field but `id` may be missing from an API answer, so each piece shows what is
there and skips the rest rather than assuming a field is set.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from rich.text import Text

from replicate_trainings import Training, TrainingStatus

__all__ = [
    "details",
    "duration",
    "last_log_line",
    "row",
    "status_of",
    "status_style",
    "summary",
    "to_json",
]

_STYLES: dict[str, str] = {
    TrainingStatus.STARTING: "cyan",
    TrainingStatus.PROCESSING: "cyan",
    TrainingStatus.SUCCEEDED: "green",
    TrainingStatus.FAILED: "red",
    TrainingStatus.ABORTED: "red",
    TrainingStatus.CANCELED: "yellow",
}


def to_json(training: Training) -> str:
    """The training as the API sent it, as one line of JSON (ASCII, so any locale prints it)."""
    return json.dumps(training.to_dict())


def status_of(training: Training) -> str:
    """The status as text; 'unknown' when the answer had none."""
    status = training.status
    return "unknown" if status is None else str(status)


def status_style(status: str) -> str:
    return _STYLES.get(status, "")


def duration(seconds: float) -> str:
    """Seconds as '4.2 s', '3m 05s' or '2h 03m'."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def timestamp(moment: datetime | None) -> str | None:
    """A UTC time to the second, as '2024-05-01 12:00:03Z'."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def last_log_line(training: Training) -> str:
    """The last non-blank line of the logs, or ''."""
    for line in reversed((training.logs or "").splitlines()):
        if line.strip():
            return line.strip()
    return ""


def row(training: Training) -> Text:
    """One line of `list`: id, status, created time, model."""
    status = status_of(training)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(training.id)
    text.append("  ")
    text.append(f"{status:<10}", style=status_style(status))
    text.append(f"  {timestamp(training.created_at) or '-':<20}  {training.model or '-'}")
    return text


def details(training: Training) -> Text:
    """Every known field of one training as `label  value` lines (for `get`, `cancel`, ...)."""
    status = status_of(training)
    output, urls = training.output, training.urls
    model = training.model
    if model is not None and training.version is not None:
        model = f"{model}:{training.version}"
    fields: list[tuple[str, str | None]] = [
        ("model", model),
        ("source", training.source),
        ("created", timestamp(training.created_at)),
        ("started", timestamp(training.started_at)),
        ("completed", timestamp(training.completed_at)),
        ("compute", _compute(training)),
        ("total", _total(training)),
        ("version", output.version if output else None),
        ("weights", output.weights if output else None),
        ("error", training.error),
        ("last log", last_log_line(training) or None),
        ("web", urls.web if urls else None),
    ]
    text = Text()
    text.append(f"{'id':<10}{training.id}\n")
    text.append(f"{'status':<10}")
    text.append(status, style=status_style(status))
    for label, value in fields:
        if value is not None:
            text.append(f"\n{label:<10}{value}")
    return text


def summary(training: Training) -> Text:
    """What a finished training came to: its new version and weights, or its error."""
    status = status_of(training)
    text = Text(f"Training {training.id} ")
    text.append(status, style=status_style(status) + " bold")
    compute = _compute(training)
    if compute is not None:
        text.append(f" after {compute} of compute")
    if training.error:
        text.append(f": {training.error}")
    output = training.output
    if output is not None:
        for label, value in (("version", output.version), ("weights", output.weights)):
            if value is not None:
                text.append(f"\n  {label:<9}{value}")
    return text


def _total(training: Training) -> str | None:
    metrics = training.metrics
    if metrics is None or metrics.total_time is None:
        return None
    return duration(metrics.total_time)


def _compute(training: Training) -> str | None:
    metrics = training.metrics
    if metrics is None or metrics.predict_time is None:
        return None
    return duration(metrics.predict_time)
