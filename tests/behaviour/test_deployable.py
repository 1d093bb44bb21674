"""Issue #10, "deployable, not just valid": each defect a production review found, as a test on what
`render` writes. What the objects then do at run time is proven in tests/controlplane (API server,
controllers, scheduler, disruption controller) and tests/realcluster/test_podspec_* (the containers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.images import IMAGES, image_facts
from generator.k8s.invariants import check_objects
from generator.target import Build, Request, build
from tests.conftest import COMMITTED_TARGETS, REPO, committed_request, shared

Run = Any


def objects(result: Build, kind: str) -> dict[str, dict[str, Any]]:
    return {
        path: manifest
        for path, text in result.files.items()
        if path.startswith("kubernetes/") and (manifest := yaml.safe_load(text))["kind"] == kind
    }


def broker_sets(result: Build) -> list[dict[str, Any]]:
    return [
        s
        for s in objects(result, "StatefulSet").values()
        if s["metadata"]["labels"]["app.kubernetes.io/name"] == "kafka"
    ]


def quorum_sets(result: Build, name: str) -> list[dict[str, Any]]:
    """The target's StatefulSets of one quorum kind, 'zookeeper' or 'kafka-controller': none when it has the other."""
    return [
        s for s in objects(result, "StatefulSet").values() if s["metadata"]["labels"]["app.kubernetes.io/name"] == name
    ]


def container(statefulset: dict[str, Any]) -> dict[str, Any]:
    first: dict[str, Any] = statefulset["spec"]["template"]["spec"]["containers"][0]
    return first


def env(statefulset: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(statefulset)["env"]}


@pytest.fixture(scope="module", params=COMMITTED_TARGETS)
def committed(request: pytest.FixtureRequest) -> Build:
    return build(committed_request(request.param))


def test_every_committed_target_has_exactly_one_quorum(committed: Build) -> None:
    """ZooKeeper mode: a ZooKeeper ensemble; KRaft: dedicated controllers. The tests below ask the target which."""
    kinds = {name: len(quorum_sets(committed, name)) for name in ("zookeeper", "kafka-controller")}
    kraft = committed.merged.params["kafka"]["mode"] == "kraft"
    assert kinds == {"zookeeper": 0 if kraft else 1, "kafka-controller": 1 if kraft else 0}


# --- 1. broker data in an anonymous volume ----------------------------------------------------------


def test_image_facts_are_the_ones_gathered_upstream() -> None:
    """generator/images.yaml against ../shared/reference/images.md (user, home, declared VOLUMEs)."""
    reference = shared("reference/images.md", "image facts not cross-checked")
    text = reference.read_text(encoding="utf-8")
    kafka, zookeeper = image_facts("apache/kafka"), image_facts("zookeeper")
    assert 'VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"]' in text
    assert kafka.volumes == ("/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config")
    assert 'VOLUME ["/data", "/datalog", "/logs"]' in text
    assert zookeeper.volumes == ("/data", "/datalog", "/logs")
    assert "`appuser`, created with Alpine `adduser -D` (UID 1000)" in text and kafka.uid == 1000
    assert "`zookeeper`, UID 1000, GID 1000" in text and (zookeeper.uid, zookeeper.gid) == (1000, 1000)
    assert "| Kafka home | `/opt/kafka`" in text and kafka.home == "/opt/kafka"
    assert "`/apache-zookeeper-<version>-bin`" in text and zookeeper.home == "/apache-zookeeper-{version}-bin"
    assert "`nc` (netcat), `wget`, `gosu`, bash" in text and {"nc", "wget", "gosu", "bash"} <= set(zookeeper.tools)
    assert "eclipse-temurin 21 JRE on Alpine (busybox userland" in text and kafka.java == 21
    assert "eclipse-temurin 17 JRE on Ubuntu jammy" in text and zookeeper.java == 17
    assert set(IMAGES) == {"apache/kafka", "zookeeper"}


