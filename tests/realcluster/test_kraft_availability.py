"""high-availability,kraft on Kafka 4.1.2 from the rendered pod specs: the availability side of the failure
budget, as test_failure_budget.py runs it in ZooKeeper mode. min.insync.replicas 1: writes go on with two of
three brokers down; unclean leader election on: when the last in-sync broker dies and the two stale ones come
back, a stale replica takes over. The budget (generator/budget.py) promises what is then lost: every write
acknowledged by the lone leader meanwhile. 3 controllers + 3 brokers (kraft.py's sets); one test, one cluster.
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


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodCluster]:
    require_pod_tools()
    target = kraft_target(tmp_path_factory.mktemp("kraft-ha-target"), PROFILES)
    workdir = tmp_path_factory.mktemp("kraft-ha-pods")
    with running_pods(target, workdir, zookeepers=0, brokers=BROKERS, controllers=CONTROLLERS) as started:
        yield started


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
