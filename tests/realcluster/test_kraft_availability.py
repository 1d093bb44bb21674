"""high-availability,kraft on Kafka 4.1.2 from the rendered pod specs: the availability side of the failure
budget, as test_failure_budget.py runs it in ZooKeeper mode. min.insync.replicas 1: writes go on with two of
three brokers down; unclean leader election on: when the last in-sync broker dies and the two stale ones come
back, a stale replica takes over. The budget (generator/budget.py) promises what is then lost: every write
acknowledged by the lone leader meanwhile. 3 controllers + 3 brokers (kraft.py's sets), one cluster; before the
faults, every process is shown to read the rendered files unchanged (docs/kraft.md 3's test).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .findings import Recorder
from .kraft import (
    BROKERS,
    CONTROLLERS,
    all_brokers,
    kraft_target,
    new_topic,
    node_id,
    partitions,
    produce_acked,
    read_back,
    wait_for_isr,
)
from .podcluster import PodCluster, running_pods
from .podspec_fixtures import require_pod_tools
from .process import wait_until

pytestmark = [pytest.mark.realcluster, pytest.mark.slow]
PROFILES = "high-availability,kraft"
PARTITIONS = 3
KEYS = [f"key-{n:02d}" for n in range(12)]
GENERATED = "/tmp/kafka/server.properties"  # ${TMPDIR:-/tmp}/kafka/server.properties; the pods set no TMPDIR


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodCluster]:
    require_pod_tools()
    target = kraft_target(tmp_path_factory.mktemp("kraft-ha-target"), PROFILES)
    workdir = tmp_path_factory.mktemp("kraft-ha-pods")
    with running_pods(target, workdir, zookeepers=0, brokers=BROKERS, controllers=CONTROLLERS) as started:
        yield started


def test_processes_read_the_rendered_files(cluster: PodCluster) -> None:
    """Each container sees its ConfigMap files byte for byte; the file the server and the storage tool read is
    the ConfigMap's server.properties plus exactly the lines the start script derives (node.id,
    advertised.listeners, and broker.rack for brokers); the JVM is kafka.Kafka on that file with the pod's heap."""
    domain = cluster.target.params["cluster"]["clusterDomain"]
    for pod in cluster.all_pods():
        assert pod.container is not None
        config_map = next(v["configMap"]["name"] for v in pod.set.volumes().values() if "configMap" in v)
        data = cluster.manifests.config_map(config_map)["data"]
        mount = next(m["mountPath"] for m in pod.spec.spec["volumeMounts"] if m["name"] == "config")
        for key, text in data.items():
            seen = pod.container.exec(["/bin/cat", f"{mount}/{key}"], timeout=30)
            assert seen.returncode == 0 and seen.output == text, f"{pod.name}: {mount}/{key} differs"
        ns, me = pod.identity.namespace, node_id(cluster, pod)
        if pod in cluster.controllers:
            host = f"CONTROLLER://{pod.name}.{pod.set.service_name}.{ns}.svc.{domain}:{pod.spec.port('controller')}"
            derived = [f"node.id={me}", f"advertised.listeners={host}"]
        else:
            host = f"PLAINTEXT://{pod.name}.{ns}.svc.{domain}:{pod.spec.port('kafka')}"
            zone = pod.identity.labels["topology.kubernetes.io/zone"]
            derived = [f"node.id={me}", f"advertised.listeners={host}", f"broker.rack={zone}"]
        written = pod.container.exec(["/bin/cat", GENERATED], timeout=30)
        assert written.output == data["server.properties"] + "".join(f"{line}\n" for line in derived), pod.name
        java = next(w for w in map(pod.container.cmdline, pod.container.process_ids()) if w and w[0].endswith("/java"))
        assert java[-2:] == ["kafka.Kafka", GENERATED], (pod.name, java[-3:])
        assert all(flag in java for flag in pod.env()["KAFKA_HEAP_OPTS"].split()), (pod.name, java)


def test_two_brokers_down_then_the_last_in_sync_one(cluster: PodCluster, record_finding: Recorder) -> None:
    budget = cluster.target.budget
    assert budget.broker_losses_keeping_writes >= 2 and budget.unclean_election  # what the test holds it to
    topic = "two-down"
    assert new_topic(cluster, topic, PARTITIONS)["created"]
    wait_for_isr(cluster, topic, all_brokers(cluster))
    before = produce_acked(cluster, topic, KEYS, 120)
    survivor, stopped = cluster.brokers[0], cluster.brokers[1:]
    for pod in stopped:
        pod.delete(grace_cap_s=60)
    wait_for_isr(cluster, topic, {node_id(cluster, survivor)}, via=survivor)
    # Step 1: writes go on with the survivor alone (min.insync.replicas 1).
    during = produce_acked(cluster, topic, [f"alone-{k}" for k in KEYS], 60)

    # Step 2: the last in-sync replica dies; the stale ones return and one of them is elected (unclean).
    survivor.kill_container()
    for pod in stopped:
        pod.start_container()
    returned = {node_id(cluster, p) for p in stopped}

    def stale_leaders() -> bool:
        found = partitions(cluster, topic, stopped[0])
        return bool(found) and all(p.leader in returned for p in found)

    wait_until(stale_leaders, 180, "an unclean election on every partition")
    cluster.wait_ready(stopped, 300)
    read = {(r["key"], r["seq"]) for r in read_back(cluster, topic, PARTITIONS)}
    lost = during - read
    record_finding("acknowledged with two brokers down", len(during))
    record_finding("acknowledged, then lost to the stale leader", len(lost))
    assert before <= read, "writes acknowledged by all three replicas were lost"
    assert lost == during, "the budget says every write acknowledged by the lone leader is lost"
    # The old leader rejoins as a follower and truncates its log to the new leader's.
    survivor.start_container()
    cluster.wait_ready(cluster.brokers, 300)
    wait_for_isr(cluster, topic, all_brokers(cluster))
    still_lost = during - {(r["key"], r["seq"]) for r in read_back(cluster, topic, PARTITIONS)}
    record_finding("still lost after the old leader rejoined", len(still_lost))
    assert still_lost == lost
