"""`make bench-clients`: messages/s and end-to-end latency of the generated client configs of the
throughput and low-latency targets, each on a real three-broker cluster of its own target on loopback.

A benchmark, not a test: nothing here asserts a time. It writes its own section of docs/benchmarks.md
(between the markers of bench/docsection.py) and prints the table.

Per target, on a fresh cluster started from the target's committed files (by the real-cluster harness,
tests/realcluster): a librdkafka producer fed producer.json and a librdkafka consumer fed consumer.json, in
separate processes. Each message carries the wall-clock time of its produce() call; the consumer takes
end-to-end latency = time read - time produced.

- full speed: the producer sends MESSAGES as fast as it can; messages/s = MESSAGES / (first send ->
  last acknowledgement); the latencies include the time messages queue in the producer.
- paced: each of PACED_RATES messages/s for PACED_SECONDS; the latencies below saturation.

Each cluster first runs a discarded warm-up at full speed and paced (JIT, the producer's idempotence id).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # the harness: tests/realcluster

import docsection  # noqa: E402  (bench/, beside this file)
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Message, Producer, TopicPartition  # noqa: E402

from tests.realcluster.artifacts import ensure_classpath  # noqa: E402
from tests.realcluster.cluster import KafkaCluster, ZooKeeperEnsemble  # noqa: E402
from tests.realcluster.inputs import Target, committed_target  # noqa: E402
from tests.realcluster.rdkafka_clients import RdkafkaLog, create_topic  # noqa: E402
from tests.realcluster.tools import JavaRuntime  # noqa: E402

TARGETS = ("throughput", "low-latency")
PARTITIONS = 3
MESSAGE_BYTES = 512
MESSAGES = 200_000
PACED_RATES = (100, 1_000)
PACED_SECONDS = 10
# Discarded: the brokers' JIT warms up on the hot paths (a paced run alone leaves full speed cold).
WARM_UP = ((MESSAGES // 2, None), (2_000, 500))  # (messages, per second or None for full speed)
REPEATS = 3
CONSUMER_TIMEOUT_S = 180.0
# Text, like most payloads: lz4 (the throughput target's codec) has something to compress.
FILLER = (b'{"account":"DE44500105175407324931","amount":"1234.56","currency":"EUR","note":"' * 20)[:MESSAGE_BYTES]


TABLE_HEAD = (
    "| target | msg/s at full speed (acks=all) | MiB/s | "
    + " | ".join(f"latency p50 / p99 at {rate:,} msg/s (ms)" for rate in PACED_RATES)
    + " | latency p50 / p99 at full speed (ms) |\n| --- | ---: | ---: | "
    + "---: | " * len(PACED_RATES)
    + "---: |"
)


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class Run:
    messages_per_s: float
    full_speed: Latency
    paced: dict[int, Latency]  # rate -> latency


def payload() -> bytes:
    """MESSAGE_BYTES, starting with the send time in ns (read back by the consumer)."""
    return struct.pack(">q", time.time_ns()) + FILLER[8:]


def percentiles(latencies_ns: Sequence[int]) -> Latency:
    cuts = statistics.quantiles(latencies_ns, n=100, method="inclusive")
    return Latency(p50_ms=cuts[49] / 1e6, p99_ms=cuts[98] / 1e6)


def consume(config: dict[str, object], topic: str, count: int, ready: Connection, result: Connection) -> None:
    """Child process: read `count` messages of `topic` from the beginning, send back the latencies."""
    consumer = Consumer({**config, "group.id": f"bench-{topic}"})
    try:
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
        consumer.poll(0.5)
        ready.send(True)
        latencies: list[int] = []
        deadline = time.monotonic() + CONSUMER_TIMEOUT_S
        while len(latencies) < count and time.monotonic() < deadline:
            # poll(), not consume(n): consume waits out its timeout unless n messages came, which would
            # add up to that timeout to every latency at a low rate.
            message = consumer.poll(0.5)
            received = time.time_ns()
            if message is not None and message.error() is None:
                latencies.append(received - struct.unpack_from(">q", message.value() or b"")[0])
        result.send(latencies)
    finally:
        consumer.close()


@contextmanager
def consumer_process(config: dict[str, object], topic: str, count: int) -> Iterator[Connection]:
    """A consumer in its own process (its own interpreter lock), stopped by its pid when done."""
    context = multiprocessing.get_context("spawn")
    ready_out, ready_in = context.Pipe(duplex=False)
    result_out, result_in = context.Pipe(duplex=False)
    process = context.Process(target=consume, args=(config, topic, count, ready_in, result_in), daemon=True)
    process.start()
    try:
        if not ready_out.poll(60):
            raise TimeoutError("the consumer did not start within 60 s")
        ready_out.recv()
        yield result_out
    finally:
        process.join(timeout=CONSUMER_TIMEOUT_S + 30)
        if process.is_alive():
            process.kill()
            process.join(timeout=10)


def collect(result: Connection, count: int) -> list[int]:
    if not result.poll(CONSUMER_TIMEOUT_S + 30):
        raise TimeoutError("the consumer sent no result")
    latencies: list[int] = result.recv()
    if len(latencies) < count:
        raise RuntimeError(f"the consumer read {len(latencies)} of {count} messages")
    return latencies


class Acks:
    def __init__(self) -> None:
        self.ok = 0
        self.errors: list[str] = []

    def __call__(self, error: KafkaError | None, message: Message) -> None:
        if error is None:
            self.ok += 1
        else:
            self.errors.append(error.name())


def produce(producer: Producer, topic: str, count: int, per_second: float | None) -> None:
    interval = 1.0 / per_second if per_second else 0.0
    next_at = time.monotonic()
    for _ in range(count):
        while True:
            try:
                producer.produce(topic, value=payload())
                break
            except BufferError:  # the local queue is full: serve acknowledgements, which frees room
                producer.poll(0.05)
        producer.poll(0)
        if interval:
            next_at += interval
            if (wait := next_at - time.monotonic()) > 0:
                time.sleep(wait)


def phase(
    cluster: KafkaCluster, target: Target, topic: str, count: int, per_second: float | None
) -> tuple[float, Latency]:
    create_topic(cluster.bootstrap(), topic, RdkafkaLog("admin"), PARTITIONS)
    cluster.wait_for_full_isr(topic)
    acks = Acks()
    producer = Producer({**cluster.client_json(target.file("producer.json")), "on_delivery": acks})
    with consumer_process(cluster.client_json(target.file("consumer.json")), topic, count) as result:
        started = time.perf_counter()
        produce(producer, topic, count, per_second)
        if producer.flush(150):
            raise TimeoutError("messages still unacknowledged after 150 s")
        elapsed = time.perf_counter() - started
        latencies = collect(result, count)
    if acks.errors or acks.ok != count:
        raise RuntimeError(f"{acks.ok} of {count} acknowledged; errors: {sorted(set(acks.errors))}")
    return count / elapsed, percentiles(latencies)


@contextmanager
def running(target: Target, runtime: JavaRuntime, workdir: Path) -> Iterator[KafkaCluster]:
    naming = target.pinned.naming
    with ZooKeeperEnsemble(3, target.config_dir, naming, runtime, workdir / "zookeeper") as zookeeper:
        zookeeper.start()
        with KafkaCluster(3, target.config_dir, naming, runtime, workdir / "kafka", zookeeper) as cluster:
            cluster.start()
            yield cluster


def bench_target(target: Target, runtime: JavaRuntime, workdir: Path, repeats: int) -> list[Run]:
    runs = []
    with running(target, runtime, workdir) as cluster:
        for n, (count, warm_up_rate) in enumerate(WARM_UP):
            phase(cluster, target, f"warm-up-{n}", count, warm_up_rate)
        for n in range(repeats):
            rate, full_speed = phase(cluster, target, f"full-{n}", MESSAGES, None)
            paced = {r: phase(cluster, target, f"paced-{r}-{n}", r * PACED_SECONDS, r)[1] for r in PACED_RATES}
            runs.append(Run(rate, full_speed, paced))
            print(f"  {target.name} run {n + 1}: {rate:,.0f} msg/s, full speed {full_speed}, paced {paced}")
    return runs


def median_run(runs: Sequence[Run]) -> Run:
    def mid(values: Sequence[float]) -> float:
        return statistics.median(values)

    def mid_latency(latencies: Sequence[Latency]) -> Latency:
        return Latency(mid([x.p50_ms for x in latencies]), mid([x.p99_ms for x in latencies]))

    return Run(
        messages_per_s=mid([r.messages_per_s for r in runs]),
        full_speed=mid_latency([r.full_speed for r in runs]),
        paced={rate: mid_latency([r.paced[rate] for r in runs]) for rate in PACED_RATES},
    )


def settings(target: Target) -> str:
    producer, consumer = target.params["clients"]["producer"], target.params["clients"]["consumer"]
    return (
        f"batch.size {producer['batch.size']}, linger.ms {producer['linger.ms']}, "
        f"compression {producer['compression.type']}; fetch.min.bytes {consumer['fetch.min.bytes']}, "
        f"fetch.max.wait.ms {consumer['fetch.max.wait.ms']}"
    )


def replication(targets: dict[str, Target]) -> str:
    found = {
        (t.server_settings["default.replication.factor"], t.server_settings["min.insync.replicas"])
        for t in targets.values()
    }
    return "; ".join(f"RF {rf}, min.insync.replicas {isr}" for rf, isr in sorted(found))


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False).stderr.splitlines()[0]
    from confluent_kafka import libversion

    return (
        f"{os.cpu_count()} cores ({cpu}), {memory_gib:.0f} GiB, Linux {platform.release()}; {java}; "
        f"librdkafka {libversion()[0]} (confluent-kafka); Python {platform.python_version()}"
    )


def row(name: str, run: Run) -> str:
    def cell(latency: Latency) -> str:
        return f"{latency.p50_ms:.1f} / {latency.p99_ms:.1f}"

    mib_per_s = run.messages_per_s * MESSAGE_BYTES / 2**20
    paced = " | ".join(cell(run.paced[rate]) for rate in PACED_RATES)
    return f"| `{name}` | {run.messages_per_s:,.0f} | {mib_per_s:.1f} | {paced} | {cell(run.full_speed)} |"


def comparison(fast: Run, quick: Run) -> str:
    """The two sides of the trade-off in numbers (throughput target = fast, low-latency target = quick)."""
    slow_rate = PACED_RATES[0]
    return (
        f"In this run the throughput target moved {fast.messages_per_s / quick.messages_per_s:.1f}x the "
        f"messages per second of the low-latency target at full speed, and the low-latency target delivered a "
        f"message sent at {slow_rate} msg/s in {quick.paced[slow_rate].p50_ms:.1f} ms (p50) where the throughput "
        f"target took {fast.paced[slow_rate].p50_ms:.1f} ms."
    )


def each_run(runs: Sequence[Run]) -> str:
    """The runs behind a median: on two shared cores they differ, and the reader should see by how much."""
    rates = ", ".join(f"{r.messages_per_s:,.0f}" for r in runs)
    paced = "; ".join(
        f"p50 at {rate:,} msg/s " + ", ".join(f"{r.paced[rate].p50_ms:.1f}" for r in runs) + " ms"
        for rate in PACED_RATES
    )
    return f"runs: {rates} msg/s; {paced}"


def report(
    all_runs: dict[str, list[Run]], targets: dict[str, Target], started: str, seconds: float, repeats: int
) -> str:
    results = {name: median_run(runs) for name, runs in all_runs.items()}
    rows = "\n".join(row(name, run) for name, run in results.items())
    notes = "\n".join(
        f"- `{name}`: {settings(target)}. Each of the {repeats} {each_run(all_runs[name])}."
        for name, target in targets.items()
    )
    paced = ", ".join(f"{rate * PACED_SECONDS:,} at {rate:,} msg/s" for rate in PACED_RATES)
    return f"""## Client configs on a real cluster: throughput vs low-latency

