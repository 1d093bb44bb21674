"""The combined development node (`render development,kraft`, docs/kraft.md "The combined development node
is node 0"): one broker that is also the only controller (controllers.combined, set by the development
profile), its own controller listener, a voters line naming itself, no controller objects; formatted at
start like the other KRaft nodes; refused outside a single-broker development target."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.catalog import load_catalog
from generator.errors import ParamsError
from generator.serialize import parse_properties
from generator.target import Build, Request, build
from tests.components.controllers.test_kraft import CLUSTER_ID, GONE
from tests.components.controllers.test_start_script import start

VOTER = "0@kafka-broker-0.kafka-broker-headless.kafka.svc.cluster.local:9093"


@pytest.fixture(scope="module")
def target() -> Build:
    return build(Request("development,kraft"))  # raises unless the strict API schemas and invariants pass


@pytest.fixture
def node(tmp_path: Path) -> Path:
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    for tool in ("kafka-storage.sh", "kafka-server-start.sh"):
        (home / "bin" / tool).write_text('#!/bin/bash\necho "$(basename "$0") $*" >>"${STAND_IN_LOG}"\n', "utf-8")
        (home / "bin" / tool).chmod(0o755)
    (tmp_path / "data" / "logs").mkdir(parents=True)
    (tmp_path / "tmp").mkdir()
    return tmp_path


def refused(profile: str, *sets: str) -> list[str]:
    with pytest.raises(ParamsError) as caught:
        build(Request(profile, sets=sets))
    return list(caught.value.problems)


def test_one_node_is_broker_and_the_only_voter(target: Build) -> None:
    config = parse_properties(target.files["config/server.properties"])
    assert config["process.roles"] == "broker,controller"
    assert config["controller.quorum.voters"] == VOTER
    assert config["listeners"] == "PLAINTEXT://:9092,CONTROLLER://:9093"
    assert config["controller.listener.names"] == "CONTROLLER"
    assert config["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    assert config["inter.broker.listener.name"] == "PLAINTEXT"
    assert "controller.quorum.bootstrap.servers" not in config
    catalog = load_catalog("kafka-broker", "4.1")
    assert [k for k in config if catalog.get(k) is None or k.startswith("zookeeper.") or k in GONE] == []


def test_no_controller_objects_and_no_zookeeper(target: Build) -> None:
    assert not [p for p in target.files if "controller" in p or "zookeeper" in p]
    statefulsets = [m for m in target.manifests.values() if m["kind"] == "StatefulSet"]
    assert [s["metadata"]["name"] for s in statefulsets] == ["kafka-broker"]
    [statefulset] = statefulsets
    assert statefulset["spec"]["replicas"] == 1
    container = statefulset["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [
        {"name": "kafka", "containerPort": 9092},
        {"name": "controller", "containerPort": 9093},
    ]
    assert container["command"] == ["/bin/bash", "/config/start-kafka.sh"]
    # The broker probes: a broker that is live in the metadata has its controller (itself) up.
    assert container["readinessProbe"]["exec"]["command"] == ["/bin/bash", "/config/kafka-ready.sh", "ready"]
    headless = target.manifests["kubernetes/kafka/service-headless.yaml"]["spec"]
    assert headless["publishNotReadyAddresses"] is True  # the voter's name resolves before the pod is Ready
    assert {"name": "controller", "port": 9093, "targetPort": "controller"} in headless["ports"]


def test_the_combined_node_is_formatted_at_start_and_advertises_both_listeners(target: Build, node: Path) -> None:
    started = start(target, node, "broker", "kafka-broker-0")
    assert started.code == 0, started.stderr
    config = str(node / "tmp" / "kafka" / "server.properties")
    assert started.calls == [
        f"kafka-storage.sh format --config {config} --cluster-id={CLUSTER_ID} --release-version 4.1 --ignore-formatted",
        f"kafka-server-start.sh {config}",
    ]
    written = parse_properties(started.written)
    assert written["node.id"] == "0"  # the only voter's id
    assert written["advertised.listeners"] == (
        "PLAINTEXT://kafka-broker-0.kafka.svc.cluster.local:9092,"
        "CONTROLLER://kafka-broker-0.kafka-broker-headless.kafka.svc.cluster.local:9093"
    )


def test_the_development_profile_selects_it_and_can_turn_it_off() -> None:
    dedicated = build(Request("development,kraft", sets=("controllers.combined=false",)))
    config = parse_properties(dedicated.files["config/server.properties"])
    assert config["process.roles"] == "broker"
    assert config["controller.quorum.voters"] == (
        "3000@kafka-controller-0.kafka-controller-headless.kafka.svc.cluster.local:9093"
    )
    assert dedicated.manifests["kubernetes/controller/statefulset.yaml"]["spec"]["replicas"] == 1


def test_combined_outside_one_development_broker_is_refused() -> None:
    line = (
        "controllers.combined: true makes broker 0 the only controller, which suits one development broker only "
        "(here kafka.replicas is {replicas}, cluster.environment {environment}); allowed: false (dedicated "
        "controllers), or true with kafka.replicas 1 and cluster.environment development (set by {source}) "
        "[R09, C09]"
    )
    assert line.format(replicas=6, environment="production", source="--set controllers.combined=true") in refused(
        "high-availability,kraft", "controllers.combined=true", "controllers.replicas=1"
    )
    assert refused("development,kraft", "kafka.replicas=3") == [
        line.format(replicas=3, environment="development", source="profiles/development.yaml")
    ]
    assert line.format(replicas=1, environment="production", source="profiles/development.yaml") in refused(
        "development,kraft", "cluster.environment=production"
    )


def test_combined_has_one_voter_and_its_own_controller_port() -> None:
    assert refused("development,kraft", "controllers.replicas=3") == [
        "controllers.replicas: 3 with controllers.combined true, where the combined broker is the only voter; "
        "allowed: 1 (set by --set controllers.replicas=3) [C09]"
    ]
    assert refused("development,kraft", "controllers.port=9092") == [
        "controllers.port: 9092 is kafka.ports.internal too, and the combined node listens on both; allowed: "
        "another port (set by --set controllers.port=9092)"
    ]
