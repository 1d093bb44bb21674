"""The classpath holds the versions pinned in profiles/base.yaml (ZooKeeper mode) or profiles/kraft.yaml
(KRaft), and only one logging binding."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .artifacts import ArtifactError, check_versions, ensure_classpath, maven_properties
from .inputs import REPO_ROOT, Pinned
from .kraft import kraft_target
from .podcluster import image_version
from .podspec import Manifests
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


# Kafka 4.1.2's distribution libs/ (log4j2 and its slf4j 1.7 binding), no ZooKeeper, no reload4j.
GOOD_KRAFT = [
    "kafka_2.13-4.1.2.jar",
    "kafka-clients-4.1.2.jar",
    "kafka-tools-4.1.2.jar",
    "log4j-api-2.25.3.jar",
    "log4j-core-2.25.3.jar",
    "log4j-slf4j-impl-2.25.3.jar",
    "log4j-1.2-api-2.25.3.jar",
    "slf4j-api-1.7.36.jar",
]


def test_expected_kraft_jars_pass(tmp_path: Path) -> None:
    check_versions(folder_with(tmp_path, GOOD_KRAFT), "4.1.2", None)


@pytest.mark.parametrize(
    ("extra", "complaint"),
    [
        ("zookeeper-3.8.4.jar", "zookeeper: wanted none"),  # a ZooKeeper-mode profile leaked in
        ("slf4j-reload4j-1.7.36.jar", "slf4j bindings: wanted log4j-slf4j-impl only"),
        ("log4j-core-2.24.3.jar", "log4j-core: wanted 2.25.3"),
    ],
)
def test_other_kraft_jars_fail_loudly(tmp_path: Path, extra: str, complaint: str) -> None:
    with pytest.raises(ArtifactError, match=complaint):
        check_versions(folder_with(tmp_path, [*GOOD_KRAFT, extra]), "4.1.2", None)


def test_maven_is_asked_for_the_profile_of_the_mode() -> None:
    assert maven_properties("3.9.2", "3.8.4") == ["-Dkafka.version=3.9.2", "-Dzookeeper.version=3.8.4"]
    assert maven_properties("4.1.2", None) == [
        "-Dkafka.version=4.1.2", "-Dlog4j2.version=2.25.3", "-Djackson.version=2.19.4"
    ]  # fmt: skip
    with pytest.raises(ArtifactError, match=r"no log4j2 version known for Kafka 4\.2\.0"):
        maven_properties("4.2.0", None)


@pytest.mark.realcluster
def test_resolved_kraft_classpath_follows_kraft_yaml(tmp_path: Path) -> None:
    """The jars the KRaft pods run are the version profiles/kraft.yaml pins, which is the rendered KRaft
    target's kafka.version and the tag of its controller and broker images."""
    pinned = str(
        yaml.safe_load((REPO_ROOT / "profiles" / "kraft.yaml").read_text(encoding="utf-8"))["kafka"]["version"]
    )
    target = kraft_target(tmp_path)
    assert str(target.params["kafka"]["version"]) == pinned
    manifests = Manifests.load(target.root)
    images = {str(s.container().spec["image"]) for s in manifests.statefulsets_running("start-kafka.sh")}
    assert len(images) == 1 and image_version(images.pop()) == pinned
    lib = ensure_classpath(pinned, None)
    assert lib.name == f"{pinned}-kraft"
    assert (lib / f"kafka_2.13-{pinned}.jar").is_file() and not list(lib.glob("zookeeper-*.jar"))
