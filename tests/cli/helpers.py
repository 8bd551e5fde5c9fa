"""Running the real `replicate-trainings` process, on a pseudo-terminal or on pipes.

Each run is `python -m replicate_trainings ...` (the console script's own `main`) in a
fresh process, with the token and base URL of a local Replicate in its environment.
On a pseudo-terminal stdout and stderr share the terminal, as in a shell; on pipes
they are read apart.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from replicate_trainings.testing import LocalServer

COLUMNS = 120
ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
HIDE_CURSOR = "\x1b[?25l"  # what rich's Live writes first: the live line is being drawn
VERSION = "da77bc59ee60423279fd632efb4795ab731d9e3ca9705ef3341091fb989b7eaf"
REF = f"stability-ai/sdxl:{VERSION}"
FAST = ("--poll-interval", "0.01")


def environment(server: LocalServer | None = None, **extra: str) -> dict[str, str]:
    """This process's environment, pointed at `server`, with nothing that steers rich."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("REPLICATE_", "TTY_", "FORCE_COLOR", "NO_COLOR", "CLICOLOR"))
        and name not in ("COLUMNS", "LINES", "TERM")
    }
    env |= {"TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "PYTHONIOENCODING": "utf-8"}
    if server is not None:
        env |= {"REPLICATE_API_TOKEN": server.token, "REPLICATE_BASE_URL": server.base_url}
    return env | extra


def plain(text: str) -> str:
    """Terminal output without escape sequences and carriage returns."""
    return ESCAPE.sub("", text).replace("\r", "")


_PIECES = re.compile(r"\x1b\[(\d*)([A-Za-z])|\x1b\[[^A-Za-z]*[A-Za-z]|\r\n|\n|\r|[^\x1b\r\n]+")


def screen(raw: str) -> list[str]:
    """The lines a terminal shows once `raw` is written to it.

    Understands what rich's live display writes: text, newlines, carriage returns,
    cursor up (`ESC[nA`) and erase line (`ESC[2K`); colours and other sequences
    change nothing on screen here.
    """
    lines, row, col = [""], 0, 0
    for piece in _PIECES.finditer(raw):
        text, number, code = piece.group(0), piece.group(1), piece.group(2)
        if text in ("\r\n", "\n"):
            row, col = row + 1, 0
            lines += [""] * (row + 1 - len(lines))
        elif text == "\r":
            col = 0
        elif code == "A":
            row = max(0, row - int(number or 1))
        elif code == "K":
            lines[row] = "" if number == "2" else lines[row][:col]
        elif not text.startswith("\x1b"):
            line = lines[row].ljust(col)
            lines[row] = line[:col] + text + line[col + len(text) :]
            col += len(text)
    while lines and not lines[-1]:
        lines.pop()
    return lines


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    """stdout; on a terminal, everything the terminal showed (stderr included), raw."""
    err: str
    """stderr; empty on a terminal (it went to `out`)."""

    tty: bool = False
    data: bytes = b""
    """On a terminal, the bytes it received, as written (`out` is them decoded)."""

    @property
    def shown(self) -> list[str]:
        """The lines a person would read at the end: the terminal's screen, or stdout's
        lines then stderr's."""
        if self.tty:
            return screen(self.out)
        return self.out.splitlines() + self.err.splitlines()

    @property
    def text(self) -> str:
        return "\n".join(self.shown)


class Command:
    """One running `replicate-trainings` process."""

    def __init__(
        self,
        args: Sequence[str],
        env: Mapping[str, str],
        *,
        tty: bool = False,
        stdin: str | None = None,
    ) -> None:
        self.tty = tty
        self._stdin = stdin
        self._chunks: list[bytes] = []
        argv = [sys.executable, "-m", "replicate_trainings", *args]
        if tty:
            master, slave = pty.openpty()
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, COLUMNS, 0, 0))
            self.process = subprocess.Popen(
                argv,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=slave,
                stderr=slave,
                text=True,  # (the terminal is read as bytes below)
            )
            os.close(slave)
            self._master = master
            self._reader = threading.Thread(target=self._read, daemon=True)
            self._reader.start()
        else:
            self.process = subprocess.Popen(
                argv,
                env=dict(env),
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:  # EIO: every writer of the terminal is gone
                return
            if not chunk:
                return
            self._chunks.append(chunk)

    @property
    def raw(self) -> str:
        """What the terminal has shown so far (tty only)."""
        return b"".join(self._chunks).decode("utf-8", "replace")

    def interrupt(self) -> None:
        """Ctrl-C."""
        self.process.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 60) -> Result:
        if not self.tty:
            out, err = self.process.communicate(self._stdin, timeout=timeout)
            return Result(self.process.returncode, out, err)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout)
        with contextlib.suppress(OSError):
            os.close(self._master)
        return Result(code, self.raw, "", tty=True, data=b"".join(self._chunks))


def run(
    args: Sequence[str], env: Mapping[str, str], *, tty: bool = False, stdin: str | None = None
) -> Result:
    """Run the command to its end."""
    return Command(args, env, tty=tty, stdin=stdin).finish()


def blocked_reading_a_pipe(pid: int) -> bool:
    """Whether process `pid` sleeps in a read of a pipe (its stdin, for the command)."""
    try:
        with open(f"/proc/{pid}/wchan") as wchan:
            where = wchan.read()
    except OSError:
        return False
    return "pipe_read" in where or "pipe_wait" in where


def eventually(condition: Callable[[], bool], what: str, limit: float = 30) -> None:
    """Wait until `condition()` holds (a guard against hanging, not a timed assertion)."""
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)
