"""Session set-up shared by every test process.

The controller picks one render-cache directory for the session and passes it
to the xdist workers through the environment, so each (chart, values) pair is
rendered once per session whatever the number of workers.
"""

from __future__ import annotations

import os
import tempfile

import pytest


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return  # workers inherit the controller's cache directory
    if not os.environ.get("CHARTOPS_RENDER_CACHE"):
        os.environ["CHARTOPS_RENDER_CACHE"] = tempfile.mkdtemp(prefix="chartops-render-")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("KUBECONFIG"):
        return
    skip = pytest.mark.skip(reason="needs a live cluster: set KUBECONFIG")
    for item in items:
        if "cluster" in item.keywords:
            item.add_marker(skip)


_SKIPPED: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember tests skipped for any reason other than a missing cluster."""
    if report.skipped and "KUBECONFIG" not in str(report.longrepr):
        _SKIPPED.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skip means a tool the project should have installed is missing: fail the run."""
    if os.environ.get("CI") and not os.environ.get("PYTEST_XDIST_WORKER") and _SKIPPED:
        print(f"\nCI: {len(_SKIPPED)} test(s) skipped for something other than a cluster:")
        for nodeid in _SKIPPED:
            print(f"  {nodeid}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
