"""The one request pipeline: build, send, retry, map errors, log. Sync and async share it.

`request()` is a program (see `_effects`): it yields `Send` and `Sleep` and returns the
parsed result, raising only errors from `errors`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, TypeVar

import attrs
import httpx

from . import errors
from ._config import ClientConfig
from ._effects import Program, Send, Sleep
from ._options import NO_OPTIONS, RequestOptions
from ._raw import RawResponse
from ._retry import should_retry_error, should_retry_status

_T = TypeVar("_T")

logger = logging.getLogger("replicate_trainings")

MAY_HAVE_ACTED = (
    " The training may have been created: check client.trainings.list() before creating it again."
)
_SNIPPET = 200
_STATUS_ERRORS: dict[int, type[errors.APIStatusError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    409: errors.ConflictError,
    422: errors.UnprocessableEntityError,
    429: errors.RateLimitError,
}


@attrs.frozen
class Call:
    """One API call: what to send, and whether sending it twice is harmless."""

    operation: str
    method: str
    url: str
    idempotent: bool
    params: dict[str, str] | None = None
    body: bytes | None = attrs.field(default=None, repr=False)
    options: RequestOptions = NO_OPTIONS
    """The caller's per-call options, added to every request of the call (each page too)."""

    def with_options(self, options: RequestOptions) -> Call:
        return self if options is self.options else attrs.evolve(self, options=options)

    @classmethod
    def from_generated(
        cls, config: ClientConfig, operation: str, kwargs: dict[str, Any], *, idempotent: bool
    ) -> Call:
        """A call from a generated operation's request description (`_get_kwargs`)."""
        body = kwargs.get("json")
        return cls(
            operation=operation,
            method=kwargs["method"].upper(),
            url=config.url(kwargs["url"]),
            idempotent=idempotent,
            params=kwargs.get("params") or None,
            body=None if body is None else json.dumps(body, separators=(",", ":")).encode(),
        )


def request(
    config: ClientConfig,
    call: Call,
    parse: Callable[[Any], _T],
    *,
    deadline: float | None = None,
) -> Program[_T]:
    """Send `call` until it succeeds or may not be retried; return `parse(json body)`.

    Retries never pass `deadline` (a `time.monotonic()` value), so `wait()` keeps its timeout.
    """
    response = yield from answer(config, call, deadline=deadline)
    return parse_body(response, parse, call)


def request_raw(
    config: ClientConfig, call: Call, parse: Callable[[Any], _T]
) -> Program[RawResponse[_T]]:
    """As `request`, returning the successful answer beside `parse(json body)`."""
    response = yield from answer(config, call)
    return RawResponse(response, parse_body(response, parse, call))


def answer(
    config: ClientConfig, call: Call, *, deadline: float | None = None
) -> Program[httpx.Response]:
    """Send `call` until it succeeds or may not be retried; return the success answer."""
    headers = {} if config.preset_headers else config.headers
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    send = call.options.apply(
        Send(call.method, call.url, headers, call.params, call.body, config.timeout)
    )
    timeout = send.timeout  # the call's own, else the client's
    retries = 0
    while True:
        started = time.monotonic()
        if deadline is not None:  # a request in flight never outlives the wait's deadline
            send = attrs.evolve(send, timeout=_until(timeout, deadline - started))
        response: httpx.Response | None = None
        try:
            response = yield send
        except httpx.DecodingError as exc:  # an answer came; its body cannot be decoded
            _log(call, f"failed: {type(exc).__name__}", retries, started)
            message = f"the answer to {call.method} {_path(call)} is unreadable: {exc}"
            if not call.idempotent:
                message += "." + MAY_HAVE_ACTED
            raise errors.ResponseParseError(message) from None
        except httpx.HTTPError as exc:
            _log(call, f"failed: {type(exc).__name__}", retries, started)
            failure: errors.ReplicateError = connection_error(exc, call)
            if not should_retry_error(exc, idempotent=call.idempotent):
                raise failure from exc
        else:
            _log(call, str(response.status_code), retries, started)
            if response.is_success:
                return response
            failure = status_error(response, call)
            if not should_retry_status(response.status_code, idempotent=call.idempotent):
                raise failure
        if retries >= config.retry.max_retries:
            raise failure
        delay = config.retry.delay(retries, response)
        if deadline is not None and time.monotonic() + delay > deadline:
            raise failure
        retries += 1
        yield Sleep(delay)


