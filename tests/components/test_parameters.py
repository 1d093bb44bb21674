"""Schema and cross-field rules: each rule has a failing example with its exact one-line message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.errors import ParamsError
from generator.target import Request, Sources, checked, load
from generator.target import findings_of as check
from tests.conftest import write


def findings(profile: str, *sets: str, site: Path | None = None) -> list[str]:
    merged, _, _ = load(Request(profile, site, sets), Sources())
    return [f"{f.level}: {f.line()}" for f in check(merged)]


def errors(profile: str, *sets: str) -> list[str]:
    return [line for line in findings(profile, *sets) if line.startswith("error")]


@pytest.mark.parametrize(
    "profile",
    [
        "high-availability",
        "durability",
        "throughput",
        "low-latency",
        "development",
        "ha,throughput",
        "durability,low-latency",
    ],
)
def test_shipped_profiles_have_no_errors(profile: str) -> None:
    assert errors(profile) == []


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("zookeeper.replicas=4",),
            "error: zookeeper.replicas: must be odd and >= 3 in production, got 4; an even ensemble tolerates no "
            "more failures than the odd one below it (set by --set zookeeper.replicas=4) [R09, C09]",
        ),
        (
            ("zookeeper.replicas=1",),
            "error: zookeeper.replicas: must be odd and >= 3 in production, got 1; an even ensemble tolerates no "
            "more failures than the odd one below it (set by --set zookeeper.replicas=1) [R09, C09]",
        ),
        (
            ("kafka.replicas=2",),
            "error: kafka.config.default.replication.factor: 3 exceeds kafka.replicas=2; allowed: at most the "
            "number of brokers (set by profiles/durability.yaml) [R28]",
        ),
        (
            ("kafka.config.min.insync.replicas=4",),
            "error: kafka.config.min.insync.replicas: 4 exceeds default.replication.factor=3: acks=all writes "
            "could never succeed; allowed: 1..3 (set by --set kafka.config.min.insync.replicas=4) [R25]",
        ),
        (
            ("clients.producer.acks=1",),
            "error: clients.producer.acks: 1 with enable.idempotence=true; allowed: all (or set "
            "enable.idempotence=false) (set by --set clients.producer.acks=1) [R43]",
        ),
        (
            ("clients.producer.max.in.flight.requests.per.connection=6",),
            "error: clients.producer.max.in.flight.requests.per.connection: 6 with enable.idempotence=true; "
            "allowed: 1..5 (set by --set clients.producer.max.in.flight.requests.per.connection=6) [R43]",
        ),
        (
            ("zookeeper.pdb.maxUnavailable=2",),
            "error: zookeeper.pdb.maxUnavailable: 2 lets a drain take 2 of 5 servers, leaving room for 0 crash(es) "
            "before quorum is lost; allowed: 1 (set by --set zookeeper.pdb.maxUnavailable=2) [R07, D01]",
        ),
        (
            ("zookeeper.replicas=7", "zookeeper.pdb.maxUnavailable=3"),
            "error: zookeeper.pdb.maxUnavailable: 3 lets a drain take 3 of 7 servers, leaving room for 0 crash(es) "
            "before quorum is lost; allowed: 1..2 (set by --set zookeeper.pdb.maxUnavailable=3) [R07, D01]",
        ),
        (
            ("zookeeper.pdb.minAvailable=2",),
            "error: zookeeper.pdb.minAvailable: unknown parameter (did you mean maxUnavailable?); known here: "
            "maxUnavailable (set by --set zookeeper.pdb.minAvailable=2)",
        ),
        (
            ("kafka.heap.size=8G",),
            "error: kafka.heap.size: 8G leaves nothing of kafka.resources.limits.memory=8Gi for the JVM's memory "
            "beside the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which needs 2Gi "
            "of it: the kernel would OOM-kill the broker; allowed: at most 6G (set by --set kafka.heap.size=8G) [R05]",
        ),
        (
            ("kafka.config.broker.id=3",),
            "error: kafka.config.broker.id: is written by the identity section of server.properties (brokers): "
            "start-kafka.sh sets broker.id from the pod ordinal and broker.rack from the pod's zone (R22); "
            "allowed: remove it (set by --set kafka.config.broker.id=3)",
        ),
        (  # issue #11: this passed, params.yaml and explain said FOO, and server.properties said PLAINTEXT
            ("kafka.config.inter.broker.listener.name=FOO",),
            "error: kafka.config.inter.broker.listener.name: is written by the listeners section of "
            "server.properties (brokers): derived from kafka.ports.internal; advertised.listeners per broker "
            "from its Service (R13); allowed: remove it (set by --set kafka.config.inter.broker.listener.name=FOO)",
        ),
        (
            ("zookeeper.config.server.9=a:1:2",),
            "error: zookeeper.config.server.9: is written by the ensemble section of zoo.cfg (zookeeper): one "
            "server.N per pod of the StatefulSet (zookeeper.replicas); allowed: remove it (set by --set "
            "zookeeper.config.server.9=a:1:2)",
        ),
        (
            ("clients.consumer.bootstrap.servers=x:9092",),
            "error: clients.consumer.bootstrap.servers: is written by the bootstrap section of consumer.properties "
            "(clients): derived from the bootstrap Service; allowed: remove it (set by --set "
            "clients.consumer.bootstrap.servers=x:9092)",
        ),
        (
            ("kafka.replicsa=3",),
            "error: kafka.replicsa: unknown parameter (did you mean replicas?); known here: clusterId, config, gc, heap, image, "
            "imagePullSecrets, minReadySeconds, mode, nodeSelector, pdb, "
            "ports, priorityClassName, probes, rackAware, replicas, resources, rollout, storage, "
            "terminationGracePeriodSeconds, tolerations, version "
            "(set by --set kafka.replicsa=3)",
        ),
        (
            ("kafka.gc.collector=CMS",),
            "error: kafka.gc.collector: 'CMS' is not allowed; allowed: G1, ZGC (set by --set kafka.gc.collector=CMS)",
        ),
        (
            ("kafka.replicas=three",),
            "error: kafka.replicas: expected integer, got str 'three' (set by --set kafka.replicas=three)",
        ),
        (
            ("cluster.environment=staging",),
            "error: cluster.environment: 'staging' is not allowed; allowed: production, development (set by "
            "--set cluster.environment=staging)",
        ),
    ],
)
def test_rule_violations_are_one_line_naming_key_layer_and_allowed(sets: tuple[str, ...], message: str) -> None:
    assert message in errors("durability", *sets)


def test_catalog_checks_kafka_keys_and_types() -> None:
    found = errors("durability", "kafka.config.log.retention.hourz=1", "kafka.config.num.io.threads=many")
    assert any(line.startswith("error: kafka.config.log.retention.hourz: unknown key") for line in found), found
    assert any(line.startswith("error: kafka.config.num.io.threads: expected int") for line in found), found


def test_java_client_key_without_librdkafka_mapping_is_refused() -> None:
    found = errors("durability", "clients.producer.partitioner.class=x.Y")
    assert any(
        line.startswith("error: clients.producer.partitioner.class: has no reviewed librdkafka") for line in found
    ), found


def test_min_isr_equal_to_replication_factor_is_a_warning() -> None:
    found = findings("durability", "kafka.config.min.insync.replicas=3")
    assert (
        "warning: kafka.config.min.insync.replicas: equals default.replication.factor=3: losing any one "
        "replica stops acks=all writes (set by --set kafka.config.min.insync.replicas=3) [R25]"
    ) in found


def test_unclean_election_with_durable_producer_warns_c10() -> None:
    assert any("[C10, R27]" in line and line.startswith("warning") for line in findings("high-availability"))
    assert not any("C10" in line for line in findings("durability"))


def test_development_allows_single_pods_and_even_ensembles() -> None:
    assert errors("development", "zookeeper.replicas=2", "kafka.config.default.replication.factor=1") == []
    assert errors("development", "cluster.environment=production") != []


def test_site_file_errors_name_the_site_file(tmp_path: Path) -> None:
    site = write(tmp_path / "site.yaml", "kafka:\n  replicas: 2\n")
    merged, _, _ = load(Request("durability", site), Sources())
    with pytest.raises(ParamsError) as caught:
        checked(merged)
    assert caught.value.problems == [
        "kafka.config.default.replication.factor: 3 exceeds kafka.replicas=2; allowed: at most the number of "
        "brokers (set by profiles/durability.yaml) [R28]",
        "kafka.config.offsets.topic.replication.factor: 3 exceeds kafka.replicas=2; allowed: at most the number "
        "of brokers (set by profiles/durability.yaml) [R28]",
        "kafka.config.transaction.state.log.replication.factor: 3 exceeds kafka.replicas=2; allowed: at most "
        "the number of brokers (set by profiles/durability.yaml) [R28]",
    ]


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("clients.consumer.session.timeout.ms=5000",),
            "error: clients.consumer.session.timeout.ms: 5000 is outside the brokers' group.min.session.timeout.ms.."
            "group.max.session.timeout.ms = 6000..1800000: every consumer would be refused when it joins its group "
            "(set by --set clients.consumer.session.timeout.ms=5000) [R30]",
        ),
        (
            ("kafka.heap.size=5G",),
            "warning: kafka.heap.size: 5G leaves less than the heap again for the page cache in "
            "kafka.resources.limits.memory: reads of recent data go to disk instead of memory (set by --set "
            "kafka.heap.size=5G) [R05, R21]",
        ),
        (
            ("workload.totalPartitions=10000",),
            "warning: workload.totalPartitions: 10000 partitions x RF 3 over 6 brokers is 5000 replicas per broker, "
            "above the budget of 4000: recovery and leader elections after a broker failure take longer (set by "
            "--set workload.totalPartitions=10000) [R26]",
        ),
        (
            ("clients.producer.buffer.memory=1048576",),
            "warning: clients.producer.buffer.memory: 1048576 is below max(32 MiB, partitionsPerProducer x "
            "batch.size) = 33554432: send() blocks before batches fill, which costs the throughput the batch size "
            "was chosen for (set by --set clients.producer.buffer.memory=1048576) [R38]",
        ),
        (
            ("kafka.rackAware=false",),
            "warning: cluster.zones: losing one of 3 zone(s) with replication factor 3 and 6 brokers: acks=all "
            "writes stop and acknowledged writes can be lost (kafka.rackAware is off, so one zone may hold several "
            "replicas of a partition) (set by profiles/base.yaml) [R22, R28]",
        ),
    ],
)
def test_trade_off_findings_name_the_id_and_the_cost(sets: tuple[str, ...], message: str) -> None:
    """R05, R22, R26, R30, R38: each finding's exact line, naming the runbook ID and what it costs."""
    assert message in findings("durability", *sets)


