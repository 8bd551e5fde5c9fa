"""`Client` and `AsyncClient`: the entry points, with `client.trainings.<operation>()`.

Each method is a view of one operation of `_operations` (its parameters, docstring and
checks): blocking, asyncio or with the raw response, only the driver that runs it
differs (`_effects`).
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Mapping
from types import TracebackType
from typing import Any, Concatenate, Generic, Never, ParamSpec, Self, TypeVar

import httpx

from . import _many, _operations
from ._body import DEFAULT_MAX_RESPONSE_BYTES
from ._budget import RateBudget
from ._config import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    ClientConfig,
    RetryPolicy,
)
from ._effects import Program, run_async, run_sync, stream_async, stream_sync
from ._operations import TrainingCall, answer, raw_answer
from ._options import NOT_GIVEN, NotGiven, given_or
from ._pipeline import Call
from ._polling import Watchlist
from ._raw import RawResponse
from ._transport import OwnAsyncClient, OwnClient, adopt, check_loop
from .pagination import AsyncPager, Pager
from .training import Training

_P = ParamSpec("_P")
_D = TypeVar("_D")
_T = TypeVar("_T")
_F = TypeVar("_F", bound=Callable[..., Any])
_Http = TypeVar("_Http", httpx.Client, httpx.AsyncClient)

__all__ = [
    "AsyncClient",
    "AsyncTrainings",
    "AsyncTrainingsWithRawResponse",
    "Client",
    "Trainings",
    "TrainingsWithRawResponse",
]


def _view(
    describe: Callable[Concatenate[ClientConfig, _P], _D],
    drive: Callable[[Any, ClientConfig, _D], _T],
) -> Callable[Concatenate[Any, _P], _T]:
    """A method of a client's `trainings`: the operation `describe` (its parameters,
    docstring and checks, run when called), then `drive` with the client's connections."""

    def method(self: _Operations[Any], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return drive(self._http, self._config, describe(self._config, *args, **kwargs))

    return _described(method, describe)


def _async_view(
    describe: Callable[Concatenate[ClientConfig, _P], _D],
    drive: Callable[[Any, ClientConfig, _D], Awaitable[_T]],
) -> Callable[Concatenate[Any, _P], Coroutine[None, None, _T]]:
    """As `_view`, for a coroutine method: `await client.trainings.get(...)`."""

    async def method(self: _Operations[Any], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        return await drive(self._http, self._config, describe(self._config, *args, **kwargs))

    return _described(method, describe)


def _described(method: _F, describe: Callable[..., object]) -> _F:
    """`method` as help() and IDEs should show it: the operation's name (less the trailing
    underscore of `list_`, named so as not to shadow the builtin), docstring and signature,
    with `self` where the operation takes the client's config."""
    signature = inspect.signature(describe)
    parameters = [*signature.parameters.values()][1:]
    method.__name__ = method.__qualname__ = describe.__name__.rstrip("_")
    method.__doc__ = describe.__doc__
    method.__module__ = __name__
    self = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    method.__signature__ = signature.replace(parameters=[self, *parameters])  # type: ignore[attr-defined]
    return method


# The drivers: what each kind of method does with what its operation described.


def _run(http: httpx.Client, config: ClientConfig, described: TrainingCall) -> Training:
    return run_sync(answer(config, described), http)


def _run_raw(
    http: httpx.Client, config: ClientConfig, described: TrainingCall
) -> RawResponse[Training]:
    return run_sync(raw_answer(config, described), http)


async def _arun(http: httpx.AsyncClient, config: ClientConfig, described: TrainingCall) -> Training:
    return await run_async(answer(config, described), http)


async def _arun_raw(
    http: httpx.AsyncClient, config: ClientConfig, described: TrainingCall
) -> RawResponse[Training]:
    return await run_async(raw_answer(config, described), http)


def _pages(http: httpx.Client, config: ClientConfig, first: Call) -> Pager:
    return Pager(http, config, first)


def _apages(http: httpx.AsyncClient, config: ClientConfig, first: Call) -> AsyncPager:
    return AsyncPager(http, config, first)


def _result(
    http: httpx.Client, config: ClientConfig, program: Program[Never, Training]
) -> Training:
    return run_sync(program, http)


async def _aresult(
    http: httpx.AsyncClient, config: ClientConfig, program: Program[Never, Training]
) -> Training:
    return await run_async(program, http)


def _stream(
    http: httpx.Client, config: ClientConfig, program: Program[Training, Training]
) -> Iterator[Training]:
    return stream_sync(program, http)


def _astream(
    http: httpx.AsyncClient, config: ClientConfig, program: Program[Training, Training]
) -> AsyncIterator[Training]:
    return stream_async(program, http)


def _all(http: httpx.Client, config: ClientConfig, watchlist: Watchlist) -> list[Training]:
    return run_sync(_many.watch_all(config, watchlist), http)


async def _aall(
    http: httpx.AsyncClient, config: ClientConfig, watchlist: Watchlist
) -> list[Training]:
    return await run_async(_many.watch_all(config, watchlist), http)


def _completed(
    http: httpx.Client, config: ClientConfig, watchlist: Watchlist
) -> Iterator[Training]:
    return stream_sync(_many.watch_all(config, watchlist, emit=True), http)


def _acompleted(
    http: httpx.AsyncClient, config: ClientConfig, watchlist: Watchlist
) -> AsyncIterator[Training]:
    return stream_async(_many.watch_all(config, watchlist, emit=True), http)


class _Operations(Generic[_Http]):
    """The config and connections a client's `trainings` runs its operations with."""

    def __init__(self, config: ClientConfig, http: _Http) -> None:
        self._config: ClientConfig = config
        self._http: _Http = http


class Trainings(_Operations[httpx.Client]):
    """The training operations, blocking. Reach it as `client.trainings`.

    Every method takes per-call options (`CallOptions`): `timeout` (per request, as the
    client's), `extra_headers`, `extra_query`; `watch`, `wait`, `wait_all` and
    `as_completed` take `PollOptions`, with `request_timeout` per request since their
    `timeout` bounds the whole poll.
    """

    create = _view(_operations.create, _run)
    get = _view(_operations.get, _run)
    cancel = _view(_operations.cancel, _run)
    list = _view(_operations.list_, _pages)
    watch = _view(_operations.watch, _stream)
    wait = _view(_operations.wait, _result)
    wait_all = _view(_operations.wait_all, _all)
    as_completed = _view(_operations.as_completed, _completed)

    @property
    def with_raw_response(self) -> TrainingsWithRawResponse:
        """`create`, `get` and `cancel` returning a `RawResponse` (status, headers, parse())."""
        return TrainingsWithRawResponse(self._config, self._http)


class TrainingsWithRawResponse(_Operations[httpx.Client]):
    """`client.trainings.with_raw_response`: the HTTP answer beside the parsed `Training`."""

    create = _view(_operations.create, _run_raw)
    get = _view(_operations.get, _run_raw)
    cancel = _view(_operations.cancel, _run_raw)


class AsyncTrainings(_Operations[httpx.AsyncClient]):
    """The training operations, for asyncio. Reach it as `client.trainings`; see `Trainings`."""

    create = _async_view(_operations.create, _arun)
    get = _async_view(_operations.get, _arun)
    cancel = _async_view(_operations.cancel, _arun)
    list = _view(_operations.list_, _apages)
    watch = _view(_operations.watch, _astream)
    wait = _async_view(_operations.wait, _aresult)
    wait_all = _async_view(_operations.wait_all, _aall)
    as_completed = _view(_operations.as_completed, _acompleted)

    @property
    def with_raw_response(self) -> AsyncTrainingsWithRawResponse:
        """`create`, `get` and `cancel` returning a `RawResponse`; see `Trainings`."""
        return AsyncTrainingsWithRawResponse(self._config, self._http)


class AsyncTrainingsWithRawResponse(_Operations[httpx.AsyncClient]):
    """`client.trainings.with_raw_response` on AsyncClient; see `TrainingsWithRawResponse`."""

    create = _async_view(_operations.create, _arun_raw)
    get = _async_view(_operations.get, _arun_raw)
    cancel = _async_view(_operations.cancel, _arun_raw)


_Ops = TypeVar("_Ops", Trainings, AsyncTrainings)


class _BaseClient(Generic[_Http, _Ops]):
    """Settings and connections shared by Client and AsyncClient; only I/O types differ."""

    _http_type: type[_Http]
    _own_http_type: type[_Http]
    _trainings_type: Callable[[ClientConfig, _Http], _Ops]
    _config: ClientConfig
    _http: _Http
    _trainings: _Ops

    def __init__(
        self,
        token: str | NotGiven | None = None,
        *,
        base_url: str | NotGiven | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | RetryPolicy | NotGiven = DEFAULT_MAX_RETRIES,
        max_response_bytes: int | NotGiven = DEFAULT_MAX_RESPONSE_BYTES,
        http_client: _Http | NotGiven | None = None,
        allow_insecure_http: bool | NotGiven = False,
        default_headers: Mapping[str, str] | NotGiven | None = None,
        default_query: Mapping[str, str | int] | NotGiven | None = None,
        rate_budget: RateBudget | NotGiven | None = NOT_GIVEN,
    ) -> None:
        http_client = given_or(http_client, None)
        if http_client is not None and not isinstance(http_client, self._http_type):
            raise TypeError(
                f"http_client must be an httpx.{self._http_type.__name__}, "
                f"not {type(http_client).__name__}"
            )
        config = ClientConfig.resolve(
            given_or(token, None),
            given_or(base_url, None),
            given_or(timeout, DEFAULT_TIMEOUT if http_client is None else http_client.timeout),
            DEFAULT_MAX_RETRIES if isinstance(max_retries, NotGiven) else max_retries,
            given_or(max_response_bytes, DEFAULT_MAX_RESPONSE_BYTES),
            allow_insecure_http=given_or(allow_insecure_http, False),
        ).with_defaults(
            default_headers,
            default_query,
            agent=None if http_client is None else http_client.headers.get("User-Agent"),
        )
        config = config.with_budget(given_or(rate_budget, RateBudget()))
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
        self._trainings = self._trainings_type(config, http)

    def with_options(
        self,
        *,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int | RetryPolicy | NotGiven | None = NOT_GIVEN,
        max_response_bytes: int | NotGiven | None = NOT_GIVEN,
        default_headers: Mapping[str, str] | NotGiven | None = NOT_GIVEN,
        default_query: Mapping[str, str | int] | NotGiven | None = NOT_GIVEN,
    ) -> Self:
        """A client sharing this one's connections, with another timeout, retry policy or
        size limit; `default_headers` and `default_query` are added to this one's (each
        replacing one of the same name). An argument left out (NOT_GIVEN) keeps this
        client's setting; so does None, except for `timeout`, where None is no limit."""
        config = self._config.with_options(
            given_or(timeout, self._config.timeout),
            self._config.retry
            if max_retries is None or isinstance(max_retries, NotGiven)
            else max_retries,
            given_or(max_response_bytes, None),
        ).with_defaults(default_headers, default_query)
        if config.default_headers != self._config.default_headers:
            # Sent with each request, over the shared httpx client's (the parent's) own.
            config = dataclasses.replace(config, preset_headers=False)
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
    `rate_budget` paces requests under Replicate's limits (a `RateBudget`; None: off), one
    budget shared by the client's clones, threads and tasks.
    """

    _http_type = httpx.Client
    _own_http_type = OwnClient
    _trainings_type = Trainings

    @property
    def trainings(self) -> Trainings:
        """The training operations: create, get, cancel, list, watch, wait, wait_all,
        as_completed."""
        return self._trainings

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

    @property
    def trainings(self) -> AsyncTrainings:
        """The training operations, for asyncio: create, get, cancel, list, watch, wait,
        wait_all, as_completed."""
        return self._trainings

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
