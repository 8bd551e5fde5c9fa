"""The `replicate-trainings` commands: click parses, the facade's AsyncClient does the work.

Every command runs one coroutine under `asyncio.run` (see `_Session.run`), which turns
the library's errors into exit codes and Ctrl-C into a clean stop:

    0 done, or the training succeeded      1 the training ended failed, canceled or aborted
    2 usage error (missing token included) 3 API or connection error
    4 `wait` timed out                     74 its output could not be written
    130 interrupted (the training is not canceled)

Text from the server reaches the screen only through `_render.printable`: the error line,
`--debug` tracebacks and log lines included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterator
from typing import IO, Any, NoReturn

import click
from rich.console import Console
from rich.text import Text

from replicate_trainings import (
    APIConnectionError,
    AsyncClient,
    ReplicateError,
    Training,
    __version__,
)

from ._inputs import parse_events, parse_pairs, read_input_file
from ._progress import Changes, FollowTimeout, StatusLine, follow, live
from ._render import details, printable, row, status_of, summary, to_json

__all__ = ["cli"]

PROG = "replicate-trainings"

SUCCEEDED, ENDED_BADLY, USAGE, API_ERROR, TIMED_OUT, INTERRUPTED = 0, 1, 2, 3, 4, 130
NO_OUTPUT = 74  # EX_IOERR of sysexits.h

Job = Callable[[AsyncClient], Coroutine[Any, Any, int]]


class Failure(click.ClickException):
    """An API or connection error, shown as one `Error: ...` line on stderr."""

    exit_code = API_ERROR


class Misconfigured(click.ClickException):
    """A setting missing from the environment: a usage error, without the usage text."""

    exit_code = USAGE


class OutputLost(click.ClickException):
    """Standard output is closed or cannot be written (a full disk): `Error: ...`, exit 74.

    A reader that went away (`list | head`) is not this: SIGPIPE ends the command first.
    """

    exit_code = NO_OUTPUT

    def __init__(self, reason: str) -> None:
        super().__init__(f"cannot write the output: {reason}")


def _discard_stdout() -> None:
    """Point stdout at the null device, so what it still buffers flushes at exit unnoticed
    (rather than failing again, with Python's own message)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)


class EscapedLog(logging.Formatter):
    """Log records as `name: message`, printable (server text in a log line is data)."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record), lines=True)


class Seconds(click.FloatRange):
    """A FloatRange of finite numbers: FloatRange takes nan (no comparison with it holds)
    and inf, which no wait or poll can use."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return seconds


class _Session:
    """What every command shares: the consoles, --debug, and the training in hand."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug
        self.out = Console(highlight=False, markup=False, emoji=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)
        self.training_id: str | None = None
        """The training being followed, for the Ctrl-C message."""
        self.created = False
        """True once `create` was sent: Ctrl-C may come after the training exists."""

    def animate(self, as_json: bool) -> bool:
        """Draw a live line: only on a terminal, and never under --json."""
        return not as_json and sys.stdout.isatty() and not self.out.is_dumb_terminal

    def print(self, text: Text) -> None:
        """Print on stdout; OutputLost when it cannot be written."""
        try:
            self.out.print(text)
        except OSError as exc:
            _discard_stdout()
            reason = exc.strerror or str(exc)
            if self.created:
                reason += f"; the training may have been created: see `{PROG} list`"
            raise OutputLost(reason) from None

    def run(self, job: Job) -> NoReturn:
        """Run `job` with a client and exit with its code, or the code of what went wrong."""
        client = self._client()
        try:
            code = asyncio.run(_with_client(client, job))
        except KeyboardInterrupt:
            self.err.print(Text(self._interrupted()))
            code = INTERRUPTED
        except ReplicateError as exc:
            if self.debug:
                sys.stderr.write(printable("".join(traceback.format_exception(exc)), lines=True))
            raise Failure(printable(_explain(exc))) from None
        raise click.exceptions.Exit(code)

    def _client(self) -> AsyncClient:
        if not os.environ.get("REPLICATE_API_TOKEN", "").strip():
            raise Misconfigured(
                "REPLICATE_API_TOKEN is not set: export your API token "
                "(from https://replicate.com/account/api-tokens) and try again"
            )
        with arguments():
            return AsyncClient()

    def _interrupted(self) -> str:
        if self.training_id is not None:
            training_id = printable(self.training_id)
            return (
                f"Interrupted. Training {training_id} is still running; it was not "
                f"canceled (to cancel it: {PROG} cancel {training_id})"
            )
        if self.created:
            return f"Interrupted. The training may have been created: see `{PROG} list`"
        return "Interrupted."


def _explain(error: ReplicateError) -> str:
    """The error's message; for no answer at all, also which server was asked."""
    message = str(error)
    if isinstance(error, APIConnectionError):
        server = os.environ.get("REPLICATE_BASE_URL") or "the Replicate API"
        message += f" (server: {server})"
    return message


async def _with_client(client: AsyncClient, job: Job) -> int:
    async with client:
        return await job(client)


@contextlib.contextmanager
def arguments() -> Iterator[None]:
    """The library's argument checks (ValueError, TypeError) as usage errors, exit 2."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        raise click.UsageError(str(exc)) from None


def _session() -> _Session:
    """The session the group made (a fresh one when a command is invoked on its own)."""
    return click.get_current_context().find_object(_Session) or _Session(debug=False)


json_option = click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
poll_option = click.option(
    "--poll-interval",
    type=Seconds(min=0, min_open=True, max=3600),
    metavar="SECONDS",
    help="Seconds between polls (default: from 0.5, growing as the training runs long).",
)


class _Commands(click.Group):
    """The command group; Ctrl-C outside a session's run (reading stdin) also exits 130."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(INTERRUPTED) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and log every request to stderr.")
@click.version_option(__version__, prog_name=PROG)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Create, follow and cancel Replicate trainings.

    The API token comes from REPLICATE_API_TOKEN, the base URL from REPLICATE_BASE_URL.
    Exit codes: 0 done (or the training succeeded), 1 the training failed, was canceled
    or aborted, 2 usage error, 3 API or connection error, 4 wait timed out, 74 output
    not written, 130 Ctrl-C.
    """
    if sys.stdout is None:  # run with stdout closed (`>&-`): nothing it does could be seen
        raise OutputLost("standard output is closed")
    ctx.obj = _Session(debug)
    handler = logging.StreamHandler()  # warnings always; with --debug, every request too
    handler.setFormatter(EscapedLog())
    logging.basicConfig(handlers=[handler], force=True)
    if debug:
        logging.getLogger("replicate_trainings").setLevel(logging.DEBUG)


@cli.command()
@click.argument("ref", metavar="OWNER/NAME:VERSION")
@click.option(
    "-d",
    "--destination",
    required=True,
    metavar="OWNER/NAME",
    help="The model that receives the trained version.",
)
@click.option(
    "-i",
    "--input",
    "pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="An input; VALUE is read as JSON if it parses, else as a string. Repeatable.",
)
@click.option(
    "--input-file",
    type=click.File("rb"),
    metavar="FILE|-",
    help="A JSON object of inputs ('-': stdin), at most 16 MiB; -i values override it.",
)
@click.option("--webhook", metavar="URL", help="Where Replicate sends the training's events.")
@click.option(
    "--events",
    multiple=True,
    metavar="EVENTS",
    help="Webhook events, comma-separated: start,output,logs,completed.",
)
@click.option(
    "--wait", is_flag=True, help="Wait until the training ends (live line on a terminal)."
)
@click.option("--follow", is_flag=True, help="Show its status changes and logs until it ends.")
@poll_option
@json_option
def create(
    *,
    ref: str,
    destination: str,
    pairs: tuple[str, ...],
    input_file: IO[bytes] | None,
    webhook: str | None,
    events: tuple[str, ...],
    wait: bool,
    follow: bool,
    poll_interval: float | None,
    as_json: bool,
) -> None:
    """Start a training of OWNER/NAME:VERSION into --destination."""
    if wait and follow:
        raise click.UsageError("--wait and --follow cannot be used together")
    try:
        training_input = {} if input_file is None else read_input_file(input_file)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--input-file'") from None
    try:
        training_input.update(parse_pairs(pairs))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'-i' / '--input'") from None
    event_list = parse_events(events)
    if event_list is not None and webhook is None:
        raise click.UsageError("--events needs --webhook")
    session = _session()

    async def job(client: AsyncClient) -> int:
        session.created = True
        with arguments():
            training = await client.trainings.create(
                ref,
                destination=destination,
                input=training_input,
                webhook=webhook,
                webhook_events_filter=event_list,
            )
        if not (wait or follow):
            session.print(Text(to_json(training)) if as_json else details(training))
            return SUCCEEDED
        if not as_json:
            session.print(Text(f"Training {printable(training.id)} created"))
        elif follow:  # the first of the states --follow prints
            session.print(Text(to_json(training)))
        return await _follow_job(
            client,
            session,
            training,
            lines=follow,
            as_json=as_json,
            poll_interval=poll_interval,
            seen=training,
        )

    session.run(job)


@cli.command()
@click.argument("training_id", metavar="ID")
@json_option
def get(training_id: str, as_json: bool) -> None:
    """Show a training."""
    session = _session()

    async def job(client: AsyncClient) -> int:
        training = await _get(client, training_id)
        session.print(Text(to_json(training)) if as_json else details(training))
        return SUCCEEDED

    session.run(job)


@cli.command()
@click.argument("training_id", metavar="ID")
@json_option
def cancel(training_id: str, as_json: bool) -> None:
    """Cancel a training (a finished one stays as it is)."""
    session = _session()

    async def job(client: AsyncClient) -> int:
        with arguments():
            training = await client.trainings.cancel(training_id)
        session.print(Text(to_json(training)) if as_json else details(training))
        return SUCCEEDED

    session.run(job)


@cli.command(name="list")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show at most N trainings.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS",
    help="Only trainings with this status (repeatable, or comma-separated).",
)
@json_option
def list_(limit: int | None, statuses: tuple[str, ...], as_json: bool) -> None:
    """List trainings, newest first (one JSON object a line with --json)."""
    wanted = {s.strip().lower() for value in statuses for s in value.split(",") if s.strip()}
    session = _session()

    async def job(client: AsyncClient) -> int:
        shown = 0
        async for training in client.trainings.list():  # fetches pages only as needed
            if wanted and status_of(training).lower() not in wanted:
                continue
            session.print(Text(to_json(training)) if as_json else row(training))
            shown += 1
            if shown == limit:
                break
        return SUCCEEDED

    session.run(job)


@cli.command()
@click.argument("training_id", metavar="ID")
@click.option(
    "--timeout",
    type=Seconds(min=0),
    metavar="SECONDS",
    help="Give up after this long (exit 4); the training keeps running.",
)
@poll_option
@json_option
def wait(
    training_id: str, timeout: float | None, poll_interval: float | None, as_json: bool
) -> None:
    """Wait until a training ends, then show how it ended."""
    session = _session()

    async def job(client: AsyncClient) -> int:
        training = await _get(client, training_id)
        return await _follow_job(
            client,
            session,
            training,
            lines=False,
            as_json=as_json,
            within=timeout,
            poll_interval=poll_interval,
        )

    session.run(job)


@cli.command()
@click.argument("training_id", metavar="ID")
@poll_option
@json_option
def watch(training_id: str, poll_interval: float | None, as_json: bool) -> None:
    """Show a training's status changes and new log lines until it ends."""
    session = _session()

    async def job(client: AsyncClient) -> int:
        training = await _get(client, training_id)
        return await _follow_job(
            client, session, training, lines=True, as_json=as_json, poll_interval=poll_interval
        )

    session.run(job)


async def _get(client: AsyncClient, training_id: str) -> Training:
    with arguments():
        return await client.trainings.get(training_id)


async def _follow_job(
    client: AsyncClient,
    session: _Session,
    training: Training,
    *,
    lines: bool,
    as_json: bool,
    within: float | None = None,
    poll_interval: float | None = None,
    seen: Training | None = None,
) -> int:
    """Follow `training` to its end; print states as asked, then the summary; the exit code.

    `lines`: print each status change and new log line (`watch`, `--follow`), or under
    `as_json` each new state as a JSON line. `seen`: a state already printed.
    """
    session.training_id = training.id  # from now on, Ctrl-C says it is still running
    changes = Changes(seen)
    line = StatusLine(training)
    printed = None if seen is None else (seen.status, seen.logs)

    def on_state(state: Training) -> None:
        nonlocal printed
        line.update(state)
        if not lines:
            return
        if as_json:
            if (state.status, state.logs) != printed:
                printed = (state.status, state.logs)
                session.print(Text(to_json(state)))
            return
        status = changes.new_status(state)
        fresh = changes.new_lines(state)
        shown = [Text(printable(text, lines=True)) for text in fresh]
        if status is not None:
            # a new status heads the lines it brought, an ending closes them
            at = len(shown) if state.is_terminal else 0
            shown.insert(at, Text.assemble("status: ", (printable(status), "bold")))
        for text in shown:
            session.print(text)

    try:
        with live(session.out, line, session.animate(as_json)):
            final = await follow(
                client, training, on_state, within=within, poll_interval=poll_interval
            )
    except FollowTimeout as exc:
        if as_json:
            session.print(Text(to_json(exc.training)))
        session.err.print(
            Text(
                f"Timed out: training {printable(exc.training.id)} is still "
                f"{printable(status_of(exc.training))} after {within:g} s; it was not canceled"
            )
        )
        return TIMED_OUT
    if as_json and not lines:
        session.print(Text(to_json(final)))
    elif not as_json:
        session.print(summary(final))
    return SUCCEEDED if final.succeeded else ENDED_BADLY