def test_zone_loss_warning_disappears_when_each_zone_holds_at_most_one_replica() -> None:
    """R22: rack-aware (the default) or one broker per zone: a zone holds one replica, which RF 3 /
    minISR 2 survives; high availability (minISR 1) still warns that a zone can take acknowledged data."""
    assert not any("cluster.zones" in line for line in findings("durability"))
    assert not any(
        "cluster.zones" in line
        for line in findings("durability", "kafka.rackAware=false", "cluster.zones=[a, b, c, d, e, f]")
    )  # six brokers over six zones
    assert (
        "warning: cluster.zones: losing one of 5 zone(s) with replication factor 3 and 6 brokers: acks=all writes "
        "stop and acknowledged writes can be lost (kafka.rackAware is off, so one zone may hold several replicas of "
        "a partition) (set by --set cluster.zones=[a, b, c, d, e]) [R22, R28]"
    ) in findings("durability", "kafka.rackAware=false", "cluster.zones=[a, b, c, d, e]")  # one zone holds two
    assert (
        "warning: cluster.zones: losing one of 3 zone(s) with replication factor 3 and 6 brokers: "
        "acknowledged writes can be lost (min.insync.replicas is too low for the replicas a zone takes with "
        "it) (set by profiles/base.yaml) [R22, R28]"
    ) in findings("high-availability")


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("cluster.zones=[]",),
            "error: kafka.rackAware: true with no cluster.zones; allowed: false, or list the zones (set by "
            "profiles/base.yaml) [R22]",
        ),
        (
            ("kafka.replicas=5",),
            "warning: kafka.replicas: 5 brokers over 3 zones is 2/2/1: with broker.rack, the zone with fewer brokers "
            "holds a replica of every partition its brokers can take, so they carry more than their share; allowed: "
            "a multiple of 3 (set by --set kafka.replicas=5) [R22]",
        ),
        (
            ("kafka.replicas=7",),
            "warning: kafka.replicas: 7 brokers over 3 zones is 3/2/2: with broker.rack, the zone with fewer brokers "
            "holds a replica of every partition its brokers can take, so they carry more than their share; allowed: "
            "a multiple of 3 (set by --set kafka.replicas=7) [R22]",
        ),
        (
            ("cluster.kubernetesVersions=['1.37', '1.30']",),
            "error: cluster.kubernetesVersions: 1.30 does not copy the node's zone label onto pods (PodTopologyLabels "
            "admission, on by default from 1.35), which rack-aware brokers read broker.rack from; allowed: 1.35 or "
            "newer, or kafka.rackAware=false (set by --set cluster.kubernetesVersions=['1.37', '1.30']) [R22]",
        ),
        (
            ("cluster.kubernetesVersions=['1.26', '1.37']",),
            "error: cluster.kubernetesVersions: 1.26 does not serve persistentVolumeClaimRetentionPolicy and "
            "unhealthyPodEvictionPolicy, which every target uses; allowed: 1.27 or newer (set by --set "
            "cluster.kubernetesVersions=['1.26', '1.37']) [R18]",
        ),
    ],
)
def test_rack_aware_broker_sets_must_fit(sets: tuple[str, ...], message: str) -> None:
    """R22: rack-aware brokers (one StatefulSet, broker.rack from the pod's zone label) need zones, fill them
    evenly, and need a Kubernetes that copies the node's zone label onto pods; every target needs 1.27."""
    assert message in findings("durability", *sets)
    assert len([line for line in findings("durability", *sets) if "[R22]" in line or "kubernetesVersions" in line]) == 1


