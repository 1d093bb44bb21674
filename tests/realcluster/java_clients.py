"""Kafka's own console producer and consumer (same jars as the brokers), fed the generated .properties.

The Java clients log the configuration they run with ("ProducerConfig values:" at INFO, to stderr with the
harness's log4j.properties): comparing that block with the generated file shows the tool did not replace
a generated value with one of its own defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .properties import to_dict
from .tools import JavaRuntime, ToolResult

PRODUCER = "kafka.tools.ConsoleProducer"
CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
# AbstractConfig.logUnused names keys the client got but does not know. Kafka 3.9 says it once, at INFO:
# "These configurations '[a, b]' were supplied but are not used yet."; releases before 3.7 said it per key,
# at WARN: "The configuration 'a' was supplied but isn't a known config."
UNUSED_CONFIG = ("were supplied but are not used yet", "isn't a known config")
# The broker's refusal as the Java producer logs each retry: "... Error: NOT_ENOUGH_REPLICAS".
NOT_ENOUGH_REPLICAS = "NOT_ENOUGH_REPLICAS"
_LOG_LINE = re.compile(r"^\[[^\]]+\] (?P<level>[A-Z]+) ")


def config_warnings(stderr: str) -> list[str]:
    """Lines where a Java client complains about its configuration."""
    found = []
    for line in stderr.splitlines():
        match = _LOG_LINE.match(line)
        warned = match is not None and match["level"] in ("WARN", "ERROR") and "config" in line.lower()
        if warned or any(marker in line for marker in UNUSED_CONFIG):
            found.append(line)
    return found


def effective_config(stderr: str, kind: str) -> dict[str, str]:
    """The '<kind> values:' block a client logs when it is constructed, e.g. kind='ProducerConfig'."""
    lines = stderr.splitlines()
    start = next((i for i, line in enumerate(lines) if f"INFO {kind} values:" in line), None)
    if start is None:
        raise AssertionError(f"no '{kind} values:' block in the tool's log")
    values = {}
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        key, _, value = line.strip().partition(" = ")
        values[key] = value
    return values


def as_java_logs_it(generated: Mapping[str, str]) -> dict[str, str]:
    """The generated values spelled as the client's config dump prints them."""
    expected = dict(generated)
    if expected.get("acks") == "all":
        expected["acks"] = "-1"  # the producer resolves all to -1
    if "bootstrap.servers" in expected:
        expected["bootstrap.servers"] = "[" + ", ".join(expected["bootstrap.servers"].split(",")) + "]"
    return expected


def unmatched(generated: Path, effective: Mapping[str, str]) -> dict[str, tuple[str, str | None]]:
    """Generated keys whose value the client does not run with: key -> (generated, effective)."""
    wanted = as_java_logs_it(to_dict(generated.read_text(encoding="utf-8")))
    return {k: (v, effective.get(k)) for k, v in wanted.items() if effective.get(k) != v}


def producer_args(bootstrap: str, topic: str, properties: Path) -> list[str]:
    # The console producer writes compression.type from its own --compression-codec option (default
    # none) over the file's value; passing the file's value makes the tool keep the generated codec.
    codec = to_dict(properties.read_text(encoding="utf-8")).get("compression.type", "none")
    return [
        "--bootstrap-server", bootstrap, "--topic", topic, "--producer.config", str(properties),
        "--compression-codec", codec,
    ]  # fmt: skip


def produce(runtime: JavaRuntime, bootstrap: str, topic: str, properties: Path, lines: Sequence[str]) -> ToolResult:
    return runtime.run(PRODUCER, producer_args(bootstrap, topic, properties), stdin="".join(f"{m}\n" for m in lines))


def consume(
    runtime: JavaRuntime, bootstrap: str, topic: str, properties: Path, count: int, timeout_s: float = 45.0
) -> ToolResult:
    # auto.offset.reset=earliest comes from the generated file: no --from-beginning needed.
    args = [
        "--bootstrap-server", bootstrap, "--topic", topic, "--consumer.config", str(properties),
        "--max-messages", str(count), "--timeout-ms", str(int(timeout_s * 1000)),
    ]  # fmt: skip
    return runtime.run(CONSUMER, args, timeout=timeout_s + 45)
