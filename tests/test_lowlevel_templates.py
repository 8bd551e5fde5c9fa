"""templates/ (our overrides of the generator's templates) and the generator-upgrade preview.

The preview's full run (a scratch venv, a pip install) takes minutes, so here are its
parts; `make generator-preview GENERATOR_VERSION=...` runs the whole.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import openapi_python_client
import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
UPSTREAM = Path(openapi_python_client.__file__).parent / "templates"


def load_preview() -> ModuleType:
    path = ROOT / "scripts" / "generator_preview.py"
    spec = importlib.util.spec_from_file_location("generator_preview", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def preview() -> ModuleType:
    return load_preview()


def overrides() -> list[Path]:
    return sorted(TEMPLATES.glob("*"))


def test_templates_holds_only_overrides_of_the_pinned_generators_templates() -> None:
    """Each file replaces one of the pinned generator's templates, says what it changes,
    and does change it (a verbatim copy would only make upgrades harder)."""
    assert overrides()
    for path in overrides():
        upstream = UPSTREAM / path.name
        assert upstream.exists(), f"{path.name} overrides nothing in the pinned generator"
        first, _, body = path.read_text().partition("\n")
        assert first.startswith(f"{{# openapi-python-client {openapi_python_client.__version__}'s")
        assert "changed:" in first
        assert body != upstream.read_text(), f"{path.name} is a verbatim copy"


def test_the_pin_is_read_from_requirements(preview: ModuleType, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# pins\nRuff==0.1.2\nopenapi-python-client==9.8.7\n")

    assert preview.pinned("ruff", requirements) == "0.1.2"
    assert preview.pinned("openapi-python-client", requirements) == "9.8.7"
    assert preview.pinned("openapi-python-client") == openapi_python_client.__version__
    with pytest.raises(SystemExit, match="nothing-here is not pinned"):
        preview.pinned("nothing-here", requirements)


def test_template_changes_shows_upstream_edits_and_dropped_templates(
    preview: ModuleType, tmp_path: Path
) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "client.py.jinja").write_text("class Client:\n    token: str\n")
    (new / "client.py.jinja").write_text("class Client:\n    token: str\n    extra: int\n")
    (old / "same.py.jinja").write_text("x\n")
    (new / "same.py.jinja").write_text("x\n")
    (old / "errors.py.jinja").write_text("gone\n")

    lines = preview.template_changes(
        old, new, ["client.py.jinja", "same.py.jinja", "errors.py.jinja"]
    )

    assert "+    extra: int" in lines
    assert not any("same.py.jinja" in line for line in lines)
    assert "errors.py.jinja: gone from the new version (our override is no longer used)" in lines


def test_the_preview_reads_templates_of_an_installed_generator(preview: ModuleType) -> None:
    assert preview.templates_of(Path(sys.executable)) == UPSTREAM
    assert preview.installed_version(Path(sys.executable)) == openapi_python_client.__version__