def test_no_data_or_log_path_lies_under_an_image_volume_that_is_not_a_mount(committed: Build) -> None:
    kafka = container(broker_sets(committed)[0])
    mounts = {m["mountPath"]: m["name"] for m in kafka["volumeMounts"]}
    assert mounts["/var/lib/kafka/data"] == "data", "the PVC is mounted exactly at the image's VOLUME"
    server = committed.files["config/server.properties"]
    assert re.search(r"^log\.dirs=/var/lib/kafka/data/[a-z-]+$", server, re.M), "log.dirs is a folder in the PVC"
    for zookeeper in quorum_sets(committed, "zookeeper"):
        zk_mounts = {m["mountPath"]: m["name"] for m in container(zookeeper)["volumeMounts"]}
        assert (zk_mounts["/data"], zk_mounts["/datalog"], zk_mounts["/logs"]) == ("data", "datalog", "logs")
    for controllers in quorum_sets(committed, "kafka-controller"):
        mounts = {m["mountPath"]: m["name"] for m in container(controllers)["volumeMounts"]}
        assert mounts["/var/lib/kafka/data"] == "data", "the controller's PVC exactly at the image's VOLUME"
        properties = committed.files["config/controller/server.properties"]
        assert re.search(r"^log\.dirs=/var/lib/kafka/data/[a-z-]+$", properties, re.M)
        assert "metadata.log.dir" not in properties, "the metadata log: the first of log.dirs, in the PVC"


def test_the_old_broker_data_mount_is_refused_by_the_invariant() -> None:
    result = build(Request("durability"))
    manifests = {p: yaml.safe_load(t) for p, t in result.files.items() if p.startswith("kubernetes/")}
    (path,) = [p for p, m in manifests.items() if m["kind"] == "StatefulSet" and "broker" in m["metadata"]["name"]]
    for mount in manifests[path]["spec"]["template"]["spec"]["containers"][0]["volumeMounts"]:
        if mount["name"] == "data":
            mount["mountPath"] = "/var/lib/kafka"  # the first round's layout
    problems = [p for p in check_objects(manifests, result.models) if "VOLUME" in p]
    assert problems == [
        f"{path}: StatefulSet/kafka-broker: container kafka writes log.dirs /var/lib/kafka/data/logs under the "
        "image's VOLUME /var/lib/kafka/data (apache/kafka), which no volumeMount equals: the runtime mounts an "
        "anonymous volume there and the data is gone at the next container restart"
    ]


# --- 2. and 3. one broker StatefulSet; its partition counts from its first pod ------------------------


def test_brokers_are_one_statefulset_so_the_controller_rolls_one_broker_at_a_time(committed: Build) -> None:
    (brokers,) = broker_sets(committed)
    assert "ordinals" not in brokers["spec"], "ordinal = broker.id, from 0"
    assert brokers["spec"]["updateStrategy"]["type"] == "RollingUpdate"
    assert "maxUnavailable" not in brokers["spec"]["updateStrategy"]["rollingUpdate"]  # the default: one pod


def test_rollout_partition_counts_from_the_sets_first_pod() -> None:
    for partition in (0, 2):
        result = build(Request("ha", sets=(f"kafka.rollout.partition={partition}",)))
        (brokers,) = broker_sets(result)
        assert brokers["spec"]["updateStrategy"]["rollingUpdate"]["partition"] == partition


def test_rack_aware_brokers_take_broker_rack_from_their_nodes_zone() -> None:
    (brokers,) = broker_sets(build(Request("ha")))
    assert env(brokers)["BROKER_RACK"] == {
        "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels['topology.kubernetes.io/zone']"}
    }
    spread = brokers["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert [(c["topologyKey"], c["maxSkew"], c["whenUnsatisfiable"]) for c in spread] == [
        ("topology.kubernetes.io/zone", 1, "DoNotSchedule")
    ]
    (off,) = broker_sets(build(Request("ha", sets=("kafka.rackAware=false",))))
    assert "BROKER_RACK" not in env(off)


# --- 4. ready means back in sync -----------------------------------------------------------------------


def test_readiness_asks_for_the_isr_and_startup_only_for_an_answer(committed: Build) -> None:
    kafka = container(broker_sets(committed)[0])
    assert kafka["readinessProbe"]["exec"]["command"] == ["/bin/bash", "/config/kafka-ready.sh", "ready"]
    assert kafka["startupProbe"]["exec"]["command"] == ["/bin/bash", "/config/kafka-ready.sh", "started"]


# --- 5. logs bounded ------------------------------------------------------------------------------------


def _quantity_bytes(quantity: str) -> int:
    units = {"Ki": 1024, "Mi": 1024**2, "Gi": 1024**3}
    return int(quantity[:-2]) * units[quantity[-2:]]


def _gc_log_bytes(options: str) -> int:
    match = re.search(r"filecount=(\d+),filesize=(\d+)([KMG])", options)
    assert match, options
    # the JVM keeps `filecount` rotated files besides the one it writes
    return (int(match[1]) + 1) * int(match[2]) * {"K": 1024, "M": 1024**2, "G": 1024**3}[match[3]]


