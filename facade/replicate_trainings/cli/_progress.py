"""Following a training: the watch loop, the live status line, and what changed between states.

The loop runs on `AsyncClient.watch` inside `asyncio.timeout`, so `wait --timeout` ends
on time even while a poll is in flight, and Ctrl-C (which `asyncio.run` turns into a
cancellation) stops it cleanly without cancelling the training.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from replicate_trainings import AsyncClient, Training

from ._render import duration, last_log_line, printable, status_of, status_style

__all__ = ["Board", "Changes", "FollowTimeout", "StatusLine", "follow", "live"]


class FollowTimeout(Exception):
    """`follow` ran out of time; `training` is the last state seen."""

    def __init__(self, training: Training) -> None:
        super().__init__(training.id)
        self.training = training


async def follow(
    client: AsyncClient,
    training: Training,
    on_state: Callable[[Training], None],
    *,
    within: float | None = None,
    poll_interval: float | None = None,
) -> Training:
    """Watch `training` until it is over, passing each new state to `on_state`; return the last.

    FollowTimeout after `within` seconds (None: no limit).
    """
    last = training
    try:
        async with asyncio.timeout(within):
            async for state in client.trainings.watch(training, poll_interval=poll_interval):
                last = state
                on_state(state)
    except TimeoutError:
        raise FollowTimeout(last) from None
    return last


class StatusLine:
    """The line redrawn while following: spinner, status, elapsed time, last log line.

    Elapsed time counts from the training's `created_at` when the answer had one, else
    from when this line was made; rich redraws it several times a second.
    """

    def __init__(self, training: Training, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        now = clock()
        self._since = min(now, _seconds(training.created_at, default=now))
        self._spinner = Spinner("dots", style="cyan")
        self.training = training

    def update(self, training: Training) -> None:
        self.training = training

    def __rich__(self) -> Text:
        status = status_of(self.training)
        text = Text(no_wrap=True, overflow="ellipsis")
        frame = self._spinner.render(time.monotonic())
        text.append_text(frame if isinstance(frame, Text) else Text(str(frame)))
        text.append(" ")
        text.append(printable(status), style=status_style(status))
        text.append(f"  {duration(max(0.0, self._clock() - self._since))}")
        line = last_log_line(self.training)
        if line:
            text.append(f"  {line}", style="dim")
        return text


def _seconds(moment: datetime | None, *, default: float) -> float:
    """`moment` as a POSIX time; `default` when there is none or the platform cannot say."""
    if moment is None:
        return default
    try:
        return moment.timestamp()
    except (OverflowError, ValueError, OSError):
        return default


@contextlib.contextmanager
def live(console: Console, line: RenderableType, animate: bool) -> Iterator[None]:
    """Show `line` (or a `Board`) at the bottom of the terminal while the block runs, if
    `animate`.

    What the block prints appears above the line, and the line is gone afterwards.
    """
    if not animate:
        yield
        return
    with Live(line, console=console, refresh_per_second=8, transient=True):
        yield


class Board:
    """The table redrawn while following several trainings: one row per training, in the
    order given, with its status line (spinner, status, elapsed time, last log line), or
    the error that stopped following it."""

    def __init__(self, ids: list[str], clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._since = clock()
        self._spinner = Spinner("dots", style="cyan")
        self._ids = ids
        self._lines: dict[str, StatusLine] = {}
        self._errors: dict[str, str] = {}

    def update(self, training: Training) -> None:
        line = self._lines.get(training.id)
        if line is None:
            self._lines[training.id] = StatusLine(training, self._clock)
        else:
            line.update(training)

    def failed(self, training_id: str, message: str) -> None:
        """Following `training_id` stopped with an error (`message`, printable)."""
        self._errors[training_id] = message

    def __rich__(self) -> Table:
        return self._table(final=False)

    def _frame(self) -> Text:
        frame = self._spinner.render(time.monotonic())
        return frame if isinstance(frame, Text) else Text(str(frame))

    def final(self) -> Table:
        """The table as it ends: each training's last status, without spinners."""
        return self._table(final=True)

    def _table(self, *, final: bool) -> Table:
        table = Table(box=None, show_header=True, pad_edge=False)
        table.add_column("id", no_wrap=True)
        table.add_column("status", no_wrap=True, overflow="ellipsis")
        for training_id in self._ids:
            line = self._lines.get(training_id)
            error = self._errors.get(training_id)
            if error is not None:
                cell = Text(f"error: {error}", style="red", no_wrap=True, overflow="ellipsis")
            elif line is None:  # not seen yet: as_completed shows a training as it ends
                cell = Text("still running" if final else "running", style="cyan")
                if not final:
                    elapsed = duration(max(0.0, self._clock() - self._since))
                    cell = Text.assemble(self._frame(), " ", cell, f"  {elapsed}")
            elif final:
                status = status_of(line.training)
                cell = Text(printable(status), style=status_style(status))
            else:
                cell = line.__rich__()
            table.add_row(printable(training_id), cell)
        return table


class Changes:
    """What is new in each state: a status change, and log lines not shown yet.

    Only complete lines are shown while the training runs (a line still being written
    shows once it ends, or when the training does). Logs that were rewritten rather
    than appended to are shown again from the start.
    """

    def __init__(self, seen: Training | None = None) -> None:
        self._status: str | None = None if seen is None else status_of(seen)
        self._shown = ""
        if seen is not None:
            self.new_lines(seen)

    def new_status(self, training: Training) -> str | None:
        """The status, if it differs from the last one seen."""
        status = status_of(training)
        if status == self._status:
            return None
        self._status = status
        return status

    def new_lines(self, training: Training) -> list[str]:
        logs = training.logs or ""
        if not logs.startswith(self._shown):
            self._shown = ""
        end = len(logs) if training.is_terminal else logs.rfind("\n") + 1
        fresh = logs[len(self._shown) : end]
        if not fresh:
            return []
        self._shown = logs[:end]
        return fresh.splitlines()
