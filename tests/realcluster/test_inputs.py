"""The harness reads a target's names from its files: broker pods from the generated StatefulSets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from .inputs import OUTPUT_ROOT, ZONE_FIELD, Broker, broker_pods, committed_target, three_broker_targets


def statefulset(name: str, replicas: int, start: int | None = None, rack: str | None = None) -> dict[str, object]:
    env: list[dict[str, object]] = [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    if rack is not None:
        env.append({"name": "BROKER_RACK", "value": rack})
    spec: dict[str, object] = {
        "replicas": replicas,
        "template": {"spec": {"containers": [{"command": ["/bin/bash", "/config/start-kafka.sh"], "env": env}]}},
    }
    if start is not None:
        spec["ordinals"] = {"start": start}
    return {"kind": "StatefulSet", "metadata": {"name": name}, "spec": spec}


def write(folder: Path, *documents: dict[str, object]) -> Path:
    for n, document in enumerate(documents):
        (folder / f"statefulset-{n}.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    (folder / "service.yaml").write_text("kind: Service\nmetadata: {name: kafka-bootstrap}\n", encoding="utf-8")
    return folder


def test_one_statefulset_gives_pods_by_ordinal(tmp_path: Path) -> None:
    pods = list(broker_pods(write(tmp_path, statefulset("kafka-broker", 3))))
    assert pods == [Broker("kafka-broker-0", 0), Broker("kafka-broker-1", 1), Broker("kafka-broker-2", 2)]


def test_rack_aware_statefulsets_give_one_pod_per_zone_first(tmp_path: Path) -> None:
    folder = write(
        tmp_path,
        statefulset("kafka-broker-zone-b", 2, start=100, rack="zone-b"),
        statefulset("kafka-broker-zone-a", 2, rack="zone-a"),
        statefulset("kafka-broker-zone-c", 1, start=200, rack="zone-c"),
    )
    # Three brokers of a test then hold one replica per rack, as in the cluster.
    assert [(b.pod, b.broker_id, b.rack) for b in broker_pods(folder)] == [
        ("kafka-broker-zone-a-0", 0, "zone-a"),
        ("kafka-broker-zone-b-100", 100, "zone-b"),
        ("kafka-broker-zone-c-200", 200, "zone-c"),
        ("kafka-broker-zone-a-1", 1, "zone-a"),
        ("kafka-broker-zone-b-101", 101, "zone-b"),
    ]


def test_only_the_development_target_is_left_out_of_the_three_broker_runs() -> None:
    every = sorted(p.parent.parent.name for p in OUTPUT_ROOT.glob("*/config/zoo.cfg"))  # ZooKeeper mode
    assert sorted(set(every) - set(three_broker_targets())) == ["development"]


def test_a_broker_whose_rack_is_its_nodes_zone_gets_the_zones_in_turn(tmp_path: Path) -> None:
    spec = statefulset("kafka-broker", 4)
    containers = spec["spec"]["template"]["spec"]["containers"]  # type: ignore[index]
    containers[0]["env"].append({"name": "BROKER_RACK", "valueFrom": {"fieldRef": {"fieldPath": ZONE_FIELD}}})
    assert [(b.pod, b.rack) for b in broker_pods(write(tmp_path, spec), ("a", "b", "c"))] == [
        ("kafka-broker-0", "a"),
        ("kafka-broker-1", "b"),
        ("kafka-broker-2", "c"),
        ("kafka-broker-3", "a"),
    ]


@pytest.mark.parametrize("name", three_broker_targets())
def test_committed_targets_name_enough_brokers_for_three(name: str) -> None:
    naming = committed_target(name).pinned.naming
    assert len(naming.brokers) >= 3
    # Every broker pod has the Service its advertised listener names (R13).
    services = {
        p.stem.removeprefix("service-") for p in (OUTPUT_ROOT / name / "kubernetes" / "kafka").glob("service-*")
    }
    assert {b.pod for b in naming.brokers} <= services
