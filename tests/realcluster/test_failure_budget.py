"""Profiles keep the failure budget they promise (generator/budget.py, docs/failure-budget.md), on three
real brokers run from each target's generated files, with real clients fed its generated client configs.

durability: min.insync.replicas 2, unclean leader election off -> one broker may fail; with two down,
writes are refused and nothing acknowledged is lost. high-availability: min.insync.replicas 1, unclean
election on -> writes go on with two brokers down, and when the last in-sync broker dies a stale replica
takes over: what was acknowledged meanwhile is gone. The numbers measured are printed in the run's summary.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from confluent_kafka import Producer

from .cluster import KafkaCluster, NewKafka, NewZooKeeper, running_target, target_of
from .findings import Recorder
from .java_clients import NOT_ENOUGH_REPLICAS as JAVA_NOT_ENOUGH_REPLICAS
from .java_clients import PRODUCER, producer_args
from .process import ServerProcess, wait_until
from .rdkafka_clients import (
    NOT_ENOUGH_REPLICAS,
    Deliveries,
    KeyedSender,
    RdkafkaLog,
    Record,
    create_topic,
    flush,
    in_key_order,
    new_producer,
    read_all,
    send_batch,
)
from .tools import JavaRuntime

pytestmark = pytest.mark.realcluster

PARTITIONS = 3
KEYS = [f"key-{n:02d}" for n in range(12)]
SENDS_PER_SECOND = 200.0
# Enough acknowledged writes in each phase of the crash test that a phase without writes would show.
WRITES_PER_PHASE = 200
BEFORE, DURING, JAVA_LINES = 120, 60, 10


@dataclass(frozen=True)
class Expected:
    """What a target must do when two of three brokers are down, and then the last in-sync one dies."""

    accepts_writes: bool
    stale_leader_loses_acked_writes: bool


EXPECTED = {
    "durability": Expected(accepts_writes=False, stale_leader_loses_acked_writes=False),
    "high-availability": Expected(accepts_writes=True, stale_leader_loses_acked_writes=True),
}


@pytest.fixture(scope="module", params=sorted(EXPECTED))
def cluster(
    request: pytest.FixtureRequest,
    new_zookeeper: NewZooKeeper,
    new_kafka: NewKafka,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[KafkaCluster]:
    with running_target(request.param, new_zookeeper, new_kafka, tmp_path_factory) as kafka:
        yield kafka


def all_brokers_running(cluster: KafkaCluster) -> None:
    """A test that failed half-way may have left brokers down; the next one starts from a whole cluster."""
    stopped = [i for i in range(cluster.size) if i not in cluster.running()]
    if stopped:
        cluster.restart(*stopped)


def new_topic(cluster: KafkaCluster, topic: str) -> None:
    create_topic(cluster.bootstrap(), topic, RdkafkaLog("admin"), PARTITIONS)
    cluster.wait_for_full_isr(topic)


def consume_all(cluster: KafkaCluster, topic: str) -> list[Record]:
    generated = cluster.client_json(target_of(cluster).file("consumer.json"))
    return read_all(generated, RdkafkaLog("consumer"), topic, PARTITIONS)


def assert_read_once_in_order(records: list[Record]) -> None:
    ids = [r.id for r in records]
    assert len(ids) == len(set(ids)), "a message was read twice"
    for key, seqs in in_key_order(records):
        assert seqs == sorted(seqs), f"{key} out of order: {seqs}"


def test_acknowledged_writes_survive_a_broker_killed_and_restarted(
    cluster: KafkaCluster, record_finding: Recorder
) -> None:
    """durability (and high-availability, whose budget also keeps writes through one loss): a keyed producer
    with the generated producer.json sends all along while one broker is SIGKILLed and started again."""
    target, topic, victim = target_of(cluster), "crash", 1
    all_brokers_running(cluster)
    new_topic(cluster, topic)
    producer = new_producer(cluster.client_json(target.file("producer.json")), RdkafkaLog("producer"))

    with KeyedSender(producer, topic, KEYS, SENDS_PER_SECOND) as sender:

        def acked_more(than: int) -> None:
            wait_until(lambda: sender.acked_since(than) >= WRITES_PER_PHASE, 60, "writes acknowledged")

        acked_more(0)
        cluster.kill(victim)
        # The controller moves the victim's leaderships once its ZooKeeper session expires.
        cluster.wait_for_brokers([i for i in range(cluster.size) if i != victim])
        acked_more(len(sender.deliveries.acked))
        cluster.restart(victim)
        cluster.wait_for_full_isr(topic)
        acked_more(len(sender.deliveries.acked))
    flush(producer, 150)  # delivery.timeout.ms is 120 s: every message has its report by then

    deliveries = sender.deliveries
    assert deliveries.failed == [], deliveries.failed[:10]
    assert deliveries.acked_ids() == set(sender.sent)
    records = consume_all(cluster, topic)
    assert_read_once_in_order(records)
    consumed = {r.id: (r.partition, r.offset) for r in records}
    assert deliveries.acked_ids() - set(consumed) == set(), "acknowledged messages are missing"
    # Each message is where the producer was told it was written.
    assert all(consumed[a.id] == (a.partition, a.offset) for a in deliveries.acked)
    record_finding("acknowledged", len(deliveries.acked))
    record_finding("consumed", len(records))
    record_finding("lost", len(deliveries.acked_ids() - set(consumed)))


def test_two_brokers_down_then_the_last_in_sync_one(
    cluster: KafkaCluster, runtime: JavaRuntime, tmp_path: Path, record_finding: Recorder
) -> None:
    """The same steps on both targets. Step 1: two of three brokers stop; both client families write
    (min.insync.replicas, R25). Step 2: the remaining broker (the only in-sync replica) is killed and the two
    stale ones come back (unclean leader election, R27)."""
    target, topic = target_of(cluster), "two-down"
    expected = EXPECTED[target.name]
    # The test's expectations are the budget's promises (what `explain` prints).
    assert expected.accepts_writes == (target.budget.broker_losses_keeping_writes >= 2)
    assert expected.stale_leader_loses_acked_writes == target.budget.unclean_election
    all_brokers_running(cluster)
    new_topic(cluster, topic)
    log = RdkafkaLog("producer")
    # debug=msg only makes librdkafka log each produce error; it changes no behaviour.
    producer = new_producer(cluster.client_json(target.file("producer.json")), log, debug="msg")
    before = Deliveries()
    sent_before = send_batch(producer, topic, KEYS, BEFORE, before)
    flush(producer, 60)
    assert before.acked_ids() == set(sent_before), before.failed

    # Step 1: orderly stops (the controller drops them from the ISR at once); ordinal 0 stays.
    survivor, stopped = 0, [1, 2]
    for ordinal in stopped:
        cluster.terminate(ordinal)
    alone = cluster.broker_id(survivor)
    cluster.wait_for_partitions(topic, lambda ps: all(p.isr == (alone,) for p in ps), "only the survivor in sync")

    during = Deliveries()
    sent_during = send_batch(producer, topic, KEYS, DURING, during, first_seq=BEFORE)
    if expected.accepts_writes:
        flush(producer, 60)
        assert during.acked_ids() == set(sent_during) and during.failed == []
        assert log.containing(NOT_ENOUGH_REPLICAS) == []
    else:
        wait_until(lambda: refused_partitions(producer, log, topic) == set(range(PARTITIONS)), 30, "refusals")
        assert during.acked == []
        # The producer would retry until delivery.timeout.ms (120 s) and then report _MSG_TIMED_OUT;
        # the broker's answer is already known, so the test drops the messages instead of waiting.
        producer.purge()
        flush(producer, 30)
        assert during.acked == [] and len(during.failed) == DURING
    java_acked = java_producer_step(cluster, runtime, tmp_path, topic, expected.accepts_writes)

    # Step 2: the last in-sync replica dies; the two stale ones return.
    cluster.kill(survivor)
    cluster.restart(*stopped)
    returned = {cluster.broker_id(i) for i in stopped}
    if expected.stale_leader_loses_acked_writes:
        cluster.wait_for_partitions(topic, lambda ps: all(p.leader in returned for p in ps), "unclean election")
    else:
        wait_for_refused_elections(cluster, topic, stopped)
        # The controller logs the refusal before it tells the brokers; wait for the news, then look.
        after = cluster.wait_for_partitions(topic, lambda ps: len(ps) == PARTITIONS, "metadata after the failover")
        assert all(p.leader == -1 for p in after), f"a stale replica became leader: {after}"
        cluster.restart(survivor)  # the in-sync replica comes back and leads again
        cluster.wait_for_full_isr(topic)

    acked_during = during.acked_ids() | java_acked
    records = consume_all(cluster, topic)
    assert_read_once_in_order(records)
    consumed = {r.id for r in records}
    assert before.acked_ids() <= consumed, "writes acknowledged by all three replicas were lost"
    lost = acked_during - consumed
    record_finding("acknowledged with two brokers down", len(acked_during))
    record_finding("refused with two brokers down", len(during.failed) + (0 if java_acked else JAVA_LINES))
    record_finding("acknowledged, then lost to the stale leader", len(lost))
    if expected.stale_leader_loses_acked_writes:
        # The stale replicas never had them: every write acknowledged by the lone leader is gone.
        assert acked_during and lost == acked_during
        cluster.restart(survivor)
        cluster.wait_for_full_isr(topic)
        # The old leader rejoins as a follower and truncates its log to the new leader's.
        after_rejoin = acked_during - {r.id for r in consume_all(cluster, topic)}
        assert after_rejoin == lost
        record_finding("still lost after the old leader rejoined", len(after_rejoin))
    else:
        assert acked_during == set() and lost == set()
        assert not consumed & set(sent_during), "a refused write was stored"


def refused_partitions(producer: Producer, log: RdkafkaLog, topic: str) -> set[int]:
    """Partitions whose produce requests the broker refused for too few in-sync replicas, unwritten."""
    producer.poll(0.1)  # hands over the log lines
    pattern = re.compile(
        rf"{re.escape(topic)} \[(\d+)\]: MessageSet .* {NOT_ENOUGH_REPLICAS} \(actions .*MsgNotPersisted"
    )
    return {int(m[1]) for line in log.lines if (m := pattern.search(line))}


def java_producer_step(
    cluster: KafkaCluster, runtime: JavaRuntime, folder: Path, topic: str, accepts: bool
) -> set[tuple[str, int]]:
    """The console producer with the generated producer.properties, during the two-brokers-down step;
    returns the ids of the lines it got acknowledged."""
    properties = cluster.client_properties(target_of(cluster).file("producer.properties"), folder)
    lines = folder / "lines.txt"
    # Keyed like the librdkafka messages ("java|java#3": key java), so they stay in one partition, in order.
    lines.write_text("".join(f"java|java#{n}\n" for n in range(JAVA_LINES)), encoding="utf-8")
    keyed = ["--property", "parse.key=true", "--property", "key.separator=|"]
    args = [*producer_args(cluster.bootstrap(), topic, properties), *keyed]
    with runtime.start(PRODUCER, args, folder / "console-producer.log", stdin=lines) as tool:
        if not accepts:
            # It retries until delivery.timeout.ms; each refusal is a WARN line. Leaving the block stops it.
            wait_until(lambda: JAVA_NOT_ENOUGH_REPLICAS in tool.output(), 30, "console producer refused", [tool])
            return set()
        assert tool.wait_exit(60), tool.describe()
    assert_java_delivered(tool)
    return {("java", n) for n in range(JAVA_LINES)}


def assert_java_delivered(tool: ServerProcess) -> None:
    output = tool.output()
    # The console producer exits 0 even when a send failed; it logs the failure instead.
    assert tool.returncode == 0 and "Error when sending message" not in output, tool.describe()
    assert JAVA_NOT_ENOUGH_REPLICAS not in output, tool.describe()


def wait_for_refused_elections(cluster: KafkaCluster, topic: str, ordinals: list[int]) -> None:
    """Wait for the new controller (one of `ordinals`) to try each partition and log that no in-sync
    replica is alive and an unclean election is not allowed."""
    wanted = {
        f"Failed to elect leader for partition {topic}-{p} under strategy OfflinePartitionLeaderElectionStrategy(false)"
        for p in range(PARTITIONS)
    }

    def all_refused() -> bool:
        logs = "\n".join(cluster.processes[i].output() for i in ordinals)
        return all(line in logs for line in wanted)

    wait_until(
        all_refused, 90, "the controller refuses to elect a stale leader", [cluster.processes[i] for i in ordinals]
    )
