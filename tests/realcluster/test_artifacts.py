"""The classpath holds the versions pinned in profiles/base.yaml, and only one logging binding."""

from __future__ import annotations

from pathlib import Path

import pytest

from .artifacts import ArtifactError, check_versions
from .inputs import Pinned
from .tools import JavaRuntime

GOOD = [
    "kafka_2.13-3.9.2.jar",
    "kafka-clients-3.9.2.jar",
    "kafka-tools-3.9.2.jar",
    "kafka-tools-api-3.9.2.jar",
    "zookeeper-3.8.4.jar",
    "zookeeper-jute-3.8.4.jar",
    "slf4j-api-1.7.36.jar",
    "slf4j-reload4j-1.7.36.jar",
]


def folder_with(tmp_path: Path, jars: list[str]) -> Path:
    for jar in jars:
        (tmp_path / jar).touch()
    return tmp_path


def test_expected_jars_pass(tmp_path: Path) -> None:
    check_versions(folder_with(tmp_path, GOOD), "3.9.2", "3.8.4")


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ("zookeeper-3.6.4.jar", "zookeeper: wanted 3.8.4"),  # Kafka's own ZooKeeper slipped in
        ("kafka_2.13-3.9.0.jar", "kafka_2.13: wanted 3.9.2"),
        ("logback-classic-1.2.13.jar", "slf4j bindings"),
    ],
)
def test_other_versions_fail_loudly(tmp_path: Path, extra: str, complaint: str) -> None:
    with pytest.raises(ArtifactError, match=complaint):
        check_versions(folder_with(tmp_path, [*GOOD, extra]), "3.9.2", "3.8.4")


@pytest.mark.realcluster
def test_resolved_classpath_follows_base_yaml(pinned: Pinned, runtime: JavaRuntime) -> None:
    assert runtime.lib.name == f"{pinned.kafka_version}-{pinned.zookeeper_version}"
    assert (runtime.lib / f"kafka_2.13-{pinned.kafka_version}.jar").is_file()
    assert (runtime.lib / f"zookeeper-{pinned.zookeeper_version}.jar").is_file()
