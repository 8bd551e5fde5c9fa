"""The one request pipeline: build, send, retry, map errors, log. Sync and async share it.

`request()` is a program (see `_effects`): it yields `Send` and `Sleep` and returns the
parsed result, raising only errors from `errors`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Never, TypeVar

import httpx

from . import errors
from ._budget import CREATE, OTHER
from ._config import ClientConfig
from ._effects import UNDECODABLE, Program, Send, Sleep
from ._log_fields import LogFields
from ._options import NO_OPTIONS, RequestOptions
from ._raw import RawResponse
from ._server_text import quoted, scrub, shown
from ._transport import NOT_SENT

__all__ = ["Call", "request", "request_raw"]

_T = TypeVar("_T")

logger = logging.getLogger("replicate_trainings")

MAY_HAVE_ACTED = (
    " The training may have been created: check client.trainings.list() before creating it again."
)
_SNIPPET = 200
_SNIPPET_SOURCE = 64 * 1024
_STATUS_ERRORS: dict[int, type[errors.APIStatusError]] = {
    400: errors.BadRequestError,
    401: errors.AuthenticationError,
    403: errors.PermissionDeniedError,
    404: errors.NotFoundError,
    409: errors.ConflictError,
    422: errors.UnprocessableEntityError,
    429: errors.RateLimitError,
}


@dataclasses.dataclass(frozen=True, slots=True)
class Call:
    """One API call: what to send, and whether sending it twice is harmless."""

    operation: str
    method: str
    url: httpx.URL
    """Absolute, its query included; parsed once, when the call is made."""
    idempotent: bool
    body: bytes | None = dataclasses.field(default=None, repr=False)
    options: RequestOptions = NO_OPTIONS
    """The caller's per-call options, added to every request of the call (each page too)."""
    subject: str | None = None
    """The id of the training the call is about: an answer about another one is refused."""

    def with_options(self, options: RequestOptions) -> Call:
        return self if options is self.options else dataclasses.replace(self, options=options)

    @classmethod
    def from_generated(
        cls,
        config: ClientConfig,
        operation: str,
        kwargs: dict[str, Any],
        *,
        idempotent: bool,
        subject: str | None = None,
    ) -> Call:
        """A call from a generated operation's request description (`build_request_kwargs`)."""
        body = kwargs.get("json")
        return cls(
            operation=operation,
            method=kwargs["method"].upper(),
            url=config.url(kwargs["url"], kwargs.get("params")),
            idempotent=idempotent,
            body=None if body is None else json.dumps(body, separators=(",", ":")).encode(),
            subject=subject,
        )


def request(
    config: ClientConfig,
    call: Call,
    parse: Callable[[Any], _T],
    *,
    deadline: float | None = None,
) -> Program[Never, _T]:
    """Send `call` until it succeeds or may not be retried; return `parse(json body)`.

    Retries never pass `deadline` (a `config.clock.monotonic()` value), so `wait()` keeps
    its timeout.
    """
    response = yield from answer(config, call, deadline=deadline)
    return parse_body(response, parse, call, config.token)


def request_raw(
    config: ClientConfig, call: Call, parse: Callable[[Any], _T]
) -> Program[Never, RawResponse[_T]]:
    """As `request`, returning the successful answer beside `parse(json body)`."""
    response = yield from answer(config, call)
    return RawResponse(response, parse_body(response, parse, call, config.token))


def answer(
    config: ClientConfig, call: Call, *, deadline: float | None = None
) -> Program[Never, httpx.Response]:
    """Send `call` until it succeeds or may not be retried; return the success answer."""
    headers = {} if config.preset_headers else config.headers
    if call.body is not None:
        headers["Content-Type"] = "application/json"
    options = call.options
    if config.default_query:  # the client's, under the call's own
        options = options._replace(query={**config.default_query, **options.query})
    send = _with_options(
        Send(
            call.method,
            call.url,
            headers,
            call.body,
            config.timeout,
            config.max_response_bytes,
            acts=not call.idempotent,
        ),
        options,
    )
    timeout = send.timeout  # the call's own, else the client's
    retries = 0
    while True:
        yield from _paced(config, call, deadline)
        started = config.clock.monotonic()
        if deadline is not None:  # a request in flight never outlives the wait's deadline
            send = dataclasses.replace(send, timeout=_until(timeout, deadline - started))
        response: httpx.Response | None = None
        cause: httpx.HTTPError | None = None
        unreadable: httpx.DecodingError | None = None
        try:
            response = yield send
        except httpx.DecodingError as exc:  # a transport's, or a body over max_response_bytes
            unreadable = exc
        except httpx.HTTPError as exc:
            failure: errors.ReplicateError = connection_error(exc, call, config.token)
            retryable = should_retry_error(exc, idempotent=call.idempotent)
            outcome, status, cause = f"failed: {type(exc).__name__}", None, exc
        else:
            status = response.status_code
            if response.is_success:
                _log(config, call, str(status), status=status, retries=retries, started=started)
                return response
            failure = status_error(response, call, config.token)
            retryable = should_retry_status(status, idempotent=call.idempotent)
            outcome = str(status)
        if unreadable is not None:  # raised here, out of the except block: no __context__
            raise _unreadable(config, call, unreadable, retries=retries, started=started)
        retry_in: float | None = None
        throttled = config.budget if status == 429 else None
        if retryable and (retries < config.retry.max_retries or throttled is not None):
            delay = config.retry.delay(retries, response, rng=config.rng, now=config.clock.time())
            if throttled is not None:  # the server's time holds every call of the client
                throttled.hold(config.clock.monotonic() + delay)
            if retries < config.retry.max_retries and (
                deadline is None or config.clock.monotonic() + delay <= deadline
            ):
                retry_in = delay
        _log(
            config,
            call,
            outcome,
            status=status,
            retries=retries,
            started=started,
            retry_in=retry_in,
        )
        if retry_in is None:
            raise failure from (None if cause is None else scrubbed_cause(cause, config.token))
        retries += 1
        yield Sleep(retry_in, config.clock)


