"""The generation pipeline: deterministic, complete, and loud when a post-hook cannot run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def load_generate() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "scripts" / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generate() -> ModuleType:
    return load_generate()


def test_a_fresh_generation_matches_the_committed_client(
    generate: ModuleType, tmp_path: Path
) -> None:
    fresh = generate.generate_into(tmp_path)

    assert generate.differences(fresh, generate.TARGET) == []
    assert (fresh / "py.typed").exists()
    assert not (fresh / ".ruff_cache").exists()


def test_a_post_hook_that_cannot_run_fails_the_generation(
    generate: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text(
        generate.CONFIG.read_text().replace("ruff format", "no-such-formatter-anywhere format")
    )
    monkeypatch.setattr(generate, "CONFIG", config)
    scratch = tmp_path / "out"
    scratch.mkdir()

    with pytest.raises(SystemExit, match="generation failed"):
        generate.generate_into(scratch)


def test_a_stale_file_is_reported(generate: ModuleType, tmp_path: Path) -> None:
    fresh = generate.generate_into(tmp_path)
    stale = tmp_path / "stale"
    stale.mkdir()
    for path in fresh.rglob("*.py"):
        target = stale / path.relative_to(fresh)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text())
    (stale / "models" / "old_model.py").write_text("class Old: ...\n")

    diff = "\n".join(generate.differences(fresh, stale))

    assert "old_model.py (committed)" in diff
    assert "py.typed: missing from the committed tree" in diff


def test_the_generator_and_ruff_are_the_pinned_ones() -> None:
    pins = (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert "openapi-python-client==0.29.1" in pins
    assert any(line.startswith("ruff==") for line in pins)
    assert Path(sys.executable).parent.joinpath("openapi-python-client").exists()


def test_a_terminal_status_missing_from_the_enum_stops_generation() -> None:
    from scripts import shape

    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    status = spec["components"]["schemas"]["TrainingStatus"]
    status["enum"].remove("aborted")
    with pytest.raises(shape.ShapeError, match=r"not in its enum: \['aborted'\]"):
        shape.build(spec)
