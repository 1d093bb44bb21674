"""Client configs: the Java producer and consumer properties and their librdkafka translations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.components.brokers import BrokersModel
from generator.components.clients.rules import RULES
from generator.components.cluster import ClusterModel
from generator.core.component import Component, Models, freeze
from generator.core.configfile import ConfigFile, Section

MIB = 1024 * 1024
BUFFER_MEMORY_FLOOR = 32 * MIB  # the Java producer's default buffer.memory (R38)
DEFAULT_BATCH_SIZE = 16384  # the Java producer's default batch.size

# Java client key -> librdkafka key. Same-named keys are listed too, so that every key a profile
# sets has a reviewed translation; anything missing here is refused rather than dropped.
RDKAFKA_PRODUCER = {
    "acks": "acks",
    "enable.idempotence": "enable.idempotence",
    "max.in.flight.requests.per.connection": "max.in.flight.requests.per.connection",
    "retries": "retries",
    "retry.backoff.ms": "retry.backoff.ms",
    "delivery.timeout.ms": "delivery.timeout.ms",
    "request.timeout.ms": "request.timeout.ms",
    "batch.size": "batch.size",
    "linger.ms": "linger.ms",
    "compression.type": "compression.type",
    "buffer.memory": "queue.buffering.max.kbytes",
    "client.id": "client.id",
}
RDKAFKA_CONSUMER = {
    "session.timeout.ms": "session.timeout.ms",
    "heartbeat.interval.ms": "heartbeat.interval.ms",
    "max.poll.interval.ms": "max.poll.interval.ms",
    "auto.offset.reset": "auto.offset.reset",
    "enable.auto.commit": "enable.auto.commit",
    "isolation.level": "isolation.level",
    "fetch.min.bytes": "fetch.min.bytes",
    "fetch.max.wait.ms": "fetch.wait.max.ms",
    "fetch.max.bytes": "fetch.max.bytes",
    "max.partition.fetch.bytes": "max.partition.fetch.bytes",
    "client.id": "client.id",
    "client.rack": "client.rack",
    "group.id": "group.id",
}


@dataclass(frozen=True)
class ClientsModel:
    producer: Mapping[str, Any]  # the user's Java producer keys, read-only
    consumer: Mapping[str, Any]
    bootstrap: str
    buffer_memory: int  # R38: what buffer.memory is when left null
    catalog_line: str

    def acks_all(self) -> bool:
        return str(self.producer.get("acks", "all")) in ("all", "-1")


def buffer_memory(producer: Mapping[str, Any], partitions_per_producer: int) -> int:
    """R38: room for one full batch per partition the producer writes to, never below 32 MiB."""
    batch = producer.get("batch.size")
    batch = batch if isinstance(batch, int) and not isinstance(batch, bool) else DEFAULT_BATCH_SIZE
    return max(BUFFER_MEMORY_FLOOR, partitions_per_producer * batch)


def to_rdkafka(java: Mapping[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """Librdkafka's names and units for the Java keys; a key without a reviewed translation is refused by
    the rules before anything renders, so it is left out here."""
    translated: dict[str, Any] = {}
    for key, value in java.items():
        if key not in mapping and key != "bootstrap.servers":
            continue
        if key == "buffer.memory" and isinstance(value, int):
            value = value // 1024  # bytes in Java, KiB in librdkafka
        elif key == "acks" and value == "all":
            value = -1  # librdkafka's acks is an integer; -1 is its documented spelling of "all"
        translated[mapping.get(key, key)] = value
    return translated


class Clients(Component):
    name = "clients"
    keys = ("clients",)
    after = ("cluster", "brokers")
    rules = RULES

    def derive(self, params: Mapping[str, Any], models: Models) -> ClientsModel:
        clients = params["clients"]
        kafka = models.get(BrokersModel)
        partitions = models.get(ClusterModel).workload.partitions_per_producer
        return ClientsModel(
            producer=freeze(clients["producer"]),
            consumer=freeze(clients["consumer"]),
            bootstrap=kafka.bootstrap,
            buffer_memory=buffer_memory(clients["producer"], partitions),
            catalog_line=kafka.catalog_line,
        )

    def config_files(self, model: ClientsModel, models: Models) -> list[ConfigFile]:
        bootstrap = Section("bootstrap", "derived from the bootstrap Service", {"bootstrap.servers": model.bootstrap})
        producer = ConfigFile(
            "config/producer.properties",
            self.name,
            "properties",
            model.producer,
            "clients.producer",
            (bootstrap,),
            ("kafka-producer", model.catalog_line),
            defaults={"buffer.memory": model.buffer_memory},
        )
        consumer = ConfigFile(
            "config/consumer.properties",
            self.name,
            "properties",
            model.consumer,
            "clients.consumer",
            (bootstrap,),
            ("kafka-consumer", model.catalog_line),
        )
        return [
            producer,
            consumer,
            self._rdkafka(producer, RDKAFKA_PRODUCER),
            self._rdkafka(consumer, RDKAFKA_CONSUMER),
        ]

    def _rdkafka(self, java: ConfigFile, mapping: Mapping[str, str]) -> ConfigFile:
        name = java.path.rsplit("/", 1)[-1]
        translated = Section("translation", f"librdkafka's names for {name}", to_rdkafka(java.values(), mapping))
        path = java.path.replace(".properties", ".json")
        return ConfigFile(path, self.name, "json", {}, "", (translated,), ("librdkafka", "2"), header=False)


COMPONENT = Clients(Path(__file__).parent)
