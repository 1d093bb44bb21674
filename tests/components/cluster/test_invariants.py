"""Cross-object invariants: each has a failing example with its exact one-line message."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from generator.k8s.invariants import check_objects
from generator.target import Request, Sources, build
from tests.conftest import write

RENDERED = build(Request("durability"))
import yaml  # noqa: E402

MANIFESTS = {p: yaml.safe_load(t) for p, t in RENDERED.files.items() if p.startswith("kubernetes/")}


def broken(path: str, change: Callable[[dict[str, Any]], None]) -> dict[str, dict[str, Any]]:
    manifests = copy.deepcopy(MANIFESTS)
    change(manifests[path])
    return manifests


def test_rendered_targets_keep_every_invariant() -> None:
    for spec in ("durability", "high-availability", "ha,throughput", "low-latency", "development"):
        manifests = {p: yaml.safe_load(t) for p, t in build(Request(spec)).files.items() if p.startswith("kubernetes/")}
        assert check_objects(manifests, build(Request(spec)).models) == [], spec


def test_pdb_selector_that_matches_no_pod() -> None:
    """R07: a budget whose selector matches nothing protects nothing."""
    manifests = broken(
        "kubernetes/zookeeper/pdb.yaml",
        lambda m: m["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/name": "zk"}),
    )
    assert check_objects(manifests, RENDERED.models) == [
        "kubernetes/zookeeper/pdb.yaml: PodDisruptionBudget/kafka-zookeeper: selector "
        "{app.kubernetes.io/instance=kafka, app.kubernetes.io/name=zk} matches no pod: the budget protects "
        "nothing [R07, R08]"
    ]


def test_zookeeper_pdb_below_quorum() -> None:
    """R07: a budget that lets a drain go below the quorum lets it stop ZooKeeper."""
    manifests = broken("kubernetes/zookeeper/pdb.yaml", lambda m: m["spec"].update(maxUnavailable=3))
    assert check_objects(manifests, RENDERED.models) == [
        "kubernetes/zookeeper/pdb.yaml: PodDisruptionBudget/kafka-zookeeper: a drain may leave 2 of 5 servers, "
        "below the quorum of 3: it could stop ZooKeeper and with it every Kafka write [R07]"
    ]


def test_zookeeper_pdb_below_quorum_as_min_available() -> None:
    """R07: the same budget written as minAvailable is read the same way."""

    def change(m: dict[str, Any]) -> None:
        del m["spec"]["maxUnavailable"]
        m["spec"]["minAvailable"] = 2

    assert check_objects(broken("kubernetes/zookeeper/pdb.yaml", change), RENDERED.models) == [
        "kubernetes/zookeeper/pdb.yaml: PodDisruptionBudget/kafka-zookeeper: a drain may leave 2 of 5 servers, "
        "below the quorum of 3: it could stop ZooKeeper and with it every Kafka write [R07]"
    ]
    at_quorum = broken("kubernetes/zookeeper/pdb.yaml", lambda m: m["spec"].update(maxUnavailable=2))
    assert (
        check_objects(at_quorum, RENDERED.models) == []
    )  # 3 of 5 left is the quorum: the invariant is about quorum only


def test_broker_pdb_above_rf_minus_min_isr() -> None:
    """R08: a drain must not take more brokers than RF - minISR, or acks=all writes stop."""
    manifests = broken("kubernetes/kafka/pdb.yaml", lambda m: m["spec"].update(maxUnavailable=2))
    assert check_objects(manifests, RENDERED.models) == [
        "kubernetes/kafka/pdb.yaml: PodDisruptionBudget/kafka-broker: maxUnavailable 2 exceeds replication "
        "factor 3 - min.insync.replicas 2: a drain could stop acks=all writes to partitions with replicas on "
        "the drained brokers [R08, R25]"
    ]


def test_broker_pdb_rule_from_parameters_reaches_the_user() -> None:
    """R08: the same rule trips on a plain --set before anything is written."""
    from generator.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        build(Request("durability", sets=("kafka.pdb.maxUnavailable=2",)))
    assert caught.value.problems[0].startswith(
        "kubernetes/kafka/pdb.yaml: PodDisruptionBudget/kafka-broker: maxUnavailable 2 exceeds replication factor 3"
    )


def test_anti_affinity_that_matches_nothing() -> None:
    """R23: the Kubernetes ZooKeeper tutorial's bug: an anti-affinity selector on a label the pods lack."""

    def change(m: dict[str, Any]) -> None:
        term = m["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"
        ][0]
        term["labelSelector"]["matchLabels"] = {"app": "zk"}

    assert check_objects(broken("kubernetes/zookeeper/statefulset.yaml", change), RENDERED.models) == [
        "kubernetes/zookeeper/statefulset.yaml: StatefulSet/kafka-zookeeper: pod anti-affinity selector "
        "{app=zk} does not match its own pods, so it keeps nothing apart [R23]"
    ]


def test_zone_spread_that_cannot_be_scheduled() -> None:
    """R22: minDomains above the zones the node affinity allows leaves pods Pending."""

    def change(m: dict[str, Any]) -> None:
        m["spec"]["template"]["spec"]["topologySpreadConstraints"][0]["minDomains"] = 4

    assert check_objects(broken("kubernetes/zookeeper/statefulset.yaml", change), RENDERED.models) == [
        "kubernetes/zookeeper/statefulset.yaml: StatefulSet/kafka-zookeeper: topology spread needs 4 zones but "
        "node affinity allows 3: pods would stay Pending [R22]"
    ]


def test_service_selector_that_matches_no_pod() -> None:
    """R13: a per-broker Service for a pod the StatefulSet never creates."""

    def change(m: dict[str, Any]) -> None:
        m["spec"]["selector"]["statefulset.kubernetes.io/pod-name"] = "kafka-broker-6"  # ordinals 0..5

    assert check_objects(broken("kubernetes/kafka/service-kafka-broker-5.yaml", change), RENDERED.models) == [
        "kubernetes/kafka/service-kafka-broker-5.yaml: Service/kafka-broker-5: selector "
        "{app.kubernetes.io/instance=kafka, app.kubernetes.io/name=kafka, "
        "statefulset.kubernetes.io/pod-name=kafka-broker-6} matches no pod of any StatefulSet"
    ]


def test_broken_template_label_is_caught_before_writing(sources: Sources) -> None:
    """R07: a template edit that breaks the selector stops the render with the invariant's message."""
    from generator.errors import ValidationFailed

    path = sources.templates_dir / "zookeeper/kubernetes/zookeeper/pdb.yaml.j2"
    write(
        path,
        path.read_text().replace(
            "selector: {matchLabels: {{ zookeeper.selector | json }}}", "selector: {matchLabels: {app: zk}}"
        ),
    )
    with pytest.raises(ValidationFailed) as caught:
        build(Request("durability"), sources)
    assert caught.value.problems == [
        "kubernetes/zookeeper/pdb.yaml: PodDisruptionBudget/kafka-zookeeper: selector {app=zk} matches no pod: "
        "the budget protects nothing [R07, R08]"
    ]
