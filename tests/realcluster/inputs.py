"""What the harness reads from the project: a target's pinned versions, object names and generated files.

A target is a rendered output folder (output/<target>/, or one rendered into a temp folder). Everything
the harness needs comes from that folder: versions and the cluster's name from params.yaml, the broker
pods from the StatefulSets under kubernetes/kafka/, the ZooKeeper pods from kubernetes/zookeeper/.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.budget import FailureBudget, failure_budget

from .properties import to_dict

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT_ROOT = REPO_ROOT / "output"
# The target the tests run when they do not choose one: the one that promises to survive server losses.
TARGET = "high-availability"
GENERATED_CONFIG_DIR = OUTPUT_ROOT / TARGET / "config"
CONFIG_FILES = ("zoo.cfg", "server.properties", "start-zookeeper.sh", "start-kafka.sh")
CLIENT_FILES = ("producer.properties", "consumer.properties", "producer.json", "consumer.json")


@dataclass(frozen=True)
class Broker:
    """One broker pod of the generated StatefulSets."""

    pod: str
    broker_id: int  # what start-kafka.sh derives from the pod name: the ordinal after the last '-'
    rack: str | None = None  # its zone (BROKER_RACK), when the target is rack-aware


@dataclass(frozen=True)
class Naming:
    """Kubernetes names the generated files use; the harness maps them to loopback addresses."""

    name: str
    namespace: str
    cluster_domain: str
    # In the order the harness runs them: broker i listens on 127.0.0.(i+1). Empty when not needed.
    brokers: tuple[Broker, ...] = ()
    zookeeper_set: str = ""  # StatefulSet name; "" means the default, <name>-zookeeper
    zookeeper_service: str = ""  # its headless Service; "" means <name>-zookeeper-headless

    def zookeeper_pod(self, ordinal: int) -> str:
        return f"{self.zookeeper_set or self.name + '-zookeeper'}-{ordinal}"

    def zookeeper_host(self, ordinal: int) -> str:
        # Pods of a StatefulSet resolve through its headless Service.
        headless = self.zookeeper_service or f"{self.name}-zookeeper-headless"
        return f"{self.zookeeper_pod(ordinal)}.{headless}.{self.namespace}.svc.{self.cluster_domain}"

    def broker(self, index: int) -> Broker:
        if index >= len(self.brokers):
            raise IndexError(f"the target has {len(self.brokers)} broker pods, not {index + 1}")
        return self.brokers[index]

    def broker_pod(self, index: int) -> str:
        return self.broker(index).pod

    def broker_host(self, index: int) -> str:
        # One Service per broker, named like its pod (R13).
        return f"{self.broker_pod(index)}.{self.namespace}.svc.{self.cluster_domain}"

    def bootstrap_host(self) -> str:
        return f"{self.name}-bootstrap.{self.namespace}.svc.{self.cluster_domain}"


@dataclass(frozen=True)
class Pinned:
    kafka_version: str
    zookeeper_version: str
    naming: Naming


@dataclass(frozen=True)
class Target:
    """One rendered target folder."""

    name: str
    root: Path

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @functools.cached_property
    def params(self) -> dict[str, Any]:
        # params.yaml is plain YAML; the provenance is in comments.
        data: dict[str, Any] = yaml.safe_load((self.root / "params.yaml").read_text(encoding="utf-8"))
        return data

    @functools.cached_property
    def pinned(self) -> Pinned:
        cluster = self.params["cluster"]
        zookeeper_set = _one(_manifests(self.root / "kubernetes" / "zookeeper", "StatefulSet"))
        return Pinned(
            kafka_version=str(self.params["kafka"]["version"]),
            zookeeper_version=str(self.params["zookeeper"]["version"]),
            naming=Naming(
                name=str(cluster["name"]),
                namespace=str(cluster["namespace"]),
                cluster_domain=str(cluster["clusterDomain"]),
                brokers=tuple(broker_pods(self.root / "kubernetes" / "kafka", tuple(cluster["zones"]))),
                zookeeper_set=str(zookeeper_set["metadata"]["name"]),
                zookeeper_service=str(zookeeper_set["spec"]["serviceName"]),
            ),
        )

    @functools.cached_property
    def server_settings(self) -> dict[str, str]:
        return to_dict((self.config_dir / "server.properties").read_text(encoding="utf-8"))

    @functools.cached_property
    def budget(self) -> FailureBudget:
        """What the generator promises for this target (what `explain` prints)."""
        return failure_budget(self.params)

    def file(self, name: str) -> Path:
        return self.config_dir / name


@functools.cache
def committed_target(name: str = TARGET) -> Target:
    """The committed output of a target: the same files the ConfigMaps carry."""
    target = Target(name, OUTPUT_ROOT / name)
    missing = [f for f in (*CONFIG_FILES, *CLIENT_FILES) if not target.file(f).is_file()]
    if missing or not (target.root / "params.yaml").is_file():
        raise FileNotFoundError(
            f"{target.root} lacks {', '.join(missing) or 'params.yaml'}: run `make render PROFILE={name}`"
        )
    return target


def rendered_target(profiles: str, out: Path, sets: tuple[str, ...] = ()) -> Target:
    """Render any combination of profiles (and --set assignments) into `out`/<target>/, for targets that are
    not committed."""
    from generator.target import Request, build

    built = build(Request(profiles, sets=sets))
    root = out / built.target
    for relative, text in built.files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for script in root.glob("config/*.sh"):
        script.chmod(0o755)
    return Target(built.target, root)


def load_pinned(target: str = TARGET) -> Pinned:
    """Versions and names of a committed target, so the tested jars follow its image tags."""
    return committed_target(target).pinned


def config_dir(target: str = TARGET) -> Path:
    return committed_target(target).config_dir


ZONE_FIELD = "metadata.labels['topology.kubernetes.io/zone']"


def broker_pods(kafka_manifests: Path, zones: tuple[str, ...] = ()) -> Iterator[Broker]:
    """Every broker pod of the StatefulSets, one from each set in turn, so the first three brokers a test
    runs sit in three different racks as in the cluster. A broker whose BROKER_RACK is its node's zone
    label gets the zone the scheduler's even spread gives it here: ordinal i in zones[i % len(zones)]."""
    per_set = []
    for statefulset in sorted(_manifests(kafka_manifests, "StatefulSet"), key=lambda s: s["metadata"]["name"]):
        name, spec = statefulset["metadata"]["name"], statefulset["spec"]
        start = int(spec.get("ordinals", {}).get("start", 0))
        containers = spec["template"]["spec"]["containers"]
        literal = _literal_env(containers).get("BROKER_RACK")
        from_node = _field_env(containers).get("BROKER_RACK") == ZONE_FIELD and bool(zones)
        per_set.append(
            [
                Broker(f"{name}-{n}", n, zones[n % len(zones)] if from_node else literal)
                for n in range(start, start + int(spec["replicas"]))
            ]
        )
    for row in range(max((len(pods) for pods in per_set), default=0)):
        yield from (pods[row] for pods in per_set if row < len(pods))


