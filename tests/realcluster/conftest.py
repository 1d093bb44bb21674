"""Fixtures of the real-cluster tests, and the rule that skips them only outside CI."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from .artifacts import ensure_classpath
from .cluster import KafkaCluster, ZooKeeperEnsemble
from .inputs import Pinned, config_dir, load_pinned
from .requirements import missing_tools, must_fail_instead_of_skip
from .tools import JavaRuntime


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Runs before any fixture of the test, so a missing tool never surfaces as a Maven error."""
    if item.get_closest_marker("realcluster") is None:
        return
    missing = missing_tools()
    if not missing:
        return
    reason = f"real-cluster tests need {' and '.join(missing)} on PATH"
    if must_fail_instead_of_skip():
        pytest.fail(f"{reason} (CI=true: failing instead of skipping)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pinned() -> Pinned:
    return load_pinned()


@pytest.fixture(scope="session")
def generated_config() -> Path:
    return config_dir()


@pytest.fixture(scope="session")
def runtime(pinned: Pinned) -> JavaRuntime:
    java = shutil.which("java")
    assert java is not None, "checked by pytest_runtest_setup"
    return JavaRuntime(java=java, lib=ensure_classpath(pinned.kafka_version, pinned.zookeeper_version))


@pytest.fixture(scope="session")
def new_zookeeper(
    pinned: Pinned, runtime: JavaRuntime, generated_config: Path
) -> Callable[[int, Path], ZooKeeperEnsemble]:
    """Build (not start) an ensemble of the given size whose files live under the given folder."""

    def build(size: int, workdir: Path) -> ZooKeeperEnsemble:
        return ZooKeeperEnsemble(size, generated_config, pinned.naming, runtime, workdir)

    return build


@pytest.fixture(scope="session")
def new_kafka(
    pinned: Pinned, runtime: JavaRuntime, generated_config: Path
) -> Callable[[int, Path, ZooKeeperEnsemble], KafkaCluster]:
    def build(size: int, workdir: Path, zookeeper: ZooKeeperEnsemble) -> KafkaCluster:
        return KafkaCluster(size, generated_config, pinned.naming, runtime, workdir, zookeeper)

    return build
