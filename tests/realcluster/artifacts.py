"""The jars the real-cluster tests run, resolved by Maven once per version pair and cached."""

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


class ArtifactError(RuntimeError):
    """The classpath could not be resolved, or holds other versions than the ones requested."""


def ensure_classpath(kafka_version: str, zookeeper_version: str) -> Path:
    """Return a folder holding every runtime jar of Kafka and ZooKeeper at these versions."""
    folder = CACHE_ROOT / f"{kafka_version}-{zookeeper_version}"
    if not (folder / MARKER).is_file():
        _resolve_into(folder, kafka_version, zookeeper_version)
    check_versions(folder, kafka_version, zookeeper_version)
    return folder


def _resolve_into(folder: Path, kafka_version: str, zookeeper_version: str) -> None:
    # Copy into a sibling first: an interrupted run never leaves a folder that looks complete.
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        "mvn", "-q", "-B", "-f", str(POM),
        f"-Dkafka.version={kafka_version}", f"-Dzookeeper.version={zookeeper_version}",
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
    (staging / MARKER).write_text(f"kafka {kafka_version}\nzookeeper {zookeeper_version}\n", encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)


def check_versions(folder: Path, kafka_version: str, zookeeper_version: str) -> None:
    """Fail loudly when the folder holds other versions: Kafka depends on its own ZooKeeper."""
    expectations = {
        "kafka_2.13": kafka_version,
        "kafka-clients": kafka_version,
        "kafka-tools": kafka_version,
        "zookeeper": zookeeper_version,
        "zookeeper-jute": zookeeper_version,
    }
    jars = sorted(p.name for p in folder.glob("*.jar"))
    problems = []
    for artifact, version in expectations.items():
        found = [j for j in jars if re.fullmatch(re.escape(artifact) + r"-\d[^-]*(-[^-]+)?\.jar", j)]
        if found != [f"{artifact}-{version}.jar"]:
            problems.append(f"{artifact}: wanted {version}, found {found or 'nothing'}")
    # Exactly one slf4j binding, or the logging backend depends on the order of the jars.
    bindings = [j for j in jars if j.startswith(("slf4j-reload4j-", "logback-classic-", "slf4j-log4j12-"))]
    if len(bindings) != 1 or not bindings[0].startswith("slf4j-reload4j-"):
        problems.append(f"slf4j bindings: wanted slf4j-reload4j only, found {bindings}")
    if problems:
        raise ArtifactError(f"{folder} does not hold the requested versions:\n  " + "\n  ".join(problems))
