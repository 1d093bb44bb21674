"""What the harness reads from the project: pinned versions, object naming, the generated config files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
BASE_PROFILE = REPO_ROOT / "profiles" / "base.yaml"
# The target whose output the real-cluster tests run: the one that promises to survive server losses.
TARGET = "high-availability"
GENERATED_CONFIG_DIR = REPO_ROOT / "output" / TARGET / "config"
CONFIG_FILES = ("zoo.cfg", "server.properties", "start-zookeeper.sh", "start-kafka.sh")


@dataclass(frozen=True)
class Naming:
    """Kubernetes names the generated files use; the harness maps them to loopback addresses."""

    name: str
    namespace: str
    cluster_domain: str

    def zookeeper_pod(self, ordinal: int) -> str:
        return f"{self.name}-zookeeper-{ordinal}"

    def zookeeper_host(self, ordinal: int) -> str:
        # Pods of a StatefulSet resolve through its headless Service.
        headless = f"{self.name}-zookeeper-headless"
        return f"{self.zookeeper_pod(ordinal)}.{headless}.{self.namespace}.svc.{self.cluster_domain}"

    def broker_pod(self, ordinal: int) -> str:
        return f"{self.name}-broker-{ordinal}"

    def broker_host(self, ordinal: int) -> str:
        # One Service per broker, named like its pod (R13).
        return f"{self.broker_pod(ordinal)}.{self.namespace}.svc.{self.cluster_domain}"


@dataclass(frozen=True)
class Pinned:
    kafka_version: str
    zookeeper_version: str
    naming: Naming


def load_pinned(base_profile: Path = BASE_PROFILE) -> Pinned:
    """Versions and names from profiles/base.yaml, so the tested jars follow the image tags."""
    data: dict[str, Any] = yaml.safe_load(base_profile.read_text(encoding="utf-8"))
    cluster = data["cluster"]
    return Pinned(
        kafka_version=str(data["kafka"]["version"]),
        zookeeper_version=str(data["zookeeper"]["version"]),
        naming=Naming(
            name=str(cluster["name"]),
            namespace=str(cluster["namespace"]),
            cluster_domain=str(cluster["clusterDomain"]),
        ),
    )


def config_dir() -> Path:
    """The committed output of the target: the same files the ConfigMaps carry."""
    missing = [f for f in CONFIG_FILES if not (GENERATED_CONFIG_DIR / f).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{GENERATED_CONFIG_DIR} lacks {', '.join(missing)}: run `make render PROFILE={TARGET}`"
        )
    return GENERATED_CONFIG_DIR
