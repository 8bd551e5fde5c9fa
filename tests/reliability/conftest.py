"""The reliability tests' report: each test's figures, recorded and summarized at the end."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.reliability._support import FIGURES, Reporter


@pytest.fixture
def report(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Reporter:
    """`report(name, value)`: print it, attach it to the test (junit XML `record_property`),
    and list it in the session's terminal summary under "reliability figures"."""
    test = request.node.name

    def record(name: str, value: object) -> None:
        record_property(name, value)
        line = f"{test}: {name} = {value}"
        print(line)
        FIGURES.note(line)

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = FIGURES.lines()
    if lines:
        terminalreporter.section("reliability figures")
        for line in lines:
            terminalreporter.write_line(line)
