"""Shared fixtures: the bundled local Replicate (see replicate_trainings.testing)."""

from __future__ import annotations

import pytest

pytest_plugins = ["replicate_trainings.testing.pytest_plugin"]


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio (the backend AsyncClient supports)."""
    return "asyncio"
