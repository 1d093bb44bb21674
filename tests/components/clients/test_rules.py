"""Rules of the clients component that refuse what renders but breaks the clients against these brokers
(issue #11 part 3): each an exact one-line error from `kafka-profiles render` (exit 2, nothing
written), or a warning, naming the input key, the layer that set it and what is allowed. Each test's
docstring says what a real client would do with the refused input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from generator.target import Request, build

Run = Callable[..., Result]


def refused(run: Run, tmp_path: Path, *sets: str, profile: str = "durability") -> list[str]:
    """The lines `render <profile> --set ...` exits 2 with; nothing is written."""
    out = tmp_path / "out"
    result = run("render", profile, *(word for s in sets for word in ("--set", s)), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert not out.exists()
    return result.output.splitlines()


def renders(*sets: str, profile: str = "durability") -> list[str]:
    """The warnings of a build that the rules let through."""
    return [finding.line() for finding in build(Request(profile, sets=sets)).warnings]


# --- heartbeat.interval.ms against session.timeout.ms ----------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("clients.consumer.heartbeat.interval.ms=30000",),
            "error: clients.consumer.heartbeat.interval.ms: 30000 is not below session.timeout.ms=30000: the Java "
            "consumer refuses to start (IllegalArgumentException: Heartbeat must be set lower than the session "
            "timeout); allowed: below 30000, and at most 10000 (a third of it) to survive a late heartbeat (set by "
            "--set clients.consumer.heartbeat.interval.ms=30000) [R30]",
        ),
        (
            ("clients.consumer.session.timeout.ms=null", "clients.consumer.heartbeat.interval.ms=50000"),
            "error: clients.consumer.heartbeat.interval.ms: 50000 is not below session.timeout.ms=45000: the Java "
            "consumer refuses to start (IllegalArgumentException: Heartbeat must be set lower than the session "
            "timeout); allowed: below 45000, and at most 15000 (a third of it) to survive a late heartbeat (set by "
            "--set clients.consumer.heartbeat.interval.ms=50000) [R30]",
        ),
    ],
)
def test_heartbeat_not_below_the_session_timeout_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str
) -> None:
    """The Java consumer's constructor throws (Heartbeat: "Heartbeat must be set lower than the session
    timeout"): every application built from consumer.properties fails at start-up."""
    assert refused(run, tmp_path, *sets) == [message]


def test_heartbeat_above_a_third_of_the_session_timeout_warns() -> None:
    """The consumer docs: "typically should be set no higher than 1/3 of that value": above it, two late
    heartbeats (a GC pause, a coordinator failover) expire the session and rebalance the whole group."""
    assert renders("clients.consumer.heartbeat.interval.ms=10001") == [
        "clients.consumer.heartbeat.interval.ms: 10001 is above a third of session.timeout.ms=30000: two "
        "heartbeats lost or late, as in a long GC pause or a broker failover, expire the session and rebalance "
        "the group (set by --set clients.consumer.heartbeat.interval.ms=10001) [R30]"
    ]
    assert renders("clients.consumer.heartbeat.interval.ms=10000") == []
    assert renders("clients.consumer.heartbeat.interval.ms=null", "clients.consumer.session.timeout.ms=null") == []


# --- batch.size against the brokers' message.max.bytes ---------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("clients.producer.batch.size=2000000",),
            "error: clients.producer.batch.size: 2000000 is above the brokers' message.max.bytes=1048588: they refuse "
            "a full batch (MESSAGE_TOO_LARGE), the producer splits it into batches of batch.size again, and records "
            "that do not compress below the limit fail after delivery.timeout.ms; allowed: at most 1048588 (or raise "
            "kafka.config.message.max.bytes) (set by --set clients.producer.batch.size=2000000) [R36]",
        ),
        (
            ("kafka.config.message.max.bytes=10000",),
            "error: clients.producer.batch.size: 16384 is above the brokers' message.max.bytes=10000: they refuse a "
            "full batch (MESSAGE_TOO_LARGE), the producer splits it into batches of batch.size again, and records "
            "that do not compress below the limit fail after delivery.timeout.ms; allowed: at most 10000 (or raise "
            "kafka.config.message.max.bytes) (set by profiles/base.yaml) [R36]",
        ),
    ],
)
def test_batch_above_what_the_brokers_accept_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str
) -> None:
    """A full batch above message.max.bytes is refused (MESSAGE_TOO_LARGE); the Java producer splits it
    into batches of batch.size again (RecordAccumulator.splitAndReenqueue), which are refused again, so
    incompressible records are never written and fail with a timeout after delivery.timeout.ms."""
    assert refused(run, tmp_path, *sets) == [message]


def test_batch_up_to_what_the_brokers_accept_renders() -> None:
    """R36's 1000000-byte batches fit the default message.max.bytes (1048588)."""
    assert renders("clients.producer.batch.size=1048588") == []
    assert renders(profile="throughput") == []


def test_max_request_size_above_what_the_brokers_accept_warns() -> None:
    """A record between message.max.bytes and max.request.size passes the producer's own check at send()
    and is refused by the brokers (RecordTooLargeException, not retriable): the application learns of it
    in a callback, not at send()."""
    assert renders("kafka.config.message.max.bytes=1048575", "clients.producer.batch.size=16384") == [
        "clients.producer.max.request.size: 1048576 is above the brokers' message.max.bytes=1048575: a record of a "
        "size in between passes send() and is refused by the brokers (RecordTooLargeException), which no retry can "
        "fix (set by profiles/base.yaml) [R36]"
    ]


# --- the rules that were here before, pinned whole --------------------------------------------------------


def test_java_key_without_a_librdkafka_equivalent_is_refused(run: Run, tmp_path: Path) -> None:
    """producer.json would silently lack the key, so librdkafka clients would not match the Java ones."""
    assert refused(run, tmp_path, "clients.producer.partitioner.class=x.Y") == [
        "error: clients.producer.partitioner.class: has no reviewed librdkafka equivalent, so "
        "producer.json/consumer.json could not match; allowed: acks, batch.size, buffer.memory, client.id, "
        "compression.type, delivery.timeout.ms, enable.idempotence, linger.ms, "
        "max.in.flight.requests.per.connection, request.timeout.ms, retries, retry.backoff.ms (set by --set "
        "clients.producer.partitioner.class=x.Y)"
    ]


def test_unclean_election_with_a_durable_producer_warns() -> None:
    """C10: an out-of-sync leader can drop writes that acks=all had acknowledged."""
    assert (
        "kafka.config.unclean.leader.election.enable: true with acks=all and idempotence: an out-of-sync leader can "
        "drop acknowledged writes, so acks=all does not make them durable (set by profiles/high-availability.yaml) "
        "[C10, R27]"
    ) in renders(profile="high-availability")
