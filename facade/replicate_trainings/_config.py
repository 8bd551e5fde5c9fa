"""A client's settings, resolved once from arguments and the environment."""

from __future__ import annotations

import dataclasses
import os
import random
import sys
from collections.abc import Mapping

import httpx

from . import _arguments, errors
from ._body import ACCEPT_ENCODING, DEFAULT_MAX_RESPONSE_BYTES
from ._budget import Budget, RateBudget
from ._clock import SYSTEM_CLOCK, Clock
from ._version import __version__

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
_PYTHON = ".".join(map(str, sys.version_info[:3]))  # platform.python_version(), sans import
USER_AGENT = f"replicate-trainings/{__version__} python/{_PYTHON} httpx/{httpx.__version__}"
"""The library's product tokens (RFC 9110 User-Agent), after any of the caller's own."""
_HTTPX_AGENT = f"python-httpx/{httpx.__version__}"
"""The User-Agent of an httpx client given no other: not the caller's product."""


def user_agent(caller: str | None) -> str:
    """The User-Agent sent: the caller's product tokens first (`mysdk/1.0`), then ours."""
    if not caller or caller == _HTTPX_AGENT:
        return USER_AGENT
    return f"{caller} {USER_AGENT}"


# -- when to retry a request and how long to wait first ---------------------------------
#
# One rule says what is transient ("not now" rather than "never": 408, 429, 5xx, no
# answer); retries (`should_retry_*`) and polling (`is_transient`) both ask it.
#
# Hand-written rather than taken from a retry library (tenacity, stamina): the decision
# depends on what the API said (status, Retry-After, retry-after-ms) and on whether the
# request may already have acted, and the waiting is done by the sync or async driver,
# so a library would add a dependency and still leave all of this here.


@dataclasses.dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to retry, and the exponential backoff with jitter between tries."""

    max_retries: int = 2
    """Retries of a failed request after the first try; 0 turns them off."""
    initial_delay: float = 0.5
    """Seconds before the first retry, doubling with each retry up to `max_delay`."""
    max_delay: float = 8.0
    """The longest backoff between tries, in seconds (jitter over its upper half)."""
    max_retry_after: float = 60.0
    """The longest wait a server's Retry-After (or "resets in") is honoured for."""

    def __post_init__(self) -> None:
        _arguments.count("max_retries", self.max_retries)
        for name in ("initial_delay", "max_delay", "max_retry_after"):
            _arguments.seconds(name, getattr(self, name), allow_zero=True, most=3600)

    def delay(
        self,
        retry: int,
        response: httpx.Response | None = None,
        *,
        rng: random.Random | None = None,
        now: float | None = None,
    ) -> float:
        """Seconds to wait before retry number `retry` (0-based).

        The server's wait wins (Retry-After, retry-after-ms, or a 429 body's "resets in
        ~N s"; see `errors.server_wait`), capped at max_retry_after; otherwise the delay
        doubles from initial_delay up to max_delay, with jitter over its upper half.
        `rng` draws the jitter and `now` (POSIX seconds) reads a Retry-After date; both
        come from the client's config, so tests can fix them.
        """
        hinted = errors.server_wait(response, now=now) if response is not None else None
        if hinted is not None:
            return min(hinted, self.max_retry_after)
        ceiling = min(self.max_delay, self.initial_delay * 2**retry)
        return (rng or random).uniform(ceiling / 2, ceiling)