def _until(timeout: httpx.Timeout, remaining: float) -> httpx.Timeout:
    """`timeout` with every phase cut to the `remaining` seconds (at least a millisecond)."""
    cap = max(remaining, 0.001)

    def capped(value: float | None) -> float:
        return cap if value is None else min(value, cap)

    return httpx.Timeout(
        connect=capped(timeout.connect),
        read=capped(timeout.read),
        write=capped(timeout.write),
        pool=capped(timeout.pool),
    )


def parse_body(response: httpx.Response, parse: Callable[[Any], _T], call: Call) -> _T:
    """The success answer's JSON through `parse`; anything unreadable is a ResponseParseError."""
    data = _json(response)
    if data is _NOT_JSON:
        reason = f"not JSON: {_snippet(response)}"
    else:
        try:
            return parse(data)
        except errors.ResponseParseError as exc:
            reason = str(exc)
    message = (
        f"{response.status_code} answer to {call.method} {_path(call)} is unreadable: {reason}"
    )
    if not call.idempotent:
        message += "." + MAY_HAVE_ACTED
    raise errors.ResponseParseError(message, response=response)


_NOT_JSON: Any = object()


def _json(response: httpx.Response) -> Any:
    """The body's JSON value, or _NOT_JSON (bad UTF-8, bad syntax, nesting too deep)."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        return _NOT_JSON


def status_error(response: httpx.Response, call: Call) -> errors.APIStatusError:
    """The typed error for a non-success answer, with its problem-details fields."""
    status = response.status_code
    body = _json(response)
    if body is _NOT_JSON:
        body = None
    problem = body if isinstance(body, dict) else {}
    title = _text(problem.get("title"))
    detail = _text(problem.get("detail"))
    if body is None:
        try:
            body = response.text
        except (UnicodeError, LookupError):  # a declared charset that cannot decode it
            body = response.content.decode("utf-8", "replace")
    reason = title or _reason(status)
    explanation = detail or ("" if problem else _snippet(response))
    message = f"{status} {reason}" + (f": {explanation}" if explanation else "")
    message += f" ({call.method} {_path(call)})"
    kind = _STATUS_ERRORS.get(status) or (
        errors.ServerError if status >= 500 or status < 100 else errors.APIStatusError
    )
    if kind is errors.ServerError and not call.idempotent:
        message += MAY_HAVE_ACTED
    return kind(message, response=response, title=title, detail=detail, body=body)


def connection_error(error: httpx.HTTPError, call: Call) -> errors.APIConnectionError:
    """The typed error for a request that got no answer."""
    kind = (
        errors.APITimeoutError
        if isinstance(error, httpx.TimeoutException)
        else errors.APIConnectionError
    )
    message = f"{call.method} {_path(call)} got no answer: {type(error).__name__}"
    if str(error):
        message += f": {error}"
    if not call.idempotent and not should_retry_error(error, idempotent=False):
        message += "." + MAY_HAVE_ACTED
    return kind(message)


def _log(call: Call, outcome: str, retries: int, started: float) -> None:
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s: %s %s -> %s (attempt %d, %.1f ms)",
            call.operation,
            call.method,
            httpx.URL(call.url).raw_path.decode("ascii"),
            outcome,
            retries + 1,
            (time.monotonic() - started) * 1000,
        )


def _path(call: Call) -> str:
    return httpx.URL(call.url).path


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Status"


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _snippet(response: httpx.Response) -> str:
    text = " ".join(response.content[: _SNIPPET * 4].decode("utf-8", "replace").split())
    if not text:
        return "(empty body)"
    return text if len(text) <= _SNIPPET else text[:_SNIPPET] + "..."
