"""Preview another openapi-python-client version: what it would change in generated/.

    python scripts/generator_preview.py 0.30.0 [--venv DIR]

Installs that generator version, with the ruff pinned in requirements-dev.txt, into a
scratch venv (or DIR, reused if it already has that version), generates from openapi.yaml
with the same settings and templates as `make generate` (scripts/generate.py), and prints
1. the difference from the committed generated/, and
2. what upstream changed, since our pinned version, in each template that templates/
   overrides (to port into our copies).
Nothing in the repository changes. Exits 1 only when the generation itself fails.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType


def _load_generate() -> ModuleType:
    """scripts/generate.py, whose settings and functions this preview reuses."""
    path = Path(__file__).resolve().parent / "generate.py"
    spec = importlib.util.spec_from_file_location("generate", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generate()
REQUIREMENTS = generate.ROOT / "requirements-dev.txt"
GENERATOR = "openapi-python-client"


def pinned(package: str, requirements: Path = REQUIREMENTS) -> str:
    """The version requirements-dev.txt pins `package` to."""
    for line in requirements.read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package.lower() and version:
            return version.strip()
    raise SystemExit(f"{package} is not pinned in {requirements.name}")


def templates_of(python: Path) -> Path:
    """The template folder of the openapi-python-client installed for `python`."""
    code = (
        "import pathlib, openapi_python_client as o; "
        "print(pathlib.Path(o.__file__).parent / 'templates')"
    )
    found = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return Path(found.stdout.strip())


def installed_version(python: Path) -> str | None:
    result = subprocess.run(
        [str(python), "-m", "pip", "show", GENERATOR], capture_output=True, text=True, check=False
    )
    for line in result.stdout.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    return None


def scratch_venv(folder: Path, version: str) -> Path:
    """A venv in `folder` with the generator at `version` and our pinned ruff; its python."""
    python = folder / "bin" / "python"
    if python.exists() and installed_version(python) == version:
        return python
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{GENERATOR}=={version}",
            f"ruff=={pinned('ruff')}",
        ],
        check=True,
    )
    return python


def template_changes(old: Path, new: Path, names: list[str]) -> list[str]:
    """Unified diffs of each named template between two generator versions' template folders."""
    lines: list[str] = []
    for name in names:
        before, after = old / name, new / name
        if not after.exists():
            lines.append(f"{name}: gone from the new version (our override is no longer used)")
            continue
        lines.extend(
            difflib.unified_diff(
                before.read_text().splitlines() if before.exists() else [],
                after.read_text().splitlines(),
                f"{name} (pinned)",
                f"{name} (new)",
                lineterm="",
            )
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("version", help="the openapi-python-client version to try, e.g. 0.30.0")
    parser.add_argument("--venv", type=Path, help="keep the scratch venv here (reused next time)")
    args = parser.parse_args()
    current = pinned(GENERATOR)
    overridden = sorted(path.name for path in generate.TEMPLATES.glob("*.jinja"))
    with tempfile.TemporaryDirectory() as scratch:
        python = scratch_venv(args.venv or Path(scratch) / "venv", args.version)
        changes = template_changes(
            templates_of(Path(sys.executable)), templates_of(python), overridden
        )
        print(f"== upstream changes, {current} -> {args.version}, to templates we override ==")
        print("\n".join(changes) if changes else "none")
        vars(generate)["TOOLS"] = python.parent  # generate_into runs the tools found here
        out = Path(scratch) / "out"
        out.mkdir()
        try:
            fresh = generate.generate_into(out)
        except SystemExit as failed:
            sys.exit(
                f"\n== {GENERATOR} {args.version} cannot generate with our templates ==\n{failed}"
            )
        diff = generate.differences(fresh, generate.TARGET)
    print(f"\n== generated/ with {GENERATOR} {args.version} (pinned: {current}) ==")
    print("\n".join(diff) if diff else "no difference")
    print(
        f"\n{len(diff)} diff lines in generated/, {len(changes)} in overridden templates. "
        f"To move: pin {GENERATOR}=={args.version} in requirements-dev.txt, port the template "
        "changes into templates/, `make generate`, and commit only with `make test` green."
    )


if __name__ == "__main__":
    main()
