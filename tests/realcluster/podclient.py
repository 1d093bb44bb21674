"""Clients run inside the harness's client pod (python -m tests.realcluster.podclient MODE SPEC.json).

They take the generated client config whole (bootstrap.servers is the bootstrap Service's DNS name, which
the client pod's /etc/hosts resolves) and write what happened to spec['out'] as JSON.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, KafkaError, KafkaException, Message, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from .rdkafka_clients import (
    NOT_ENOUGH_REPLICAS,
    Deliveries,
    KeyedSender,
    RdkafkaLog,
    Record,
    decode,
    flush,
    new_consumer,
    new_producer,
    read_all,
    send_batch,
    where,
)

# The other refusal of an acks=all write (the leader wrote it, then the ISR shrank below the minimum), as
# librdkafka words NOT_ENOUGH_REPLICAS_AFTER_APPEND.
NOT_ENOUGH_REPLICAS_AFTER_APPEND = KafkaError(KafkaError.NOT_ENOUGH_REPLICAS_AFTER_APPEND).str()


def _write(spec: dict[str, Any], result: dict[str, Any]) -> None:
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")


def _progress(path: Path, count: int) -> None:
    """A count the test polls, replaced whole (a reader never sees the file truncated and half written)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(str(count), encoding="utf-8")
    partial.replace(path)


def create_topic(spec: dict[str, Any]) -> None:
    client = AdminClient({"bootstrap.servers": spec["bootstrap"]})
    if spec.get("assignment"):
        # confluent-kafka 2.16 refuses the default partition count (-1) beside an assignment; the count
        # must equal the assignment's length.
        assignment = spec["assignment"]
        topic = NewTopic(spec["topic"], len(assignment), replica_assignment=assignment, config=spec.get("config", {}))
    else:
        topic = NewTopic(spec["topic"], num_partitions=spec["partitions"], config=spec.get("config", {}))
    client.create_topics([topic])[spec["topic"]].result(timeout=60)
    _write(spec, {"created": spec["topic"]})


def try_create_topic(spec: dict[str, Any]) -> None:
    """Like create-topic, but bounded by spec['timeout'] seconds and reporting a failure instead of raising:
    what a cluster without a controller quorum answers (KRaft) is the point of the call."""
    client = AdminClient({"bootstrap.servers": spec["bootstrap"]})
    topic = NewTopic(spec["topic"], num_partitions=spec["partitions"], config=spec.get("config", {}))
    timeout, started = float(spec["timeout"]), time.monotonic()
    try:
        futures = client.create_topics([topic], operation_timeout=timeout, request_timeout=timeout)
        futures[spec["topic"]].result(timeout=timeout + 15)
        error = None
    except Exception as failure:  # KafkaException, or the future's own timeout
        error = f"{type(failure).__name__}: {failure}"
    _write(spec, {"created": error is None, "error": error, "seconds": round(time.monotonic() - started, 1)})


def refused(spec: dict[str, Any]) -> None:
    """spec['count'] keyed messages with the generated producer config while too few replicas are in sync:
    polls until every partition's produce request was refused with NOT_ENOUGH_REPLICAS (or spec['timeout']),
    then drops the rest (the producer would retry until delivery.timeout.ms)."""
    log = RdkafkaLog("producer")
    producer = new_producer(spec["config"], log, debug="msg")
    deliveries = Deliveries()
    sent = send_batch(producer, spec["topic"], spec["keys"], spec["count"], deliveries)
    pattern = re.compile(
        rf"{re.escape(spec['topic'])} \[(\d+)\]: MessageSet .* {NOT_ENOUGH_REPLICAS} \(actions .*MsgNotPersisted"
    )
    seen: set[int] = set()
    deadline = time.monotonic() + float(spec["timeout"])
    while len(seen) < spec["partitions"] and time.monotonic() < deadline:
        producer.poll(0.2)
        seen = {int(m[1]) for line in log.lines if (m := pattern.search(line))}
    producer.purge()
    flush(producer, 30)
    _write(
        spec,
        {
            "sent": sent,
            "acked": [r.__dict__ for r in deliveries.acked],
            "failed": deliveries.failed,
            "refused_partitions": sorted(seen),
            "not_enough_replicas_count": len(log.containing(NOT_ENOUGH_REPLICAS)),
        },
    )


def produce(spec: dict[str, Any]) -> None:
    log = RdkafkaLog("producer")
    producer = new_producer(spec["config"], log)
    deliveries = Deliveries()
    sent = send_batch(producer, spec["topic"], spec["keys"], spec["count"], deliveries)
    flush(producer, 150)
    _write(spec, {"sent": sent, "acked": [r.__dict__ for r in deliveries.acked], "failed": deliveries.failed})


