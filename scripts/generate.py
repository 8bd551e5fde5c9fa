"""Regenerate generated/replicate_trainings_api from openapi.yaml, or check it is current.

Runs the pinned openapi-python-client with the settings in openapi-python-client.yaml
into a scratch folder, then replaces the package whole (so stale files go). The
generator only warns when a post-hook (ruff) cannot run or a piece of the spec is
skipped; here any warning is a failure, so a half-made client never lands.

    python scripts/generate.py          # rewrite generated/
    python scripts/generate.py --check  # exit 1 if generated/ differs from a fresh run
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: repo root
from scripts import shape

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
CONFIG = ROOT / "openapi-python-client.yaml"
TEMPLATES = ROOT / "templates"  # the generator templates we override (README: The low-level client)
PACKAGE = "replicate_trainings_api"
TARGET = ROOT / "generated" / PACKAGE
TOOLS = Path(sys.executable).parent  # the venv's bin: pinned generator and ruff


def generate_into(scratch: Path, spec: Path = SPEC) -> Path:
    """Run the generator on `spec` into scratch and return the finished package folder."""
    out = scratch / PACKAGE
    env = {**os.environ, "PATH": f"{TOOLS}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("RUFF_CACHE_DIR", None)
    result = subprocess.run(
        [
            str(TOOLS / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--config",
            str(CONFIG),
            "--custom-template-path",
            str(TEMPLATES),
            "--meta",
            "none",
            "--output-path",
            str(out),
        ],
        cwd=scratch,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    report = (result.stdout + result.stderr).strip()
    if result.returncode != 0 or "warning" in report.lower() or "error" in report.lower():
        sys.exit(f"generation failed (exit {result.returncode}):\n{report}")
    shutil.rmtree(out / ".ruff_cache", ignore_errors=True)
    (out / "py.typed").write_text("")
    write_module(out / "training_shape.py", shape.render(shape.load(spec)), env)
    write_module(out / "request_shape.py", shape.render_request(shape.load_request(spec)), env)
    write_spec(out / "openapi.json", spec)
    return out


def write_spec(path: Path, spec: Path) -> None:
    """The spec itself as package data, for readers at run time (the local server validates
    requests against its schemas); JSON, so reading it needs no YAML parser."""
    document = yaml.safe_load(spec.read_text())
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")


def write_module(path: Path, source: str, env: dict[str, str]) -> None:
    """A module of ours (scripts/shape.py), formatted as the generator's output is."""
    path.write_text(source)
    for hook in (["check", "--select", "F401,I", "--fix-only"], ["format"]):
        subprocess.run(
            [str(TOOLS / "ruff"), *hook, "--isolated", "--no-cache", "--quiet", str(path)],
            env=env,
            check=True,
        )


def tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def differences(fresh: Path, current: Path) -> list[str]:
    new, old = tree(fresh), tree(current) if current.exists() else {}
    lines: list[str] = []
    for name in sorted(new.keys() | old.keys()):
        if new.get(name) == old.get(name):
            continue
        if name not in new or name not in old:
            side = (
                "only in the committed tree" if name in old else "missing from the committed tree"
            )
            lines.append(f"generated/{PACKAGE}/{name}: {side}")
        lines.extend(
            difflib.unified_diff(
                old.get(name, "").splitlines(),
                new.get(name, "").splitlines(),
                f"generated/{PACKAGE}/{name} (committed)",
                f"generated/{PACKAGE}/{name} (fresh)",
                lineterm="",
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if generated/ is stale")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        fresh = generate_into(Path(scratch))
        if args.check:
            diff = differences(fresh, TARGET)
            if diff:
                print("\n".join(diff[:400]))
                sys.exit("generated/ is stale: run `make generate` and commit the result")
            print("generated/ matches openapi.yaml")
            return
        shutil.rmtree(TARGET, ignore_errors=True)
        shutil.copytree(fresh, TARGET)
        print(f"regenerated {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
