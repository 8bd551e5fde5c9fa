"""A client's settings, resolved once from arguments and the environment."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import random
import sys

import httpx

from . import _arguments
from ._body import ACCEPT_ENCODING
from ._clock import SYSTEM_CLOCK, Clock
from ._retry import RetryPolicy
from ._version import __version__

DEFAULT_BASE_URL = "https://api.replicate.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
_PYTHON = ".".join(map(str, sys.version_info[:3]))  # platform.python_version(), sans import
USER_AGENT = f"replicate-trainings/{__version__} python/{_PYTHON} httpx/{httpx.__version__}"


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
        url = _base_url(
            base_url
            if base_url is not None
            else os.environ.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL
        )
        _check_plain_http(url, allow_insecure_http)
        return cls(
            base_url=url,
            token=_token(token if token is not None else os.environ.get("REPLICATE_API_TOKEN")),
            timeout=_arguments.timeout("timeout", timeout),
            retry=_retry(max_retries),
            max_response_bytes=_max_response_bytes(max_response_bytes),
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
            else _max_response_bytes(max_response_bytes),
        )

    @property
    def headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        }

    @property
    def trust_env(self) -> bool:
        """Whether the httpx client the facade makes reads proxies (and TLS settings) from
        the environment: for https only, as a proxy of a plain-HTTP URL reads the token."""
        return self.base_url.scheme == "https"

    def url(self, path: str) -> str:
        """The absolute URL of an API path such as '/trainings'."""
        return str(self.base_url) + path


def _token(value: object) -> str:
    if value is None:
        raise ValueError(
            "no Replicate API token: pass Client(token=...) or set REPLICATE_API_TOKEN"
        )
    if not isinstance(value, str):
        raise TypeError(f"token must be a string, not {type(value).__name__}")
    token = value.strip()
    if not token:
        raise ValueError("the Replicate API token is empty: pass token= or set REPLICATE_API_TOKEN")
    if not token.isascii() or not token.isprintable() or " " in token:
        raise ValueError("the Replicate API token has characters a token cannot have")
    return token


def _base_url(value: object) -> httpx.URL:
    if not isinstance(value, str | httpx.URL):
        raise TypeError(f"base_url must be a URL string, not {type(value).__name__}")
    try:
        url = httpx.URL(str(value).rstrip("/"))
        host = url.host  # decoded lazily: a bad IDNA label fails only here
    except (httpx.InvalidURL, ValueError) as exc:  # UnicodeError (IDNA) is a ValueError
        raise ValueError(f"base_url is not a valid URL: {str(value)!r} ({exc})") from None
    if url.scheme not in ("http", "https") or not host:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {str(value)!r}")
    if url.port is not None and not 0 < url.port < 65536:
        raise ValueError(f"base_url has port {url.port}, outside 1-65535")
    if "?" in str(value) or "#" in str(value):
        raise ValueError(f"base_url must not have a query or fragment, got {str(value)!r}")
    return url


def _check_plain_http(url: httpx.URL, allowed: object) -> None:
    """Refuse to send the token in clear text over a network: an http:// base URL must be
    on this machine (a loopback address, `localhost`, `*.localhost`) or a `*.test` name,
    which no DNS resolves, unless the caller passes allow_insecure_http=True."""
    if not isinstance(allowed, bool):
        raise TypeError(f"allow_insecure_http must be a bool, not {type(allowed).__name__}")
    if url.scheme != "http" or allowed or local_host(url.host):
        return
    raise ValueError(
        f"base_url {str(url)!r} is plain HTTP to another machine: the token would cross the "
        "network in clear text. Use https://, or pass allow_insecure_http=True"
    )


def local_host(host: str) -> bool:
    """A host that plain HTTP may carry the token to: this machine, or a reserved test name."""
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".test")):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _retry(value: object) -> RetryPolicy:
    if isinstance(value, RetryPolicy):
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_retries must be an int or a RetryPolicy, not {type(value).__name__}")
    return RetryPolicy(max_retries=value)


def _max_response_bytes(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"max_response_bytes must be an int, not {type(value).__name__}")
    if value < 1:
        raise ValueError(f"max_response_bytes must be 1 or more, got {value}")
    return value
