"""librdkafka clients (the confluent-kafka package) fed the generated producer.json / consumer.json.

The generated file is passed whole; a test may add keys the file leaves to the application (group.id)
or that only make the client talk (debug), never one the file sets. Every message carries its key and a
per-key sequence number, so a reader can tell what was lost, duplicated or reordered.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

# Public names of confluent_kafka.admin, which re-exports them without __all__ (mypy --strict objects).
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewTopic  # type: ignore[attr-defined]

# How librdkafka words a configuration it does not like: facility CONFWARN, e.g. "Configuration property
# linger.ms is a producer property and will be ignored by this consumer instance", or a deprecation.
CONFIG_WARNING_MARKERS = ("CONFWARN", "Configuration property")
# The refusal of an acks=all write with too few in-sync replicas, as librdkafka's `msg` debug logs it.
NOT_ENOUGH_REPLICAS = "Broker: Not enough in-sync replicas"
_ids = itertools.count()


class RdkafkaLog(logging.Handler):
    """Everything one librdkafka client logs (through `logger`) or reports (through `error_cb`).

    librdkafka queues its log lines; the client hands them over in poll()/flush(), so a check must follow
    at least one poll.
    """

    def __init__(self, name: str) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.errors: list[KafkaError] = []
        self.logger = logging.getLogger(f"realcluster.rdkafka.{name}.{next(_ids)}")
        self.logger.setLevel(logging.DEBUG)
        # `debug` output is long; the lines are kept here and shown by the assertion that needs them.
        self.logger.propagate = False
        self.logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")

    def error_cb(self, error: KafkaError) -> None:
        self.errors.append(error)

    def hooks(self) -> dict[str, object]:
        return {"logger": self.logger, "error_cb": self.error_cb}

    def config_warnings(self) -> list[str]:
        return [line for line in self.lines if any(marker in line for marker in CONFIG_WARNING_MARKERS)]

    def containing(self, text: str) -> list[str]:
        return [line for line in self.lines if text in line]


def _merge(generated: Mapping[str, object], extra: Mapping[str, object], log: RdkafkaLog) -> dict[str, object]:
    overlap = set(generated) & set(extra)
    if overlap:
        raise ValueError(f"a test may add keys, not change generated ones: {sorted(overlap)}")
    return {**generated, **extra, **log.hooks()}


def new_producer(generated: Mapping[str, object], log: RdkafkaLog, **extra: object) -> Producer:
    producer = Producer(_merge(generated, extra, log))
    producer.poll(0)  # hands over what construction logged (configuration warnings come then)
    return producer


def new_consumer(generated: Mapping[str, object], log: RdkafkaLog, group: str, **extra: object) -> Consumer:
    # librdkafka refuses a consumer without group.id ("group.id must be set"); the generated file leaves
    # the group to the application.
    consumer = Consumer(_merge(generated, {"group.id": group, **extra}, log))
    consumer.poll(0)
    return consumer


@dataclass(frozen=True)
class Record:
    key: str
    seq: int
    partition: int
    offset: int

    @property
    def id(self) -> tuple[str, int]:
        return (self.key, self.seq)


def where(message: Message) -> tuple[int, int]:
    """Partition and offset of a message the broker has (both are set once it was written)."""
    partition, offset = message.partition(), message.offset()
    assert partition is not None and offset is not None, "a written message has a partition and an offset"
    return partition, offset


def encode(key: str, seq: int) -> bytes:
    return f"{key}#{seq}".encode()


def decode(value: bytes) -> tuple[str, int]:
    key, _, seq = value.decode().rpartition("#")
    return key, int(seq)


@dataclass
class Deliveries:
    """What the producer reported for each message: acknowledged (with its offset) or failed."""

    acked: list[Record] = field(default_factory=list)
    failed: list[tuple[str, int, str]] = field(default_factory=list)  # key, seq, error name

    def report(self, key: str, seq: int) -> Callable[[KafkaError | None, Message], None]:
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is None:
                self.acked.append(Record(key, seq, *where(message)))
            else:
                self.failed.append((key, seq, error.name()))

        return on_delivery

    def acked_ids(self) -> set[tuple[str, int]]:
        return {r.id for r in self.acked}


def send(producer: Producer, topic: str, key: str, seq: int, deliveries: Deliveries) -> None:
    while True:
        try:
            producer.produce(topic, key=key.encode(), value=encode(key, seq), on_delivery=deliveries.report(key, seq))
            return
        except BufferError:  # local queue full: serve delivery reports, which frees room
            producer.poll(0.1)


def send_batch(
    producer: Producer, topic: str, keys: Sequence[str], count: int, deliveries: Deliveries, first_seq: int = 0
) -> list[tuple[str, int]]:
    """`count` messages round-robin over `keys`; returns their ids. Does not wait for the reports."""
    sent = []
    for n in range(count):
        key, seq = keys[n % len(keys)], first_seq + n // len(keys)
        send(producer, topic, key, seq, deliveries)
        sent.append((key, seq))
    producer.poll(0)
    return sent


def flush(producer: Producer, timeout: float) -> None:
    """Wait for every delivery report, at most `timeout` seconds."""
    left = producer.flush(timeout)
    if left:
        raise TimeoutError(f"{left} message(s) still without a delivery report after {timeout:.0f} s")


class KeyedSender:
    """Sends key-0..key-(n-1) round-robin at a steady rate from a thread, until the `with` block ends.

    The thread serves the delivery reports too (poll), so `deliveries` fills while faults happen.
    """

    def __init__(self, producer: Producer, topic: str, keys: Sequence[str], per_second: float) -> None:
        self.producer, self.topic, self.keys = producer, topic, keys
        self.interval = 1.0 / per_second
        self.deliveries = Deliveries()
        self.sent: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="keyed-sender", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            raise RuntimeError("the sender thread did not stop within 10 s")

    def _run(self) -> None:
        seqs = dict.fromkeys(self.keys, 0)
        next_at = time.monotonic()
        for key in itertools.cycle(self.keys):
            if self._stop.is_set():
                return
            send(self.producer, self.topic, key, seqs[key], self.deliveries)
            self.sent.append((key, seqs[key]))
            seqs[key] += 1
            next_at += self.interval
            # poll() doubles as the sleep: it serves delivery reports while waiting for the next send.
            while (wait := next_at - time.monotonic()) > 0 and not self._stop.is_set():
                self.producer.poll(min(wait, 0.05))

    def acked_since(self, count: int) -> int:
        return len(self.deliveries.acked) - count


def read_all(
    generated: Mapping[str, object], log: RdkafkaLog, topic: str, partitions: int, timeout: float = 60.0
) -> list[Record]:
    """Every record of the topic, from the beginning to the end as the leaders see it now, in the order
    the consumer received them (per partition: offset order)."""
    consumer = new_consumer(generated, log, group=f"realcluster-read-{topic}-{next(_ids)}")
    try:
        assigned = [TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)]
        ends = {p: _high_watermark(consumer, topic, p) for p in range(partitions)}
        consumer.assign(assigned)
        positions = dict.fromkeys(range(partitions), 0)
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while any(positions[p] < ends[p] for p in ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read {len(records)} records of {topic}; positions {positions}, ends {ends}")
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error() is not None:
                raise KafkaException(message.error())
            key, seq = decode(message.value() or b"")
            partition, offset = where(message)
            records.append(Record(key, seq, partition, offset))
            positions[partition] = offset + 1
        return records
    finally:
        consumer.close()


# Right after a leader election a new consumer's metadata may not hold the partition or its leader yet
# (librdkafka answers locally); the question is what the partition holds once its leader is known.
_NOT_YET = (KafkaError._UNKNOWN_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.NOT_LEADER_FOR_PARTITION)


def _high_watermark(consumer: Consumer, topic: str, partition: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=15)[1])
        except KafkaException as error:
            if error.args[0].code() not in _NOT_YET or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def admin(bootstrap: str, log: RdkafkaLog) -> AdminClient:
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, **log.hooks()}
    return AdminClient(config)


def create_topic(
    bootstrap: str, topic: str, log: RdkafkaLog, partitions: int = 3, assignment: list[list[int]] | None = None
) -> None:
    """No replication factor and no topic configs: the brokers' generated defaults apply
    (default.replication.factor, min.insync.replicas, unclean.leader.election.enable)."""
    if assignment is None:
        new = NewTopic(topic, num_partitions=partitions)
    else:
        new = NewTopic(topic, replica_assignment=assignment)
    client = admin(bootstrap, log)  # held until the result: a collected client cancels its requests
    client.create_topics([new])[topic].result(timeout=30)


@dataclass(frozen=True)
class TopicSetting:
    value: str
    source: str  # e.g. STATIC_BROKER_CONFIG: the broker's server.properties, not a topic override


def topic_settings(bootstrap: str, topic: str, log: RdkafkaLog, keys: Sequence[str]) -> dict[str, TopicSetting]:
    resource = ConfigResource(ConfigResource.Type.TOPIC, topic)
    client = admin(bootstrap, log)
    entries = client.describe_configs([resource])[resource].result(timeout=30)
    return {k: TopicSetting(str(entries[k].value), ConfigSource(entries[k].source).name) for k in keys}


def in_key_order(records: Sequence[Record]) -> Iterator[tuple[str, list[int]]]:
    """Per key, the sequence numbers in the order they were read."""
    by_key: dict[str, list[int]] = {}
    for record in records:
        by_key.setdefault(record.key, []).append(record.seq)
    yield from sorted(by_key.items())