def _literal_env(containers: list[dict[str, Any]]) -> dict[str, str]:
    """Env of the container that runs start-kafka.sh, literal values only (no fieldRefs)."""
    for container in containers:
        if any("start-kafka.sh" in str(word) for word in container.get("command", []) + container.get("args", [])):
            return {e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e}
    raise ValueError("no container runs start-kafka.sh")


def _field_env(containers: list[dict[str, Any]]) -> dict[str, str]:
    """Env of the container that runs start-kafka.sh taken from the downward API: name -> field path."""
    for container in containers:
        if any("start-kafka.sh" in str(word) for word in container.get("command", []) + container.get("args", [])):
            return {
                e["name"]: str(e["valueFrom"]["fieldRef"]["fieldPath"])
                for e in container.get("env", [])
                if "fieldRef" in e.get("valueFrom", {})
            }
    raise ValueError("no container runs start-kafka.sh")


def three_broker_targets() -> list[str]:
    """Committed ZooKeeper-mode targets (those with a zoo.cfg) the three-broker real-cluster tests run: all
    but the one-broker development target, whose single pods the control-plane tests (tests/controlplane)
    run instead. The committed KRaft targets (output/*+kraft) have no ZooKeeper for this harness."""
    found = sorted(p.parent.parent.name for p in OUTPUT_ROOT.glob("*/config/zoo.cfg"))
    return [name for name in found if committed_target(name).params["kafka"]["replicas"] >= 3]


def _manifests(folder: Path, kind: str) -> list[dict[str, Any]]:
    found = []
    for path in sorted(folder.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and document.get("kind") == kind:
            found.append(document)
    if not found:
        raise FileNotFoundError(f"no {kind} under {folder}")
    return found


def _one(documents: list[dict[str, Any]]) -> dict[str, Any]:
    if len(documents) != 1:
        raise ValueError(f"expected one manifest, found {len(documents)}")
    return documents[0]