Written by `make bench-clients` (bench/clients.py); do not edit by hand, run it again.
Run of {started}, {seconds:.0f} s. Machine: {machine()}.

Each target runs on three brokers and three ZooKeeper servers of its own, started from its committed files
by the real-cluster test harness on loopback (heaps of 256 MiB), topic of {PARTITIONS} partitions with the
target's replication ({replication(targets)}). A librdkafka producer fed the target's `producer.json`
sends {MESSAGE_BYTES}-byte text messages; a librdkafka consumer fed its `consumer.json` reads them in another
process. Latency is end to end: from the producer's `produce()` call to the consumer receiving the message.
Messages per run: {MESSAGES:,} at full speed, {paced}. Median of {repeats} runs, after a discarded
warm-up run (full speed and paced). A benchmark, not a test: nothing asserts a time.

{TABLE_HEAD}
{rows}

{notes}

{comparison(results["throughput"], results["low-latency"])}

This is the trade-off of the runbook (R36-R40). The throughput profile fills batches of up to 1 MB for up
to 100 ms, compresses them with lz4, and its consumers ask for 1 MiB per fetch or wait 500 ms: few, large
requests, hence the messages per second at full speed; a message sent at a moderate rate waits for the
linger and for the fetch to fill, hence its latency. The low-latency profile sends each message at once
(linger 0, no compression) and its consumers are answered as soon as a byte is there (at most 10 ms
later): low latency while the brokers keep up, but one acks=all request per message, which on these two
shared cores limits its full-speed rate. Loopback only: no network cost; the two cores are shared by six
JVMs and both clients, so full-speed rates vary from run to run and a p99 can catch a stall of the whole
machine (a GC pause on a 256 MiB heap, a descheduled broker): the p50s and the runs listed above are the
steadier read."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc", type=Path, default=REPO / "docs" / "benchmarks.md")
    parser.add_argument("--no-doc", action="store_true", help="print the section, write nothing")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="runs per target (median reported)")
    options = parser.parse_args()
    if shutil.which("java") is None or shutil.which("mvn") is None:
        raise SystemExit("bench-clients needs java and mvn on PATH (the harness runs the real jars)")

    started, clock = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), time.perf_counter()
    targets = {name: committed_target(name) for name in TARGETS}
    results: dict[str, list[Run]] = {}
    for name, target in targets.items():
        pinned = target.pinned
        runtime = JavaRuntime(
            shutil.which("java") or "java", ensure_classpath(pinned.kafka_version, pinned.zookeeper_version)
        )
        with tempfile.TemporaryDirectory(prefix=f"bench-clients-{name}-") as scratch:
            results[name] = bench_target(target, runtime, Path(scratch), options.repeats)
    text = report(results, targets, started, time.perf_counter() - clock, options.repeats)
    if not options.no_doc:
        docsection.replace(options.doc, text)
        print(f"bench-clients: wrote its section of {options.doc}")
    print(text)


if __name__ == "__main__":
    main()