def _paced(config: ClientConfig, call: Call, deadline: float | None) -> Program[Never, None]:
    """Wait for the rate budget's slot for `call`, and out any hold (`_budget`); a hold
    begun during the wait voids the slot, so it is reserved again. A wait past `deadline`
    is not begun: APITimeoutError, as a request cut by it would raise."""
    budget = config.budget
    if budget is None:
        return
    kind = CREATE if call.operation == "trainings.create" else OTHER
    while True:
        now = config.clock.monotonic()
        latest = math.inf if deadline is None else deadline
        pause, holds = budget.reserve(kind, now, latest)
        if pause <= 0:
            return
        if deadline is not None and now + pause > deadline:
            raise errors.APITimeoutError(
                f"{call.method} {_path(call)} was not sent: the client's rate budget holds it "
                f"{pause:.3g} s, past the wait's deadline"
            )
        yield Sleep(pause, config.clock)
        if budget.holds == holds:
            return


def _unreadable(
    config: ClientConfig,
    call: Call,
    error: httpx.DecodingError,
    *,
    retries: int,
    started: float,
) -> errors.ResponseParseError:
    """The error for an answer whose body could not be decoded or was over the size limit."""
    outcome = f"failed: {type(error).__name__}"
    _log(config, call, outcome, status=None, retries=retries, started=started)
    message = (
        f"the answer to {call.method} {_path(call)} is unreadable: "
        f"{quoted(str(error), config.token)}"
    )
    if not call.idempotent:
        message += "." + MAY_HAVE_ACTED
    return errors.ResponseParseError(message, may_have_acted=not call.idempotent)


def scrubbed_cause(error: httpx.HTTPError, token: str) -> httpx.HTTPError:
    """`error` as the cause of ours: the same type, message and traceback, but scrubbed
    (httpx quotes a status or header line, which a server can make echo the token), with
    no chain of its own (httpcore's and h11's errors quote the same line) and a request
    without its Authorization header."""
    kind = type(error)
    copy = kind.__new__(kind)
    copy.__dict__.update(vars(error))  # httpx keeps the request here
    copy.args = tuple(scrub(arg, token) if isinstance(arg, str) else arg for arg in error.args)
    request = vars(error).get("_request")
    if isinstance(request, httpx.Request):
        headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"authorization"]
        copy._request = httpx.Request(request.method, request.url, headers=headers)
    return copy.with_traceback(error.__traceback__)


def _with_options(send: Send, options: RequestOptions) -> Send:
    """`send` with a call's options: its headers (replacing any of the same name), its
    query and its timeout.

    The query joins the URL's own (a next page's cursor): httpx would replace it.
    """
    if not options.headers and not options.query and options.timeout is None:
        return send
    headers, url = send.headers, send.url
    if options.headers:
        replaced = {name.lower() for name in options.headers}
        headers = {k: v for k, v in headers.items() if k.lower() not in replaced}
        headers.update(options.headers)
    if options.query:
        url = url.copy_merge_params(options.query)
    return dataclasses.replace(
        send,
        url=url,
        headers=headers,
        timeout=send.timeout if options.timeout is None else options.timeout,
    )


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


def parse_body(response: httpx.Response, parse: Callable[[Any], _T], call: Call, token: str) -> _T:
    """The success answer's JSON through `parse`; anything unreadable is a ResponseParseError."""
    data = _NOT_JSON if UNDECODABLE in response.extensions else _json(response)
    if UNDECODABLE in response.extensions:
        reason = f"its body cannot be decoded: {quoted(response.extensions[UNDECODABLE], token)}"
    elif data is _NOT_JSON:
        reason = f"not JSON: {_snippet(response, token)}"
    else:
        try:
            parsed = parse(data)
        except errors.ResponseParseError as exc:
            reason = quoted(str(exc), token)
        else:
            answered = getattr(parsed, "id", call.subject)
            if call.subject is None or answered == call.subject:
                return parsed
            reason = f"it is about training '{quoted(str(answered), token)}', not {call.subject!r}"
    message = (
        f"{response.status_code} answer to {call.method} {_path(call)} is unreadable: {reason}"
    )
    if not call.idempotent:
        message += "." + MAY_HAVE_ACTED
    raise errors.ResponseParseError(
        scrub(message, token), response=response, may_have_acted=not call.idempotent
    )


