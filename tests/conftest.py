"""Shared fixtures: the repository's own profiles and templates, or a copy a test may change."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from click.testing import CliRunner, Result

from generator.cli import cli
from generator.target import Request, Sources

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
COMMITTED_TARGETS = (
    "high-availability",
    "durability",
    "throughput",
    "low-latency",
    "high-availability,throughput",
    "development",
    "high-availability,kraft",
    "durability,kraft",
    "throughput,kraft",
    "low-latency,kraft",
)
# The fixed cluster id of the repository's KRaft targets: the Makefile's KRAFT_CLUSTER_ID (which says why it
# is fixed), recorded in each one's params.yaml by --set; tests/behaviour/test_golden.py holds them equal.
KRAFT_CLUSTER_ID = "am_kdMYhQTKWSYDReo2TfA"


def committed_request(spec: str) -> Request:
    """The request a committed target is rendered with: its profiles, plus the cluster id for KRaft ones."""
    kraft = "kraft" in spec.split(",")
    return Request(spec, sets=(f"kafka.clusterId={KRAFT_CLUSTER_ID}",) if kraft else ())


@pytest.fixture
def sources(tmp_path: Path) -> Sources:
    """A private copy of profiles/ and templates/ that a test may edit."""
    shutil.copytree(REPO / "profiles", tmp_path / "profiles")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    return Sources(tmp_path / "profiles", tmp_path / "templates")


@pytest.fixture
def run() -> Iterator[object]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(cli, list(args), prog_name="kafka-profiles", catch_exceptions=False)

    yield invoke


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def pytest_configure(config: pytest.Config) -> None:
    """Compiled validators and templates go to a cache of this session's own, not the user's."""
    import tempfile

    from generator.compiled import CACHE_ENV

    if CACHE_ENV not in os.environ:
        folder = tempfile.mkdtemp(prefix="kafka-profiles-cache-")
        os.environ[CACHE_ENV] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


# The README smoke test (tests/behaviour/test_readme.py) runs `make test` in a clean copy with this set to 1:
# every prerequisite of `make test` is built and installed there, then only the readme_smoke tests run.
README_RUN = "KAFKA_PROFILES_README_RUN"
# Tests of other files that show the bootstrap worked, marked readme_smoke here (in every run, so
# `pytest -m readme_smoke` shows the selection): the installed generator renders the golden output,
# kube-score (Go, `make scanners`) scans it, the probe script runs under Debian's busybox. The checks
# of tests/behaviour/test_readme.py marked readme_smoke cover the rest (checkov, the control plane, the packages).
# Each is the node id from its file name on, so that moving a file to another folder keeps it.
README_SMOKE = (
    "test_golden.py::test_fresh_render_matches_committed_output[high-availability]",
    "test_security.py::test_kube_score_finds_only_what_docs_security_explains",
    "test_kafka_ready.py::test_started_asks_api_versions_and_passes_on_an_answer[busybox]",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark README_SMOKE readme_smoke; inside the README smoke test's nested `make test`, keep only
    the readme_smoke tests (the outer run already runs everything, the nested one shows the bootstrap)."""
    for item in items:
        if item.nodeid.rpartition("/")[2] in README_SMOKE:
            item.add_marker(pytest.mark.readme_smoke)
    if os.environ.get(README_RUN) != "1":
        return
    kept = [item for item in items if item.get_closest_marker("readme_smoke")]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


def skip_or_fail(reason: str) -> NoReturn:
    """A prerequisite from outside the repository is missing: skip here, but fail under CI=true,
    where a skip would hide a missing build step or checkout behind a green run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)


def shared(relative: str, unchecked: str) -> Path:
    """SHARED / relative, the reference data beside the checkout; when it is missing, the test skips
    (saying what goes `unchecked`) or, under CI=true, fails."""
    path = SHARED / relative
    if not path.exists():
        skip_or_fail(f"../shared/{relative} not found beside the checkout: {unchecked}")
    return path