def keyed(spec: dict[str, Any]) -> None:
    """Sends until spec['stop'] exists, then waits for every delivery report."""
    log = RdkafkaLog("producer")
    # debug=msg makes librdkafka log each refused produce (NOT_ENOUGH_REPLICAS); it changes no behaviour.
    producer = new_producer(spec["config"], log, debug="msg")
    stop = Path(spec["stop"])
    progress = Path(spec["progress"])
    with KeyedSender(producer, spec["topic"], spec["keys"], spec["per_second"]) as sender:
        while not stop.exists():
            time.sleep(0.2)
            # How many are acknowledged so far, for the test to start and end its faults under load.
            _progress(progress, len(sender.deliveries.acked))
    flush(producer, 150)
    refusals = log.containing(NOT_ENOUGH_REPLICAS)
    after_append = log.containing(NOT_ENOUGH_REPLICAS_AFTER_APPEND)
    _write(
        spec,
        {
            "sent": sender.sent,
            "acked": [r.__dict__ for r in sender.deliveries.acked],
            "failed": sender.deliveries.failed,
            "not_enough_replicas": refusals[:50],
            "not_enough_replicas_count": len(refusals),
            "not_enough_replicas_after_append": after_append[:50],
            "not_enough_replicas_after_append_count": len(after_append),
        },
    )


def bulk(spec: dict[str, Any]) -> None:
    """Filler (message key spec['key'], values of spec['value_bytes']) spread evenly over the partitions,
    as fast as the generated producer config lets it, whenever the file spec['go'] exists; idle otherwise.
    Ends when spec['stop'] exists or spec['max_bytes'] are sent; acknowledged bytes go to spec['progress']."""
    log = RdkafkaLog("bulk")
    producer = new_producer(spec["config"], log, debug="msg")
    go, stop, progress = Path(spec["go"]), Path(spec["stop"]), Path(spec["progress"])
    key, value = str(spec["key"]).encode(), bytes(int(spec["value_bytes"]))
    count, partitions = -(-int(spec["max_bytes"]) // len(value)), int(spec["partitions"])
    acked: list[int] = [0]
    errors: dict[str, int] = {}

    def report(error: KafkaError | None, _: Message) -> None:
        if error is None:
            acked[0] += 1
        else:
            errors[error.name()] = errors.get(error.name(), 0) + 1

    sent, checked = 0, 0.0
    writing = False
    while sent < count:
        now = time.monotonic()
        if now - checked >= 0.1:
            checked = now
            _progress(progress, acked[0] * len(value))
            if stop.exists():
                break
            writing = go.exists()
        if not writing:
            producer.poll(0.1)
            continue
        try:
            producer.produce(spec["topic"], value=value, key=key, partition=sent % partitions, on_delivery=report)
            sent += 1
            producer.poll(0)
        except BufferError:  # local queue full: serve delivery reports, which frees room
            producer.poll(0.1)
    left = producer.flush(float(spec.get("flush_s", 120)))
    _progress(progress, acked[0] * len(value))
    _write(
        spec,
        {
            "sent": sent,
            "acked": acked[0],
            "acked_bytes": acked[0] * len(value),
            "unreported": left,
            "errors": errors,
            "not_enough_replicas_count": len(log.containing(NOT_ENOUGH_REPLICAS)),
        },
    )


def read(spec: dict[str, Any]) -> None:
    log = RdkafkaLog("consumer")
    if spec.get("keys"):
        records = read_keys(spec["config"], log, spec["topic"], spec["partitions"], set(spec["keys"]),
                            timeout=spec.get("timeout", 90))  # fmt: skip
    else:
        records = read_all(spec["config"], log, spec["topic"], spec["partitions"], timeout=spec.get("timeout", 90))
    _write(spec, {"records": [r.__dict__ for r in records]})


def read_keys(
    generated: dict[str, Any], log: RdkafkaLog, topic: str, partitions: int, keys: set[str], timeout: float
) -> list[Record]:
    """Like read_all, to the end of every partition, keeping only records whose message key is in `keys`
    (filler written beside them by `bulk` is passed over undecoded)."""
    consumer = new_consumer(generated, log, group=f"realcluster-read-{topic}-{time.monotonic_ns()}")
    try:
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=15)[1] for p in range(partitions)}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
        positions = dict.fromkeys(range(partitions), 0)
        records: list[Record] = []
        deadline = time.monotonic() + timeout
        while any(positions[p] < ends[p] for p in ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"read {len(records)} records of {topic}; positions {positions}, ends {ends}")
            for message in consumer.consume(500, 0.5):
                if message.error() is not None:
                    raise KafkaException(message.error())
                partition, offset = where(message)
                positions[partition] = offset + 1
                if (message.key() or b"").decode(errors="replace") in keys:
                    key, seq = decode(message.value() or b"")
                    records.append(Record(key, seq, partition, offset))
        return records
    finally:
        consumer.close()


MODES = {
    "create-topic": create_topic,
    "try-create-topic": try_create_topic,
    "produce": produce,
    "refused": refused,
    "keyed": keyed,
    "bulk": bulk,
    "read": read,
}

if __name__ == "__main__":
    mode, spec_path = sys.argv[1], sys.argv[2]
    MODES[mode](json.loads(Path(spec_path).read_text(encoding="utf-8")))
