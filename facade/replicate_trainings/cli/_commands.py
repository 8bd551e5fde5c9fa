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
import re
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import IO, Any, NoReturn

import click
from replicate_trainings_api.types import path_segment
from rich.console import Console, RenderableType
from rich.text import Text

from replicate_trainings import (
    APIConnectionError,
    APIStatusError,
    AsyncClient,
    NotFoundError,
    ReplicateError,
    Training,
    TrainingStatus,
    WaitTimeoutError,
    __version__,
    log_fields,
)

from ._body_options import OWN_FIELDS, body_fields, body_options, body_values
from ._body_options import option_of as body_option_of
from ._inputs import parse_events, parse_pairs, read_input_file
from ._progress import Board, Changes, FollowTimeout, StatusLine, follow, live
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


class Attempts(logging.Handler):
    """Counts the attempts of the library's last request, from its DEBUG record per attempt
    (whose `attempt` field numbers it), so an error can say how many were made."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.last: int | None = None

    def emit(self, record: logging.LogRecord) -> None:
        fields = log_fields(record)
        if fields is not None:
            self.last = fields["attempt"]


KNOWN_STATUSES = tuple(status.value for status in TrainingStatus)
RETRIES_VARIABLE = "REPLICATE_MAX_RETRIES"

# The library's argument names in its messages, as the command line names them.
_COMMAND_LINE_NAMES = {
    "training_id": "'ID'",
    "ref": "'OWNER/NAME:VERSION'",
    "model": "'OWNER/NAME:VERSION'",
    "version": "'OWNER/NAME:VERSION'",
    **OWN_FIELDS,
}
_INPUT, _INPUT_STRING, _INPUT_FILE = "'-i' / '--input'", "'--input-string'", "'--input-file'"
# What the library says for a create that may have acted: advice for Python callers.
_PYTHON_ADVICE = re.compile(r"\s*The training may have been created: check client\.\S+ [^.]*\.")


class _Session:
    """What every command shares: the consoles, --debug, the retry budget, and the training
    in hand."""

    def __init__(self, debug: bool) -> None:
        self.debug = debug
        self.out = Console(highlight=False, markup=False, emoji=False, soft_wrap=True)
        self.err = Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)
        self.attempts = Attempts()
        self.training_id: str | None = None
        """The training being followed, for the Ctrl-C message."""
        self.created = False
        """True once `create` was sent: Ctrl-C may come after the training exists."""
        self.reconcile = False
        """True when `create` looks for the training it made after an error that may have
        acted (`--reconcile`)."""
        self.printed = 0
        """Trainings printed by `list`, for an error that cuts it short."""
        self.following: list[str] = []
        """The trainings `wait` or `watch` follows when given several, for Ctrl-C."""

    @property
    def pretty(self) -> bool:
        """`--json` indented: on a terminal; one compact line a training in a pipe."""
        return sys.stdout.isatty()

    def json(self, training: Training) -> Text:
        return Text(to_json(training, indent=2 if self.pretty else None))

    def animate(self, as_json: bool) -> bool:
        """Draw a live line: only on a terminal, and never under --json."""
        return not as_json and sys.stdout.isatty() and not self.out.is_dumb_terminal

    def print(self, text: RenderableType) -> None:
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
            raise Failure(printable(self.explain(exc))) from None
        raise click.exceptions.Exit(code)

    def _client(self) -> AsyncClient:
        if not os.environ.get("REPLICATE_API_TOKEN", "").strip():
            raise Misconfigured(
                "REPLICATE_API_TOKEN is not set: export your API token "
                "(from https://replicate.com/account/api-tokens) and try again"
            )
        retries = max_retries()
        try:
            if retries is None:
                return AsyncClient()
            return AsyncClient(max_retries=retries)
        except (ValueError, TypeError) as exc:
            raise Misconfigured(_in_environment_terms(str(exc))) from None

    def explain(self, error: ReplicateError) -> str:
        """The error's message in the command line's terms: how many attempts were made, what
        a create that may have acted means here, and which server was asked."""
        message = _PYTHON_ADVICE.sub("", str(error))
        attempts = self.attempts.last
        if _transient(error) and attempts is not None:
            message += f", after {attempts} attempt{'s' if attempts != 1 else ''}"
            if error.may_have_acted and attempts == 1:
                message += " (a create that may have reached the server is never sent again)"
            elif attempts > 1:
                message += f" (--max-retries or {RETRIES_VARIABLE} allows more)"
        for note in getattr(error, "__notes__", ()):
            message += f"; {note}"
        if error.may_have_acted:
            message += (
                f". The training may have been created: see `{PROG} list` before creating it again"
            )
            if not self.reconcile:
                message += " (--reconcile, the default, looks for it)"
        if self.printed:
            message += f" ({self.printed} trainings were printed before it)"
        if isinstance(error, APIConnectionError):
            server = os.environ.get("REPLICATE_BASE_URL") or "the Replicate API"
            message += f" (server: {server})"
        if isinstance(error, NotFoundError):
            message += _without_v1_hint()
        return message

    def _interrupted(self) -> str:
        if self.training_id is not None:
            training_id = printable(self.training_id)
            return (
                f"Interrupted. Training {training_id} is still running; it was not "
                f"canceled (to cancel it: {PROG} cancel {training_id})"
            )
        if self.following:
            ids = " ".join(printable(training_id) for training_id in self.following)
            return (
                f"Interrupted. The trainings are still running; they were not canceled "
                f"(to cancel one: {PROG} cancel ID): {ids}"
            )
        if self.created:
            return f"Interrupted. The training may have been created: see `{PROG} list`"
        return "Interrupted."


def _transient(error: ReplicateError) -> bool:
    """No answer, or a status that says "not now" (408, 429, 5xx): what the client retries."""
    if isinstance(error, APIConnectionError):
        return True
    status = error.status_code if isinstance(error, APIStatusError) else 0
    return status in (408, 429) or status >= 500


def _without_v1_hint() -> str:
    """For a 404: a hint when REPLICATE_BASE_URL's path does not end in /v1, as the API's does."""
    base = os.environ.get("REPLICATE_BASE_URL", "").strip()
    if not base or base.rstrip("/").endswith("/v1"):
        return ""
    suggested = base.rstrip("/") + "/v1"
    return f" (REPLICATE_BASE_URL has no /v1 at its end: did you mean {suggested}?)"


def _in_environment_terms(message: str) -> str:
    """A client setting's error, naming the environment variable it came from."""
    for name, variable in (("base_url", "REPLICATE_BASE_URL"), ("token", "REPLICATE_API_TOKEN")):
        if message.startswith(name):
            return variable + message[len(name) :]
    return message


