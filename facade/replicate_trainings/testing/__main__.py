"""`python -m replicate_trainings.testing`: run the local Replicate until interrupted.

Prints the base URL and token as shell assignments, so
`eval "$(python -m replicate_trainings.testing & ...)"`-style scripts and humans
can point a client at it.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from ._app import DEFAULT_TOKEN, LocalReplicate
from ._trainings import Progression


def parse_progression(text: str) -> Progression:
    """`polls:N`, `seconds:S` or `manual`."""
    kind, _, value = text.partition(":")
    try:
        if kind == "polls":
            return Progression.per_polls(int(value or 1))
        if kind == "seconds":
            return Progression.elapsed(float(value or 1))
        if kind == "manual" and not value:
            return Progression.manual()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    raise argparse.ArgumentTypeError(f"expected polls:N, seconds:S or manual, got {text!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m replicate_trainings.testing",
        description="A local Replicate trainings API for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the API token to accept")
    parser.add_argument("--seed", type=int, default=0, help="trainings that exist at start-up")
    parser.add_argument("--random-seed", type=int, default=0, help="makes ids repeatable")
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument(
        "--progression",
        type=parse_progression,
        default=Progression.elapsed(1.0),
        help="polls:N, seconds:S (default seconds:1) or manual",
    )
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        app = LocalReplicate(
            token=args.token,
            seed=args.seed,
            random_seed=args.random_seed,
            page_size=args.page_size,
            progression=args.progression,
        )
    except ImportError as exc:  # the testing extra is missing; the message says how to add it
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with app, app.serve(args.host, args.port) as server:
        print(f"REPLICATE_BASE_URL={server.base_url}")
        print(f"REPLICATE_API_TOKEN={server.token}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
