"""One test per runbook requirement (R..) and correction (C..), read off what a user deploys.

docs/runbook-coverage.md points at these tests; each cites its IDs in its docstring, which the
coverage test checks.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest
import yaml

from generator.budget import failure_budget
from generator.serialize import parse_properties
from generator.target import Build, Request, Sources, build, load
from tests.conftest import REPO

STATEFULSETS = {
    "kafka": "kubernetes/kafka/statefulset.yaml",
    "zookeeper": "kubernetes/zookeeper/statefulset.yaml",
}


@cache
def target(spec: str, *sets: str) -> Build:
    return build(Request(spec, sets=sets))


def doc(spec: str, path: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(target(spec).files[path])
    return loaded


def pod(spec: str, component: str) -> dict[str, Any]:
    spec_: dict[str, Any] = doc(spec, STATEFULSETS[component])["spec"]["template"]["spec"]
    return spec_


def env(spec: str, component: str) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in pod(spec, component)["containers"][0]["env"]}


def server(spec: str, *sets: str) -> dict[str, str]:
    return parse_properties(target(spec, *sets).files["config/server.properties"])


def producer(spec: str, *sets: str) -> dict[str, str]:
    return parse_properties(target(spec, *sets).files["config/producer.properties"])


def test_gc_logging_on_for_brokers_and_zookeeper() -> None:
    """R01: GC logging on, rotated within the logs emptyDir: brokers through KAFKA_GC_LOG_OPTS (not -loggc,
    whose 10 x 100M rotation would replace it), ZooKeeper -Xlog:gc*; 4 x 16M each."""
    kafka = env("durability", "kafka")
    assert kafka["EXTRA_ARGS"] == "-name kafkaServer"
    assert kafka["LOG_DIR"] == "/var/log/kafka"
    assert kafka["KAFKA_GC_LOG_OPTS"] == (
        "-Xlog:gc*:file=/var/log/kafka/kafkaServer-gc.log:time,tags:filecount=4,filesize=16M"
    )
    assert "-loggc" not in target("durability").files["kubernetes/kafka/statefulset.yaml"]
    assert (
        "-Xlog:gc*:file=/logs/zookeeper-gc.log:time,tags:filecount=4,filesize=16M"
        in (env("durability", "zookeeper")["SERVER_JVMFLAGS"])
    )
    for component, log_dir in (("kafka", "/var/log/kafka"), ("zookeeper", "/logs")):
        spec = pod("durability", component)
        [mount] = [m for m in spec["containers"][0]["volumeMounts"] if m["name"] == "logs"]
        [volume] = [v for v in spec["volumes"] if v["name"] == "logs"]
        assert mount["mountPath"] == log_dir and volume["emptyDir"] == {"sizeLimit": "256Mi"}  # 64M of GC logs
    off = target("durability", "kafka.gc.logging=false").files["kubernetes/kafka/statefulset.yaml"]
    assert "-loggc" not in off and "-Xlog:gc" not in off


def test_g1_by_default_zgc_selectable() -> None:
    """R02: G1 by default, generational ZGC selectable for the brokers."""
    assert "-XX:+UseG1GC -XX:MaxGCPauseMillis=20" in env("durability", "kafka")["KAFKA_JVM_PERFORMANCE_OPTS"]
    zgc = target("durability", "kafka.gc.collector=ZGC").files["kubernetes/kafka/statefulset.yaml"]
    assert "-XX:+UseZGC -XX:+ZGenerational" in zgc and "UseG1GC" not in zgc


def test_zookeeper_session_timeout_is_explicit() -> None:
    """R04, C05: zookeeper.session.timeout.ms is written explicitly, 18000 (the default since Kafka 2.5)."""
    assert server("durability")["zookeeper.session.timeout.ms"] == "18000"
    assert (
        server("durability", "kafka.config.zookeeper.session.timeout.ms=30000")["zookeeper.session.timeout.ms"]
        == "30000"
    )


def test_broker_heap_and_page_cache_headroom() -> None:
    """R05, C11, R21: -Xms2G -Xmx2G (not -Xms=2G); memory limit well above the heap; warns when not."""
    assert env("durability", "kafka")["KAFKA_HEAP_OPTS"] == "-Xms2G -Xmx2G"
    resources = pod("durability", "kafka")["containers"][0]["resources"]
    assert resources["limits"]["memory"] == "8Gi" and resources["requests"]["memory"] == "8Gi"
    merged, _, _ = load(Request("durability", sets=("kafka.heap.size=5G",)), Sources())
    from generator.target import findings_of as check

    assert any(f.key == "kafka.heap.size" and "R05" in f.ids and f.level == "warning" for f in check(merged))


def test_zookeeper_heap_and_resources() -> None:
    """R06: ZooKeeper heap starts at 512M (may grow), modest CPU request."""
    assert env("durability", "zookeeper")["SERVER_JVMFLAGS"].startswith("-Xms512M -Xmx2G")
    assert pod("durability", "zookeeper")["containers"][0]["resources"]["requests"]["cpu"] == "200m"


def test_zookeeper_pdb_at_quorum() -> None:
    """R07, C03: policy/v1 PodDisruptionBudget that keeps quorum through a drain: maxUnavailable 1 (5 servers
    keep 4, one crash more still leaves the quorum of 3; not the runbook's minAvailable = quorum, see D01)."""
    pdb = doc("durability", "kubernetes/zookeeper/pdb.yaml")
    assert (pdb["apiVersion"], pdb["spec"]["maxUnavailable"]) == ("policy/v1", 1)
    assert "minAvailable" not in pdb["spec"] and pdb["spec"]["unhealthyPodEvictionPolicy"] == "IfHealthyBudget"
    three = yaml.safe_load(target("durability", "zookeeper.replicas=3").files["kubernetes/zookeeper/pdb.yaml"])
    assert three["spec"]["maxUnavailable"] == 1
    seven = target("durability", "zookeeper.replicas=7", "zookeeper.pdb.maxUnavailable=2")
    assert yaml.safe_load(seven.files["kubernetes/zookeeper/pdb.yaml"])["spec"]["maxUnavailable"] == 2


def test_broker_pdb() -> None:
    """R08: a PodDisruptionBudget over the brokers: a drain evicts one at a time."""
    pdb = doc("durability", "kubernetes/kafka/pdb.yaml")
    assert pdb["spec"]["maxUnavailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] == "kafka"


def test_no_single_pod_in_production_and_peak_plus_two() -> None:
    """R09, R10, C09: 6 brokers (2 per zone) and 5 ZooKeeper servers (3 + 2, odd); single pods refused in
    production."""
    brokers = [p for p in target("durability").files if p.startswith("kubernetes/kafka/statefulset")]
    assert brokers == [STATEFULSETS["kafka"]]
    assert doc("durability", STATEFULSETS["kafka"])["spec"]["replicas"] == 6
    assert doc("durability", "kubernetes/zookeeper/statefulset.yaml")["spec"]["replicas"] == 5
    from generator.errors import ParamsError

    with pytest.raises(ParamsError, match=r"kafka.replicas: must be >= 2 in production.*\[R09\]"):
        build(
            Request(
                "durability",
                sets=(
                    "kafka.replicas=1",
                    "kafka.config.default.replication.factor=1",
                    "kafka.config.offsets.topic.replication.factor=1",
                    "kafka.config.transaction.state.log.replication.factor=1",
                    "kafka.config.min.insync.replicas=1",
                    "kafka.config.transaction.state.log.min.isr=1",
                ),
            )
        )
    with pytest.raises(ParamsError, match=r"zookeeper.replicas: must be odd.*\[R09, C09\]"):
        build(Request("durability", sets=("zookeeper.replicas=6",)))


def test_statefulsets_with_claims_and_headless_services() -> None:
    """R11, R20: StatefulSets with volumeClaimTemplates (Kafka logs; ZooKeeper data and transaction log)
    and headless Services for stable DNS."""
    zk = doc("durability", "kubernetes/zookeeper/statefulset.yaml")["spec"]
    kafka = doc("durability", "kubernetes/kafka/statefulset.yaml")["spec"]
    assert [c["metadata"]["name"] for c in zk["volumeClaimTemplates"]] == ["data", "datalog"]
    assert [c["metadata"]["name"] for c in kafka["volumeClaimTemplates"]] == ["data"]
    assert zk["serviceName"] == "kafka-zookeeper-headless" and kafka["serviceName"] == "kafka-broker-headless"
    assert doc("durability", "kubernetes/kafka/service-headless.yaml")["spec"]["clusterIP"] == "None"
    zoo = parse_properties(target("durability").files["config/zoo.cfg"])
    assert (zoo["dataDir"], zoo["dataLogDir"]) == ("/data", "/datalog")

    def mounts(component: str) -> dict[str, str]:
        return {m["name"]: m["mountPath"] for m in pod("durability", component)["containers"][0]["volumeMounts"]}

    # each claim is mounted exactly on the image's declared VOLUME, so no anonymous volume shadows it
    assert {k: mounts("zookeeper")[k] for k in ("data", "datalog", "logs")} == {
        "data": "/data",
        "datalog": "/datalog",
        "logs": "/logs",
    }
    assert mounts("kafka")["data"] == "/var/lib/kafka/data"
    assert server("durability")["log.dirs"] == "/var/lib/kafka/data/logs"  # a folder in it, not lost+found's


def test_storage_class_is_a_parameter_with_on_prem_default() -> None:
    """R12: the storage class is a parameter; on-premises local storage by default."""
    claim = doc("durability", "kubernetes/kafka/statefulset.yaml")["spec"]["volumeClaimTemplates"][0]
    assert claim["spec"]["storageClassName"] == "local-storage"
    cloud = target("durability", "cluster.storageClass=gce-pd").files["kubernetes/kafka/statefulset.yaml"]
    assert "storageClassName: gce-pd" in cloud


def test_one_service_per_broker_in_its_advertised_listener_over_cluster_dns() -> None:
    """R13, R14: one Service per broker named like its pod; the broker advertises that cluster DNS name."""
    for pod_name in ("kafka-broker-0", "kafka-broker-3", "kafka-broker-5"):
        service = doc("durability", f"kubernetes/kafka/service-{pod_name}.yaml")
        assert service["spec"]["selector"]["statefulset.kubernetes.io/pod-name"] == pod_name
    script = target("durability").files["config/start-kafka.sh"]
    assert 'host="${POD_NAME}.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN}"' in script
    assert server("durability")["inter.broker.listener.name"] == "PLAINTEXT"


def test_probes_on_every_pod() -> None:
    """R15, C06: startup, readiness and liveness probes; broker startup asks ApiVersions on the real
    listener port, readiness also asks Metadata (every replica it hosts back in the ISR); ZooKeeper startup
    asks ruok, readiness srvr (ruok answers without quorum)."""
    for component in ("kafka", "zookeeper"):
        container = pod("durability", component)["containers"][0]
        assert {"startupProbe", "readinessProbe", "livenessProbe"} <= set(container)

    def probe(component: str, kind: str) -> list[str]:
        command: list[str] = pod("durability", component)["containers"][0][kind]["exec"]["command"]
        return command

    assert probe("kafka", "startupProbe") == ["/bin/bash", "/config/kafka-ready.sh", "started"]
    assert probe("kafka", "readinessProbe") == ["/bin/bash", "/config/kafka-ready.sh", "ready"]
    assert pod("durability", "kafka")["containers"][0]["livenessProbe"]["tcpSocket"] == {"port": "kafka"}
    assert probe("zookeeper", "startupProbe") == ["/bin/bash", "/config/zookeeper-probe.sh", "live"]
    assert probe("zookeeper", "readinessProbe") == ["/bin/bash", "/config/zookeeper-probe.sh", "ready"]
    ready = target("durability").files["config/kafka-ready.sh"]
    assert 'port="${2:-9092}"' in ready and 'exec 3<>"/dev/tcp/127.0.0.1/${port}"' in ready
    assert 'request 18 0 ""  # ApiVersions v0' in ready and 'request 3 4 "ffffffff00"' in ready  # Metadata v4
    zookeeper = target("durability").files["config/zookeeper-probe.sh"]
    assert "live) printf ruok" in zookeeper and "ready) printf srvr" in zookeeper
    custom = target("durability", "kafka.ports.internal=9093").files["config/kafka-ready.sh"]
    assert 'port="${2:-9093}"' in custom


def test_canary_rollout_with_partition() -> None:
    """R16, C04: StatefulSet RollingUpdate with a partition for canary roll-outs (no maxSurge)."""
    strategy = doc("durability", "kubernetes/kafka/statefulset.yaml")["spec"]["updateStrategy"]
    assert strategy == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    canary = yaml.safe_load(
        target("durability", "kafka.rollout.partition=4").files["kubernetes/kafka/statefulset.yaml"]
    )
    assert canary["spec"]["updateStrategy"]["rollingUpdate"]["partition"] == 4
    assert "maxSurge" not in target("durability").files["kubernetes/kafka/statefulset.yaml"]


def test_no_host_path_anywhere() -> None:
    """R17: no hostPath volume in any rendered object."""
    for spec in ("durability", "high-availability"):
        for path, text in target(spec).files.items():
            assert "hostPath" not in text, path


def test_only_current_api_versions() -> None:
    """R18, C03: every object validates strictly against Kubernetes 1.35 and 1.37; no removed APIs."""
    assert "against 1.35 and 1.37 (strict)" in target("durability").summary
    api_versions = {
        yaml.safe_load(t)["apiVersion"] for p, t in target("durability").files.items() if p.startswith("kubernetes/")
    }
    assert api_versions == {"v1", "apps/v1", "policy/v1"}


def test_rollout_pacing() -> None:
    """R19: minReadySeconds 2; one pod at a time (StatefulSet RollingUpdate)."""
    for component in ("kafka", "zookeeper"):
        spec = doc("durability", STATEFULSETS[component])["spec"]
        assert spec["minReadySeconds"] == 2 and spec["updateStrategy"]["type"] == "RollingUpdate"


def test_zone_spread_and_one_pod_per_node() -> None:
    """R22, R23: brokers and ZooKeeper servers spread over the zones (required, maxSkew 1); broker.rack =
    the zone label of the broker's own pod; at most one broker or ZooKeeper server per node."""
    for component in ("kafka", "zookeeper"):
        spread = pod("durability", component)["topologySpreadConstraints"][0]
        assert (spread["topologyKey"], spread["maxSkew"], spread["whenUnsatisfiable"]) == (
            "topology.kubernetes.io/zone",
            1,
            "DoNotSchedule",
        )
    assert {
        "name": "BROKER_RACK",
        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.labels['topology.kubernetes.io/zone']"}},
    } in pod("durability", "kafka")["containers"][0]["env"]
    assert "broker.rack=${BROKER_RACK}" in target("durability").files["config/start-kafka.sh"]
    for component in ("kafka", "zookeeper"):
        anti = pod("durability", component)["affinity"]["podAntiAffinity"]
        assert anti["requiredDuringSchedulingIgnoredDuringExecution"][0]["topologyKey"] == "kubernetes.io/hostname"


def test_recovery_threads_match_cores() -> None:
    """R24: num.recovery.threads.per.data.dir equals the CPU cores of the broker's limit."""
    cpu = pod("durability", "kafka")["containers"][0]["resources"]["limits"]["cpu"]
    assert server("durability")["num.recovery.threads.per.data.dir"] == str(cpu)


def test_min_insync_replicas_per_profile() -> None:
    """R25, C01: availability profile sets 1, durability 2; their combination resolves in PROFILE order."""
    assert server("high-availability")["min.insync.replicas"] == "1"
    assert server("durability")["min.insync.replicas"] == "2"
    assert server("high-availability,durability")["min.insync.replicas"] == "2"
    assert server("durability,high-availability")["min.insync.replicas"] == "1"
    merged, _, _ = load(Request("ha,durability"), Sources())
    assert merged.conflicts[0].key == "kafka.config.min.insync.replicas"


def test_partition_budget_warning() -> None:
    """R26: partitions per broker are reported and warned about above the budget."""
    merged, _, _ = load(Request("durability", sets=("workload.totalPartitions=10000",)), Sources())
    from generator.target import findings_of as check

    [warning] = [f for f in check(merged) if "R26" in f.ids]
    assert warning.line().startswith("workload.totalPartitions: 10000 partitions x RF 3 over 6 brokers is 5000")


def test_unclean_election_per_profile() -> None:
    """R27: true in high-availability (availability), false in durability."""
    assert server("high-availability")["unclean.leader.election.enable"] == "true"
    assert server("durability")["unclean.leader.election.enable"] == "false"


def test_replication_factor_three_everywhere() -> None:
    """R28: RF 3 for default and internal topics."""
    values = server("durability")
    assert {
        values[k]
        for k in (
            "default.replication.factor",
            "offsets.topic.replication.factor",
            "transaction.state.log.replication.factor",
        )
    } == {"3"}


def test_broker_keeps_producer_compression() -> None:
    """R29: compression.type=producer on the brokers."""
    assert server("throughput")["compression.type"] == "producer"


def test_consumer_session_timeout() -> None:
    """R30: session.timeout.ms 30000 in both client families, inside the brokers' group bounds."""
    assert parse_properties(target("durability").files["config/consumer.properties"])["session.timeout.ms"] == "30000"
    assert yaml.safe_load(target("durability").files["config/consumer.json"])["session.timeout.ms"] == 30000
    from generator.errors import ParamsError

    with pytest.raises(ParamsError, match=r"session.timeout.ms: 5000 is outside.*6000..1800000.*\[R30\]"):
        build(Request("durability", sets=("clients.consumer.session.timeout.ms=5000",)))


def test_throughput_producer() -> None:
    """R36, R37, R38, R39, C02: batch.size 1000000 bytes, linger.ms 100, buffer.memory = max(32 MiB,
    partitions x batch.size), lz4."""
    values = producer("throughput", "workload.partitionsPerProducer=100")
    assert (values["batch.size"], values["linger.ms"], values["compression.type"]) == (
        "1000000",
        "100",
        "lz4",
    )
    assert values["buffer.memory"] == str(100 * 1000000)
    assert producer("throughput")["buffer.memory"] == str(32 * 1024 * 1024)
    merged, _, _ = load(Request("throughput", sets=("clients.producer.buffer.memory=1048576",)), Sources())
    from generator.target import findings_of as check

    assert any("R38" in f.ids and f.level == "warning" for f in check(merged))


def test_low_latency_producer() -> None:
    """R40: batch.size 16384, linger.ms 0, no compression."""
    values = producer("low-latency")
    assert (values["batch.size"], values["linger.ms"], values["compression.type"]) == ("16384", "0", "none")


def test_durable_producer() -> None:
    """R43: acks=all, idempotence, min.insync.replicas 2, in-flight <= 5; idempotence without acks=all refused."""
    values = producer("durability")
    assert (
        values["acks"],
        values["enable.idempotence"],
        values["max.in.flight.requests.per.connection"],
    ) == ("all", "true", "5")
    assert server("durability")["min.insync.replicas"] == "2"
    from generator.errors import ParamsError

    with pytest.raises(ParamsError, match=r"clients.producer.acks: 1 with enable.idempotence=true.*\[R43\]"):
        build(Request("durability", sets=("clients.producer.acks=1",)))


def test_zookeeper_mode_targets_kafka_39() -> None:
    """C07: ZooKeeper mode renders Kafka 3.9 (the last line with ZooKeeper); 4.x is refused here."""
    assert pod("durability", "kafka")["containers"][0]["image"] == "apache/kafka:3.9.2"
    from generator.errors import GeneratorError

    with pytest.raises(GeneratorError):
        build(Request("durability", sets=("kafka.version=4.1.0",)))


def test_unclean_with_acks_all_warns() -> None:
    """C10: unclean election with acks=all and idempotence is warned about, naming the trade-off."""
    merged, _, _ = load(Request("high-availability"), Sources())
    from generator.target import findings_of as check

    [warning] = [f for f in check(merged) if "C10" in f.ids]
    assert "acks=all does not make them durable" in warning.message


def test_failure_budget_in_every_target() -> None:
    """R10, R22: the failure budget and the one-planned-one-unplanned verdict are in params.yaml and README.md."""
    files = target("durability").files
    assert "One planned + one unplanned failure (R10, R22): NO" in files["params.yaml"]
    assert "## Failure budget" in files["README.md"]
    budget = failure_budget(load(Request("durability"), Sources())[0].params)
    assert budget.broker_losses_keeping_writes == 1


def test_sysctls_are_not_in_pods() -> None:
    """C08: vm.* sysctls are node-wide; no pod tries to set them (a node-tuning artefact is pending)."""
    for path, text in target("durability").files.items():
        assert "vm.swappiness" not in text and "sysctls" not in text, path
    assert (REPO / "docs/runbook-coverage.md").read_text(encoding="utf-8").count("C08") >= 1
