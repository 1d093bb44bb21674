"""The generated client configs, both families, on a real cluster of the same target.

Java: Kafka's console producer/consumer fed producer.properties / consumer.properties. librdkafka: the
confluent-kafka package fed producer.json / consumer.json. Each must construct without a configuration
warning, run with the generated values, and move messages through three brokers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .cluster import KafkaCluster, NewKafka, NewZooKeeper, running_target, target_of
from .inputs import committed_target
from .java_clients import CONSUMER, config_warnings, consume, effective_config, produce, unmatched
from .rdkafka_clients import (
    Deliveries,
    RdkafkaLog,
    create_topic,
    flush,
    in_key_order,
    new_consumer,
    new_producer,
    read_all,
    send_batch,
    topic_settings,
)
from .tools import JavaRuntime

pytestmark = pytest.mark.realcluster

TARGETS = ["durability", "high-availability", "throughput", "low-latency"]
PARTITIONS = 3
KEYS = [f"key-{n}" for n in range(6)]
MESSAGES = 60


@pytest.fixture(scope="module", params=TARGETS)
def cluster(
    request: pytest.FixtureRequest,
    new_zookeeper: NewZooKeeper,
    new_kafka: NewKafka,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[KafkaCluster]:
    with running_target(request.param, new_zookeeper, new_kafka, tmp_path_factory) as kafka:
        yield kafka


def test_topic_gets_the_target_replication_settings(cluster: KafkaCluster) -> None:
    target, log = target_of(cluster), RdkafkaLog("admin")
    create_topic(cluster.bootstrap(), "settings", log, PARTITIONS)
    partitions = cluster.wait_for_full_isr("settings")
    assert {len(p.replicas) for p in partitions} == {int(target.server_settings["default.replication.factor"])}
    keys = ("min.insync.replicas", "unclean.leader.election.enable")
    settings = topic_settings(cluster.bootstrap(), "settings", log, keys)
    # From the brokers' server.properties, not a topic override: what any topic created there gets.
    assert {k: (s.value, s.source) for k, s in settings.items()} == {
        k: (target.server_settings[k], "STATIC_BROKER_CONFIG") for k in keys
    }


def test_librdkafka_clients_move_messages_without_config_warnings(cluster: KafkaCluster) -> None:
    target, topic = target_of(cluster), "librdkafka"
    create_topic(cluster.bootstrap(), topic, RdkafkaLog("admin"), PARTITIONS)
    cluster.wait_for_full_isr(topic)

    producer_log, deliveries = RdkafkaLog("producer"), Deliveries()
    producer = new_producer(cluster.client_json(target.file("producer.json")), producer_log)
    sent = send_batch(producer, topic, KEYS, MESSAGES, deliveries)
    flush(producer, 60)
    assert deliveries.failed == [] and deliveries.acked_ids() == set(sent)

    consumer_log = RdkafkaLog("consumer")
    records = read_all(cluster.client_json(target.file("consumer.json")), consumer_log, topic, PARTITIONS)
    assert sorted(r.id for r in records) == sorted(sent)
    assert all(seqs == sorted(seqs) for _, seqs in in_key_order(records))

    for log in (producer_log, consumer_log):
        assert log.config_warnings() == [], log.config_warnings()
        assert log.errors == [], log.errors


def test_java_clients_move_messages_without_config_warnings(
    cluster: KafkaCluster, runtime: JavaRuntime, tmp_path: Path
) -> None:
    target, topic = target_of(cluster), "java"
    create_topic(cluster.bootstrap(), topic, RdkafkaLog("admin"), PARTITIONS)
    cluster.wait_for_full_isr(topic)
    producer_properties = cluster.client_properties(target.file("producer.properties"), tmp_path)
    consumer_properties = cluster.client_properties(target.file("consumer.properties"), tmp_path)
    lines = [f"java-{n}" for n in range(MESSAGES)]

    produced = produce(runtime, cluster.bootstrap(), topic, producer_properties, lines)
    assert produced.returncode == 0, produced.describe()
    assert config_warnings(produced.stderr) == [], produced.describe()
    assert unmatched(producer_properties, effective_config(produced.stderr, "ProducerConfig")) == {}

    consumed = consume(runtime, cluster.bootstrap(), topic, consumer_properties, len(lines))
    assert consumed.returncode == 0, consumed.describe()
    assert sorted(consumed.stdout.splitlines()) == sorted(lines), consumed.describe()
    assert config_warnings(consumed.stderr) == [], consumed.describe()
    assert unmatched(consumer_properties, effective_config(consumed.stderr, "ConsumerConfig")) == {}


# The checks above pass on an empty log too; these show that they catch a real configuration problem:
# the producer's file given to a consumer. Neither needs a broker: the warnings come at construction.


def test_librdkafka_warning_check_catches_a_misplaced_file() -> None:
    generated = committed_target("throughput").file("producer.json").read_text(encoding="utf-8")
    config = {**json.loads(generated), "bootstrap.servers": "127.0.0.1:1"}
    log = RdkafkaLog("misplaced")
    new_consumer(config, log, group="misplaced").close()
    assert any("is a producer property and will be ignored by this consumer" in w for w in log.config_warnings())


def test_java_warning_check_catches_a_misplaced_file(runtime: JavaRuntime, tmp_path: Path) -> None:
    properties = tmp_path / "producer.properties"
    generated = committed_target("throughput").file("producer.properties").read_text(encoding="utf-8")
    properties.write_text(generated, encoding="utf-8")
    args = ["--bootstrap-server", "127.0.0.1:1", "--topic", "none", "--consumer.config", str(properties),
            "--max-messages", "1", "--timeout-ms", "1000"]  # fmt: skip
    result = runtime.run(CONSUMER, args, timeout=60)
    warnings = config_warnings(result.stderr)
    assert any("linger.ms" in w and "were supplied but are not used yet" in w for w in warnings), result.describe()
