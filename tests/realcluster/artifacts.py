"""The jars the real-cluster tests run, resolved by Maven once per version pair and cached.

ZooKeeper mode: Kafka 3.x and ZooKeeper at the versions base.yaml pins, logging through reload4j. KRaft:
Kafka 4.x at the version kraft.yaml pins (zookeeper_version None), no ZooKeeper, logging through log4j2
at the versions that Kafka release's distribution ships (KRAFT_LOGGING).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

HARNESS_DIR = Path(__file__).resolve().parent
POM = HARNESS_DIR / "pom.xml"
CACHE_ROOT = HARNESS_DIR / ".m2-lib"  # ignored by git
LOG4J_CONFIG = HARNESS_DIR / "log4j.properties"
MARKER = ".resolved"
# A cold ~/.m2 downloads about 60 MB; a warm one takes seconds.
MAVEN_TIMEOUT_S = 900.0
# Kafka 4.x line -> (log4j2, jackson) versions of its distribution's libs/, which the published POM does not
# name (read from gradle/dependencies.gradle at the "Bump version to 4.1.2" commit c82fd9b934b4:
# log4j2 "2.25.3", jackson "2.19.4").
KRAFT_LOGGING = {"4.1": ("2.25.3", "2.19.4")}


class ArtifactError(RuntimeError):
    """The classpath could not be resolved, or holds other versions than the ones requested."""


def ensure_classpath(kafka_version: str, zookeeper_version: str | None) -> Path:
    """Return a folder holding every runtime jar of Kafka and ZooKeeper at these versions (KRaft: Kafka and
    its log4j2 backend when `zookeeper_version` is None)."""
    folder = CACHE_ROOT / f"{kafka_version}-{zookeeper_version or 'kraft'}"
    if not (folder / MARKER).is_file():
        _resolve_into(folder, kafka_version, zookeeper_version)
    check_versions(folder, kafka_version, zookeeper_version)
    return folder


def kraft_logging(kafka_version: str) -> tuple[str, str]:
    """(log4j2, jackson) versions for a Kafka 4.x release; a line without an entry fails loudly."""
    line = ".".join(kafka_version.split(".")[:2])
    if line not in KRAFT_LOGGING:
        raise ArtifactError(f"no log4j2 version known for Kafka {kafka_version}: add its line to KRAFT_LOGGING")
    return KRAFT_LOGGING[line]


def maven_properties(kafka_version: str, zookeeper_version: str | None) -> list[str]:
    """The -D flags that pick the pom's profile: zookeeper-mode or kraft."""
    if zookeeper_version is not None:
        return [f"-Dkafka.version={kafka_version}", f"-Dzookeeper.version={zookeeper_version}"]
    log4j2, jackson = kraft_logging(kafka_version)
    return [f"-Dkafka.version={kafka_version}", f"-Dlog4j2.version={log4j2}", f"-Djackson.version={jackson}"]


def _resolve_into(folder: Path, kafka_version: str, zookeeper_version: str | None) -> None:
    # Copy into a sibling first: an interrupted run never leaves a folder that looks complete.
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        "mvn", "-q", "-B", "-f", str(POM), *maven_properties(kafka_version, zookeeper_version),
        "dependency:copy-dependencies", f"-DoutputDirectory={staging}",
    ]  # fmt: skip
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=MAVEN_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as e:
        raise ArtifactError(f"mvn did not finish within {MAVEN_TIMEOUT_S:.0f} s: {' '.join(command)}") from e
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise ArtifactError(f"mvn failed (exit {done.returncode}): {' '.join(command)}\n{tail}")
    check_versions(staging, kafka_version, zookeeper_version)
    (staging / MARKER).write_text(f"kafka {kafka_version}\nzookeeper {zookeeper_version or 'none (KRaft)'}\n")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def check_versions(folder: Path, kafka_version: str, zookeeper_version: str | None) -> None:
    """Fail loudly when the folder holds other versions: Kafka depends on its own ZooKeeper, and a Kafka 4.x
    classpath must hold no ZooKeeper and log through log4j2 only."""
    expectations: dict[str, str | None] = {
        "kafka_2.13": kafka_version,
        "kafka-clients": kafka_version,
        "kafka-tools": kafka_version,
        "zookeeper": zookeeper_version,
        "zookeeper-jute": zookeeper_version,
    }
    binding = "slf4j-reload4j-"
    if zookeeper_version is None:
        log4j2, _ = kraft_logging(kafka_version)
        expectations.update({"log4j-core": log4j2, "log4j-api": log4j2, "log4j-slf4j-impl": log4j2})
        binding = "log4j-slf4j-impl-"
    jars = sorted(p.name for p in folder.glob("*.jar"))
    problems = []
    for artifact, version in expectations.items():
        found = [j for j in jars if re.fullmatch(re.escape(artifact) + r"-\d[^-]*(-[^-]+)?\.jar", j)]
        wanted = [f"{artifact}-{version}.jar"] if version is not None else []
        if found != wanted:
            problems.append(f"{artifact}: wanted {version or 'none'}, found {found or 'nothing'}")
    # Exactly one slf4j binding, or the logging backend depends on the order of the jars.
    known = ("slf4j-reload4j-", "logback-classic-", "slf4j-log4j12-", "log4j-slf4j-impl-", "log4j-slf4j2-impl-")
    bindings = [j for j in jars if j.startswith(known)]
    if len(bindings) != 1 or not bindings[0].startswith(binding):
        problems.append(f"slf4j bindings: wanted {binding.rstrip('-')} only, found {bindings}")
    if problems:
        raise ArtifactError(f"{folder} does not hold the requested versions:\n  " + "\n  ".join(problems))
