"""Broker pods started from the rendered pod spec: a killed container comes back with its data (defect 1),
and the processes see the rendered files and settings unchanged.

Runs 3 of the durability target's 5 ZooKeeper servers (a quorum of the 5 in zoo.cfg) and 3 of its brokers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .findings import Recorder
from .kubelet import Pod
from .podcluster import PodCluster, running_pods, wait_for_brokers
from .podspec_fixtures import OLD_REVISION, require_pod_tools, target_at_revision
from .properties import to_dict

pytestmark = [pytest.mark.realcluster, pytest.mark.slow]
TARGET = "durability"
RECORDS = 200
KEYS = [f"key-{n}" for n in range(8)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodCluster]:
    require_pod_tools()
    with running_pods(TARGET, tmp_path_factory.mktemp("pods")) as started:
        yield started


def produce_kill_restart_consume(cluster: PodCluster, topic: str) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    """N acked records into a one-replica topic on the last broker (its own disk is all there is: no other
    replica can hand the data back), SIGKILL that broker's container, start it again in the same pod,
    read the topic. Returns (acknowledged, read back)."""
    victim = cluster.brokers[-1]
    producer = cluster.generated_client_config("producer.json")
    # A topic-level min.insync.replicas=1 lets the generated acks=all producer write to one replica; the
    # broker's rendered config is untouched.
    cluster.run_client(
        "create-topic",
        {"bootstrap": producer["bootstrap.servers"], "topic": topic, "assignment": [[cluster.broker_id(victim)]],
         "config": {"min.insync.replicas": "1"}},
        f"create-{topic}",
    )  # fmt: skip
    result = cluster.run_client(
        "produce", {"config": producer, "topic": topic, "keys": KEYS, "count": RECORDS}, f"produce-{topic}"
    )
    acked = {(r["key"], r["seq"]) for r in result["acked"]}
    assert len(acked) == RECORDS and not result["failed"], result["failed"][:5]

    victim.kill_container()
    victim.restart_container()
    cluster.wait_ready([victim], timeout=600)
    wait_for_brokers(cluster, cluster.brokers)
    consumer = cluster.generated_client_config("consumer.json")  # read_all adds a group.id
    read = cluster.run_client("read", {"config": consumer, "topic": topic, "partitions": 1}, f"read-{topic}")
    return acked, {(r["key"], r["seq"]) for r in read["records"]}


def test_a_killed_broker_container_keeps_its_data(cluster: PodCluster, record_finding: Recorder) -> None:
    acked, consumed = produce_kill_restart_consume(cluster, "keep")
    record_finding("acknowledged before the kill", len(acked))
    record_finding("read back after the restart", len(consumed))
    assert acked - consumed == set(), f"{len(acked - consumed)} acknowledged records lost with the container"


def test_processes_see_the_rendered_files_and_settings(cluster: PodCluster) -> None:
    """Nothing is rewritten: each ConfigMap file, read inside the running container, is byte-identical
    to the ConfigMap object; each JVM runs with the heap and JVM options of its pod spec's env, and the
    broker advertises the DNS name its start script derives (no address substituted)."""
    for pod in cluster.all_pods():
        assert pod.container is not None
        for volume in pod.set.volumes().values():
            if "configMap" not in volume:
                continue
            mount = next(
                m["mountPath"] for m in pod.spec.spec["volumeMounts"] if pod.set.volumes()[m["name"]] is volume
            )
            data = cluster.manifests.config_map(volume["configMap"]["name"])["data"]
            for key, text in data.items():
                seen = pod.container.exec(["/bin/cat", f"{mount}/{key}"], timeout=30)
                assert seen.returncode == 0 and seen.output == text, f"{pod.name}: {mount}/{key} differs"
        java = java_cmdline(pod)
        env = pod.env()
        for name in ("KAFKA_HEAP_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "SERVER_JVMFLAGS"):
            if name in env:
                words = env[name].split()
                assert any(java[i : i + len(words)] == words for i in range(len(java))), f"{pod.name}: {name}"
    for pod in cluster.brokers:
        java = java_cmdline(pod)
        overrides = dict(a.split("=", 1) for a in java[java.index("kafka.Kafka") + 2 :] if "=" in a)
        host = f"{pod.name}.{pod.identity.namespace}.svc.{cluster.target.params['cluster']['clusterDomain']}"
        assert overrides["advertised.listeners"] == f"PLAINTEXT://{host}:{pod.spec.port('kafka')}"
        assert java[java.index("kafka.Kafka") + 1] == pod.env()["KAFKA_CONFIG"]


def java_cmdline(pod: Pod) -> list[str]:
    assert pod.container is not None
    for pid in pod.container.process_ids():
        words = pod.container.cmdline(pid)
        if words and words[0].endswith("/java"):
            return words
    raise AssertionError(f"{pod.name}: no java process")


@pytest.mark.parametrize("revision", [OLD_REVISION])
def test_the_check_fails_on_the_old_output(revision: str, tmp_path: Path, record_finding: Recorder) -> None:
    """The same steps on the output before the fix (PVC at /var/lib/kafka, log.dirs on the image VOLUME
    /var/lib/kafka/data): the broker comes back with an empty log, every acknowledged record is gone."""
    require_pod_tools()
    old = target_at_revision(TARGET, revision, tmp_path / "output")
    assert to_dict((old.config_dir / "server.properties").read_text())["log.dirs"] == "/var/lib/kafka/data"
    with running_pods(old, tmp_path / "pods") as started:
        acked, consumed = produce_kill_restart_consume(started, "lost")
    record_finding(f"{revision}: acknowledged before the kill", len(acked))
    record_finding(f"{revision}: read back after the restart", len(consumed))
    assert consumed == set(), "the old layout kept the data: the check cannot tell the layouts apart"
