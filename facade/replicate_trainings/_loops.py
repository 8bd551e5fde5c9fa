"""Which event loop an httpx.AsyncClient belongs to: its connections live in the loop that
opened them, so using it from another loop is refused with a clear error."""

from __future__ import annotations

import weakref
from typing import Any

import httpx

_loops: weakref.WeakKeyDictionary[httpx.AsyncClient, Any] = weakref.WeakKeyDictionary()


def check_loop(http: httpx.AsyncClient) -> None:
    """The clear RuntimeError if `http` was first used in another event loop than this one."""
    import asyncio  # noqa: PLC0415 - only async users pay for importing asyncio

    if http in _loops:
        enter_loop(http, asyncio.get_running_loop())


def enter_loop(http: httpx.AsyncClient, loop: Any) -> None:
    """Bind `http` to `loop` on first use; the clear RuntimeError if it belongs to another."""
    first = _loops.setdefault(http, loop)
    if first is not loop:
        raise RuntimeError(
            "this AsyncClient was first used in another event loop; its connections belong "
            "to that loop. Create one AsyncClient per event loop (for example, per asyncio.run())."
        )
