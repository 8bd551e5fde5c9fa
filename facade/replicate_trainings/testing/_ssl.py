"""One verifying TLS context for every httpx client this package makes.

Building a default context loads the system's CA store (tens of ms); clients
made per test (fixtures, webhook senders) share this one instead.
"""

from __future__ import annotations

import ssl
from functools import cache


@cache
def shared_ssl_context() -> ssl.SSLContext:
    """A default, certificate-verifying context, built once."""
    return ssl.create_default_context()
