"""KRaft targets (`render <profile>,kraft`, docs/kraft.md): dedicated controllers as static voters, no
ZooKeeper, only keys the Kafka 4.1 catalog knows, and the refusals a KRaft target adds."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from generator.catalog import load_catalog
from generator.components.controllers.rules import MAKE_CLUSTER_ID
from generator.errors import ParamsError
from generator.serialize import parse_properties
from generator.target import Build, Request, build

Run = Callable[..., Result]
KRAFT = ("high-availability,kraft", "durability,kraft", "throughput,kraft", "low-latency,kraft")
CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg"  # profiles/kraft.yaml's example
# Keys 4.x removed (docs/kraft.md, 4); none may appear in a KRaft file.
GONE = (
    "broker.id",
    "broker.id.generation.enable",
    "reserved.broker.max.id",
    "inter.broker.protocol.version",
    "log.message.format.version",
    "control.plane.listener.name",
    "eligible.leader.replicas.enable",
    "log.message.timestamp.difference.max.ms",
    "offsets.commit.required.acks",
    "auto.include.jmx.reporter",
)
VOTERS = ",".join(
    f"{3000 + n}@kafka-controller-{n}.kafka-controller-headless.kafka.svc.cluster.local:9093" for n in range(5)
)


@pytest.fixture(scope="module", params=KRAFT)
def target(request: pytest.FixtureRequest) -> Build:
    return build(Request(request.param))  # raises unless the API schemas and invariants pass


def properties(result: Build, path: str) -> dict[str, str]:
    return parse_properties(result.files[path])


def refused(*sets: str, profile: str = "high-availability,kraft") -> list[str]:
    with pytest.raises(ParamsError) as caught:
        build(Request(profile, sets=sets))
    return list(caught.value.problems)


def test_a_kraft_target_has_controllers_and_no_zookeeper(target: Build) -> None:
    assert not [p for p in target.files if "zookeeper" in p]
    assert sorted(p for p in target.manifests if p.startswith("kubernetes/controller/")) == [
        "kubernetes/controller/configmap.yaml",
        "kubernetes/controller/pdb.yaml",
        "kubernetes/controller/service-headless.yaml",
        "kubernetes/controller/statefulset.yaml",
    ]
    kinds = {m["kind"] for m in target.manifests.values()}
    assert "StatefulSet" in kinds
    for manifest in target.manifests.values():
        assert "zookeeper" not in manifest["metadata"]["name"]
    assert "zookeeper" not in target.files["config/start-kafka.sh"]


def test_every_node_names_the_same_static_voters(target: Build) -> None:
    broker = properties(target, "config/server.properties")
    controller = properties(target, "config/controller/server.properties")
    for config in (broker, controller):
        assert config["controller.quorum.voters"] == VOTERS
        assert "controller.quorum.bootstrap.servers" not in config
        assert config["controller.listener.names"] == "CONTROLLER"
        assert config["listener.security.protocol.map"] == "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
        assert config["broker.session.timeout.ms"] == "18000"
        assert config["broker.heartbeat.interval.ms"] == "2000"
    assert broker["process.roles"] == "broker"
    assert broker["listeners"] == "PLAINTEXT://:9092"
    assert controller["process.roles"] == "controller"
    assert controller["listeners"] == "CONTROLLER://:9093"
    # The controllers carry the cluster-wide defaults, from the same kafka.config (docs/kraft.md, 4).
    for key in ("min.insync.replicas", "default.replication.factor", "unclean.leader.election.enable"):
        assert controller[key] == broker[key]


def test_no_key_the_41_catalog_lacks_nor_one_4x_removed(target: Build) -> None:
    catalog = load_catalog("kafka-broker", "4.1")
    for path in ("config/server.properties", "config/controller/server.properties"):
        config = properties(target, path)
        assert [k for k in config if catalog.get(k) is None] == [], path
        assert [k for k in config if k.startswith("zookeeper.") or k in GONE] == [], path
    for path, text in target.files.items():
        if path.startswith("config/"):
            assert "zookeeper.connect" not in text, path


def test_node_ids_and_the_start_scripts(target: Build) -> None:
    broker, controller = target.files["config/start-kafka.sh"], target.files["config/controller/start-kafka.sh"]
    assert "node_id=$(( 0 + ordinal ))" in broker
    assert "node_id=$(( 3000 + ordinal ))" in controller
    for script in (broker, controller):
        assert f'cluster_id="{CLUSTER_ID}"' in script
        assert (
            '"${kafka_home}/bin/kafka-storage.sh" \\\n  format --config "${config}" --cluster-id="${cluster_id}" '
            "--release-version 4.1 --ignore-formatted\n" in script
        )
        assert script.endswith('exec "${kafka_home}/bin/kafka-server-start.sh" "${config}"\n')
    assert "advertised.listeners=${host}" in controller
    assert 'host="CONTROLLER://${POD_NAME}.kafka-controller-headless.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN}:9093"' in (
        controller
    )


def test_the_controller_objects(target: Build) -> None:
    objects = target.manifests
    statefulset = objects["kubernetes/controller/statefulset.yaml"]
    assert statefulset["spec"]["replicas"] == 5
    assert statefulset["spec"]["serviceName"] == "kafka-controller-headless"
    pod = statefulset["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == "apache/kafka:4.1.2"
    assert [c["topologyKey"] for c in pod["topologySpreadConstraints"]] == ["topology.kubernetes.io/zone"]
    assert pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    pdb = objects["kubernetes/controller/pdb.yaml"]["spec"]
    assert pdb["maxUnavailable"] == 1
    assert pdb["unhealthyPodEvictionPolicy"] == "IfHealthyBudget"
    service = objects["kubernetes/controller/service-headless.yaml"]["spec"]
    assert service["clusterIP"] == "None" and service["publishNotReadyAddresses"] is True
    configmap = objects["kubernetes/controller/configmap.yaml"]
    assert re.fullmatch(r"kafka-controller-config-[0-9a-f]{10}", configmap["metadata"]["name"])
    assert sorted(configmap["data"]) == ["kafka-quorum.sh", "log4j2.properties", "server.properties", "start-kafka.sh"]
    probe = ["/bin/bash", "/config/kafka-quorum.sh"]
    assert container["startupProbe"]["exec"]["command"] == [*probe, "started"]
    assert container["readinessProbe"]["exec"]["command"] == [*probe, "ready"]  # DescribeQuorum (docs/kraft.md 3)
    assert container["livenessProbe"]["tcpSocket"] == {"port": "controller"}
    # The empty-volume wait (start-kafka.sh) ends before the startup probe's budget does.
    startup = container["startupProbe"]["periodSeconds"] * container["startupProbe"]["failureThreshold"]
    assert "FORMAT_WAIT_SECONDS:-240}" in target.files["config/controller/start-kafka.sh"] and startup == 300
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["config"]["configMap"]["name"] == configmap["metadata"]["name"]
    brokers = objects["kubernetes/kafka/statefulset.yaml"]["spec"]["template"]["spec"]["containers"][0]
    assert brokers["image"] == "apache/kafka:4.1.2"
    env = {e["name"]: e.get("value") for e in brokers["env"]}
    assert env["KAFKA_LOG4J_OPTS"] == "-Dlog4j2.configurationFile=/config/log4j2.properties"
    assert "log4j.properties" not in target.files and "config/log4j.properties" not in target.files


def test_the_zookeeper_targets_keep_their_files() -> None:
    result = build(Request("high-availability"))
    assert "config/controller/server.properties" not in result.files
    assert not [p for p in result.manifests if p.startswith("kubernetes/controller/")]
    assert "zookeeper.connect" in properties(result, "config/server.properties")


def test_a_missing_cluster_id_is_one_line_saying_how_to_make_one(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("render", "high-availability,kraft", "--set", "kafka.clusterId=null", "--out", str(out))
    assert result.exit_code == 2
    assert not out.exists()
    assert result.output.splitlines() == [
        "error: kafka.clusterId: not set; a KRaft cluster needs a fixed id. Make one with: python3 -c "
        "'import base64,uuid;print(next(s for s in iter(lambda:base64.urlsafe_b64encode(uuid.uuid4().bytes)"
        '.decode()[:22],0) if s[0]!="-"))\' (or: docker run --rm apache/kafka:4.1.2 '
        "/opt/kafka/bin/kafka-storage.sh random-uuid), then --set kafka.clusterId=<id> "
        "(set by --set kafka.clusterId=null)"
    ]


@pytest.mark.parametrize(
    "cluster_id",
    ["MkU3OEVBNTcwNTJENDM2Q", "MkU3OEVBNTcwNTJENDM2QgA", "MkU3OEVBNTcwNTJENDM2Qh", "-kU3OEVBNTcwNTJENDM2Qg"],
)
def test_a_malformed_cluster_id_is_refused(cluster_id: str) -> None:
    assert refused(f"kafka.clusterId={cluster_id}") == [
        f"kafka.clusterId: {cluster_id!r} is not a cluster id as kafka-storage.sh random-uuid prints one (22 "
        "base64url characters, not starting with -, the last one of A Q g w); allowed: such an id. Make one with: "
        f"{MAKE_CLUSTER_ID} (set by --set kafka.clusterId={cluster_id})"
    ]


def test_the_make_one_command_makes_a_valid_id() -> None:
    import subprocess
    import sys

    command = MAKE_CLUSTER_ID.removeprefix("python3 -c '").split("' (or:")[0]
    made = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=True).stdout.strip()
    assert build(Request("high-availability,kraft", sets=(f"kafka.clusterId={made}",))).files


def test_an_even_controller_count_is_refused() -> None:
    assert refused("controllers.replicas=4") == [
        "controllers.replicas: 4 is even: a quorum of 3 keeps no more losses than 3 controllers do; allowed: an odd "
        "count, 3 or 5 in production (set by --set controllers.replicas=4) [C09]"
    ]


def test_one_or_seven_controllers_in_production_are_refused() -> None:
    assert refused("controllers.replicas=7") == [
        "controllers.replicas: 7 in production; allowed: 3 or 5 (5 keeps the quorum through a drain plus a crash) "
        "(set by --set controllers.replicas=7) [R09, R10, C09]"
    ]
    assert build(Request("high-availability,kraft", sets=("controllers.replicas=3",))).manifests


def test_a_controller_budget_that_breaks_the_quorum_is_refused() -> None:
    assert refused("controllers.pdb.maxUnavailable=2") == [
        "controllers.pdb.maxUnavailable: 2 lets a drain take 2 of 5 controllers, after which one crash loses the "
        "quorum of 3; allowed: 0 to 1 (set by --set controllers.pdb.maxUnavailable=2) [R07, D01]"
    ]


def test_a_zookeeper_key_in_kraft_mode_is_refused() -> None:
    assert refused("kafka.config.zookeeper.connect=zk:2181") == [
        "kafka.config.zookeeper.connect: unknown key for kafka-broker 4.1 (set by --set "
        "kafka.config.zookeeper.connect=zk:2181)"
    ]


def test_kraft_needs_41_and_zookeeper_mode_needs_39() -> None:
    assert refused(
        "kafka.version=3.9.2",
        "kafka.config.broker.heartbeat.interval.ms=null",
        "kafka.config.broker.session.timeout.ms=null",
        "kafka.config.log.message.timestamp.after.max.ms=null",
    ) == [
        "kafka.version: 3.9.2 is a ZooKeeper-mode release here; KRaft targets run Kafka 4.1 (docs/kraft.md); "
        "allowed: 4.1.x (set by --set kafka.version=3.9.2) [C07]"
    ]
    assert refused(
        "kafka.version=4.1.2",
        "kafka.config.zookeeper.session.timeout.ms=null",
        "kafka.config.zookeeper.connection.timeout.ms=null",
        profile="high-availability",
    ) == [
        "kafka.version: 4.1.2 has no ZooKeeper mode (removed in Kafka 4.0); allowed: 3.9.x, or kafka.mode: kraft "
        "(the kraft profile) (set by --set kafka.version=4.1.2) [C07]"
    ]


def test_the_identity_guard_knows_the_controllers(run: Run, tmp_path: Path) -> None:
    out = str(tmp_path / "out")
    assert run("render", "high-availability,kraft", "--out", out).exit_code == 0
    result = run("render", "high-availability,kraft", "--set", "cluster.name=other", "--out", out)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2:] == [
        "  controller 3003: pod kafka-controller-3, PVC data-kafka-controller-3",
        "  controller 3004: pod kafka-controller-4, PVC data-kafka-controller-4",
    ]


def test_a_kraft_render_warns_only_about_the_example_cluster_id_and_strict_refuses_that(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    """KRaft is no longer a preview (its targets run on a real control plane and on real Kafka 4.1.2: the
    control-plane and real-cluster tests); the kraft profile's example cluster id is still named on every
    render, and a CI gate with --strict refuses it. A cluster's own id renders clean, also under --strict."""
    from generator.components.controllers.rules import MAKE_CLUSTER_ID

    rendered = run("render", "ha,kraft", "--out", str(tmp_path / "a"))
    assert rendered.exit_code == 0
    warnings = [line for line in rendered.stderr.splitlines() if line.startswith("warning: kafka.")]
    assert (
        "warning: kafka.clusterId: MkU3OEVBNTcwNTJENDM2Qg is the kraft profile's example id, the same for every "
        "cluster rendered with it; allowed: the cluster's own id in its site file. Make one with: "
        f"{MAKE_CLUSTER_ID} (set by profiles/kraft.yaml)" in warnings
    )
    assert not any(line.startswith("warning: kafka.mode") for line in rendered.stderr.splitlines())
    strict = run("render", "ha,kraft", "--strict", "--out", str(tmp_path / "c"))
    assert strict.exit_code == 2 and not (tmp_path / "c").exists()
    own = ("render", "durability,kraft", "--set", "kafka.clusterId=q1Sh-9_ISia_zwGINzRvyQ")
    clean = run(*own, "--strict", "--out", str(tmp_path / "b"))
    assert clean.exit_code == 0, clean.stderr
    assert not any("kafka.clusterId" in line or "kafka.mode" in line for line in clean.stderr.splitlines())
