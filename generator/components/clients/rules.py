"""Rules over the client configs, and over what the brokers must accept from them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from generator.components.brokers import BrokersModel
from generator.components.brokers.rules import setting
from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where

if TYPE_CHECKING:
    from generator.components.clients import ClientsModel


def _clients(models: Models) -> ClientsModel:
    from generator.components.clients import ClientsModel

    return models.get(ClientsModel)


def clients_translatable(models: Models, where: Where) -> Iterator[Finding]:
    from generator.components.clients import RDKAFKA_CONSUMER, RDKAFKA_PRODUCER

    clients = _clients(models)
    for section, keys, mapping in (
        ("producer", clients.producer, RDKAFKA_PRODUCER),
        ("consumer", clients.consumer, RDKAFKA_CONSUMER),
    ):
        for name in sorted(keys):
            if name not in mapping:
                yield where.error(
                    f"clients.{section}.{name}",
                    "has no reviewed librdkafka equivalent, so producer.json/consumer.json "
                    f"could not match; allowed: {', '.join(sorted(mapping))}",
                )


def idempotence_needs_acks_all(models: Models, where: Where) -> Iterator[Finding]:
    producer = _clients(models).producer
    if producer.get("enable.idempotence") is not True:
        return
    if str(producer.get("acks")) not in ("all", "-1"):
        yield where.error(
            "clients.producer.acks",
            f"{producer.get('acks')} with enable.idempotence=true; allowed: all (or set enable.idempotence=false)",
            "R43",
        )
    in_flight = producer.get("max.in.flight.requests.per.connection")
    if isinstance(in_flight, int) and in_flight > 5:
        yield where.error(
            "clients.producer.max.in.flight.requests.per.connection",
            f"{in_flight} with enable.idempotence=true; allowed: 1..5",
            "R43",
        )


def unclean_with_durable_producer(models: Models, where: Where) -> Iterator[Finding]:
    config, producer = models.get(BrokersModel).config, _clients(models).producer
    if (
        config.get("unclean.leader.election.enable") is True
        and str(producer.get("acks")) in ("all", "-1")
        and producer.get("enable.idempotence") is True
    ):
        yield where.warning(
            "kafka.config.unclean.leader.election.enable",
            "true with acks=all and idempotence: an out-of-sync leader can drop acknowledged writes, so "
            "acks=all does not make them durable",
            "C10",
            "R27",
        )


def session_timeout_within_group_bounds(models: Models, where: Where) -> Iterator[Finding]:
    timeout = _clients(models).consumer.get("session.timeout.ms")
    config = models.get(BrokersModel).config
    low = setting(config, "group.min.session.timeout.ms", 6000)
    high = setting(config, "group.max.session.timeout.ms", 1800000)
    if isinstance(timeout, int) and not low <= timeout <= high:
        yield where.error(
            "clients.consumer.session.timeout.ms",
            f"{timeout} is outside the brokers' group.min.session.timeout.ms..group.max.session.timeout.ms "
            f"= {low}..{high}: every consumer would be refused when it joins its group",
            "R30",
        )


def buffer_memory_fits_batches(models: Models, where: Where) -> Iterator[Finding]:
    clients = _clients(models)
    chosen = clients.producer.get("buffer.memory")
    if isinstance(chosen, int) and chosen < clients.buffer_memory:
        yield where.warning(
            "clients.producer.buffer.memory",
            f"{chosen} is below max(32 MiB, partitionsPerProducer x batch.size) = {clients.buffer_memory}: send() "
            "blocks before batches fill, which costs the throughput the batch size was chosen for",
            "R38",
        )


RULES: tuple[Rule, ...] = (
    clients_translatable,
    idempotence_needs_acks_all,
    unclean_with_durable_producer,
    session_timeout_within_group_bounds,
    buffer_memory_fits_batches,
)