def max_retries() -> int | None:
    """The retry budget: --max-retries (on the command, else before it), else
    REPLICATE_MAX_RETRIES, else None (the client's default)."""
    given = click.get_current_context().meta.get("max_retries")
    if given is not None:
        return int(given)
    text = os.environ.get(RETRIES_VARIABLE, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise Misconfigured(f"{RETRIES_VARIABLE} must be a whole number, 0 or more, got {text!r}")
    return int(text)


def _keep_retries(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    if value is not None:
        ctx.meta["max_retries"] = value


retries_option = click.option(
    "--max-retries",
    type=click.IntRange(min=0),
    metavar="N",
    expose_value=False,
    callback=_keep_retries,
    help=f"Retries of a request that failed for now (default 2; env {RETRIES_VARIABLE}).",
)


async def _with_client(client: AsyncClient, job: Job) -> int:
    async with client:
        return await job(client)


@contextlib.contextmanager
def arguments(names: Mapping[str, str] = _COMMAND_LINE_NAMES) -> Iterator[None]:
    """The library's argument checks (ValueError, TypeError) as usage errors, exit 2, naming
    the option or argument (`names`: the library's name -> the command line's)."""
    try:
        yield
    except (ValueError, TypeError) as exc:
        message = str(exc)
        for name, hint in names.items():
            rest = message[len(name) :]
            if message.startswith(name) and rest[:1] in (" ", ":", "["):
                shown = message if rest.startswith("[") else rest.lstrip(": ")
                raise click.BadParameter(shown, param_hint=hint) from None
        raise click.UsageError(message) from None


def _session() -> _Session:
    """The session the group made (a fresh one when a command is invoked on its own)."""
    return click.get_current_context().find_object(_Session) or _Session(debug=False)


json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the API's JSON (indented on a terminal, one line a training in a pipe).",
)
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
@retries_option
@click.version_option(__version__, prog_name=PROG)
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Create, follow and cancel Replicate trainings.

    The API token comes from REPLICATE_API_TOKEN, the base URL from REPLICATE_BASE_URL
    (with its /v1), the retry budget from --max-retries or REPLICATE_MAX_RETRIES.
    Exit codes: 0 done (or the training succeeded), 1 the training failed, was canceled
    or aborted, 2 usage error, 3 API or connection error, 4 wait timed out, 74 output
    not written, 130 Ctrl-C. With several trainings, the code of the worst outcome.
    """
    if sys.stdout is None:  # run with stdout closed (`>&-`): nothing it does could be seen
        raise OutputLost("standard output is closed")
    session = ctx.obj = _Session(debug)
    handler = logging.StreamHandler()  # warnings always; with --debug, every request too
    handler.setFormatter(EscapedLog())
    handler.setLevel(logging.DEBUG if debug else logging.WARNING)
    logging.basicConfig(handlers=[handler], force=True)
    library = logging.getLogger("replicate_trainings")
    library.setLevel(logging.DEBUG)  # each attempt's record, counted for error messages
    library.addHandler(session.attempts)


_CREATE_OPTIONS = (
    *("--destination", "--input", "--input-string", "--input-file", "--webhook", "--events"),
    *("--reconcile", "--no-reconcile", "--wait", "--follow", "--poll-interval", "--json"),
    *("--max-retries", "--help"),
)
"""`create`'s own options: a body field of the same name is `--body-<name>`."""


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
    help="An input; VALUE is JSON if it parses, else a string, but one starting with "
    '" [ or { must parse. Repeatable.',
)
@click.option(
    "--input-string",
    "string_pairs",
    multiple=True,
    metavar="KEY=VALUE",
    help="An input whose VALUE is sent as a string, as written. Repeatable.",
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
@body_options(_CREATE_OPTIONS)
@click.option(
    "--reconcile/--no-reconcile",
    default=True,
    show_default=True,
    help="After an error that may have come after the training was made, look for it "
    "among the newest trainings rather than fail.",
)
@click.option(
    "--wait", is_flag=True, help="Wait until the training ends (live line on a terminal)."
)
@click.option("--follow", is_flag=True, help="Show its status changes and logs until it ends.")
@poll_option
@json_option
@retries_option
def create(
    *,
    ref: str,
    destination: str,
    pairs: tuple[str, ...],
    string_pairs: tuple[str, ...],
    input_file: IO[bytes] | None,
    webhook: str | None,
    events: tuple[str, ...],
    reconcile: bool,
    wait: bool,
    follow: bool,
    poll_interval: float | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Start a training of OWNER/NAME:VERSION into --destination."""
    if wait and follow:
        raise click.UsageError("--wait and --follow cannot be used together")
    try:
        training_input = {} if input_file is None else read_input_file(input_file)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=_INPUT_FILE) from None
    try:
        training_input.update(parse_pairs(pairs))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=_INPUT) from None
    try:
        strings = parse_pairs(string_pairs, strings=True)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=_INPUT_STRING) from None
    both = sorted(strings.keys() & parse_pairs(pairs).keys())
    if both:
        raise click.UsageError(f"-i and --input-string both set {both[0]!r}: give it once")
    training_input.update(strings)
    try:
        event_list = parse_events(events)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--events'") from None
    if event_list is not None and webhook is None:
        raise click.UsageError("--events needs --webhook")
    body = body_values(fields)
    session = _session()
    session.reconcile = reconcile
    sources = [hint for hint, given in ((_INPUT_FILE, input_file), (_INPUT, pairs)) if given]
    sources += [_INPUT_STRING] if string_pairs else []
    names = {**_COMMAND_LINE_NAMES, "input": " / ".join(sources) or _INPUT}
    names |= _body_option_names()

    async def job(client: AsyncClient) -> int:
        session.created = True
        with arguments(names):
            training = await client.trainings.create(
                ref,
                destination=destination,
                input=training_input,
                webhook=webhook,
                webhook_events_filter=event_list,
                reconcile=reconcile,
                **body,
            )
        if not (wait or follow):
            session.print(session.json(training) if as_json else details(training))
            return SUCCEEDED
        if not as_json:
            session.print(Text(f"Training {printable(training.id)} created"))
        elif follow:  # the first of the states --follow prints
            session.print(session.json(training))
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


def _body_option_names() -> dict[str, str]:
    """Each spec option's library name -> its option, for error messages."""
    return {
        field.parameter: f"'{body_option_of(field, _CREATE_OPTIONS)}'" for field in body_fields()
    }


@cli.command()
@click.argument("training_id", metavar="ID")
@json_option
@retries_option
def get(training_id: str, as_json: bool) -> None:
    """Show a training."""
    session = _session()

    async def job(client: AsyncClient) -> int:
        training = await _get(client, training_id)
        session.print(session.json(training) if as_json else details(training))
        return SUCCEEDED

    session.run(job)


@cli.command()
@click.argument("training_id", metavar="ID")
@json_option
@retries_option
def cancel(training_id: str, as_json: bool) -> None:
    """Cancel a training (a finished one stays as it is)."""
    session = _session()

    async def job(client: AsyncClient) -> int:
        with arguments():
            training = await client.trainings.cancel(training_id)
        session.print(session.json(training) if as_json else details(training))
        return SUCCEEDED

    session.run(job)


@cli.command(name="list")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show at most N trainings.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    metavar="STATUS",
    help=f"Only trainings with this status: {', '.join(KNOWN_STATUSES)} (repeatable, or "
    "comma-separated).",
)
@click.option(
    "--any-status",
    is_flag=True,
    help="Let --status name a status this version does not know (a newer API's).",
)
@json_option
@retries_option
def list_(limit: int | None, statuses: tuple[str, ...], any_status: bool, as_json: bool) -> None:
    """List trainings, newest first (one JSON object a line with --json in a pipe)."""
    wanted = {s.strip().lower() for value in statuses for s in value.split(",") if s.strip()}
    unknown = sorted(wanted - set(KNOWN_STATUSES))
    if unknown and not any_status:
        raise click.BadParameter(
            f"unknown status {unknown[0]!r}; the known ones are {', '.join(KNOWN_STATUSES)} "
            "(--any-status asks for another)",
            param_hint="'--status'",
        )
    session = _session()

    async def job(client: AsyncClient) -> int:
        async for training in client.trainings.list():  # fetches pages only as needed
            if wanted and status_of(training).lower() not in wanted:
                continue
            session.print(session.json(training) if as_json else row(training))
            session.printed += 1
            if session.printed == limit:
                break
        return SUCCEEDED

    session.run(job)


@cli.command()
@click.argument("training_ids", metavar="ID...", nargs=-1, required=True)
@click.option(
    "--timeout",
    type=Seconds(min=0),
    metavar="SECONDS",
    help="Give up after this long (exit 4); the trainings keep running.",
)
@poll_option
@json_option
@retries_option
def wait(
    training_ids: tuple[str, ...], timeout: float | None, poll_interval: float | None, as_json: bool
) -> None:
    """Wait until trainings end, then show how each ended.

    With several: a live table on a terminal, else one JSON line per training as it ends;
    the exit code is that of the worst outcome.
    """
    session = _session()
    ids = list(dict.fromkeys(training_ids))

    async def job(client: AsyncClient) -> int:
        if len(ids) > 1:
            return await _wait_many(
                client, session, ids, as_json=as_json, within=timeout, poll_interval=poll_interval
            )
        training = await _get(client, ids[0])
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
@click.argument("training_ids", metavar="ID...", nargs=-1, required=True)
@poll_option
@json_option
@retries_option
def watch(training_ids: tuple[str, ...], poll_interval: float | None, as_json: bool) -> None:
    """Show trainings' status changes and new log lines until they end.

    With several: each line starts with its training's id, under a live table on a
    terminal; off a terminal or with --json, one JSON line per new state.
    """
    session = _session()
    ids = list(dict.fromkeys(training_ids))

    async def job(client: AsyncClient) -> int:
        if len(ids) > 1:
            return await _watch_many(
                client, session, ids, as_json=as_json, poll_interval=poll_interval
            )
        training = await _get(client, ids[0])
        return await _follow_job(
            client, session, training, lines=True, as_json=as_json, poll_interval=poll_interval
        )

    session.run(job)


async def _get(client: AsyncClient, training_id: str) -> Training:
    with arguments():
        return await client.trainings.get(training_id)


_SEVERITY = {SUCCEEDED: 0, ENDED_BADLY: 1, TIMED_OUT: 2, API_ERROR: 3}
"""Outcomes from best to worst: succeeded, ended badly, still running, unknown (an error)."""


def worst(codes: list[int]) -> int:
    """The exit code of the worst outcome among several trainings'."""
    return max(codes, key=_SEVERITY.__getitem__, default=SUCCEEDED)


def _several(session: _Session, ids: list[str], as_json: bool) -> tuple[Board, bool]:
    """For `wait` or `watch` of several: ids checked by the client's own rule before any
    request, the table, and whether to print JSON lines (off a terminal, or --json)."""
    for training_id in ids:
        with arguments():
            path_segment("training_id", training_id)
    session.following = ids
    return Board(ids), as_json or not session.animate(as_json)


async def _wait_many(
    client: AsyncClient,
    session: _Session,
    ids: list[str],
    *,
    as_json: bool,
    within: float | None,
    poll_interval: float | None,
) -> int:
    """Wait for several trainings through `as_completed` (its requests grow with the pages
    of the listing, not the trainings); the exit code of the worst outcome.

    On a terminal a live table, one row per training, then the table as it ended;
    otherwise each training as a JSON line as it ends. An id the API does not know ends
    the command at once (exit 3); at the timeout the ones still running are named (exit 4).
    """
    table, json_lines = _several(session, ids, as_json)
    codes = dict.fromkeys(ids, TIMED_OUT)
    try:
        with live(session.out, table, not json_lines):
            async for training in client.trainings.as_completed(
                ids, timeout=within, poll_interval=poll_interval
            ):
                table.update(training)
                codes[training.id] = SUCCEEDED if training.succeeded else ENDED_BADLY
                if json_lines:
                    session.print(session.json(training))
    except WaitTimeoutError as exc:
        if not json_lines:
            session.print(table.final())
        still = " ".join(printable(training_id) for training_id in exc.pending)
        session.err.print(
            Text(f"Timed out after {within or 0:g} s; still running, not canceled: {still}")
        )
        return worst(list(codes.values()))
    if not json_lines:
        session.print(table.final())
    return worst(list(codes.values()))


async def _watch_many(
    client: AsyncClient,
    session: _Session,
    ids: list[str],
    *,
    as_json: bool,
    poll_interval: float | None,
) -> int:
    """Watch several trainings at once, each with its own `watch` (its logs need a get of
    each); the exit code of the worst outcome.

    On a terminal each status change and log line starts with its training's id, above a
    live table; otherwise each new state is a JSON line. An error about one training (a
    404) is an `Error:` line on stderr naming it, exit 3, and the others go on.
    """
    table, json_lines = _several(session, ids, as_json)
    codes: dict[str, int] = {}

    async def one(training_id: str) -> None:
        printer = _StatePrinter(session, None, json_lines=json_lines, prefix=True)

        def on_state(state: Training) -> None:
            table.update(state)
            printer.show(state)

        try:
            training = await client.trainings.get(training_id)
            on_state(training)
            final = await follow(client, training, on_state, poll_interval=poll_interval)
        except ReplicateError as exc:
            table.failed(training_id, printable(session.explain(exc)))
            message = f"Error: training {training_id}: {session.explain(exc)}"
            session.err.print(Text(printable(message)))
            codes[training_id] = API_ERROR
            return
        codes[training_id] = SUCCEEDED if final.succeeded else ENDED_BADLY

    with live(session.out, table, not json_lines):
        await asyncio.gather(*(one(training_id) for training_id in ids))
    if not json_lines:
        session.print(table.final())
    return worst(list(codes.values()))


def _timed_out(training: Training, within: float | None) -> str:
    return (
        f"Timed out: training {printable(training.id)} is still "
        f"{printable(status_of(training))} after {within or 0:g} s; it was not canceled"
    )


class _StatePrinter:
    """Prints each new state of one training: its status changes and new log lines (a
    JSON line a state under `json_lines`); `prefix`: each line starts with the id."""

    def __init__(
        self, session: _Session, seen: Training | None, *, json_lines: bool, prefix: bool
    ) -> None:
        self._session = session
        self._json_lines = json_lines
        self._prefix = prefix
        self._changes = Changes(seen)
        self._printed = None if seen is None else (seen.status, seen.logs)

    def show(self, state: Training) -> None:
        session = self._session
        if self._json_lines:
            if (state.status, state.logs) != self._printed:
                self._printed = (state.status, state.logs)
                session.print(session.json(state))
            return
        status = self._changes.new_status(state)
        fresh = self._changes.new_lines(state)
        shown = [Text(printable(text, lines=True)) for text in fresh]
        if status is not None:
            # a new status heads the lines it brought, an ending closes them
            at = len(shown) if state.is_terminal else 0
            shown.insert(at, Text.assemble("status: ", (printable(status), "bold")))
        for text in shown:
            session.print(Text(f"{printable(state.id)}  ") + text if self._prefix else text)


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
    line = StatusLine(training)
    printer = _StatePrinter(session, seen, json_lines=as_json, prefix=False)

    def on_state(state: Training) -> None:
        line.update(state)
        if lines:
            printer.show(state)

    try:
        with live(session.out, line, session.animate(as_json)):
            final = await follow(
                client, training, on_state, within=within, poll_interval=poll_interval
            )
    except FollowTimeout as exc:
        if as_json:
            session.print(session.json(exc.training))
        session.err.print(Text(_timed_out(exc.training, within)))
        return TIMED_OUT
    if as_json and not lines:
        session.print(session.json(final))
    elif not as_json:
        session.print(summary(final))
    return SUCCEEDED if final.succeeded else ENDED_BADLY
