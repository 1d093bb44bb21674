"""Fixtures of the real-cluster tests, and the rule that skips them only outside CI."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from .artifacts import ensure_classpath
from .cluster import KafkaCluster, NewKafka, NewZooKeeper, ZooKeeperEnsemble
from .findings import FINDINGS, Recorder
from .inputs import Pinned, Target, committed_target
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FINDINGS:
        terminalreporter.section("real-cluster findings")
        for line in FINDINGS:
            terminalreporter.write_line(line)


@pytest.fixture
def record_finding(record_property: Recorder, request: pytest.FixtureRequest) -> Recorder:
    """Record a measured number: printed in the run's summary and kept in the JUnit report."""

    def record(name: str, value: object) -> None:
        record_property(name, value)
        FINDINGS.append(f"{request.node.name}: {name} = {value}")

    return record


@pytest.fixture(scope="session")
def target() -> Target:
    """The target a test runs when it does not choose one."""
    return committed_target()


@pytest.fixture(scope="session")
def pinned(target: Target) -> Pinned:
    return target.pinned


@pytest.fixture(scope="session")
def generated_config(target: Target) -> Path:
    return target.config_dir


@functools.cache
def _runtime(kafka_version: str, zookeeper_version: str) -> JavaRuntime:
    java = shutil.which("java")
    assert java is not None, "checked by pytest_runtest_setup"
    return JavaRuntime(java=java, lib=ensure_classpath(kafka_version, zookeeper_version))


def runtime_for(target: Target) -> JavaRuntime:
    """The jars of the versions the target pins (one Maven resolution per version pair)."""
    return _runtime(target.pinned.kafka_version, target.pinned.zookeeper_version)


@pytest.fixture(scope="session")
def runtime(target: Target) -> JavaRuntime:
    return runtime_for(target)


@pytest.fixture(scope="session")
def new_zookeeper(target: Target) -> NewZooKeeper:
    """Build (not start) an ensemble of the given size whose files live under the given folder; from the
    default target's files unless the test passes another target."""
    default = target

    def build(size: int, workdir: Path, target: Target | None = None) -> ZooKeeperEnsemble:
        chosen = target or default
        return ZooKeeperEnsemble(size, chosen.config_dir, chosen.pinned.naming, runtime_for(chosen), workdir)

    return build


@pytest.fixture(scope="session")
def new_kafka(target: Target) -> NewKafka:
    default = target

    def build(size: int, workdir: Path, zookeeper: ZooKeeperEnsemble, target: Target | None = None) -> KafkaCluster:
        chosen = target or default
        naming, runtime = chosen.pinned.naming, runtime_for(chosen)
        return KafkaCluster(size, chosen.config_dir, naming, runtime, workdir, zookeeper)

    return build