# Kafka 3.9 logs with log4j 1 (log4j.properties), 4.x with log4j2 (log4j2.properties): the option that names
# the file, and each format's console appender.
LOG4J = {
    "-Dlog4j.configuration=file:/config/log4j.properties": (
        "log4j.properties",
        r"^log4j\.appender\.\w+=(\S+)$",
        {"org.apache.log4j.ConsoleAppender"},
    ),
    "-Dlog4j2.configurationFile=/config/log4j2.properties": (
        "log4j2.properties",
        r"^appender\.\w+\.type\s*=\s*(\S+)$",
        {"Console"},
    ),
}


def _assert_console_logging(statefulset: dict[str, Any], files: dict[str, str], folder: str) -> None:
    variables = env(statefulset)
    assert variables["KAFKA_LOG4J_OPTS"] in LOG4J, variables["KAFKA_LOG4J_OPTS"]
    name, appender, console = LOG4J[variables["KAFKA_LOG4J_OPTS"]]
    appenders = set(re.findall(appender, files[f"{folder}{name}"], re.M))
    assert appenders == console, f"{folder}{name}: no file appender, the kubelet rotates stdout: {appenders}"
    volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    limit = _quantity_bytes(volumes["logs"]["emptyDir"]["sizeLimit"])
    assert _gc_log_bytes(variables["KAFKA_GC_LOG_OPTS"]) * 2 <= limit


def test_broker_logs_go_to_the_console_and_the_gc_log_fits_its_volume(committed: Build) -> None:
    (brokers,) = broker_sets(committed)
    assert "-loggc" not in env(brokers)["EXTRA_ARGS"], "kafka-run-class.sh would replace our GC log options"
    _assert_console_logging(brokers, committed.files, "config/")
    for controllers in quorum_sets(committed, "kafka-controller"):
        _assert_console_logging(controllers, committed.files, "config/controller/")
    for zookeeper_sts in quorum_sets(committed, "zookeeper"):
        zookeeper = env(zookeeper_sts)
        zk_volumes = {v["name"]: v for v in zookeeper_sts["spec"]["template"]["spec"]["volumes"]}
        assert _gc_log_bytes(zookeeper["SERVER_JVMFLAGS"]) * 2 <= _quantity_bytes(
            zk_volumes["logs"]["emptyDir"]["sizeLimit"]
        )


# --- 6. config pinned per revision ----------------------------------------------------------------------


def test_configmaps_are_named_by_content_and_immutable() -> None:
    before = build(Request("durability"))
    after = build(Request("durability", sets=("kafka.config.num.io.threads=9",)))
    for result in (before, after):
        for configmap in objects(result, "ConfigMap").values():
            assert configmap["immutable"] is True
            assert re.fullmatch(r"kafka-(broker|zookeeper)-config-[0-9a-f]{10}", configmap["metadata"]["name"])

    def names(result: Build) -> dict[str, str]:
        return {
            s["metadata"]["name"]: next(
                v["configMap"]["name"] for v in s["spec"]["template"]["spec"]["volumes"] if "configMap" in v
            )
            for s in objects(result, "StatefulSet").values()
        }

    assert names(before)["kafka-broker"] != names(after)["kafka-broker"]
    assert names(before)["kafka-zookeeper"] == names(after)["kafka-zookeeper"]
    assert set(names(after).values()) == {c["metadata"]["name"] for c in objects(after, "ConfigMap").values()}


# --- 7. stable identities ---------------------------------------------------------------------------------


def test_identities_do_not_follow_zone_order_or_rack_awareness() -> None:
    def identities(*sets: str) -> list[tuple[str, int]]:
        (brokers,) = broker_sets(build(Request("ha", sets=sets)))
        return [(brokers["metadata"]["name"], brokers["spec"]["replicas"])]

    assert identities() == identities("cluster.zones=[zone-c,zone-b,zone-a]") == identities("kafka.rackAware=false")


def test_render_refuses_to_remove_brokers_unless_told(run: Run, tmp_path: Path) -> None:
    out = str(tmp_path)
    assert run("render", "durability", "--out", out).exit_code == 0
    committed = (tmp_path / "durability" / "params.yaml").read_text(encoding="utf-8")
    refused = run("render", "durability", "--set", "kafka.replicas=3", "--out", out)
    assert refused.exit_code == 2
    assert refused.output.splitlines() == [
        f"error: render would remove or rename brokers and their volumes in {tmp_path}/durability "
        "(pass --allow-identity-change to accept it):",
        "  broker 3: pod kafka-broker-3, PVC data-kafka-broker-3",
        "  broker 4: pod kafka-broker-4, PVC data-kafka-broker-4",
        "  broker 5: pod kafka-broker-5, PVC data-kafka-broker-5",
    ]
    assert (tmp_path / "durability" / "params.yaml").read_text(encoding="utf-8") == committed
    assert run("render", "durability", "--set", "kafka.replicas=9", "--out", out).exit_code == 0  # growing is fine
    accepted = run("render", "durability", "--set", "kafka.replicas=3", "--out", out, "--allow-identity-change")
    assert accepted.exit_code == 0, accepted.output


