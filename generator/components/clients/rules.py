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


# Upstream defaults (Kafka 3.9 producer, consumer and broker configs, ../shared/reference/configs).
SESSION_TIMEOUT_MS, HEARTBEAT_INTERVAL_MS = 45000, 3000
BATCH_SIZE, MAX_REQUEST_SIZE, MESSAGE_MAX_BYTES = 16384, 1048576, 1048588


def heartbeat_within_session(models: Models, where: Where) -> Iterator[Finding]:
    """heartbeat.interval.ms: "The value must be set lower than session.timeout.ms, but typically should
    be set no higher than 1/3 of that value" (Kafka consumer configs). The Java consumer refuses to be
    built otherwise (Heartbeat: "Heartbeat must be set lower than the session timeout"); at more than a
    third, one or two late heartbeats expire the session and rebalance the group."""
    consumer = _clients(models).consumer
    session = setting(consumer, "session.timeout.ms", SESSION_TIMEOUT_MS)
    heartbeat = setting(consumer, "heartbeat.interval.ms", HEARTBEAT_INTERVAL_MS)
    if not (isinstance(session, int) and isinstance(heartbeat, int)):
        return
    key = "clients.consumer.heartbeat.interval.ms"
    if heartbeat >= session:
        yield where.error(
            key,
            f"{heartbeat} is not below session.timeout.ms={session}: the Java consumer refuses to start "
            f"(IllegalArgumentException: Heartbeat must be set lower than the session timeout); allowed: below "
            f"{session}, and at most {session // 3} (a third of it) to survive a late heartbeat",
            "R30",
        )
    elif 3 * heartbeat > session:
        yield where.warning(
            key,
            f"{heartbeat} is above a third of session.timeout.ms={session}: two heartbeats lost or late, as in a "
            "long GC pause or a broker failover, expire the session and rebalance the group",
            "R30",
        )


def batch_fits_brokers(models: Models, where: Where) -> Iterator[Finding]:
    """message.max.bytes: "The largest record batch size allowed by Kafka (after compression if
    compression is enabled)" (Kafka broker configs). The producer fills a batch up to batch.size (its
    compressed estimate); a batch the brokers refuse with MESSAGE_TOO_LARGE is split into batches of
    batch.size again (RecordAccumulator.splitAndReenqueue), which they refuse as well, until
    delivery.timeout.ms fails its records. max.request.size caps a single record at send(): a record
    between message.max.bytes and it passes send() and fails at the brokers with RecordTooLargeException,
    which no retry or split helps."""
    producer = _clients(models).producer
    limit = setting(models.get(BrokersModel).config, "message.max.bytes", MESSAGE_MAX_BYTES)
    batch = setting(producer, "batch.size", BATCH_SIZE)
    request = setting(producer, "max.request.size", MAX_REQUEST_SIZE)
    if not isinstance(limit, int):
        return
    if isinstance(batch, int) and batch > limit:
        yield where.error(
            "clients.producer.batch.size",
            f"{batch} is above the brokers' message.max.bytes={limit}: they refuse a full batch (MESSAGE_TOO_LARGE), "
            "the producer splits it into batches of batch.size again, and records that do not compress below "
            f"the limit fail after delivery.timeout.ms; allowed: at most {limit} (or raise "
            "kafka.config.message.max.bytes)",
            "R36",
        )
    if isinstance(request, int) and request > limit:
        yield where.warning(
            "clients.producer.max.request.size",
            f"{request} is above the brokers' message.max.bytes={limit}: a record of a size in between passes "
            "send() and is refused by the brokers (RecordTooLargeException), which no retry can fix",
            "R36",
        )


RULES: tuple[Rule, ...] = (
    clients_translatable,
    idempotence_needs_acks_all,
    unclean_with_durable_producer,
    session_timeout_within_group_bounds,
    buffer_memory_fits_batches,
    heartbeat_within_session,
    batch_fits_brokers,
)
