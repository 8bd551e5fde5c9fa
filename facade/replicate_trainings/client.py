"""`Client` and `AsyncClient`: the entry points, with `client.trainings.<operation>()`.

Both build the same calls (`_operations`) and run them through the same pipeline
(`_pipeline`, `_polling`, `pagination`); only the driver differs (`_effects`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, Never, Self, TypeVar

import httpx

from . import _operations
from ._config import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig
from ._connections import OwnAsyncClient, OwnClient, adopt
from ._effects import Program, run_async, run_sync, stream_async, stream_sync
from ._loops import check_loop
from ._options import (
    DEFAULT,
    Headers,
    Query,
    RequestOptions,
    TimeoutOption,
    _Default,
    request_options,
)
from ._pipeline import Call, request, request_raw
from ._polling import waiting, watching
from ._raw import RawResponse
from ._reconcile import creating
from ._retry import RetryPolicy
from .pagination import AsyncPager, Pager
from .training import Training

__all__ = [
    "AsyncClient",
    "AsyncTrainings",
    "AsyncTrainingsWithRawResponse",
    "Client",
    "Trainings",
    "TrainingsWithRawResponse",
]


def _training(config: ClientConfig, call: Call) -> Program[Never, Training]:
    """Send `call`; its answer parsed as a Training."""
    return request(config, call, Training._from_decoded)


def _flag(reconcile: object) -> bool:
    if not isinstance(reconcile, bool):
        raise TypeError(f"reconcile must be True or False, not {type(reconcile).__name__}")
    return reconcile


def _raw_training(config: ClientConfig, call: Call) -> Program[Never, RawResponse[Training]]:
    """Send `call`; its answer beside the Training parsed from it."""
    return request_raw(config, call, Training._from_decoded)


class Trainings:
    """The training operations, blocking. Reach it as `client.trainings`.

    Every method takes per-call options: `timeout` (per request, as the client's; for
    `watch` and `wait` the whole poll's deadline, with `request_timeout` per request),
    `extra_headers`, `extra_query`, and on `create` `extra_body`.
    """

    def __init__(self, config: ClientConfig, http: httpx.Client) -> None:
        self._config, self._http = config, http

    @property
    def with_raw_response(self) -> TrainingsWithRawResponse:
        """`create`, `get` and `cancel` returning a `RawResponse` (status, headers, parse())."""
        return TrainingsWithRawResponse(self._config, self._http)

    def create(
        self,
        ref: str | None = None,
        *,
        model: str | None = None,
        version: str | None = None,
        destination: str,
        input: Mapping[str, Any],
        webhook: str | None = None,
        webhook_events_filter: Iterable[str] | None = None,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
        reconcile: bool = False,
    ) -> Training:
        """Start a training of `ref` ('owner/name:version', or model= and version=).

        Retried only when the server certainly did not act (429, no connection made), so
        it never starts a second paid training; other failures set `may_have_acted`.
        `reconcile=True` then looks among the newest trainings for the one it made.
        `extra_body` adds body fields the named arguments do not cover.
        """
        call = _operations.create(
            self._config,
            ref=ref,
            model=model,
            version=version,
            destination=destination,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            extra_body=extra_body,
        ).with_options(request_options(timeout, extra_headers, extra_query))
        return run_sync(creating(self._config, call, reconcile=_flag(reconcile)), self._http)

    def get(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Training:
        """The current state of a training."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.get(self._config, training_id).with_options(options)
        return run_sync(_training(self._config, call), self._http)

    def cancel(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Training:
        """Cancel a training; a finished one comes back unchanged."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.cancel(self._config, training_id).with_options(options)
        return run_sync(_training(self._config, call), self._http)

    def list(
        self,
        *,
        cursor: str | None = None,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Pager:
        """Every training, newest first, fetched a page at a time as you iterate.

        `cursor` resumes from a page's `next_cursor` (or walks back with `previous_cursor`).
        The options go with every page's request.
        """
        options = _list_options(timeout, extra_headers, extra_query)
        first = _operations.list_first_page(self._config, cursor).with_options(options)
        return Pager(self._http, self._config, first)

    def watch(
        self,
        training_or_id: Training | str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        request_timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Iterator[Training]:
        """Yield the training each time its status or logs change, until it is terminal;
        WaitTimeoutError after `timeout` seconds (None: no limit)."""
        options = _poll_options(request_timeout, extra_headers, extra_query)
        program = watching(
            self._config,
            training_or_id,
            timeout=timeout,
            poll_interval=poll_interval,
            options=options,
        )
        return stream_sync(program, self._http)

    def wait(
        self,
        training_or_id: Training | str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        request_timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Training:
        """Poll until the training is terminal and return it; WaitTimeoutError after `timeout`.

        `request_timeout` bounds each poll's request (the client's timeout if left out);
        no request outlives `timeout` either way.
        """
        options = _poll_options(request_timeout, extra_headers, extra_query)
        program = waiting(
            self._config,
            training_or_id,
            timeout=timeout,
            poll_interval=poll_interval,
            options=options,
        )
        return run_sync(program, self._http)


class TrainingsWithRawResponse:
    """`client.trainings.with_raw_response`: the HTTP answer beside the parsed `Training`."""

    def __init__(self, config: ClientConfig, http: httpx.Client) -> None:
        self._config, self._http = config, http

    def create(
        self,
        ref: str | None = None,
        *,
        model: str | None = None,
        version: str | None = None,
        destination: str,
        input: Mapping[str, Any],
        webhook: str | None = None,
        webhook_events_filter: Iterable[str] | None = None,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RawResponse[Training]:
        """`Trainings.create`, with the HTTP answer."""
        call = _operations.create(
            self._config,
            ref=ref,
            model=model,
            version=version,
            destination=destination,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            extra_body=extra_body,
        ).with_options(request_options(timeout, extra_headers, extra_query))
        return run_sync(_raw_training(self._config, call), self._http)

    def get(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> RawResponse[Training]:
        """`Trainings.get`, with the HTTP answer."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.get(self._config, training_id).with_options(options)
        return run_sync(_raw_training(self._config, call), self._http)

    def cancel(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> RawResponse[Training]:
        """`Trainings.cancel`, with the HTTP answer."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.cancel(self._config, training_id).with_options(options)
        return run_sync(_raw_training(self._config, call), self._http)


class AsyncTrainings:
    """The training operations, for asyncio. Reach it as `client.trainings`."""

    def __init__(self, config: ClientConfig, http: httpx.AsyncClient) -> None:
        self._config, self._http = config, http

    @property
    def with_raw_response(self) -> AsyncTrainingsWithRawResponse:
        """`create`, `get` and `cancel` returning a `RawResponse`; see `Trainings`."""
        return AsyncTrainingsWithRawResponse(self._config, self._http)

    async def create(
        self,
        ref: str | None = None,
        *,
        model: str | None = None,
        version: str | None = None,
        destination: str,
        input: Mapping[str, Any],
        webhook: str | None = None,
        webhook_events_filter: Iterable[str] | None = None,
        timeout: TimeoutOption = DEFAULT,  # noqa: ASYNC109 - per request, as on Trainings
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
        reconcile: bool = False,
    ) -> Training:
        """Start a training; see `Trainings.create`."""
        call = _operations.create(
            self._config,
            ref=ref,
            model=model,
            version=version,
            destination=destination,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            extra_body=extra_body,
        ).with_options(request_options(timeout, extra_headers, extra_query))
        program = creating(self._config, call, reconcile=_flag(reconcile))
        return await run_async(program, self._http)

    async def get(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,  # noqa: ASYNC109 - per request, as on Trainings
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Training:
        """The current state of a training."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.get(self._config, training_id).with_options(options)
        return await run_async(_training(self._config, call), self._http)

    async def cancel(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,  # noqa: ASYNC109 - per request, as on Trainings
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Training:
        """Cancel a training; a finished one comes back unchanged."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.cancel(self._config, training_id).with_options(options)
        return await run_async(_training(self._config, call), self._http)

    def list(
        self,
        *,
        cursor: str | None = None,
        timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AsyncPager:
        """Every training, newest first, for `async for`; see `Trainings.list`."""
        options = _list_options(timeout, extra_headers, extra_query)
        first = _operations.list_first_page(self._config, cursor).with_options(options)
        return AsyncPager(self._http, self._config, first)

    def watch(
        self,
        training_or_id: Training | str,
        *,
        timeout: float | None = None,
        poll_interval: float | None = None,
        request_timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> AsyncIterator[Training]:
        """`async for` each new state until terminal; see `Trainings.watch`."""
        options = _poll_options(request_timeout, extra_headers, extra_query)
        program = watching(
            self._config,
            training_or_id,
            timeout=timeout,
            poll_interval=poll_interval,
            options=options,
        )
        return stream_async(program, self._http)

    async def wait(
        self,
        training_or_id: Training | str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the contract's name, a wait deadline
        poll_interval: float | None = None,
        request_timeout: TimeoutOption = DEFAULT,
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> Training:
        """Poll until terminal and return it; see `Trainings.wait`."""
        options = _poll_options(request_timeout, extra_headers, extra_query)
        program = waiting(
            self._config,
            training_or_id,
            timeout=timeout,
            poll_interval=poll_interval,
            options=options,
        )
        return await run_async(program, self._http)


class AsyncTrainingsWithRawResponse:
    """`client.trainings.with_raw_response` on AsyncClient; see `TrainingsWithRawResponse`."""

    def __init__(self, config: ClientConfig, http: httpx.AsyncClient) -> None:
        self._config, self._http = config, http

    async def create(
        self,
        ref: str | None = None,
        *,
        model: str | None = None,
        version: str | None = None,
        destination: str,
        input: Mapping[str, Any],
        webhook: str | None = None,
        webhook_events_filter: Iterable[str] | None = None,
        timeout: TimeoutOption = DEFAULT,  # noqa: ASYNC109 - per request, as on Trainings
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> RawResponse[Training]:
        """`AsyncTrainings.create`, with the HTTP answer."""
        call = _operations.create(
            self._config,
            ref=ref,
            model=model,
            version=version,
            destination=destination,
            input=input,
            webhook=webhook,
            webhook_events_filter=webhook_events_filter,
            extra_body=extra_body,
        ).with_options(request_options(timeout, extra_headers, extra_query))
        return await run_async(_raw_training(self._config, call), self._http)

    async def get(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,  # noqa: ASYNC109 - per request, as on Trainings
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> RawResponse[Training]:
        """`AsyncTrainings.get`, with the HTTP answer."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.get(self._config, training_id).with_options(options)
        return await run_async(_raw_training(self._config, call), self._http)

    async def cancel(
        self,
        training_id: str,
        *,
        timeout: TimeoutOption = DEFAULT,  # noqa: ASYNC109 - per request, as on Trainings
        extra_headers: Headers | None = None,
        extra_query: Query | None = None,
    ) -> RawResponse[Training]:
        """`AsyncTrainings.cancel`, with the HTTP answer."""
        options = request_options(timeout, extra_headers, extra_query)
        call = _operations.cancel(self._config, training_id).with_options(options)
        return await run_async(_raw_training(self._config, call), self._http)


def _list_options(timeout: object, extra_headers: object, extra_query: object) -> RequestOptions:
    return request_options(timeout, extra_headers, extra_query, named_query=("cursor",))


def _poll_options(
    request_timeout: object, extra_headers: object, extra_query: object
) -> RequestOptions:
    return request_options(
        request_timeout, extra_headers, extra_query, timeout_name="request_timeout"
    )


_Http = TypeVar("_Http", httpx.Client, httpx.AsyncClient)
_Ops = TypeVar("_Ops", Trainings, AsyncTrainings)


class _BaseClient(Generic[_Http, _Ops]):
    """Settings and connections shared by Client and AsyncClient; only I/O types differ."""

    _http_type: type[_Http]
    _own_http_type: type[_Http]
    _trainings_type: Callable[[ClientConfig, _Http], _Ops]
    _config: ClientConfig
    _http: _Http
    trainings: _Ops
    """The training operations: create, get, cancel, list, watch, wait."""

    def __init__(
        self,
        token: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | _Default | None = DEFAULT,
        max_retries: int | RetryPolicy = DEFAULT_MAX_RETRIES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: _Http | None = None,
        allow_insecure_http: bool = False,
    ) -> None:
        if http_client is not None and not isinstance(http_client, self._http_type):
            raise TypeError(
                f"http_client must be an httpx.{self._http_type.__name__}, "
                f"not {type(http_client).__name__}"
            )
        if isinstance(timeout, _Default):
            timeout = http_client.timeout if http_client is not None else DEFAULT_TIMEOUT
        config = ClientConfig.resolve(
            token,
            base_url,
            timeout,
            max_retries,
            max_response_bytes,
            allow_insecure_http=allow_insecure_http,
        )
        self._owns_http = http_client is None
        if http_client is None:
            config = dataclasses.replace(config, preset_headers=True)
            http_client = self._own_http_type(
                timeout=config.timeout, headers=config.headers, trust_env=config.trust_env
            )
        else:
            adopt(http_client)
        self._connect(config, http_client)

    def _connect(self, config: ClientConfig, http: _Http) -> None:
        self._config, self._http = config, http
        self.trainings = self._trainings_type(config, http)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | _Default | None = DEFAULT,
        max_retries: int | RetryPolicy | None = None,
        max_response_bytes: int | None = None,
    ) -> Self:
        """A client sharing this one's connections, with another timeout, retry policy or
        size limit."""
        config = self._config.with_options(
            self._config.timeout if isinstance(timeout, _Default) else timeout,
            self._config.retry if max_retries is None else max_retries,
            max_response_bytes,
        )
        clone = copy.copy(self)
        clone._owns_http = False
        clone._connect(config, self._http)
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={str(self._config.base_url)!r})"


class Client(_BaseClient[httpx.Client, Trainings]):
    """A blocking client. Token from `token=` or REPLICATE_API_TOKEN; base URL from
    `base_url=`, REPLICATE_BASE_URL, or https://api.replicate.com/v1.

    Pass `http_client=` to use your own `httpx.Client` (proxies, transports); it is then
    yours to close. `timeout` is a deadline for each request as a whole, body included;
    `max_retries=0` turns retries off, and a `RetryPolicy` sets the backoff too;
    `max_response_bytes` caps an answer's decoded size. `with_options()` changes any of
    them for some calls. After `close()`, calls raise ClientClosedError.
    """

    _http_type = httpx.Client
    _own_http_type = OwnClient
    _trainings_type = Trainings

    def close(self) -> None:
        """Close the connections, unless the httpx.Client was passed in."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_BaseClient[httpx.AsyncClient, AsyncTrainings]):
    """An asyncio client; the same settings as `Client`, with an `httpx.AsyncClient`."""

    _http_type = httpx.AsyncClient
    _own_http_type = OwnAsyncClient
    _trainings_type = AsyncTrainings

    async def close(self) -> None:
        """Close the connections, unless the httpx.AsyncClient was passed in."""
        if self._owns_http:
            check_loop(self._http)
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
