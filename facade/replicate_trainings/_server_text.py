"""Text from a server, as it may appear in an error message or a log line.

A server can put anything in a title, a detail, an id or a status line: a credential
echoed back, line breaks that forge log lines, escape sequences that drive a terminal,
a megabyte of text. `scrub` takes out credentials; `shown` makes text one bounded line;
`quoted` does both, scrub first, then cut: a token cut in two would no longer be found.
"""

from __future__ import annotations

import re

LIMIT = 300
"""The most characters of server text one message shows (escapes included)."""

_CREDENTIALS = re.compile(
    r"""(?ix)
    ( authorization ["']? \s* [:=] \s* ["']? )  # a header or field named Authorization
      [^"'\r\n<>,;}]*                           # ... its value, to the end of the line
    | (?<![A-Za-z0-9]) ( bearer ) \s+ [A-Za-z0-9._~+/=-]+  # a bearer credential anywhere
    """
)


def scrub(text: str, token: str) -> str:
    """`text` without the token and without any Authorization value or bearer credential.

    Server text reaches error messages, and a proxy's error page may echo the request's
    headers: what was sent as a credential never shows in str(error) or a log line.
    """
    if token:
        text = text.replace(token, "[redacted]")
    return _CREDENTIALS.sub(_redacted, text)


def _redacted(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        return f"{match.group(1)}[redacted]"
    return f"{match.group(2)} [redacted]"


def shown(text: str, limit: int = LIMIT) -> str:
    """`text` as one line of at most `limit` characters plus a mark when cut
    ("…[+N chars]", N the characters left out): every character that is not printable
    (C0 and C1 controls, ESC, line breaks, tabs, bidi and other format characters) is
    written as its Python escape (`\\x1b`, `\\n`, `\\u202e`)."""
    parts: list[str] = []
    size = 0
    for used, char in enumerate(text):
        part = char if char.isprintable() else repr(char)[1:-1]
        size += len(part)
        if size > limit:
            return "".join(parts) + f"…[+{len(text) - used} chars]"
        parts.append(part)
    return "".join(parts)


def quoted(text: str, token: str) -> str:
    """Server text for a message: scrubbed of credentials, then one bounded line."""
    return shown(scrub(text, token))
