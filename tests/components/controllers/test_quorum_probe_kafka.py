"""The controller probe (config/controller/kafka-quorum.sh) against real Kafka 4.1.2 controllers, and the
combined development node's files on a real 4.1.2 process: what the stand-in tests (test_quorum_probe.py,
test_combined.py) assume of Kafka's bytes and config checks, shown on the real thing.

Three controllers from the rendered `config/controller/server.properties` (host names and ports rewritten to
loopback, node.id and advertised.listeners appended as start-kafka.sh does), two started first: both Ready;
the third, not yet formatted, is not Ready and its empty-volume check says a majority of the others is caught
up; once started all three are Ready; a follower stopped with SIGSTOP is not Ready while the leader's clock
moves on, and Ready again after SIGCONT. Jars from Maven Central (tests/realcluster/artifacts.py), small
heaps, loopback only, every process stopped by its PID."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from generator.target import Build, Request, build
from tests.realcluster.artifacts import ensure_classpath

pytestmark = [pytest.mark.realcluster, pytest.mark.slow]

KAFKA = "4.1.2"
CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg"  # profiles/kraft.yaml's example
JVM = ["-Xms128m", "-Xmx192m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]  # three JVMs share two cores
START_S = 120.0


class Done(NamedTuple):
    code: int
    stdout: str
    stderr: str


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port: int = probe.getsockname()[1]
    return port


def _wait(what: str, check: Callable[[], bool], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"not within {seconds:.0f} s: {what}")


class Node:
    """One Kafka process on loopback: its file, log and PID."""

    def __init__(self, folder: Path, name: str, config: str, lib: Path, log4j: Path) -> None:
        self.folder, self.name, self.lib, self.log4j = folder, name, lib, log4j
        self.config = folder / f"{name}.properties"
        self.config.write_text(config, encoding="utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def java(self, main: str, *args: str) -> list[str]:
        java = shutil.which("java")
        assert java
        return [java, *JVM, f"-Dlog4j2.configurationFile={self.log4j}", "-cp", f"{self.lib}/*", main, *args]

    def format(self) -> None:
        command = self.java(
            "kafka.tools.StorageTool", "format", "--config", str(self.config), f"--cluster-id={CLUSTER_ID}",
            "--release-version", "4.1", "--ignore-formatted",
        )  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    def start(self) -> None:
        log = (self.folder / f"{self.name}.log").open("wb")
        self.process = subprocess.Popen(
            self.java("kafka.Kafka", str(self.config)), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def signal(self, number: int) -> None:
        assert self.process
        os.kill(self.process.pid, number)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.kill(self.process.pid, signal.SIGCONT)
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def lib() -> Path:
    if shutil.which("java") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("java is missing (CI=true: failing instead of skipping)")
        pytest.skip("java is not installed")
    return ensure_classpath(KAFKA, None)


@pytest.fixture
def nodes() -> Iterator[list[Node]]:
    started: list[Node] = []
    yield started
    for node in started:
        node.stop()


def _controllers(target: Build, folder: Path, lib: Path) -> tuple[list[Node], dict[int, int]]:
    log4j = folder / "log4j2.properties"
    log4j.write_text(target.files["config/controller/log4j2.properties"], encoding="utf-8")
    ports = {3000 + n: _free_port() for n in range(3)}
    voters = ",".join(f"{node}@127.0.0.1:{port}" for node, port in ports.items())
    source = target.files["config/controller/server.properties"]
    source = re.sub(r"(?m)^controller\.quorum\.voters=.*$", f"controller.quorum.voters={voters}", source)
    made = []
    for node, port in ports.items():
        config = source.replace("/var/lib/kafka/data/logs", str(folder / str(node) / "logs"))
        config = config.replace("listeners=CONTROLLER://:9093", f"listeners=CONTROLLER://127.0.0.1:{port}")
        config += f"node.id={node}\nadvertised.listeners=CONTROLLER://127.0.0.1:{port}\n"  # as start-kafka.sh
        made.append(Node(folder, str(node), config, lib, log4j))
    return made, ports


def probe(script: Path, node: Node, *args: str, ordinal: int | None = None) -> Done:
    pod = f"kafka-controller-{int(node.name) - 3000 if ordinal is None else ordinal}"
    done = subprocess.run(
        ["/bin/bash", str(script), *args],
        env={"PATH": "/usr/bin:/bin", "POD_NAME": pod, "KAFKA_CONFIG": str(node.config)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return Done(done.returncode, done.stdout.strip(), done.stderr.strip())


def leader_of(script: Path, node: Node) -> str:
    """The leader's id, from what the probe says to a node id the quorum does not have (3009)."""
    said = probe(script, node, "ready", ordinal=9).stderr
    found = re.fullmatch(r"controller 3009 is not a voter of the quorum led by (\d+) \(voters: .*\)", said)
    assert found, said
    return found[1]


