"""The `replicate-trainings` command line (the `[cli]` extra: click and rich).

Built on the public facade only. `import replicate_trainings` never imports this
package, so the library itself needs neither click nor rich.
"""

from __future__ import annotations

import signal
import sys

__all__ = ["main"]


def main() -> None:
    """The console script: `replicate-trainings ...` or `python -m replicate_trainings ...`."""
    try:
        from ._commands import PROG, cli  # noqa: PLC0415 - a missing extra is reported below
    except ImportError as exc:
        if exc.name not in ("click", "rich"):
            raise
        sys.stderr.write(
            f"The command line needs {exc.name}: pip install 'replicate-trainings[cli]'\n"
        )
        sys.exit(2)
    if hasattr(signal, "SIGPIPE"):  # `list | head`: end quietly when the reader goes, as cat does
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    cli.main(prog_name=PROG)