@pytest.mark.parametrize(
    "sets",
    [
        (),  # 6 brokers, 2 per zone
        ("kafka.replicas=9",),
        ("cluster.kubernetesVersions=['1.35']",),
        ("cluster.kubernetesVersions=['1.27', '1.37']", "kafka.rackAware=false"),  # no zone label needed
        ("kafka.replicas=5", "kafka.rackAware=false"),  # no broker.rack: no share to even out
    ],
)
def test_rack_aware_rules_accept_what_fits(sets: tuple[str, ...]) -> None:
    """R22: the boundaries of the rules above: none of their findings."""
    found = findings("durability", *sets)
    assert not any(line.startswith(("error: kafka.rackAware", "warning: kafka.replicas")) for line in found), found
    assert not any("cluster.kubernetesVersions" in line for line in found), found


def test_development_without_zones_has_no_zone_findings() -> None:
    """R22: no zones, no rack awareness, one broker: nothing to spread, nothing planned for a zone loss."""
    assert not any("zones" in line or "rackAware" in line for line in findings("development"))
    assert errors("development", "kafka.rackAware=true") == [
        "error: kafka.rackAware: true with no cluster.zones; allowed: false, or list the zones (set by --set "
        "kafka.rackAware=true) [R22]"
    ]


def test_unknown_section_names_the_layer_that_wrote_into_it(run: Any, tmp_path: Path) -> None:
    """A misspelt top-level section exists only in the layer that set something inside it: the error
    names that layer, not base.yaml (which never had it)."""
    result = run("render", "ha", "--set", "xkafka.replicas=3", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: xkafka: unknown parameter (did you mean kafka?); known here: clients, cluster, controllers, kafka, "
        "workload, zookeeper (set by --set xkafka.replicas=3)"
    ]