def test_the_probe_on_real_controllers(tmp_path: Path, lib: Path, nodes: list[Node]) -> None:
    target = build(Request("high-availability,kraft", sets=("controllers.replicas=3",)))
    script = tmp_path / "kafka-quorum.sh"
    script.write_text(target.files["config/controller/kafka-quorum.sh"], encoding="utf-8")
    controllers, ports = _controllers(target, tmp_path, lib)
    first, second, third = controllers
    for node in (first, second):
        node.format()
        node.start()
        nodes.append(node)
    _wait("3000 and 3001 Ready", lambda: all(probe(script, n, "ready").code == 0 for n in (first, second)), START_S)
    assert probe(script, first, "started", str(ports[3000])).code == 0

    # The third has an empty volume: not Ready, and safe to format (a majority of the others is caught up).
    leader = leader_of(script, first)
    assert probe(script, third, "ready") == Done(1, "", f"controller 3002 has not caught up with leader {leader} yet")
    check = probe(script, third, "format-check")
    assert check.code == 0, check
    assert re.fullmatch(
        rf"leader {leader} reports 2 voters other than 3002 caught up \((3000, 3001|3001, 3000)\), a majority of 3: "
        r"formatting now",
        check.stdout,
    ), check.stdout
    third.format()
    third.start()
    nodes.append(third)
    _wait("all three Ready", lambda: all(probe(script, n, "ready").code == 0 for n in controllers), START_S)

    # A follower that stops fetching: the leader keeps its last timestamps close together, its clock moves on.
    leader = leader_of(script, first)
    follower = next(n for n in controllers if n.name != leader)
    follower.signal(signal.SIGSTOP)
    try:
        _wait(f"{follower.name} not Ready", lambda: probe(script, follower, "ready").code == 1, 30)
        said = probe(script, follower, "ready").stderr
        assert re.fullmatch(
            rf"controller {follower.name} is behind leader {leader}: last caught up \d+ ms ago by its clock "
            r"\(allowed: 2000\)",
            said,
        ), said
    finally:
        follower.signal(signal.SIGCONT)
    _wait(f"{follower.name} Ready again", lambda: probe(script, follower, "ready").code == 0, 60)


def test_the_combined_node_starts_on_real_kafka(tmp_path: Path, lib: Path, nodes: list[Node]) -> None:
    target = build(Request("development,kraft"))
    log4j = tmp_path / "log4j2.properties"
    log4j.write_text(target.files["config/log4j2.properties"], encoding="utf-8")
    broker, controller = _free_port(), _free_port()
    config = target.files["config/server.properties"].replace("/var/lib/kafka/data/logs", str(tmp_path / "logs"))
    config = config.replace(
        "0@kafka-broker-0.kafka-broker-headless.kafka.svc.cluster.local:9093", f"0@127.0.0.1:{controller}"
    )
    config = config.replace(
        "listeners=PLAINTEXT://:9092,CONTROLLER://:9093",
        f"listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}",
    )
    config += f"node.id=0\nadvertised.listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}\n"
    # The log cleaner's dedupe buffer (128 MiB by default) would not fit the small test heap; nothing else changes.
    config += "log.cleaner.dedupe.buffer.size=4194304\n"
    node = Node(tmp_path, "combined", config, lib, log4j)
    node.format()
    node.start()
    nodes.append(node)
    ready = tmp_path / "kafka-ready.sh"
    ready.write_text(target.files["config/kafka-ready.sh"], encoding="utf-8")

    def passes(mode: str) -> bool:
        done = subprocess.run(
            ["/bin/bash", str(ready), mode, str(broker)],
            env={"PATH": "/usr/bin:/bin", "POD_NAME": "kafka-broker-0"},
            capture_output=True,
            timeout=60,
            check=False,
        )
        return done.returncode == 0

    _wait("the combined node started", lambda: passes("started"), START_S)
    _wait("the combined node Ready", lambda: passes("ready"), START_S)
    log = (tmp_path / "combined.log").read_text(encoding="utf-8", errors="replace")
    assert "Kafka Server started" in log
