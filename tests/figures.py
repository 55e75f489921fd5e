"""Per-test figures (counts a test measured), printed once at the end of the session.

A test fills the dict of the ``figures`` fixture (requests tried, 5xx seen, race
outcomes...). The dict travels in the test's report (``user_properties``), not in a global
of the process that ran it: under pytest-xdist the tests run in worker processes and only
their reports reach the controller, which prints the terminal summary. Registered by
``tests/conftest.py``, the root conftest, because the controller loads no other conftest.
"""

from __future__ import annotations

from typing import Any

import pytest

#: The key of a test's figures among its report's ``user_properties``.
PROPERTY = "qbo_figures"

#: Figures per test id, as the reports arrive (in this process, controller or serial run).
_SEEN: dict[str, dict[str, Any]] = {}


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> dict[str, Any]:
    """A dict the test fills with its counts; reported under the test's id."""
    found: dict[str, Any] = {}
    request.node.user_properties.append((PROPERTY, found))
    return found


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == PROPERTY and value:
            _SEEN[report.nodeid.split("::", 1)[-1]] = dict(value)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _SEEN:
        return
    terminalreporter.section("reliability figures")
    for test, counts in _SEEN.items():
        shown = ", ".join(f"{k}={v}" for k, v in counts.items())
        terminalreporter.write_line(f"{test}: {shown}")
