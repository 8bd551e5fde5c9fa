"""`env`: an environment pointing the command at this test's local Replicate."""

from __future__ import annotations

import pytest
from replicate_trainings.testing import LocalServer

from tests.cli.helpers import environment


@pytest.fixture
def env(local_replicate_server: LocalServer) -> dict[str, str]:
    return environment(local_replicate_server)
