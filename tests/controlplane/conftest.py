"""One control plane per session; each target gets a fresh cluster state. Missing binaries fail under CI."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import binaries
from .controlplane import ControlPlane
from .run import TargetRun


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture: a missing binary is a build problem, said once, never a control-plane error."""
    if item.get_closest_marker("controlplane") is None:
        return
    where = binaries.folder()
    missing = binaries.missing(where)
    if not missing:
        return
    reason = f"control-plane tests need {', '.join(missing)} in {where} (run `make controlplane`)"
    if binaries.must_fail_instead_of_skip():
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    workdir = Path(tempfile.mkdtemp(prefix="kafka-profiles-controlplane-"))
    cp = ControlPlane(binaries.folder(), workdir)
    try:
        cp.start()
        yield cp
    finally:
        cp.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    """A failed test gets the cluster's state and the components' logs in its report."""
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    run = getattr(item, "funcargs", {}).get("run")
    if report.failed and isinstance(run, TargetRun):
        try:
            report.sections.append(("cluster state", run.cluster.describe()))
            report.sections.append(("control-plane logs", run.cluster.cp.logs()))
        except Exception as error:  # diagnostics must never hide the failure itself
            report.sections.append(("cluster state", f"could not be read: {error!r}"))
