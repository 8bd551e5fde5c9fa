"""Benchmarks: the time and memory replicate_trainings adds on top of raw httpx.

    python scripts/bench.py                      # every case (about 90 seconds on 2 cores)
    python scripts/bench.py --quick              # smoke run: 2 rounds, small sizes
    python scripts/bench.py --cases get,parse    # some cases only
    python scripts/bench.py --json out.json      # results elsewhere (default bench-results.json)
    python scripts/bench.py --cases many         # waiting on many trainings under the limits

Each case runs the library and raw httpx doing the same work in the same run, rounds
interleaved (raw first in even rounds, ours first in odd ones, so drift hits both), and
reports medians and the ratio ours / raw: the cost on top of httpx, lower is better.
Goals are ratios, never absolute times: the machines are shared and noisy.

How it measures, and why:

- The server is the bundled local Replicate (`python -m replicate_trainings.testing`), a
  real HTTP/1.1 server on 127.0.0.1, in a *subprocess*. Only the client runs in this
  process, so `time.process_time()` is the client's own CPU, its wall time is not spent
  waiting for a server thread to release the GIL, and tracemalloc sees client memory
  only (in-process, the server's JSON cache, which grows with the list, would count as
  ours). The server's CPU (from /proc) is recorded beside each case.
- Client CPU is the figure the goals are checked on: it is what the library adds, and it
  survives a noisy neighbour better than wall time, which is reported too.
- Memory: the tracemalloc peak during a walk, above what was allocated before it.
- Many (issue 20): waiting on N = 10, 100 and 1,000 trainings on a local server throttling
  as Replicate does, `wait()` per training (one task each) against `as_completed()` (the
  watch `wait_all` runs); requests a minute, 429s met, requests per poll round, and the
  lag between each training's end (its `completed_at`) and its report. The server runs
  in-process (trainings are made without HTTP, which would spend the create budget), and
  every other case runs with `rate_budget=None`: their server does not throttle, and they
  measure the library's cost, not Replicate's limits.
- Import: a fresh interpreter per sample, timing the import statement alone (not the
  interpreter's start). `click` is hidden so httpx skips its optional command line (rich,
  click, pygments: in this dev venv, not in a plain `pip install`); a second pair of rows
  shows this venv as it is.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import gc
import importlib.metadata
import importlib.util
import itertools
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / "bench-results.json"
CASES = ("get", "list", "memory", "async", "import", "parse", "generate", "many")
PAGE_SIZE = 100
TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # the library's default, for raw httpx too
# httpx's default pool (100 connections, 20 kept alive) for both async clients, kept alive
# past the default 5 s: each pool idles while the other one runs its batch.
ASYNC_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=60)


@dataclass(frozen=True)
class Sizes:
    """How much work each case does; `--quick` shrinks everything."""

    rounds: int  # rounds of the listing and parse cases
    get_rounds: int  # many short rounds: pairs close in time see the same load
    gets: int  # sequential gets per round
    listing: int  # trainings in the listing case (and on the shared server)
    memory: tuple[int, int]  # the small and the large walk of the memory case
    concurrent: int  # concurrent async gets per batch
    async_rounds: int  # rounds of 500 concurrent gets (seconds each, on 2 cores)
    sequential_async: int  # gets awaited one at a time, per round
    sequential_rounds: int
    import_rounds: int
    parse_objects: int  # 100 kB-log payloads parsed per round
    generate_rounds: int
    many: tuple[int, ...]  # trainings waited on at once, one pair of runs each
    many_timing: tuple[float, float, float] = (3.0, 6.0, 1.0)
    """Seconds over which the trainings are created, after which each ends, between polls."""


FULL = Sizes(
    rounds=25,
    get_rounds=25,
    gets=100,
    listing=10_000,
    memory=(10_000, 100_000),
    concurrent=500,
    async_rounds=5,
    sequential_async=40,
    sequential_rounds=15,
    import_rounds=15,
    parse_objects=300,
    generate_rounds=3,
    many=(10, 100, 1_000),
)
QUICK = Sizes(
    rounds=2,
    get_rounds=3,
    gets=20,
    listing=1_000,
    memory=(1_000, 5_000),
    concurrent=50,
    async_rounds=2,
    sequential_async=10,
    sequential_rounds=2,
    import_rounds=2,
    parse_objects=20,
    generate_rounds=1,
    many=(10,),
    many_timing=(0.5, 1.5, 0.5),
)


# -- results ----------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table: a metric, both medians, their cost ratio, the goal if any.

    `ratio` is ours / raw (raw / ours for rates, where higher is better); for timings it
    is `paired`, the median over rounds of each round's ratio (both sides ran back to
    back in a round, under the same load), which a noisy neighbour moves far less than a
    ratio of medians. `goal` is checked on `ratio`, or on `ours` when `goal_on_ours`.
    """

    case: str
    metric: str
    unit: str
    ours: float
    raw: float | None
    goal: float | None = None
    goal_on_ours: bool = False
    higher_is_better: bool = False
    note: str = ""
    ratio: float | None = field(init=False)
    holds: bool | None = field(init=False)

    paired: float | None = None  # the median of per-round ratios, when rounds are paired

    def __post_init__(self) -> None:
        self.ratio = self.paired
        if self.ratio is None and self.raw and self.ours:
            self.ratio = self.raw / self.ours if self.higher_is_better else self.ours / self.raw
        checked = self.ours if self.goal_on_ours else self.ratio
        self.holds = None if self.goal is None or checked is None else checked <= self.goal


