"""The distribution as users get it: what the wheel and sdist hold, and types that reach them.

`make typecheck` points mypy at the sources, so it cannot see a package that ships without
`py.typed` (every name is then `Any` to its users). Here the wheel is built with the pinned
hatchling, installed into a scratch venv with its runtime dependencies (from PyPI, pinned
to the versions of requirements-dev.txt, which the pip cache usually holds), and
tests/consumer.py is type-checked against it and run against the bundled local server.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = Path(__file__).with_name("consumer.py")

# `--disallow-any-expr` also reports expressions whose type merely contains Any. These are
# the JSON values of the API (a training's `input`, the dict literal given as `input=`),
# Any by design; any other Any reaching a consumer fails the test.
JSON_ANY = re.compile(r'Expression type contains "Any" \(has type "(Mapping|dict)\[str, Any\]"\)')


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the wheel and the sdist, built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    hatchling = [sys.executable, "-m", "hatchling", "build", "-d", str(out)]
    subprocess.run(hatchling, cwd=ROOT, check=True, capture_output=True, timeout=120)
    return out


def only(folder: Path, pattern: str) -> Path:
    (found,) = folder.glob(pattern)
    return found


def test_the_wheel_holds_both_packages_typed_and_the_license(dist: Path) -> None:
    names = set(zipfile.ZipFile(only(dist, "*.whl")).namelist())
    assert {"replicate_trainings/py.typed", "replicate_trainings_api/py.typed"} <= names
    assert {"replicate_trainings/__init__.py", "replicate_trainings/testing/__init__.py"} <= names
    assert "replicate_trainings_api/openapi.json" in names  # the local server validates by it
    (dist_info,) = {name.split("/")[0] for name in names if ".dist-info/" in name}
    assert f"{dist_info}/licenses/LICENSE" in names
    metadata = zipfile.ZipFile(only(dist, "*.whl")).read(f"{dist_info}/METADATA").decode()
    assert "License-Expression: MIT" in metadata
    assert not [name for name in names if name.startswith(("tests/", "scripts/"))]


def test_the_sdist_holds_the_license_docs_and_both_packages(dist: Path) -> None:
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "CHANGELOG.md", "openapi.yaml", "pyproject.toml"} <= names
    docs = {path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md")}
    assert docs and docs <= names  # the README links to them
    typed = {"facade/replicate_trainings/py.typed", "generated/replicate_trainings_api/py.typed"}
    assert typed <= names


def test_the_sdist_builds_the_same_wheel(dist: Path, tmp_path: Path) -> None:
    with tarfile.open(only(dist, "*.tar.gz")) as sdist:
        sdist.extractall(tmp_path / "src", filter="data")
    (source,) = (tmp_path / "src").iterdir()
    build = [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)]
    subprocess.run(build, cwd=source, check=True, capture_output=True, timeout=120)
    rebuilt = zipfile.ZipFile(only(tmp_path, "*.whl")).namelist()
    assert sorted(rebuilt) == sorted(zipfile.ZipFile(only(dist, "*.whl")).namelist())


def test_the_license_is_mit_as_declared() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "replicate-trainings contributors" in text
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


def test_the_demo_installs_the_runtime_pins_of_the_development_set() -> None:
    def pins(name: str) -> set[str]:
        lines = (ROOT / name).read_text().splitlines()
        return {line.strip() for line in lines if line.strip() and not line.startswith("#")}

    demo = pins("requirements-demo.txt")
    assert demo <= pins("requirements-dev.txt")  # the same versions
    names = {pin.split("==")[0].lower() for pin in demo}
    assert {"httpx", "attrs", "standardwebhooks"} <= names  # pyproject's dependencies
    assert not names & {"mypy", "ruff", "schemathesis", "openapi-python-client", "pytest"}


@pytest.mark.slow
def test_a_consumer_of_the_installed_wheel_type_checks_strictly_and_runs(
    dist: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    # "[testing]": the bundled local server's extra (jsonschema validates requests with it)
    install += ["-c", str(ROOT / "requirements-dev.txt"), str(only(dist, "*.whl")) + "[testing]"]
    subprocess.run(install, check=True, capture_output=True, timeout=300)

    work = tmp_path / "consumer"  # away from the checkout: only the installed wheel is seen
    work.mkdir()
    (work / "consumer.py").write_text(CONSUMER.read_text())
    (work / "mypy.ini").write_text("[mypy]\n")  # not the checkout's settings (mypy_path)
    mypy = [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--python-executable"]
    mypy += [str(python), "--strict", "--disallow-any-expr", "--warn-unreachable"]
    mypy += ["--cache-dir", str(tmp_path / "mypy-cache"), "consumer.py"]
    checked = subprocess.run(
        mypy, check=False, cwd=work, capture_output=True, text=True, timeout=300
    )
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert errors, checked.stdout + checked.stderr  # the JSON values are reported, so it ran
    assert [line for line in errors if not JSON_ANY.search(line)] == []

    ran = subprocess.run(
        [str(python), "-X", "dev", "-W", "error", "consumer.py"],
        check=False,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("replicate-trainings "), ran.stdout
