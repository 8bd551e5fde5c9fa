"""`create(..., reconcile=True)`: after a create that may have acted, find what it made.

A create that failed after it may have reached the server (a 5xx, a connection lost after
sending) is never sent again: a second paid training is worse than an error. Instead the
newest trainings are listed (an idempotent call, retried as any) for one with the same
model, version, input (and destination, when the listing shows it) created no earlier
than the moment the request left, less CLOCK_SKEW. Exactly one match is the answer;
none or several, and the original error is raised, `may_have_acted` still True.
Inputs match as JSON values (`same_json`): `true` is not `1`, though `1` is `1.0`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Never, TypeVar

import httpx

from . import errors
from ._config import ClientConfig
from ._effects import Emit, Program
from ._pipeline import Call, request
from .pagination import Page, walk
from .training import Training

CLOCK_SKEW = 60.0
"""Seconds the server's clock may run behind this machine's and a match still count."""
MAX_PAGES = 5
"""Pages of the newest trainings looked through at most (500 trainings)."""

_E = TypeVar("_E")


@dataclasses.dataclass(frozen=True, slots=True)
class Wanted:
    """What the create asked for, as a listed training shows it."""

    model: str
    version: str
    input: object
    destination: str | None
    listing: Call
    """The first page of the newest trainings, with the create's headers and timeout (a
    proxy may need a tenant header)."""

    def made(self, training: Training, since: datetime) -> bool:
        """True if `training` could be the one this create made (created at `since` or later).

        A training without `created_at` or `model` cannot be matched: it is skipped.
        """
        created: datetime | None = training.created_at
        model: str | None = training.model
        if created is None or model is None or created < since:
            return False
        if model != self.model or training.version != self.version:
            return False
        if not same_json(training.input, self.input):
            return False
        destination = training.to_dict().get("destination")
        return self.destination is None or destination in (None, self.destination)


def same_json(one: object, other: object) -> bool:
    """True if two decoded JSON values are the same JSON value, at any depth.

    Python's `==` takes `True` for `1`; JSON does not: a boolean equals only a boolean,
    null only null, a string only a string. Numbers compare by value, so `1` is `1.0`
    (JSON has one number type; a server may write either). Iterative: inputs may nest
    deeper than Python recursion goes.
    """
    todo: list[tuple[Any, Any]] = [(one, other)]
    while todo:
        a, b = todo.pop()
        kind = _json_kind(a)
        if kind is None or kind != _json_kind(b):
            return False
        if kind == "object":
            if a.keys() != b.keys():
                return False
            todo.extend((a[key], b[key]) for key in a)
        elif kind == "array":
            if len(a) != len(b):
                return False
            todo.extend(zip(a, b, strict=True))
        elif a != b:
            return False
    return True


def _json_kind(value: object) -> str | None:
    """The JSON type of a decoded value (`bool` looked at before `int`, which it subclasses)."""
    for kind, python in _JSON_KINDS:
        if isinstance(value, python):
            return kind
    return None


_JSON_KINDS: tuple[tuple[str, type | tuple[type, ...]], ...] = (
    ("null", type(None)),
    ("boolean", bool),
    ("number", (int, float)),
    ("string", str),
    ("object", Mapping),
    ("array", (list, tuple)),
)


def creating(config: ClientConfig, call: Call, wanted: Wanted) -> Program[Never, Training]:
    """Send the create once; if it may have acted, look for what it made."""
    sent_at = config.clock.time()
    try:
        return (yield from request(config, call, Training._from_decoded))
    except errors.ReplicateError as failure:
        if not failure.may_have_acted:
            raise
        original = failure
    since = datetime.fromtimestamp(sent_at - CLOCK_SKEW, UTC)
    try:
        matches = yield from _newest_matching(config, wanted, since)
    except errors.ReplicateError as listing_failed:
        original.add_note(f"reconcile: listing the newest trainings failed: {listing_failed}")
        raise original  # noqa: B904 - the create's error, with the listing's as its context
    if len(matches) == 1:
        return matches[0]
    original.add_note(
        f"reconcile: {len(matches)} trainings of {wanted.model}:{wanted.version} with this "
        f"input were created since {since.isoformat()}; expected exactly one"
        + (f": {', '.join(t.id for t in matches[:10])}" if matches else "")
    )
    raise original


def _newest_matching(
    config: ClientConfig, wanted: Wanted, since: datetime
) -> Program[Never, list[Training]]:
    """The trainings among the newest that `wanted` could have made, newest first."""
    matches: list[Training] = []
    pages = 0

    def take(page: Page) -> bool:
        nonlocal pages
        pages += 1
        matches.extend(t for t in page.results if wanted.made(t, since))
        oldest = [t.created_at for t in page.results if t.created_at is not None]
        reached = bool(oldest) and min(oldest) < since  # older pages were made before it
        return not reached and pages < MAX_PAGES

    yield from _inside(walk(config, wanted.listing), take)
    return matches


def _inside(program: Program[_E, object], take: Callable[[_E], bool]) -> Program[Never, None]:
    """Run `program` as part of this one, handing each value it emits to `take` instead of
    the driver; stop it when `take` returns False. Its sends and sleeps go to the driver."""
    reply: Any = None
    error: httpx.HTTPError | None = None
    try:
        while True:
            try:
                effect = program.throw(error) if error is not None else program.send(reply)
            except StopIteration:
                return
            reply, error = None, None
            if isinstance(effect, Emit):
                if not take(effect.value):
                    return
                continue
            try:
                reply = yield effect
            except httpx.HTTPError as exc:
                error = exc
    finally:
        program.close()