@dataclass
class CaseResult:
    rows: list[Row]
    samples: dict[str, list[float]]
    context: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sample:
    wall: float
    cpu: float


def _progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


# -- the local server, in a subprocess --------------------------------------------------


class Server:
    """`python -m replicate_trainings.testing` with `seed` trainings, on a free port."""

    def __init__(self, seed: int) -> None:
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "replicate_trainings.testing",
                "--port=0",
                f"--seed={seed}",
                f"--page-size={PAGE_SIZE}",
                "--random-seed=1",
                "--progression=manual",  # nothing moves: each round gets the same answers
            ],
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        settings: dict[str, str] = {}
        assert self._process.stdout is not None
        while len(settings) < 2:
            line = self._process.stdout.readline()
            if not line:
                self.stop()
                raise RuntimeError(f"the local server did not start:\n{self._stderr()}")
            # `export NAME=value`, the value quoted for a shell (shlex.quote)
            name, _, value = line.strip().removeprefix("export ").partition("=")
            settings[name] = shlex.split(value)[0] if value else value
        self.base_url = settings["REPLICATE_BASE_URL"]
        self.token = settings["REPLICATE_API_TOKEN"]

    def _stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def cpu(self) -> float:
        """The server process's CPU seconds so far (Linux; 0.0 elsewhere)."""
        try:
            stat = Path(f"/proc/{self._process.pid}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def raw_headers(self) -> dict[str, str]:
        """The headers the library sends, for raw httpx to send as well."""
        return {
            "Authorization": f"Bearer {self.token}",
            "User-Agent": "bench/raw-httpx",
            "Accept": "application/json",
        }

    def training_ids(self, count: int) -> list[str]:
        ids: list[str] = []
        url: str | None = self.base_url + "/trainings"
        with httpx.Client(headers=self.raw_headers(), timeout=TIMEOUT) as http:
            while url and len(ids) < count:
                page = http.get(url).raise_for_status().json()
                ids += [item["id"] for item in page["results"]]
                url = page["next"]
        return ids[:count]

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._log.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# -- measuring --------------------------------------------------------------------------


def measure(work: Callable[[], object]) -> Sample:
    """Wall and process CPU seconds of `work()`, after a full collection."""
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Sample(time.perf_counter() - wall, time.process_time() - cpu)


async def measure_async(work: Callable[[], Awaitable[object]]) -> Sample:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    await work()
    return Sample(time.perf_counter() - wall, time.process_time() - cpu)


def interleaved(
    rounds: int, ours: Callable[[], Sample], raw: Callable[[], Sample]
) -> tuple[list[Sample], list[Sample]]:
    """Both, `rounds` times, alternating which goes first."""
    mine: list[Sample] = []
    theirs: list[Sample] = []
    for i in range(rounds):
        if i % 2:
            mine.append(ours())
            theirs.append(raw())
        else:
            theirs.append(raw())
            mine.append(ours())
    return mine, theirs


async def interleaved_async(
    rounds: int,
    ours: Callable[[], Awaitable[object]],
    raw: Callable[[], Awaitable[object]],
) -> tuple[list[Sample], list[Sample]]:
    mine: list[Sample] = []
    theirs: list[Sample] = []
    for i in range(rounds):
        if i % 2:
            mine.append(await measure_async(ours))
            theirs.append(await measure_async(raw))
        else:
            theirs.append(await measure_async(raw))
            mine.append(await measure_async(ours))
    return mine, theirs


def time_rows(
    case: str,
    label: str,
    unit: str,
    scale: float,
    samples: tuple[list[Sample], list[Sample]],
    *,
    cpu_goal: float | None = None,
    wall_goal: float | None = None,
) -> tuple[list[Row], dict[str, list[float]]]:
    """A client CPU row and a wall row from interleaved samples, in `unit` (seconds * scale)."""
    mine, theirs = samples
    rows = [
        Row(
            case,
            f"{label}, client CPU",
            unit,
            statistics.median(s.cpu for s in mine) * scale,
            statistics.median(s.cpu for s in theirs) * scale,
            goal=cpu_goal,
            paired=statistics.median(a.cpu / b.cpu for a, b in zip(mine, theirs, strict=True)),
        ),
        Row(
            case,
            f"{label}, wall",
            unit,
            statistics.median(s.wall for s in mine) * scale,
            statistics.median(s.wall for s in theirs) * scale,
            goal=wall_goal,
            paired=statistics.median(a.wall / b.wall for a, b in zip(mine, theirs, strict=True)),
        ),
    ]
    raw_samples = {
        "ours_cpu": [s.cpu for s in mine],
        "raw_cpu": [s.cpu for s in theirs],
        "ours_wall": [s.wall for s in mine],
        "raw_wall": [s.wall for s in theirs],
    }
    return rows, raw_samples


# -- case 1: get ------------------------------------------------------------------------


def case_get(sizes: Sizes, server: Server) -> CaseResult:
    from replicate_trainings import Client  # noqa: PLC0415 - the library loads where used

    ids = server.training_ids(100)
    work = [ids[i % len(ids)] for i in range(sizes.gets)]
    base = server.base_url
    with (
        Client(server.token, base_url=base, rate_budget=None) as client,
        httpx.Client(headers=server.raw_headers(), timeout=TIMEOUT) as http,
    ):

        def ours() -> None:
            get = client.trainings.get
            for training_id in work:
                get(training_id)

        def raw() -> None:
            for training_id in work:
                json.loads(http.get(f"{base}/trainings/{training_id}").content)

        ours()  # warm-up: connections open, caches filled on both sides
        raw()
        start = server.cpu()
        samples = interleaved(sizes.get_rounds, lambda: measure(ours), lambda: measure(raw))
        server_cpu = (server.cpu() - start) / (2 * sizes.get_rounds * sizes.gets)
    rows, raw_samples = time_rows(
        "get", "trainings.get(id), per call", "µs", 1e6 / sizes.gets, samples, cpu_goal=1.10
    )
    rows[0].note = "raw: httpx.Client.get + json.loads; one client each, reused"
    rows[1].note = f"server CPU per call: {server_cpu * 1e6:.0f} µs"
    context = {"calls_per_round": sizes.gets, "server_cpu_per_call": server_cpu}
    return CaseResult(rows, raw_samples, context)


# -- case 2: list -----------------------------------------------------------------------


def raw_walk(http: httpx.Client, url: str | None) -> int:
    """Follow `next` from `url`, decoding each page; the number of trainings seen.

    Both walks read a few fields of each training, as a listing does, so work the
    library defers to the first read is counted.
    """
    count = 0
    while url is not None:
        page = json.loads(http.get(url).content)
        for item in page["results"]:
            item["id"], item["status"], item["created_at"]
            count += 1
        url = page["next"]
    return count


def our_walk(client: Any) -> int:
    count = 0
    for training in client.trainings.list():
        training.id, training.status, training.created_at  # noqa: B018
        count += 1
    return count


def _checked(walk: Callable[[], int], expected: int) -> Callable[[], None]:
    def run() -> None:
        if walk() != expected:
            raise RuntimeError("a walk missed trainings")

    return run


def case_list(sizes: Sizes, server: Server) -> CaseResult:
    from replicate_trainings import Client  # noqa: PLC0415

    n = sizes.listing
    first = server.base_url + "/trainings"
    with (
        Client(server.token, base_url=server.base_url, rate_budget=None) as client,
        httpx.Client(headers=server.raw_headers(), timeout=TIMEOUT) as http,
    ):
        ours = _checked(lambda: our_walk(client), n)
        raw = _checked(lambda: raw_walk(http, first), n)
        raw()  # warm-up: the server builds and caches each training on its first walk
        ours()
        start = server.cpu()
        samples = interleaved(sizes.rounds, lambda: measure(ours), lambda: measure(raw))
        server_cpu = (server.cpu() - start) / (2 * sizes.rounds)
    label = f"list() of {n:,} ({n // PAGE_SIZE} pages), per walk"
    rows, raw_samples = time_rows("list", label, "ms", 1e3, samples, cpu_goal=1.5)
    rows[0].note = "raw: follow `next`, json.loads each page"
    rows[1].note = f"server CPU per walk: {server_cpu * 1e3:.0f} ms"
    return CaseResult(rows, raw_samples, {"trainings": n, "server_cpu_per_walk": server_cpu})


# -- case 3: memory ---------------------------------------------------------------------


def peak_bytes(walk: Callable[[], int], expected: int) -> float:
    """Bytes allocated at the peak of `walk()`, above what was allocated before it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        if walk() != expected:
            raise RuntimeError("a walk missed trainings")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return float(peak - before)


def _cursor(position: int) -> str:
    """The cursor of the page of trainings older than `position` (the server's format)."""
    return base64.b64encode(f"p={position}".encode()).decode()


def case_memory(sizes: Sizes) -> CaseResult:
    from replicate_trainings import Client  # noqa: PLC0415

    peaks: dict[str, dict[int, float]] = {"ours": {}, "raw": {}}
    for n in sizes.memory:
        _progress(f"memory: walking {n:,}")
        with (
            Server(n) as server,
            Client(server.token, base_url=server.base_url, rate_budget=None) as client,
            httpx.Client(headers=server.raw_headers(), timeout=TIMEOUT) as http,
        ):
            first = server.base_url + "/trainings"
            # Warm-up on the oldest page only: connections open, code paths run once.
            last = f"{first}?cursor={_cursor(PAGE_SIZE)}"
            raw_walk(http, last)
            next(iter(client.trainings.list(cursor=_cursor(PAGE_SIZE)).pages()))
            peaks["ours"][n] = peak_bytes(functools.partial(our_walk, client), n)
            peaks["raw"][n] = peak_bytes(functools.partial(raw_walk, http, first), n)
    small, large = sizes.memory
    rows = [
        Row("memory", f"peak while walking {n:,}", "KiB", ours / 1024, raw / 1024)
        for n, ours, raw in ((n, peaks["ours"][n], peaks["raw"][n]) for n in sizes.memory)
    ]
    rows.append(
        Row(
            "memory",
            f"peak growth, {large:,} / {small:,} walk",
            "x",
            peaks["ours"][large] / peaks["ours"][small],
            None,
            goal=1.10,
            goal_on_ours=True,
            note=f"raw httpx: {peaks['raw'][large] / peaks['raw'][small]:.2f}x",
        )
    )
    samples = {f"{side}_{n}": [peak] for side, by_n in peaks.items() for n, peak in by_n.items()}
    return CaseResult(rows, samples, {"method": "tracemalloc peak above the start, client only"})


# -- case 4: async ----------------------------------------------------------------------


def case_async(sizes: Sizes, server: Server) -> CaseResult:
    return asyncio.run(_case_async(sizes, server))


async def _case_async(sizes: Sizes, server: Server) -> CaseResult:
    from replicate_trainings import AsyncClient  # noqa: PLC0415

    ids = server.training_ids(sizes.concurrent)
    base = server.base_url
    async with (
        httpx.AsyncClient(limits=ASYNC_LIMITS, timeout=TIMEOUT) as ours_http,
        httpx.AsyncClient(
            limits=ASYNC_LIMITS, timeout=TIMEOUT, headers=server.raw_headers()
        ) as http,
    ):
        client = AsyncClient(server.token, base_url=base, http_client=ours_http, rate_budget=None)

        async def raw_get(training_id: str) -> Any:
            return json.loads((await http.get(f"{base}/trainings/{training_id}")).content)

        async def ours_batch() -> None:
            await asyncio.gather(*(client.trainings.get(i) for i in ids))

        async def raw_batch() -> None:
            await asyncio.gather(*(raw_get(i) for i in ids))

        async def ours_one_by_one() -> None:
            for training_id in ids[: sizes.sequential_async]:
                await client.trainings.get(training_id)

        async def raw_one_by_one() -> None:
            for training_id in ids[: sizes.sequential_async]:
                await raw_get(training_id)

        # Warm-up with a few: opening all connections under the whole batch costs seconds
        # in httpcore's pool, for either side.
        await asyncio.gather(*(client.trainings.get(i) for i in ids[:20]))
        await asyncio.gather(*(raw_get(i) for i in ids[:20]))
        start = server.cpu()
        batches = await interleaved_async(sizes.async_rounds, ours_batch, raw_batch)
        server_cpu = (server.cpu() - start) / (2 * sizes.async_rounds)
        one_by_one = await interleaved_async(
            sizes.sequential_rounds, ours_one_by_one, raw_one_by_one
        )
    n, m = sizes.concurrent, sizes.sequential_async
    rows, samples = time_rows(
        "async", f"{n} concurrent gets", "ms", 1e3, batches, cpu_goal=1.2, wall_goal=1.2
    )
    rows[0].note = "both: httpx.AsyncClient, 100 connections (20 kept alive)"
    rows[1].note = f"server CPU per batch: {server_cpu * 1e3:.0f} ms"
    more, more_samples = time_rows(
        "async", f"{m} gets one at a time, per get", "µs", 1e6 / m, one_by_one
    )
    more[0].note = "not a goal: the library's own async cost, without pool contention"
    if importlib.util.find_spec("sniffio") is None:
        more[1].note = "sniffio absent: httpcore retries a failed import per request, both sides"
    samples |= {f"one_by_one_{k}": v for k, v in more_samples.items()}
    context = {"concurrent": n, "server_cpu_per_batch": server_cpu, "sequential": m}
    return CaseResult(rows + more, samples, context)


# -- case 5: import ---------------------------------------------------------------------

_IMPORT_PROBE = """\
import sys
{hide}
import time
w, c = time.perf_counter(), time.process_time()
{statement}
print(time.perf_counter() - w, time.process_time() - c)
"""
# `.Client` too: a lazily-loading package must not look free when it is merely deferred.
_OURS = "import replicate_trainings; replicate_trainings.Client"
_HIDE_HTTPX_CLI = "sys.modules['click'] = None  # as without httpx[cli]: httpx skips its CLI"
# Bytecode cached, as pip leaves an installed package (httpx has it; an editable install
# of this repo would otherwise be compiled from source on every import when the
# environment sets PYTHONDONTWRITEBYTECODE).
_WITH_BYTECODE = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def import_sample(statement: str, hide_cli: bool) -> Sample:
    probe = _IMPORT_PROBE.format(statement=statement, hide=_HIDE_HTTPX_CLI if hide_cli else "")
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_WITH_BYTECODE,
    ).stdout.split()
    return Sample(float(out[0]), float(out[1]))


def case_import(sizes: Sizes, server: Server) -> CaseResult:
    rows: list[Row] = []
    samples: dict[str, list[float]] = {}
    # The generated client loads on the first request: the third pair of rows shows that
    # it is deferred, not gone (a fresh process that imports, connects and gets once).
    training_id = server.training_ids(1)[0]
    first_get = (
        f"client = replicate_trainings.Client({server.token!r}, base_url={server.base_url!r}); "
        f"client.trainings.get({training_id!r})"
    )
    raw_first_get = (
        f"import json; client = httpx.Client(headers={server.raw_headers()!r}); "
        f"json.loads(client.get({server.base_url + '/trainings/' + training_id!r}).content)"
    )
    for hide_cli, rounds, label, key, ours_statement, raw_statement, goal in (
        (True, sizes.import_rounds, "runtime deps only", "runtime", _OURS, "import httpx", 1.3),
        (
            False,
            max(sizes.import_rounds // 2, 1),
            "dev venv: httpx loads rich+click",
            "devvenv",
            _OURS,
            "import httpx",
            None,
        ),
        (
            True,
            max(sizes.import_rounds // 2, 1),
            "then a first get",
            "first_get",
            f"{_OURS}; {first_get}",
            f"import httpx; {raw_first_get}",
            None,
        ),
    ):
        ours = functools.partial(import_sample, ours_statement, hide_cli)
        raw = functools.partial(import_sample, raw_statement, hide_cli)
        ours()  # compile and cache the bytecode first
        raw()
        part, part_samples = time_rows(
            "import",
            f"import, {label}",
            "ms",
            1e3,
            interleaved(rounds, ours, raw),
            wall_goal=goal,
        )
        rows += part
        samples |= {f"{name}_{key}": values for name, values in part_samples.items()}
    rows[0].note = "raw: import httpx; each in a fresh interpreter"
    rows[4].note = "the generated client's modules load on the first request"
    return CaseResult(rows, samples, {"statement": _OURS})


# -- case 6: parse ----------------------------------------------------------------------

_LOG_LINE = (
    "flux_train_replicate: {pct:3d}%|{bar:<10}| {step}/1000 [{m:02d}:{s:02d}<09:12, "
    "1.44it/s, lr: 4.0e-04 loss: {loss:.3e}]\n"
)


def realistic_logs(size: int, salt: int) -> str:
    """About `size` characters of trainer progress output (non-ASCII bars included)."""
    lines: list[str] = []
    total = step = 0
    while total < size:
        step += 1
        pct = step // 10 % 101
        line = _LOG_LINE.format(
            pct=pct,
            bar="█" * (pct // 10),
            step=step,
            m=step // 60 % 60,
            s=step % 60,
            loss=0.5 / (1 + step / 100) + salt * 1e-4,
        )
        lines.append(line)
        total += len(line)
    return "".join(lines)


def training_bodies(count: int, log_size: int) -> list[bytes]:
    """`count` trainings as the local server shows them; logs replaced when `log_size`."""
    from replicate_trainings.testing import LocalReplicate, Progression  # noqa: PLC0415

    with LocalReplicate(seed=count, random_seed=1, progression=Progression.manual()) as app:
        trainings = [app.training(i) for i in app.training_ids()]
    bodies = []
    for i, training in enumerate(trainings):
        if log_size:
            training["logs"] = realistic_logs(log_size, i)
        bodies.append(json.dumps(training, ensure_ascii=False).encode())
    return bodies


def read_training(training: Any) -> None:
    """Every field of a `Training`, nested ones included."""
    t = training
    t.id, t.model, t.version, t.input, t.status, t.source, t.logs, t.error  # noqa: B018
    t.created_at, t.started_at, t.completed_at, t.urls.get, t.urls.cancel, t.urls.web  # noqa: B018
    if t.output is not None:
        t.output.version, t.output.weights  # noqa: B018
    if t.metrics is not None:
        t.metrics.predict_time, t.metrics.total_time  # noqa: B018


def read_item(item: dict[str, Any]) -> None:
    """Every field of a decoded training, the same reads on the dict."""
    for name in _TOP_FIELDS:
        item[name]
    urls = item["urls"]
    urls["get"], urls["cancel"], urls["web"]
    if (output := item["output"]) is not None:
        output["version"], output["weights"]
    if (metrics := item["metrics"]) is not None:
        metrics.get("predict_time"), metrics.get("total_time")


_TOP_FIELDS = (
    "id", "model", "version", "input", "status", "source", "logs", "error",
    "created_at", "started_at", "completed_at",
)  # fmt: skip


def case_parse(sizes: Sizes) -> CaseResult:
    from replicate_trainings import Training  # noqa: PLC0415

    rows: list[Row] = []
    samples: dict[str, list[float]] = {}
    for label, key, distinct, total, log_size, read_all in (
        ("100 kB logs", "100kB", 50, sizes.parse_objects, 100_000, False),
        ("list item, short logs", "item", 100, sizes.parse_objects * 10, 0, False),
        ("list item, then every field read", "item_read", 100, sizes.parse_objects * 10, 0, True),
    ):
        bodies = training_bodies(distinct, log_size) * max(total // distinct, 1)

        def ours(bodies: list[bytes] = bodies, read_all: bool = read_all) -> None:
            for body in bodies:
                training = Training.from_dict(json.loads(body))
                if read_all:
                    read_training(training)

        def raw(bodies: list[bytes] = bodies, read_all: bool = read_all) -> None:
            for body in bodies:
                item = json.loads(body)
                if read_all:
                    read_item(item)

        ours()
        raw()
        mine, theirs = interleaved(sizes.rounds, lambda: measure(ours), lambda: measure(raw))
        n = len(bodies)
        size = sum(map(len, bodies)) / n / 1000
        rows.append(
            Row(
                "parse",
                f"trainings parsed per second, {label} (~{size:.1f} kB)",
                "/s",
                n / statistics.median(s.cpu for s in mine),
                n / statistics.median(s.cpu for s in theirs),
                higher_is_better=True,
                paired=statistics.median(a.cpu / b.cpu for a, b in zip(mine, theirs, strict=True)),
                note="Training.from_dict(json.loads(b)) vs json.loads(b); ratio: cost per object"
                + ("; then every field, nested ones too, read from each" if read_all else ""),
            )
        )
        samples[f"ours_cpu_{key}"] = [s.cpu for s in mine]
        samples[f"raw_cpu_{key}"] = [s.cpu for s in theirs]
    return CaseResult(rows, samples)


# -- case 7: generate -------------------------------------------------------------------


def case_generate(sizes: Sizes) -> CaseResult:
    walls: list[float] = []
    matches = True
    for _ in range(sizes.generate_rounds):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "generate.py"), "--check"],
            capture_output=True,
            cwd=ROOT,
            check=False,
        )
        walls.append(time.perf_counter() - start)
        matches = matches and done.returncode == 0
    note = "a full generation into a scratch dir, then a compare"
    if not matches:
        note += "; generated/ is stale!"
    row = Row("generate", "scripts/generate.py --check, wall", "s", statistics.median(walls), None)
    row.note = note
    return CaseResult([row], {"wall": walls}, {"matches": matches})


# -- case 8: many -----------------------------------------------------------------------
#
# Every run gets a fresh server throttling as Replicate does (600 creates and 3,000 other
# requests a minute, 5 s of burst) and N trainings created over `spread` seconds, each
# ending `ends_after` seconds after its creation (`Sizes.many_timing`): with the full
# sizes their ends fall 3 to 6 s into the wait. Trainings are made with
# `LocalReplicate.create()`, not over HTTP, so the run's budget is spent on waiting alone.

MANY_CAP = 45.0
"""Seconds a run may take: per-training waits on 1,000 cannot keep up with the limit."""


@dataclass
class ManyRun:
    """One run: how N trainings were waited on, what it cost and how late ends were seen."""

    n: int
    how: str
    requests: int
    seconds: float
    refused: int
    lags: list[float]
    rounds: list[int]

    @property
    def per_minute(self) -> float:
        return self.requests / self.seconds * 60 if self.seconds else 0.0

    @property
    def unreported(self) -> int:
        return self.n - len(self.lags)


async def _many_run(n: int, how: str, timing: tuple[float, float, float]) -> ManyRun:
    from replicate_trainings import AsyncClient  # noqa: PLC0415
    from replicate_trainings._clock import SystemClock  # noqa: PLC0415 - rounds, below
    from replicate_trainings.testing import LocalReplicate, Progression  # noqa: PLC0415

    spread, ends_after, poll = timing
    sent = 0
    marks: list[int] = []

    async def count(request: httpx.Request) -> None:
        nonlocal sent
        sent += 1

    class RoundClock(SystemClock):
        """The system clock, noting the requests sent at each poll round's pause."""

        async def sleep_async(self, seconds: float) -> None:
            if seconds >= poll / 4:
                marks.append(sent)
            await super().sleep_async(seconds)

    with (
        LocalReplicate(
            rate_limit=True,
            progression=Progression.ends_after(ends_after),
            record_requests=False,
            random_seed=1,
        ) as app,
        app.serve() as server,
    ):
        ids: list[str] = []
        steps = 30
        for step in range(steps):
            ids += [app.create()["id"] for _ in range(n * (step + 1) // steps - len(ids))]
            await asyncio.sleep(spread / steps)
        http = httpx.AsyncClient(
            limits=ASYNC_LIMITS, timeout=TIMEOUT, event_hooks={"request": [count]}
        )
        options: dict[str, Any] = {"rate_budget": None} if how.endswith("no budget") else {}
        client = AsyncClient(server.token, base_url=server.base_url, http_client=http, **options)
        config = replace(client._config, clock=RoundClock())
        client._connect(config, client._http)
        lags: list[float] = []

        def reported(training: Any) -> None:
            lags.append(time.time() - training.completed_at.timestamp())

        async def wait_one(training_id: str) -> None:
            reported(await client.trainings.wait(training_id, poll_interval=poll))

        async def each() -> None:
            await asyncio.gather(*(wait_one(training_id) for training_id in ids))

        async def watch_all() -> None:
            async for training in client.trainings.as_completed(ids, poll_interval=poll):
                reported(training)

        started = time.perf_counter()
        try:
            async with asyncio.timeout(MANY_CAP):
                await (watch_all() if how == "as_completed" else each())
        except TimeoutError:
            pass
        seconds = time.perf_counter() - started
        await http.aclose()
        assert app.throttle is not None
        refused = app.throttle.refused
    edges = [0, *marks, sent]
    rounds = [b - a for a, b in itertools.pairwise(edges) if b > a] if how == "as_completed" else []
    return ManyRun(n, how, sent, seconds, refused, lags, rounds)


def case_many(sizes: Sizes) -> CaseResult:
    poll = sizes.many_timing[2]
    runs: list[ManyRun] = []
    for n in sizes.many:
        hows = ["as_completed", "wait() each"] + (["wait() each, no budget"] if n >= 1000 else [])
        for how in hows:
            _progress(f"many: {n:,} trainings, {how}")
            runs.append(asyncio.run(_many_run(n, how, sizes.many_timing)))
    rows: list[Row] = []
    for run in runs:
        if run.how != "as_completed":
            continue
        limit = math.ceil(run.n / 100) + 5
        rows += [
            Row(
                "many",
                f"N={run.n:,}, as_completed: 429s met after the first",
                "",
                float(max(0, run.refused - 1)),
                None,
                goal=0.0,
                goal_on_ours=True,
                note=f"{run.per_minute:,.0f} requests a minute, under 3,000",
            ),
            Row(
                "many",
                f"N={run.n:,}, as_completed: requests per poll round, most",
                "",
                float(max(run.rounds, default=0)),
                None,
                goal=float(limit),
                goal_on_ours=True,
                note=f"goal: ceil(N/100)+5 = {limit}; {len(run.rounds)} rounds",
            ),
            Row(
                "many",
                f"N={run.n:,}, as_completed: lag from end to report, most",
                "s",
                max(run.lags, default=math.inf),
                None,
                goal=poll + 1,
                goal_on_ours=True,
                note=f"poll interval {poll:g} s; {run.unreported} unreported",
            ),
        ]
    context = {
        "table": many_table(runs),
        "runs": [
            {
                "n": r.n,
                "how": r.how,
                "requests": r.requests,
                "seconds": round(r.seconds, 2),
                "per_minute": round(r.per_minute, 1),
                "refused": r.refused,
                "rounds": r.rounds,
                "unreported": r.unreported,
                "lag_median": statistics.median(r.lags) if r.lags else None,
                "lag_max": max(r.lags, default=None),
            }
            for r in runs
        ],
        "spread, ends_after, poll_interval": sizes.many_timing,
        "cap": MANY_CAP,
    }
    samples = {f"lags_{r.n}_{r.how}": r.lags for r in runs}
    return CaseResult(rows, samples, context)


def many_table(runs: list[ManyRun]) -> str:
    lines = [
        "| N | how | requests | seconds | requests/min | 429s | most per round | "
        "lag median | lag max | unreported |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        median = f"{statistics.median(r.lags):.2f} s" if r.lags else "-"
        most = max(r.lags, default=None)
        lines.append(
            f"| {r.n:,} | {r.how} | {r.requests:,} | {r.seconds:.1f} | {r.per_minute:,.0f} | "
            f"{r.refused:,} | {max(r.rounds) if r.rounds else '-'} | {median} | "
            f"{'-' if most is None else f'{most:.2f} s'} | {r.unreported:,} |"
        )
    return "\n".join(lines)


# -- the report -------------------------------------------------------------------------


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "x":
        return f"{value:.2f}x"
    for limit, spec in ((10_000, ",.0f"), (100, ".0f"), (10, ".1f")):
        if abs(value) >= limit:
            return format(value, spec)
    return f"{value:.2f}"


def table(rows: list[Row]) -> str:
    lines = [
        "| case | metric | unit | replicate_trainings | raw httpx | ratio | goal | holds | note |",
        "|---|---|---|---:|---:|---:|---:|:---:|---|",
    ]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        goal = "-" if r.goal is None else f"<= {r.goal:.2f}x"
        if r.goal is not None and r.goal_on_ours and r.unit != "x":
            goal = f"<= {_number(r.goal, r.unit)} {r.unit}".rstrip()
        holds = {None: "", True: "yes", False: "**no**"}[r.holds]
        lines.append(
            f"| {r.case} | {r.metric} | {'' if r.unit == 'x' else r.unit} | "
            f"{_number(r.ours, r.unit)} | {_number(r.raw, r.unit)} | {ratio} | {goal} | "
            f"{holds} | {r.note} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in ("httpx", "httpcore", "anyio", "attrs", "replicate-trainings"):
        with contextlib.suppress(Exception):
            versions[name] = importlib.metadata.version(name)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()]
        if hasattr(os, "getloadavg")
        else None,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "sniffio": importlib.util.find_spec("sniffio") is not None,
    }


# -- running ----------------------------------------------------------------------------


def run(cases: list[str], sizes: Sizes) -> dict[str, CaseResult]:
    results: dict[str, CaseResult] = {}
    with contextlib.ExitStack() as stack:
        server: Server | None = None
        for case in cases:
            _progress(f"{case}...")
            started = time.perf_counter()
            if case in ("get", "list", "async", "import") and server is None:
                server = stack.enter_context(Server(sizes.listing))
            if case == "get":
                assert server is not None
                results[case] = case_get(sizes, server)
            elif case == "list":
                assert server is not None
                results[case] = case_list(sizes, server)
            elif case == "async":
                assert server is not None
                results[case] = case_async(sizes, server)
            elif case == "memory":
                results[case] = case_memory(sizes)
            elif case == "import":
                assert server is not None
                results[case] = case_import(sizes, server)
            elif case == "parse":
                results[case] = case_parse(sizes)
            elif case == "many":
                results[case] = case_many(sizes)
            else:
                results[case] = case_generate(sizes)
            results[case].context["seconds"] = round(time.perf_counter() - started, 2)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmarks: replicate_trainings vs raw httpx.")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 2 rounds, small sizes")
    parser.add_argument("--cases", default=",".join(CASES), help=f"some of {','.join(CASES)}")
    parser.add_argument("--rounds", type=int, help="rounds of every timed case")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write results")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(cases) - set(CASES))
    if unknown or not cases:
        parser.error(f"unknown cases: {', '.join(unknown)} (known: {', '.join(CASES)})")
    sizes = QUICK if args.quick else FULL
    if args.rounds:
        sizes = replace(
            sizes,
            rounds=args.rounds,
            get_rounds=args.rounds,
            async_rounds=args.rounds,
            sequential_rounds=args.rounds,
        )

    started = time.perf_counter()
    host = machine()
    results = run(cases, sizes)
    elapsed = time.perf_counter() - started
    rows = [row for case in cases for row in results[case].rows]
    report = {
        "machine": host,
        "quick": args.quick,
        "sizes": asdict(sizes),
        "seconds": round(elapsed, 1),
        "rows": [asdict(row) for row in rows],
        "cases": {
            name: {"samples": result.samples, "context": result.context}
            for name, result in results.items()
        },
    }
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(table(rows))
    print()
    print(
        "ratio: ours / raw, lower is better (for timings, the median of each round's ratio; "
        "for rates, the cost per object)"
    )
    print(
        f"{host['cpu']}, {host['cores']} cores, {host['platform']}, Python {host['python']}, "
        f"{', '.join(f'{k} {v}' for k, v in host['versions'].items())}; load average at start "
        f"{host['load_average']}; {elapsed:.0f} s in all; "
        f"written to {args.json}"
    )
    if "many" in results:
        print()
        print(
            "waiting on many (requests as the client sent them, 429s as the server refused them):"
        )
        print(results["many"].context["table"])
    checked = [row for row in rows if row.holds is not None]
    missed = [f"{r.case}: {r.metric}" for r in checked if not r.holds]
    print(f"goals held: {len(checked) - len(missed)} of {len(checked)}", end="")
    print(f"; missed: {'; '.join(missed)}" if missed else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
