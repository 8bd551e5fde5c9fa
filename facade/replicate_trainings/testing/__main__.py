"""`python -m replicate_trainings.testing`: run the local Replicate until interrupted.

Prints the base URL and token as shell assignments, so
`eval "$(python -m replicate_trainings.testing & ...)"`-style scripts and humans
can point a client at it.
"""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from collections.abc import Sequence

from ._app import DEFAULT_TOKEN, LocalReplicate
from ._throttle import DEFAULT_BURST_SECONDS, RateLimit
from ._trainings import Progression


def parse_progression(text: str) -> Progression:
    """`polls:N`, `seconds:S`, `ends-after:S` or `manual`."""
    kind, _, value = text.partition(":")
    try:
        if kind == "polls":
            return Progression.per_polls(int(value or 1))
        if kind == "seconds":
            return Progression.elapsed(float(value or 1))
        if kind == "ends-after" and value:
            return Progression.ends_after(float(value))
        if kind == "manual" and not value:
            return Progression.manual()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    raise argparse.ArgumentTypeError(
        f"expected polls:N, seconds:S, ends-after:S or manual, got {text!r}"
    )


def rate_limit(args: argparse.Namespace) -> RateLimit | bool:
    """The `RateLimit` the throttling options ask for; any of them turns throttling on."""
    given = {
        name: value
        for name in ("create_per_minute", "other_per_minute", "create_burst", "other_burst")
        if (value := getattr(args, name)) is not None
    }
    if not (args.rate_limit or args.retry_after or given):
        return False
    return RateLimit(**given, retry_after=args.retry_after)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m replicate_trainings.testing",
        description="A local Replicate trainings API for tests and demos.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default): a free port")
    parser.add_argument("--token", default=DEFAULT_TOKEN, help="the API token to accept")
    parser.add_argument("--seed", type=int, default=0, help="trainings that exist at start-up")
    parser.add_argument(
        "--random-seed",
        type=int,
        default=0,
        help="seeds ids and outputs (another seed, other ones)",
    )
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument(
        "--progression",
        type=parse_progression,
        default=Progression.elapsed(1.0),
        help="polls:N, seconds:S (default seconds:1), ends-after:S (every training ends S "
        "seconds after its creation) or manual",
    )
    throttle = parser.add_argument_group(
        "throttling",
        "Replicate's limits per token, with a burst; past them a 429 like Replicate's. "
        "Any of these options turns throttling on.",
    )
    throttle.add_argument(
        "--rate-limit", action="store_true", help="throttle as Replicate does (default: off)"
    )
    per_minute = "requests a minute (default: %s, Replicate's)"
    burst = f"requests at once (default: {DEFAULT_BURST_SECONDS:g} seconds' worth: %s)"
    throttle.add_argument("--create-per-minute", type=float, help=per_minute % 600)
    throttle.add_argument("--other-per-minute", type=float, help=per_minute % 3000)
    throttle.add_argument("--create-burst", type=float, help=burst % 50)
    throttle.add_argument("--other-burst", type=float, help=burst % 250)
    throttle.add_argument(
        "--retry-after", action="store_true", help="send Retry-After with each 429 (default: off)"
    )
    args = parser.parse_args(argv)
    try:
        limit = rate_limit(args)
    except ValueError as exc:
        parser.error(str(exc))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        app = LocalReplicate(
            token=args.token,
            seed=args.seed,
            random_seed=args.random_seed,
            page_size=args.page_size,
            progression=args.progression,
            rate_limit=limit,
        )
    except ImportError as exc:  # the testing extra is missing; the message says how to add it
        print(f"error: {exc}", file=sys.stderr)
        return 1
    with app, app.serve(args.host, args.port) as server:
        print(f"export REPLICATE_BASE_URL={shlex.quote(server.base_url)}")
        print(f"export REPLICATE_API_TOKEN={shlex.quote(server.token)}", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
