"""Clients run inside the harness's client pod (python -m tests.realcluster.podclient MODE SPEC.json).

They take the generated client config whole (bootstrap.servers is the bootstrap Service's DNS name, which
the client pod's /etc/hosts resolves) and write what happened to spec['out'] as JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from .rdkafka_clients import (
    NOT_ENOUGH_REPLICAS,
    Deliveries,
    KeyedSender,
    RdkafkaLog,
    flush,
    new_producer,
    read_all,
    send_batch,
)


def _write(spec: dict[str, Any], result: dict[str, Any]) -> None:
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")


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
            progress.write_text(str(len(sender.deliveries.acked)), encoding="utf-8")
    flush(producer, 150)
    refusals = log.containing(NOT_ENOUGH_REPLICAS)
    _write(
        spec,
        {
            "sent": sender.sent,
            "acked": [r.__dict__ for r in sender.deliveries.acked],
            "failed": sender.deliveries.failed,
            "not_enough_replicas": refusals[:50],
            "not_enough_replicas_count": len(refusals),
        },
    )


def read(spec: dict[str, Any]) -> None:
    log = RdkafkaLog("consumer")
    records = read_all(spec["config"], log, spec["topic"], spec["partitions"], timeout=spec.get("timeout", 90))
    _write(spec, {"records": [r.__dict__ for r in records]})


MODES = {"create-topic": create_topic, "produce": produce, "keyed": keyed, "read": read}

if __name__ == "__main__":
    mode, spec_path = sys.argv[1], sys.argv[2]
    MODES[mode](json.loads(Path(spec_path).read_text(encoding="utf-8")))
