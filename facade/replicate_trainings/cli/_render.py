"""How a training reads on the command line: JSON, a list row, a detail block, a summary.

Every field but `id` may be missing from an API answer, so each piece shows what is
there and skips the rest rather than assuming a field is set. Any value shows without
error, out-of-range times and infinite durations included.

Text from the server is data, never terminal commands: every server string on its way to
the screen goes through `printable`, which shows control characters escaped. The pieces
are rich `Text`, which never reads markup, so `[bold]` in a log prints as written.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime

from rich.text import Text

from replicate_trainings import Training, TrainingStatus

__all__ = [
    "details",
    "duration",
    "last_log_line",
    "printable",
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


def _escape(code: int) -> str:
    named = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
    return named.get(code) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


# C0 controls, DEL and C1 controls (ESC, BEL, CSI 0x9b ... start or are terminal commands),
# and lone surrogates (which no terminal encoding can write).
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0), *range(0xD800, 0xE000)]
_ONE_LINE = {code: _escape(code) for code in _CONTROLS}
_LINES = {code: text for code, text in _ONE_LINE.items() if code not in (0x09, 0x0A)}


def printable(value: object, *, lines: bool = False) -> str:
    """`value` as text safe for a terminal: each control character shown escaped (`\\x1b`).

    `lines`: keep newlines and tabs (for logs and tracebacks); else the text stays one line.
    """
    return str(value).translate(_LINES if lines else _ONE_LINE)


# A string literal (kept as it is), or a number JSON has no spelling for (Python writes it).
_JSON_TOKEN = re.compile(r'("(?:[^"\\]|\\.)*")|(-?Infinity|NaN)')
_NUMBERS = {"Infinity": "1e999", "-Infinity": "-1e999", "NaN": "null"}


def to_json(training: Training, indent: int | None = None) -> str:
    """The training as the API sent it, as one line of JSON (ASCII, so any locale prints it);
    indented by `indent` spaces a level when given (for a terminal).

    A number too large for a float (`1e999`) reads as infinity; it is written back as
    `1e999`, still JSON, where json.dumps would write `Infinity`.
    """
    text = json.dumps(training.to_dict(), indent=indent)
    return _JSON_TOKEN.sub(lambda m: m.group(1) or _NUMBERS[m.group(2)], text)


def status_of(training: Training) -> str:
    """The status as text; 'unknown' when the answer had none."""
    status = training.status
    return "unknown" if status is None else str(status)


def status_style(status: str) -> str:
    return _STYLES.get(status, "")


def duration(seconds: float) -> str:
    """Seconds as '4.2 s', '3m 05s' or '2h 03m' ('inf s' and 'nan s' as such)."""
    if not math.isfinite(seconds):
        return f"{seconds} s"
    if seconds < 0:
        return f"-{duration(-seconds)}"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def timestamp(moment: datetime | None) -> str | None:
    """A UTC time to the second, as '2024-05-01 12:00:03Z'; as sent when UTC cannot hold it
    (year 1 at +01:00 is in year 0 in UTC)."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (OverflowError, ValueError, OSError):
        return moment.isoformat(sep=" ")


def last_log_line(training: Training) -> str:
    """The last non-blank line of the logs, printable, or ''."""
    for line in reversed((training.logs or "").splitlines()):
        if line.strip():
            return printable(line.strip())
    return ""


def row(training: Training) -> Text:
    """One line of `list`: id, status, created time, model."""
    status = status_of(training)
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(printable(training.id))
    text.append("  ")
    text.append(f"{printable(status):<10}", style=status_style(status))
    created, model = timestamp(training.created_at) or "-", printable(training.model or "-")
    text.append(f"  {created:<20}  {model}")
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
    text.append(f"{'id':<10}{printable(training.id)}\n")
    text.append(f"{'status':<10}")
    text.append(printable(status), style=status_style(status))
    for label, value in fields:
        if value is not None:
            text.append(f"\n{label:<10}{printable(value)}")
    return text


def summary(training: Training) -> Text:
    """What a finished training came to: its new version and weights, or its error."""
    status = status_of(training)
    text = Text(f"Training {printable(training.id)} ")
    text.append(printable(status), style=status_style(status) + " bold")
    compute = _compute(training)
    if compute is not None:
        text.append(f" after {compute} of compute")
    if training.error:
        text.append(f": {printable(training.error)}")
    output = training.output
    if output is not None:
        for label, value in (("version", output.version), ("weights", output.weights)):
            if value is not None:
                text.append(f"\n  {label:<9}{printable(value)}")
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