# --- 8. even zones ------------------------------------------------------------------------------------------


def test_the_default_broker_count_divides_over_the_zones(committed: Build) -> None:
    params = committed.merged.params
    if not params["cluster"]["zones"]:  # development: no zones to divide over, one broker, no broker.rack
        assert (params["kafka"]["replicas"], params["kafka"]["rackAware"]) == (1, False)
        return
    assert params["kafka"]["replicas"] % len(params["cluster"]["zones"]) == 0


def test_uneven_zones_warn_and_strict_refuses(run: Run, tmp_path: Path) -> None:
    line = (
        "kafka.replicas: 5 brokers over 3 zones is 2/2/1: with broker.rack, the zone with fewer brokers holds a "
        "replica of every partition its brokers can take, so they carry more than their share; allowed: a multiple "
        "of 3 (set by --set kafka.replicas=5) [R22]"
    )
    warned = run("render", "ha", "--set", "kafka.replicas=5", "--out", str(tmp_path))
    assert warned.exit_code == 0 and f"warning: {line}" in warned.output.splitlines()
    strict = run("render", "ha", "--set", "kafka.replicas=5", "--out", str(tmp_path / "s"), "--strict")
    assert strict.exit_code == 2 and f"error: {line} (a warning, refused by --strict)" in strict.output.splitlines()


# --- 9. and 12. disruption budgets ------------------------------------------------------------------------


def test_pdbs_allow_one_disruption_and_never_evict_an_unhealthy_pod_past_the_budget(committed: Build) -> None:
    """R07, R08; D01: ZooKeeper's PDB is maxUnavailable 1, not the runbook's minAvailable = quorum."""
    replicas = {
        s["metadata"]["labels"]["app.kubernetes.io/name"]: s["spec"]["replicas"]
        for s in objects(committed, "StatefulSet").values()
    }
    for pdb in objects(committed, "PodDisruptionBudget").values():
        assert pdb["spec"]["maxUnavailable"] == 1 and "minAvailable" not in pdb["spec"]
        # One pod has nothing to protect, and IfHealthyBudget would never let a drain evict it while not
        # Ready (the API server needs a healthy pod to spare): tests/controlplane drains it for real.
        single = replicas[pdb["metadata"]["labels"]["app.kubernetes.io/name"]] == 1
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == ("AlwaysAllow" if single else "IfHealthyBudget")


def test_the_budget_says_two_zones_cannot_hold_a_zookeeper_majority() -> None:
    from generator.budget import failure_budget

    params = build(Request("durability", sets=("cluster.zones=[zone-a,zone-b]",))).merged.params
    budget = failure_budget(params)
    assert not budget.zone_loss_keeps_zookeeper
    assert (
        "ZooKeeper after the loss of a zone: 2 of 5 servers left (3 in the largest zone), below the quorum of 3: "
        "two zones cannot hold a ZooKeeper majority through the loss of either." in budget.lines()
    )
    assert failure_budget(build(Request("durability")).merged.params).zone_loss_keeps_zookeeper


