"""`make bench` still runs: a quick pass of two cases, checked for shape, never for speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def quick_bench(tmp_path: Path, cases: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """`scripts/bench.py --quick` of some cases: the finished process and its JSON report."""
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--quick", "--cases", cases,
         "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text())


def test_a_quick_bench_writes_ratios_for_each_case(tmp_path: Path) -> None:
    done, report = quick_bench(tmp_path, "get,parse")
    rows = report["rows"]
    assert {row["case"] for row in rows} == {"get", "parse"}
    for row in rows:
        assert isinstance(row["ours"], float) and row["ours"] > 0, row
        assert isinstance(row["raw"], float) and row["raw"] > 0, row
        assert isinstance(row["ratio"], float) and row["ratio"] > 0, row
    assert report["quick"] is True
    assert report["machine"]["cores"]
    assert "| get |" in done.stdout


def test_a_quick_bench_of_waiting_on_many_checks_its_goals(tmp_path: Path) -> None:
    done, report = quick_bench(tmp_path, "many")
    runs = report["cases"]["many"]["context"]["runs"]
    assert [(run["n"], run["how"]) for run in runs] == [(10, "as_completed"), (10, "wait() each")]
    for run in runs:
        assert run["requests"] > 0 and run["unreported"] == 0, run
    assert {row["metric"] for row in report["rows"]} == {
        "N=10, as_completed: 429s met after the first",
        "N=10, as_completed: requests per poll round, most",
        "N=10, as_completed: lag from end to report, most",
    }
    assert all(row["holds"] is not None for row in report["rows"])
    assert "| 10 | as_completed |" in done.stdout
