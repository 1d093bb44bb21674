"""Shared fixtures: the repository's own profiles and templates, or a copy a test may change."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import cli
from generator.target import Sources

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
COMMITTED_TARGETS = (
    "high-availability",
    "durability",
    "throughput",
    "low-latency",
    "high-availability,throughput",
    "development",
)


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
    import os
    import tempfile

    from generator.compiled import CACHE_ENV

    if CACHE_ENV not in os.environ:
        folder = tempfile.mkdtemp(prefix="kafka-profiles-cache-")
        os.environ[CACHE_ENV] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Inside the README smoke test's nested `make test`, the real-cluster and control-plane tests
    already ran outside (the nested run still builds and installs everything they need)."""
    import os

    if os.environ.get("KAFKA_PROFILES_README_RUN") != "1":
        return
    outside = ("realcluster", "controlplane")
    kept = [item for item in items if not any(item.get_closest_marker(m) for m in outside)]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