@dataclasses.dataclass(frozen=True, slots=True)
class ClientConfig:
    """Everything a request needs besides I/O. The token is kept out of the repr."""

    base_url: httpx.URL
    token: str = dataclasses.field(repr=False)
    timeout: httpx.Timeout
    retry: RetryPolicy
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    """The most an answer's body may hold, decoded; a larger one is a ResponseParseError."""
    preset_headers: bool = False
    """True when the facade made the httpx client, with `headers` as its own: requests
    then skip httpx's per-request header merge (it cost 5% of a `get`)."""
    clock: Clock = dataclasses.field(default=SYSTEM_CLOCK, repr=False)
    """Every read of time and every sleep of the programs (tests give a manual clock)."""
    rng: random.Random = dataclasses.field(default_factory=random.Random, repr=False, compare=False)
    """The random source of backoff jitter (tests give a seeded one)."""
    budget: Budget | None = dataclasses.field(default=None, repr=False, compare=False)
    """The client's rate budget, shared by its clones (`with_options` keeps it); None: off."""
    default_headers: dict[str, str] = dataclasses.field(default_factory=dict, repr=False)
    """The caller's headers for every request (`default_headers=`), checked; a User-Agent
    among them goes before the library's own product token (`headers`)."""
    default_query: dict[str, str] = dataclasses.field(default_factory=dict)
    """The caller's query parameters for every request (`default_query=`), checked."""

    @classmethod
    def resolve(
        cls,
        token: str | None,
        base_url: str | httpx.URL | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int | RetryPolicy,
        max_response_bytes: object = DEFAULT_MAX_RESPONSE_BYTES,
        *,
        allow_insecure_http: object = False,
    ) -> ClientConfig:
        url = _arguments.base_url(
            base_url
            if base_url is not None
            else os.environ.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL,
            allow_insecure_http,
        )
        return cls(
            base_url=url,
            token=_arguments.token(
                token if token is not None else os.environ.get("REPLICATE_API_TOKEN")
            ),
            timeout=_arguments.timeout("timeout", timeout),
            retry=_retry(max_retries),
            max_response_bytes=_arguments.count("max_response_bytes", max_response_bytes, least=1),
        )

    def with_options(
        self,
        timeout: float | httpx.Timeout | None,
        max_retries: int | RetryPolicy,
        max_response_bytes: object = None,
    ) -> ClientConfig:
        return dataclasses.replace(
            self,
            timeout=_arguments.timeout("timeout", timeout),
            retry=_retry(max_retries),
            max_response_bytes=self.max_response_bytes
            if max_response_bytes is None
            else _arguments.count("max_response_bytes", max_response_bytes, least=1),
        )

    def with_defaults(
        self, headers: object = None, query: object = None, *, agent: str | None = None
    ) -> ClientConfig:
        """This config with more default headers and query parameters (checked as
        `extra_headers` and `extra_query` are), each replacing one of the same name.
        `agent`: the User-Agent of the caller's own httpx client, kept unless `headers`
        names one (httpx's own default is not the caller's product)."""
        added = _arguments.headers(headers, "default_headers")
        if agent and agent != _HTTPX_AGENT and "user-agent" not in map(str.lower, added):
            added = {"User-Agent": agent, **added}
        named = {name.lower() for name in added}
        kept = {k: v for k, v in self.default_headers.items() if k.lower() not in named}
        more = _arguments.query(query, ("cursor",), "default_query")
        if not added and not more:
            return self
        return dataclasses.replace(
            self,
            default_headers={**kept, **added},
            default_query={**self.default_query, **more},
        )

    def with_budget(self, limits: object) -> ClientConfig:
        """This config with a new rate budget under `limits` (a `RateBudget`; None: off)."""
        if limits is not None and not isinstance(limits, RateBudget):
            raise TypeError(
                f"rate_budget must be a RateBudget or None, not {type(limits).__name__}"
            )
        return dataclasses.replace(self, budget=None if limits is None else Budget(limits))

    @property
    def headers(self) -> dict[str, str]:
        """Every request's headers: the library's, then the caller's `default_headers`
        (replacing any of the same name; a User-Agent is put before the library's)."""
        headers = {
            "Authorization": f"Bearer {self.token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        for name, value in self.default_headers.items():
            if name.lower() == "user-agent":
                headers["User-Agent"] = user_agent(value)
                continue
            for key in [key for key in headers if key.lower() == name.lower()]:
                del headers[key]
            headers[name] = value
        return headers

    @property
    def trust_env(self) -> bool:
        """Whether the httpx client the facade makes reads proxies (and TLS settings) from
        the environment: for https only, as a proxy of a plain-HTTP URL reads the token."""
        return self.base_url.scheme == "https"

    def url(self, path: str, params: Mapping[str, str] | None = None) -> httpx.URL:
        """The absolute URL of an API path such as '/trainings' (with its query), parsed
        once: every later step (options, sending, logging, pages) works on this value."""
        url = httpx.URL(str(self.base_url) + path)
        return url.copy_merge_params(params) if params else url


def _retry(value: object) -> RetryPolicy:
    if isinstance(value, RetryPolicy):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_retries must be an int or a RetryPolicy, not {type(value).__name__}")
    return RetryPolicy(max_retries=value)