# --- 10. served, not just schema-valid ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "line"),
    [
        (
            ("kafka.rackAware=false", 'cluster.kubernetesVersions=["1.26","1.37"]'),
            "error: cluster.kubernetesVersions: 1.26 does not serve persistentVolumeClaimRetentionPolicy and "
            "unhealthyPodEvictionPolicy, which every target uses; allowed: 1.27 or newer "
            '(set by --set cluster.kubernetesVersions=["1.26","1.37"]) [R18]',
        ),
        (
            ('cluster.kubernetesVersions=["1.34","1.37"]',),
            "error: cluster.kubernetesVersions: 1.34 does not copy the node's zone label onto pods "
            "(PodTopologyLabels admission, on by default from 1.35), which rack-aware brokers read broker.rack from; "
            'allowed: 1.35 or newer, or kafka.rackAware=false (set by --set cluster.kubernetesVersions=["1.34","1.37"]) [R22]',
        ),
    ],
)
def test_kubernetes_versions_that_do_not_serve_our_fields_are_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], line: str
) -> None:
    args = [word for s in sets for word in ("--set", s)]
    result = run("render", "ha", *args, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.output.splitlines() == [line]
    assert not any(tmp_path.iterdir())


# --- 11. development runs where developers run ---------------------------------------------------------------


def test_development_needs_no_zones_no_storage_class_and_allows_a_drain() -> None:
    result = build(Request("development"))
    for statefulset in objects(result, "StatefulSet").values():
        pod = statefulset["spec"]["template"]["spec"]
        assert "topologySpreadConstraints" not in pod
        assert "nodeAffinity" not in pod.get("affinity", {})
        # apart where nodes allow, together on a one-node cluster (a scaled-up development cluster too)
        assert set(pod["affinity"]["podAntiAffinity"]) == {"preferredDuringSchedulingIgnoredDuringExecution"}
        for claim in statefulset["spec"]["volumeClaimTemplates"]:
            assert "storageClassName" not in claim["spec"], "the cluster's default StorageClass"
    for pdb in objects(result, "PodDisruptionBudget").values():
        assert pdb["spec"]["maxUnavailable"] == 1


def test_development_is_a_committed_target() -> None:
    assert (REPO / "output" / "development" / "kustomization.yaml").is_file()


# --- 13. smaller ones ------------------------------------------------------------------------------------------


def test_the_quorum_has_startup_readiness_and_liveness_probes(committed: Build) -> None:
    """ZooKeeper starts on liveness and is ready on quorum; KRaft controllers have all three probes (what
    they ask is docs/kraft.md 3's and tests/components/controllers', not this file's)."""
    for zookeeper in quorum_sets(committed, "zookeeper"):
        zk = container(zookeeper)
        assert zk["startupProbe"]["exec"]["command"][-1] == "live"
        assert zk["readinessProbe"]["exec"]["command"][-1] == "ready"
    for controllers in quorum_sets(committed, "kafka-controller"):
        probes = container(controllers)
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(probes), sorted(probes)


def test_the_namespace_is_rendered_with_pod_security_restricted(committed: Build) -> None:
    (namespace,) = objects(committed, "Namespace").values()
    assert namespace["metadata"]["name"] == committed.merged.params["cluster"]["namespace"]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert "kubernetes/namespace.yaml" in yaml.safe_load(committed.files["kustomization.yaml"])["resources"]
    off = build(Request("ha", sets=("cluster.createNamespace=false",)))
    assert objects(off, "Namespace") == {}


def test_fields_the_server_defaults_inside_atomic_structures_are_written(committed: Build) -> None:
    for statefulset in objects(committed, "StatefulSet").values():
        for variable in container(statefulset)["env"]:
            if "fieldRef" in variable.get("valueFrom", {}):
                assert variable["valueFrom"]["fieldRef"]["apiVersion"] == "v1"
        for claim in statefulset["spec"]["volumeClaimTemplates"]:
            assert (claim["apiVersion"], claim["kind"], claim["spec"]["volumeMode"]) == (
                "v1",
                "PersistentVolumeClaim",
                "Filesystem",
            )
            assert claim["status"] == {"phase": "Pending"}


def test_render_over_the_first_rounds_per_zone_sets_lists_every_old_broker(run: Run, tmp_path: Path) -> None:
    """The first round's layout (one StatefulSet per zone, broker ids from zone x 100) cannot be replaced
    by an apply: every old broker and its PVC is named before anything is written."""
    old = tmp_path / "durability" / "kubernetes" / "kafka"
    old.mkdir(parents=True)
    for zone, start, replicas in (("a", 0, 2), ("b", 100, 2), ("c", 200, 1)):
        statefulset = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": f"kafka-broker-zone-{zone}", "labels": {"app.kubernetes.io/name": "kafka"}},
            "spec": {
                "replicas": replicas,
                "ordinals": {"start": start},
                "volumeClaimTemplates": [{"metadata": {"name": "data"}}],
            },
        }
        (old / f"statefulset-kafka-broker-zone-{zone}.yaml").write_text(yaml.safe_dump(statefulset), encoding="utf-8")
    refused = run("render", "durability", "--out", str(tmp_path))
    assert refused.exit_code == 2
    assert refused.output.splitlines()[1:] == [
        f"  broker {n}: pod kafka-broker-zone-{zone}-{n}, PVC data-kafka-broker-zone-{zone}-{n}"
        for zone, n in (("a", 0), ("a", 1), ("b", 100), ("b", 101), ("c", 200))
    ]
    assert sorted(p.name for p in old.iterdir()) == [f"statefulset-kafka-broker-zone-{z}.yaml" for z in "abc"]
