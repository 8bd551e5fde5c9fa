"""`LogFields`: the facts each request attempt's log record carries, typed for handlers.

Every attempt logs one DEBUG record on the `replicate_trainings` logger, its facts also set
as attributes of the record (logging's `extra`); `log_fields(record)` reads them back typed.
"""

from __future__ import annotations

import logging
from typing import TypedDict, TypeGuard

__all__ = ["LogFields", "log_fields"]


class LogFields(TypedDict):
    """One attempt of one request, as its log record carries it."""

    operation: str
    """The operation, such as 'trainings.get'."""
    method: str
    """The HTTP method."""
    path: str
    """The URL's path, without the query (a listing's cursor stays out of logs)."""
    status_code: int | None
    """The answer's status; None when no answer came."""
    attempt: int
    """1 for the first try, 2 for the first retry, and so on."""
    elapsed_ms: float
    """How long the attempt took, in milliseconds."""
    retry_in: float | None
    """Seconds until the next try, or None when no retry follows."""


def log_fields(record: logging.LogRecord) -> LogFields | None:
    """The `LogFields` of an attempt's log record; None for any other record."""
    facts = vars(record)
    operation, method, path = facts.get("operation"), facts.get("method"), facts.get("path")
    status, attempt = facts.get("status_code"), facts.get("attempt")
    elapsed, retry_in = facts.get("elapsed_ms"), facts.get("retry_in")
    if not (
        isinstance(operation, str)
        and isinstance(method, str)
        and isinstance(path, str)
        and (status is None or _is_int(status))
        and _is_int(attempt)
        and _is_number(elapsed)
        and (retry_in is None or _is_number(retry_in))
    ):
        return None
    return LogFields(
        operation=operation,
        method=method,
        path=path,
        status_code=status,
        attempt=attempt,
        elapsed_ms=float(elapsed),
        retry_in=None if retry_in is None else float(retry_in),
    )


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
