"""KRaft on Kafka 4.1.2 from the rendered pod specs (issue #12 part 4): 3 controllers + 3 brokers of the
`durability,kraft` target (kraft.py: fixed cluster id, small heaps), started as their StatefulSets' templates say
through the same harness as the ZooKeeper-mode tests. Proves: storage formatted at start with the pinned cluster
id, metadata.version 4.1-IV1, kraft.version 0; the ZooKeeper-mode durability promises with the generated client
configs (acks=all writes survive a broker loss; min.insync.replicas refuses writes with two brokers down, and
losing the last in-sync one loses nothing acknowledged); metadata served with one controller lost, not with a
majority lost, and again once it returns; a restarted controller and broker keep data and directory.id byte for
byte; a controller on a replaced (empty) disk formats only once the leader reports a majority, then rejoins.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .findings import Recorder
from .java_clients import CONSUMER, config_warnings, effective_config, producer_args, unmatched
from .kraft import (
    BROKERS,
    CLUSTER_ID,
    CONTROLLERS,
    acked_so_far,
    all_brokers,
    client_java,
    everything_running,
    features,
    keyed_producer_spec,
    kraft_target,
    leader_id,
    meta_properties,
    metadata_segments,
    new_topic,
    node_id,
    only_copy_on,
    parse_meta,
    partitions,
    produce_acked,
    quorum_status,
    read_back,
    wait_for_isr,
    wait_voters_caught_up,
)
from .podcluster import PodCluster, running_pods, wait_for_brokers
from .podspec_fixtures import require_pod_tools
from .process import wait_until

pytestmark = [pytest.mark.realcluster, pytest.mark.slow]
PARTITIONS = 3
KEYS = [f"key-{n:02d}" for n in range(12)]
WRITES_PER_PHASE = 150
JAVA_PRODUCER = "org.apache.kafka.tools.ConsoleProducer"  # moved from core (kafka.tools) in 4.0
FORMATTED = "Formatting metadata directory /var/lib/kafka/data/logs with metadata.version 4.1-IV1."
ALREADY_FORMATTED = "All of the log directories are already formatted."
DIRECTORY_ID = re.compile(r"[A-Za-z0-9_-]{22}")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PodCluster]:
    require_pod_tools()
    target = kraft_target(tmp_path_factory.mktemp("kraft-target"))
    workdir = tmp_path_factory.mktemp("kraft-pods")
    with running_pods(target, workdir, zookeepers=0, brokers=BROKERS, controllers=CONTROLLERS) as started:
        yield started


@pytest.fixture
def whole(cluster: PodCluster) -> PodCluster:
    everything_running(cluster)
    return cluster


def test_storage_is_formatted_with_the_pinned_cluster_id(whole: PodCluster) -> None:
    """Each node's start script formatted its empty volume once, with the target's kafka.clusterId and the
    node id it derives from the pod name; every log directory got a directory.id of its own."""
    ids = []
    for pod in whole.all_pods():
        meta = parse_meta(meta_properties(pod))
        assert meta["version"] == "1", (pod.name, meta)
        assert meta["cluster.id"] == CLUSTER_ID, (pod.name, meta)
        assert meta["node.id"] == str(node_id(whole, pod)), (pod.name, meta)
        assert DIRECTORY_ID.fullmatch(meta["directory.id"]), (pod.name, meta)
        ids.append(meta["directory.id"])
        assert pod.container is not None and FORMATTED in pod.container.output(), pod.container.describe()
    assert len(set(ids)) == len(ids), ids


def test_static_quorum_at_the_pinned_feature_levels(whole: PodCluster, record_finding: Recorder) -> None:
    """kafka-features.sh describe, asked of a controller: kraft.version 0 (static voters: formatted without
    --standalone/--initial-controllers) and metadata.version 4.1-IV1 (--release-version 4.1)."""
    finalized = features(whole, whole.controllers[0])
    record_finding("finalized feature levels", finalized)
    assert finalized["kraft.version"] == "0", finalized
    assert finalized["metadata.version"] == "4.1-IV1", finalized
    wait_voters_caught_up(whole)


def test_acknowledged_writes_survive_a_broker_killed_and_restarted(whole: PodCluster, record_finding: Recorder) -> None:
    """The generated producer.json (acks=all, idempotent) sends all along while a broker is SIGKILLed and
    started again; the generated consumer.json reads every acknowledged message, once, where it was written."""
    topic, victim = "crash", whole.brokers[1]
    assert new_topic(whole, topic, PARTITIONS)["created"]
    wait_for_isr(whole, topic, all_brokers(whole))
    spec = keyed_producer_spec(whole, topic, KEYS, "keyed-crash")
    with whole.python_client("keyed", spec, "keyed-crash") as producer:

        def acked_more(than: int) -> None:
            wait_until(lambda: acked_so_far(spec) >= than + WRITES_PER_PHASE, 120, "writes acknowledged", [producer])

        acked_more(0)
        victim.kill_container()
        # The controllers fence the silent broker after broker.session.timeout.ms; writes go on with two.
        acked_more(acked_so_far(spec))
        victim.start_container()
        whole.wait_ready([victim], 300)
        wait_for_isr(whole, topic, all_brokers(whole))
        acked_more(acked_so_far(spec))
        Path(spec["stop"]).touch()
        assert producer.wait_exit(200), producer.describe()
    result = json.loads(Path(spec["out"]).read_text(encoding="utf-8"))
    assert result["failed"] == [], result["failed"][:10]
    acked = {(r["key"], r["seq"]): (r["partition"], r["offset"]) for r in result["acked"]}
    assert set(acked) == {tuple(s) for s in result["sent"]}
    records = read_back(whole, topic, PARTITIONS)
    consumed = {(r["key"], r["seq"]): (r["partition"], r["offset"]) for r in records}
    assert len(consumed) == len(records), "a message was read twice"
    assert set(acked) - set(consumed) == set(), "acknowledged messages are missing"
    assert all(consumed[m] == where for m, where in acked.items()), "a message is not where it was acknowledged"
    record_finding("acknowledged", len(acked))
    record_finding("lost", len(set(acked) - set(consumed)))


def test_generated_java_client_configs_move_messages(whole: PodCluster) -> None:
    """Kafka 4.1.2's console producer and consumer fed the generated producer.properties and
    consumer.properties unchanged: no configuration warning, every generated value in effect."""
    topic, lines = "java", [f"java-{n}" for n in range(60)]
    assert new_topic(whole, topic, PARTITIONS)["created"]
    wait_for_isr(whole, topic, all_brokers(whole))
    producer, consumer = whole.target.file("producer.properties"), whole.target.file("consumer.properties")
    bootstrap = whole.generated_client_config("producer.json")["bootstrap.servers"]
    stdin = "".join(f"{m}\n" for m in lines)
    produced = client_java(whole, JAVA_PRODUCER, producer_args(bootstrap, topic, producer), stdin)
    assert produced.returncode == 0 and "Error when sending message" not in produced.stderr, produced.describe()
    assert config_warnings(produced.stderr) == [], produced.describe()
    assert unmatched(producer, effective_config(produced.stderr, "ProducerConfig")) == {}
    args = ["--bootstrap-server", bootstrap, "--topic", topic, "--consumer.config", str(consumer),
            "--max-messages", str(len(lines)), "--timeout-ms", "45000"]  # fmt: skip
    consumed = client_java(whole, CONSUMER, args, timeout=120)
    assert consumed.returncode == 0, consumed.describe()
    assert sorted(consumed.stdout.splitlines()) == sorted(lines), consumed.describe()
    assert config_warnings(consumed.stderr) == [], consumed.describe()
    assert unmatched(consumer, effective_config(consumed.stderr, "ConsumerConfig")) == {}


def test_min_insync_replicas_refuses_writes_then_the_last_in_sync_replica_dies(
    whole: PodCluster, record_finding: Recorder
) -> None:
    """durability: min.insync.replicas 2, no unclean election. Step 1: two brokers stop (pod deletion: SIGTERM,
    controlled shutdown); the generated producer.json is refused NOT_ENOUGH_REPLICAS on every partition. Step 2:
    the last in-sync broker is SIGKILLed and the two others come back: whichever leader the controllers
    elect (an eligible leader replica, or none), nothing acknowledged before is lost and nothing refused is
    stored."""
    topic, producer = "two-down", whole.generated_client_config("producer.json")
    assert new_topic(whole, topic, PARTITIONS)["created"]
    wait_for_isr(whole, topic, all_brokers(whole))
    acked = produce_acked(whole, topic, KEYS, 120)
    survivor, stopped = whole.brokers[0], whole.brokers[1:]
    for pod in stopped:
        pod.delete(grace_cap_s=60)
    wait_for_isr(whole, topic, {node_id(whole, survivor)}, via=survivor)
    refused_keys = [f"refused-{k}" for k in KEYS]
    spec = {"config": producer, "topic": topic, "keys": refused_keys, "count": 60, "partitions": PARTITIONS,
            "timeout": 60}  # fmt: skip
    result = whole.run_client("refused", spec, "refused-two-down")
    record_finding("refused produce requests", result["not_enough_replicas_count"])
    assert result["acked"] == [], result["acked"][:5]
    assert result["refused_partitions"] == list(range(PARTITIONS)), result

    survivor.kill_container()
    for pod in stopped:
        pod.start_container()
    returned = {node_id(whole, p) for p in stopped}

    def failed_over() -> bool:  # the controllers fenced the killed broker: it leads nothing any more
        found = partitions(whole, topic, stopped[0])
        return bool(found) and all(p.leader != node_id(whole, survivor) for p in found)

    wait_until(failed_over, 180, "the killed last in-sync replica fenced")
    leaders = {p.partition: p.leader for p in partitions(whole, topic, stopped[0]) or ()}
    record_finding("leaders once the last in-sync replica died (-1: offline)", leaders)
    assert set(leaders.values()) <= returned | {-1}, leaders
    survivor.start_container()
    whole.wait_ready(whole.brokers, 300)
    wait_for_isr(whole, topic, all_brokers(whole))
    read = {(r["key"], r["seq"]) for r in read_back(whole, topic, PARTITIONS)}
    assert acked - read == set(), f"{len(acked - read)} acknowledged messages lost"
    assert read == acked, f"refused writes were stored: {sorted(read - acked)[:5]}"


def test_one_lost_controller_keeps_metadata_served(whole: PodCluster, record_finding: Recorder) -> None:
    """The active controller is SIGKILLed: the two others elect a leader and a topic can be created."""
    leader = leader_id(whole, whole.controllers[0])
    victim = next(p for p in whole.controllers if node_id(whole, p) == leader)
    victim.kill_container()
    created = new_topic(whole, "one-controller-lost", PARTITIONS)
    record_finding("create topic with one controller down", created)
    assert created["created"], created
    survivor = next(p for p in whole.controllers if p is not victim)
    assert leader_id(whole, survivor) in {node_id(whole, p) for p in whole.controllers if p is not victim}
    wait_for_isr(whole, "one-controller-lost", all_brokers(whole))
    victim.start_container()
    whole.wait_ready([victim], 300)
    wait_voters_caught_up(whole)


def test_a_lost_majority_serves_no_metadata_until_it_returns(whole: PodCluster, record_finding: Recorder) -> None:
    """Two of three controllers SIGKILLed (the leader among them): no topic can be created; once they are
    back the quorum elects a leader again and a topic is created."""
    leader = leader_id(whole, whole.controllers[0])
    lost = sorted(whole.controllers, key=lambda p: node_id(whole, p) != leader)[:2]
    for pod in lost:
        pod.kill_container()
    refused = new_topic(whole, "no-quorum", PARTITIONS, timeout=30)
    record_finding("create topic with two controllers down", refused)
    assert not refused["created"], refused
    alone = next(p for p in whole.controllers if p not in lost)
    code, status = quorum_status(whole, alone, timeout=20)
    record_finding("quorum status asked of the lone controller", f"exit {code}: {status.strip()[-300:]}")
    for pod in lost:
        pod.start_container()
    whole.wait_ready(lost, 300)
    wait_voters_caught_up(whole)
    created = new_topic(whole, "quorum-back", PARTITIONS)
    assert created["created"], created
    wait_for_isr(whole, "quorum-back", all_brokers(whole))
    view = whole.metadata(whole.brokers[0], ("no-quorum",))
    record_finding("the topic asked for without a quorum, after the recovery", view and view.topics.get("no-quorum"))


def test_restarted_controller_and_broker_keep_data_and_directory_id(
    whole: PodCluster, record_finding: Recorder
) -> None:
    """One controller pod and one broker pod deleted and made again (emptyDirs wiped, PVCs kept): the start
    script does not format again, meta.properties (cluster.id, node.id, directory.id) is byte-identical, the
    controller's metadata log still holds what it held, and the broker's only copy of a topic reads back."""
    controller, broker = whole.controllers[-1], whole.brokers[-1]
    topic = "kept"
    acked = only_copy_on(whole, broker, topic, KEYS, 200)
    meta_before = {p.name: meta_properties(p) for p in (controller, broker)}
    segments_before = metadata_segments(controller)
    for pod in (controller, broker):
        pod.delete()
        pod.start_container()
    whole.wait_ready([controller, broker], 300)
    wait_for_brokers(whole, whole.brokers)
    wait_voters_caught_up(whole)
    for pod in (controller, broker):
        assert meta_properties(pod) == meta_before[pod.name], pod.name
        assert pod.container is not None
        output = pod.container.output()
        assert ALREADY_FORMATTED in output and "Formatting " not in output, pod.container.describe()
    segments_after = metadata_segments(controller)
    for name, data in segments_before.items():
        assert segments_after.get(name, b"").startswith(data), f"{controller.name}: {name} lost data"
    record_finding("controller metadata log bytes before / after", (sum(map(len, segments_before.values())),
                                                                    sum(map(len, segments_after.values()))))  # fmt: skip
    read = {(r["key"], r["seq"]) for r in read_back(whole, topic, 1)}
    assert acked - read == set(), f"{len(acked - read)} acknowledged records lost with the broker pod"


def test_a_controller_on_an_empty_volume_rejoins_once_the_leader_reports_a_majority(
    whole: PodCluster, record_finding: Recorder
) -> None:
    """A controller's disk replaced ([hw41] "Replace KRaft Controller Disk"): its pod deleted and its PVC
    emptied. The start script asks the quorum before it formats (docs/kraft.md 3, step 4): the leader reports
    the two other voters caught up, a majority of 3, so it formats (the same cluster and node id, a new
    directory.id) and the node catches up as a voter."""
    victim = whole.controllers[1]
    old = parse_meta(meta_properties(victim))
    victim.delete()
    shutil.rmtree(victim.claim_dir("data"))
    victim.start_container()
    whole.wait_ready([victim], 300)
    wait_voters_caught_up(whole)
    assert victim.container is not None
    output = victim.container.output()
    me = node_id(whole, victim)
    decision = re.search(
        rf"leader \d+ reports 2 voters other than {me} caught up .*a majority of 3: formatting now", output
    )
    assert decision is not None and FORMATTED in output, victim.container.describe()
    record_finding("format-check on the empty volume", decision[0])
    new = parse_meta(meta_properties(victim))
    assert (new["cluster.id"], new["node.id"]) == (old["cluster.id"], old["node.id"]) == (CLUSTER_ID, str(me))
    assert new["directory.id"] != old["directory.id"], "a replaced disk got the old disk's directory.id"
    assert new_topic(whole, "after-disk-replaced", PARTITIONS)["created"]
