"""Three brokers from the generated server.properties and start-kafka.sh, on a 3-server ensemble."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .cluster import KafkaCluster, ZooKeeperEnsemble, loopback
from .shims import recorded_args
from .tools import JavaRuntime, run_script

pytestmark = pytest.mark.realcluster

BROKERS = 3
TOPIC = "payments"
MESSAGES = [f"message-{n}" for n in range(10)]


@pytest.fixture(scope="module")
def kafka(
    new_zookeeper: Callable[[int, Path], ZooKeeperEnsemble],
    new_kafka: Callable[[int, Path, ZooKeeperEnsemble], KafkaCluster],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[KafkaCluster]:
    workdir = tmp_path_factory.mktemp("kafka")
    # Brokers stop first: a broker whose ZooKeeper is gone hangs in controlled shutdown.
    with new_zookeeper(3, workdir / "zookeeper") as zookeeper:
        zookeeper.start()
        with new_kafka(BROKERS, workdir / "kafka", zookeeper) as cluster:
            cluster.start()
            yield cluster


def overrides(args: list[str]) -> dict[str, str]:
    """`--override key=value` pairs the start script passed, as a dict."""
    pairs = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--override"]
    return dict(pair.split("=", 1) for pair in pairs)


def test_start_script_passes_broker_identity(kafka: KafkaCluster) -> None:
    for ordinal in range(BROKERS):
        args = recorded_args(kafka.home(ordinal))
        assert args[0] == str(kafka.server_dir(ordinal) / "server.properties")
        passed = overrides(args)
        assert passed["broker.id"] == str(kafka.broker_id(ordinal))
        advertised = f"PLAINTEXT://{kafka.naming.broker_host(ordinal)}:{kafka.port}"
        assert passed["advertised.listeners"] == advertised
        assert passed.get("broker.rack") == kafka.naming.broker(ordinal).rack


def test_every_broker_is_registered_in_zookeeper(kafka: KafkaCluster, runtime: JavaRuntime) -> None:
    result = runtime.zookeeper_cli(kafka.zookeeper.connect_string(), ["ls", "/brokers/ids"])
    assert result.returncode == 0, result.describe()
    registered = result.stdout.splitlines()[-1].strip("[]").split(", ")
    assert sorted(registered) == sorted(str(kafka.broker_id(i)) for i in range(BROKERS)), result.stdout


def test_every_broker_answers_with_its_own_address(kafka: KafkaCluster, runtime: JavaRuntime) -> None:
    result = runtime.run("kafka.admin.BrokerApiVersionsCommand", ["--bootstrap-server", kafka.bootstrap()])
    assert result.returncode == 0, result.describe()
    answering = set(re.findall(r"^(\S+) \(id: (\d+) rack: \S+\) -> \(", result.stdout, re.MULTILINE))
    assert answering == {(f"{loopback(i)}:{kafka.port}", str(kafka.broker_id(i))) for i in range(BROKERS)}, (
        result.stdout
    )


@pytest.mark.parametrize("mode", ["started", "ready"])
def test_generated_probes_pass(kafka: KafkaCluster, generated_config: Path, mode: str) -> None:
    """R15: the startup and readiness probes of a broker whose replicas are all in sync."""
    # The probe asks 127.0.0.1, as inside the pod: here that is the broker with ordinal 0.
    pod = {"POD_NAME": kafka.naming.broker_pod(0)}
    done = run_script(generated_config / "kafka-ready.sh", [mode, str(kafka.port)], env=pod)
    assert done.returncode == 0, done.stdout + done.stderr


def test_replicated_topic_round_trip(kafka: KafkaCluster, runtime: JavaRuntime) -> None:
    bootstrap = ["--bootstrap-server", kafka.bootstrap()]
    created = runtime.run(
        "org.apache.kafka.tools.TopicCommand",
        [*bootstrap, "--create", "--topic", TOPIC, "--partitions", "3", "--replication-factor", "3",
         "--config", "min.insync.replicas=2"],
    )  # fmt: skip
    assert created.returncode == 0, created.describe()

    described = runtime.run("org.apache.kafka.tools.TopicCommand", [*bootstrap, "--describe", "--topic", TOPIC])
    assert described.returncode == 0, described.describe()
    assert "ReplicationFactor: 3" in described.stdout and "min.insync.replicas=2" in described.stdout
    isrs = re.findall(r"\bIsr: ([\d,]+)", described.stdout)
    assert len(isrs) == 3 and all(len(isr.split(",")) == 3 for isr in isrs), described.stdout

    # acks=all with min.insync.replicas=2: each write is confirmed by at least two brokers.
    produced = runtime.run(
        "kafka.tools.ConsoleProducer",
        [*bootstrap, "--topic", TOPIC, "--producer-property", "acks=all"],
        stdin="".join(m + "\n" for m in MESSAGES),
    )
    assert produced.returncode == 0, produced.describe()

    consumed = runtime.run(
        "org.apache.kafka.tools.consumer.ConsoleConsumer",
        [*bootstrap, "--topic", TOPIC, "--from-beginning", "--max-messages", str(len(MESSAGES)),
         "--timeout-ms", "45000", "--group", "realcluster-test"],
        timeout=90.0,
    )  # fmt: skip
    assert consumed.returncode == 0, consumed.describe()
    # Order holds per partition only; three partitions interleave.
    assert sorted(consumed.stdout.splitlines()) == sorted(MESSAGES), consumed.describe()
