"""The public API is a checked contract: `make api-check` and `make release-check`.

A scratch copy of the checkout (both packages, the snapshot, the version, the CHANGELOG)
takes a deliberate rename of a public method; the real command must fail naming it, pass
when the old spelling is kept as a `typing_extensions.deprecated` alias (which warns at
run time), and pass when a major version and its CHANGELOG section say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # scripts/ is not installed; import it from the repo root
from scripts import api_check  # noqa: E402

CANCEL = "    cancel = _view(_operations.cancel, _run)\n"
ALIAS = '''    @deprecated("Trainings.cancel is renamed Trainings.abort; the old name ends in 2.0")
    def cancel(self, training_id: str, **options: Unpack[CallOptions]) -> Training:
        """Deprecated spelling of `abort`."""
        return self.abort(training_id, **options)

'''
CALLER = """
import warnings
from replicate_trainings import Client
from replicate_trainings.testing import serve

with serve() as server, Client(server.token, base_url=server.base_url) as client:
    created = client.trainings.create("owner/model:v1", destination="o/n", input={})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        canceled = client.trainings.cancel(created.id)
    assert canceled.status == "canceled", canceled.status
    assert [w.category for w in caught] == [DeprecationWarning], caught
    print(caught[0].message)
"""


def run(root: Path, command: str = "check") -> subprocess.CompletedProcess[str]:
    """`scripts/api_check.py COMMAND --root ROOT`, as `make api-check` runs it."""
    script = [sys.executable, str(REPO / "scripts" / "api_check.py"), command, "--root", str(root)]
    return subprocess.run(script, capture_output=True, text=True, check=False)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A copy of what the check reads, with Trainings.cancel renamed abort."""
    for folder in ("facade", "generated", "api"):
        shutil.copytree(
            REPO / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(REPO / "CHANGELOG.md", tmp_path / "CHANGELOG.md")
    client = tmp_path / "facade" / "replicate_trainings" / "client.py"
    text = client.read_text(encoding="utf-8")
    assert text.count(CANCEL) == 1  # the sync Trainings.cancel, as the rename below assumes
    client.write_text(text.replace(CANCEL, CANCEL.replace("cancel =", "abort =")))
    return tmp_path


def test_the_repository_passes_both_checks() -> None:
    """Today's API keeps every name of the snapshot; version, CHANGELOG, snapshot agree."""
    checked, released = run(REPO), run(REPO, "release")
    assert checked.returncode == 0, checked.stdout
    assert released.returncode == 0, released.stdout
    version = api_check.version_of()
    assert api_check.load_snapshot()[0] == version
    assert f"release-check: OK: {version} released" in released.stdout


def test_a_renamed_public_method_fails_naming_it(scratch: Path) -> None:
    checked = run(scratch)
    assert checked.returncode == 1
    assert "replicate_trainings.Trainings.cancel: removed (or renamed)" in checked.stdout
    assert "replicate_trainings.Trainings.abort" not in checked.stdout  # additions pass


def test_the_old_name_kept_as_a_deprecated_alias_passes_and_warns(scratch: Path) -> None:
    client = scratch / "facade" / "replicate_trainings" / "client.py"
    text = client.read_text(encoding="utf-8")
    abort = CANCEL.replace("cancel =", "abort =")
    text = text.replace(abort, abort + "\n" + ALIAS)
    text = text.replace(
        "import httpx\n",
        "import httpx\nfrom typing_extensions import Unpack, deprecated\n\n"
        "from ._options import CallOptions\n",
    )
    client.write_text(text, encoding="utf-8")
    checked = run(scratch)
    assert checked.returncode == 0, checked.stdout
    env = {**os.environ, "PYTHONPATH": f"{scratch / 'facade'}{os.pathsep}{scratch / 'generated'}"}
    ran = subprocess.run(
        [sys.executable, "-c", CALLER], env=env, capture_output=True, text=True, check=False
    )
    assert ran.returncode == 0, ran.stderr
    assert "renamed Trainings.abort" in ran.stdout


@pytest.mark.parametrize(
    ("version", "section", "passes"),
    [
        ("2.0.0", "### Breaking\n\n- `Trainings.cancel` is renamed `abort`.\n", True),
        ("2.0.0", "### Breaking\n\n- Something else.\n", False),  # not named
        ("1.1.0", "### Breaking\n\n- `Trainings.cancel` is renamed `abort`.\n", False),
    ],
)
def test_a_break_passes_only_when_a_major_version_and_its_changelog_say_so(
    scratch: Path, version: str, section: str, passes: bool
) -> None:
    (scratch / "facade" / "replicate_trainings" / "_version.py").write_text(
        f'__version__ = "{version}"\n'
    )
    changelog = scratch / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    text = text.replace("## 1.0.0 - ", f"## {version} - unreleased\n\n{section}\n## 1.0.0 - ", 1)
    changelog.write_text(text, encoding="utf-8")
    checked = run(scratch)
    assert checked.returncode == (0 if passes else 1), checked.stdout
    released = run(scratch, "release")  # a release being prepared agrees as well
    assert released.returncode == 0, released.stdout
    assert f"{version} being prepared (last release 1.0.0)" in released.stdout


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (("## 1.0.0 - 2026-12-03", "## 0.9.0 - 2026-12-03"), "latest section is 0.9.0"),
        (("## 1.0.0 - 2026-12-03", "## 1.0.0 - unreleased"), "its section needs a date"),
    ],
)
def test_release_check_fails_when_version_changelog_and_snapshot_disagree(
    scratch: Path, edit: tuple[str, str], problem: str
) -> None:
    changelog = scratch / "CHANGELOG.md"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace(*edit, 1))
    released = run(scratch, "release")
    assert released.returncode == 1
    assert problem in released.stdout


def test_snapshot_records_the_version_and_each_public_name(tmp_path: Path) -> None:
    """`make api-snapshot` writes the version and every public name with its signature."""
    path = tmp_path / "public-api.json"
    assert api_check.snapshot(path) == 0
    version, api = api_check.load_snapshot(path)
    assert version == api_check.version_of()
    assert api["replicate_trainings.Client"]["kind"] == "class"
    assert api["replicate_trainings.Training.created_at"]["kind"] == "attribute"
    get = api["replicate_trainings.Trainings.get"]
    assert ["training_id", "positional or keyword", "str", None] in get["parameters"]
    assert not [name for name in api if "._" in name and not name.endswith("__")]


@pytest.mark.parametrize(
    ("old", "new", "compatible"),
    [
        ("str | None", "str | NotGiven | None", True),
        ("Mapping[str, str | int] | None", "Mapping[str, str | int] | NotGiven | None", True),
        ("str | None", "str", False),
        ("Mapping[str, str | int]", "Mapping[str, str]", False),
        (None, "str", False),
    ],
)
def test_a_parameter_type_may_widen_but_not_narrow(
    old: str | None, new: str, compatible: bool
) -> None:
    assert api_check.widens(old, new) is compatible