_NOT_JSON: Any = object()


def _json(response: httpx.Response) -> Any:
    """The body's JSON value, or _NOT_JSON (bad UTF-8, bad syntax, nesting too deep)."""
    try:
        return json.loads(response.content)
    except (ValueError, RecursionError):
        return _NOT_JSON


def status_error(response: httpx.Response, call: Call, token: str) -> errors.APIStatusError:
    """The typed error for a non-success answer, with its problem-details fields.

    The status decides the type, whatever the body: one that cannot be decoded or read is
    only left out. Server text (title, detail, a snippet) is scrubbed of credentials, as a
    proxy's error page may echo the request's Authorization header.
    """
    status = response.status_code
    body = _json(response)
    if body is _NOT_JSON:
        body = None
    problem = body if isinstance(body, dict) else {}
    title = _text(problem.get("title"), token)
    detail = _text(problem.get("detail"), token)
    undecodable = response.extensions.get(UNDECODABLE)
    if undecodable is not None:
        body = None
    elif body is None:
        try:
            body = response.text
        except (UnicodeError, LookupError):  # a declared charset that cannot decode it
            body = response.content.decode("utf-8", "replace")
    reason = shown(title) if title else _reason(status)
    if undecodable is not None:
        explanation = f"(a body that cannot be decoded: {quoted(undecodable, token)})"
    elif detail:
        explanation = shown(detail)
    else:
        explanation = "" if problem else _snippet(response, token)
    message = f"{status} {reason}" + (f": {explanation}" if explanation else "")
    message += f" ({call.method} {_path(call)})"
    kind = _STATUS_ERRORS.get(status) or (
        errors.ServerError if status >= 500 or status < 100 else errors.APIStatusError
    )
    # A transient status that even a create may not retry (5xx, 408): it may have acted.
    acted = not call.idempotent and errors.transient_status(status) and not retry_safe(status)
    if acted:
        message += MAY_HAVE_ACTED
    return kind(
        scrub(message, token),
        response=response,
        title=title,
        detail=detail,
        body=body,
        may_have_acted=acted,
    )


def retry_safe(status: int) -> bool:
    """A status after which even a create may be sent again: the server did not act."""
    return should_retry_status(status, idempotent=False)


def connection_error(error: httpx.HTTPError, call: Call, token: str) -> errors.APIConnectionError:
    """The typed error for a request that got no answer."""
    kind = (
        errors.APITimeoutError
        if isinstance(error, httpx.TimeoutException)
        else errors.APIConnectionError
    )
    message = f"{call.method} {_path(call)} got no answer: {type(error).__name__}"
    if str(error):
        message += f": {quoted(str(error), token)}"
    acted = not call.idempotent and not should_retry_error(error, idempotent=False)
    if acted:
        message += "." + MAY_HAVE_ACTED
    return kind(scrub(message, token), may_have_acted=acted)


def _log(
    config: ClientConfig,
    call: Call,
    outcome: str,
    *,
    status: int | None,
    retries: int,
    started: float,
    retry_in: float | None = None,
) -> None:
    """One DEBUG record per attempt, its facts also as fields of the record (`extra`)."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    path = call.url.raw_path.partition(b"?")[0].decode("ascii")  # no cursor
    elapsed_ms = (config.clock.monotonic() - started) * 1000
    then = "" if retry_in is None else f", retrying in {retry_in:.3g} s"
    logger.debug(
        "%s: %s %s -> %s (attempt %d, %.1f ms%s)",
        call.operation,
        call.method,
        path,
        outcome,
        retries + 1,
        elapsed_ms,
        then,
        extra=LogFields(
            operation=call.operation,
            method=call.method,
            path=path,
            status_code=status,
            attempt=retries + 1,
            elapsed_ms=elapsed_ms,
            retry_in=retry_in,
        ),
    )


def _path(call: Call) -> str:
    return call.url.path


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown Status"


def _text(value: object, token: str) -> str | None:
    """A problem-details field as the error keeps it: whole, but scrubbed."""
    return scrub(value, token) if isinstance(value, str) and value else None


def _snippet(response: httpx.Response, token: str) -> str:
    """The start of the body as one bounded line, its runs of white space as one space."""
    raw = response.content[:_SNIPPET_SOURCE].decode("utf-8", "replace")
    text = " ".join(scrub(raw, token).split())
    return shown(text, _SNIPPET) if text else "(empty body)"


def should_retry_status(status: int, *, idempotent: bool) -> bool:
    """Transient statuses; 429 never acted, 408 and 5xx may have, so only idempotent calls
    retry those."""
    return errors.transient_status(status) and (idempotent or status == 429)


def should_retry_error(error: httpx.HTTPError, *, idempotent: bool) -> bool:
    """No answer (a transport error): retry if the request never left, or if repeating it
    is harmless."""
    if not isinstance(error, httpx.TransportError):
        return False
    return idempotent or isinstance(error, NOT_SENT)
