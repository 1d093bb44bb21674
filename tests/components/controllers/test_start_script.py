"""The KRaft start script (config/start-kafka.sh of a broker, config/controller/start-kafka.sh of a
controller), run with bash against a temporary data folder and stand-ins for kafka-storage.sh and
kafka-server-start.sh under KAFKA_HOME: it writes the node's properties, refuses a volume of another
cluster or node before any Kafka code runs, formats with --ignore-formatted and execs the server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import NamedTuple

import pytest

from generator.target import Build, Request, build
from tests.components.controllers.quorum_standin import (
    NOW,
    Replica,
    StandInController,
    closed_port,
    error_answer,
    leader_answer,
    leader_row,
)

CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg"
STAND_IN = """#!/bin/bash
echo "$(basename "$0") $*" >>"${STAND_IN_LOG}"
"""


class Started(NamedTuple):
    code: int
    stderr: str
    calls: list[str]
    written: str
    stdout: str = ""


@pytest.fixture(scope="module")
def target() -> Build:
    return build(Request("high-availability,kraft"))


@pytest.fixture
def node(tmp_path: Path) -> Path:
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    for tool in ("kafka-storage.sh", "kafka-server-start.sh"):
        (home / "bin" / tool).write_text(STAND_IN, encoding="utf-8")
        (home / "bin" / tool).chmod(0o755)
    (tmp_path / "data" / "logs").mkdir(parents=True)
    (tmp_path / "tmp").mkdir()
    return tmp_path


def loopback_voters(ports: dict[int, int]) -> str:
    """controller.quorum.voters with every voter on loopback: a stand-in's port, or one nothing listens on."""
    return ",".join(f"{node}@127.0.0.1:{ports.get(node) or closed_port()}" for node in range(3000, 3005))


def start(target: Build, node: Path, role: str, pod: str, voters: str | None = None, **env_extra: str) -> Started:
    folder = "config/controller/" if role == "controller" else "config/"
    script = node / "start-kafka.sh"
    script.write_text(target.files[f"{folder}start-kafka.sh"], encoding="utf-8")
    if role == "controller":  # the empty-volume check sits next to the start script, as in the ConfigMap
        (node / "kafka-quorum.sh").write_text(target.files[f"{folder}kafka-quorum.sh"], encoding="utf-8")
    data = node / "data" / "logs"
    config = target.files[f"{folder}server.properties"].replace("/var/lib/kafka/data/logs", str(data))
    if role == "controller":
        config = re.sub(
            r"(?m)^controller\.quorum\.voters=.*$", f"controller.quorum.voters={voters or loopback_voters({})}", config
        )
    (node / "server.properties").write_text(config, encoding="utf-8")
    log = node / "calls.log"
    env = {
        "PATH": os.environ["PATH"],
        "POD_NAME": pod,
        "POD_NAMESPACE": "kafka",
        "CLUSTER_DOMAIN": "cluster.local",
        "BROKER_RACK": "zone-a",
        "KAFKA_HOME": str(node / "kafka"),
        "KAFKA_CONFIG": str(node / "server.properties"),
        "TMPDIR": str(node / "tmp"),
        "STAND_IN_LOG": str(log),
        "KAFKA_HEAP_OPTS": "-Xms2G -Xmx2G",
        **env_extra,
    }
    bash = shutil.which("bash")
    assert bash
    done = subprocess.run([bash, str(script)], env=env, capture_output=True, text=True, timeout=30)
    written = node / "tmp" / "kafka" / "server.properties"
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    text = written.read_text(encoding="utf-8") if written.exists() else ""
    return Started(done.returncode, done.stderr, calls, text, done.stdout)


def meta(node: Path, cluster_id: str, node_id: int, version: int = 1) -> Path:
    path = node / "data" / "logs" / "meta.properties"
    key = "node.id" if version == 1 else "broker.id"
    path.write_text(
        f"#\n#Tue Dec 01 12:00:00 UTC 2026\nversion={version}\ncluster.id={cluster_id}\n{key}={node_id}\n"
        "directory.id=8hK6v0x2RJ2m1yNQ4s8c3A\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("role", "pod", "node_id"), [("controller", "kafka-controller-2", 3002), ("broker", "kafka-broker-4", 4)]
)
def test_an_empty_volume_is_formatted_and_the_server_started(
    target: Build, node: Path, role: str, pod: str, node_id: int
) -> None:
    started = start(target, node, role, pod)
    assert started.code == 0, started.stderr
    config = str(node / "tmp" / "kafka" / "server.properties")
    assert started.calls == [
        f"kafka-storage.sh format --config {config} --cluster-id={CLUSTER_ID} --release-version 4.1 --ignore-formatted",
        f"kafka-server-start.sh {config}",
    ]
    lines = started.written.splitlines()
    assert f"node.id={node_id}" in lines
    if role == "controller":
        assert lines[-1] == (
            "advertised.listeners=CONTROLLER://kafka-controller-2.kafka-controller-headless.kafka.svc.cluster.local:9093"
        )
    else:
        assert "advertised.listeners=PLAINTEXT://kafka-broker-4.kafka.svc.cluster.local:9092" in lines
        assert lines[-1] == "broker.rack=zone-a"
    source = (node / "server.properties").read_text(encoding="utf-8")
    assert started.written.startswith(source)  # the ConfigMap's file plus exactly the derived lines


def test_a_volume_of_this_node_is_started(target: Build, node: Path) -> None:
    meta(node, CLUSTER_ID, 3001)
    started = start(target, node, "controller", "kafka-controller-1")
    assert started.code == 0, started.stderr
    assert [c.split()[0] for c in started.calls] == ["kafka-storage.sh", "kafka-server-start.sh"]


def test_a_volume_of_another_cluster_is_refused(target: Build, node: Path) -> None:
    path = meta(node, "5L6g3nShT-eMCtK--X86sw", 3000)
    started = start(target, node, "controller", "kafka-controller-0")
    assert started.code == 1
    assert started.calls == []  # neither formatted nor started
    assert started.stderr.splitlines() == [
        f"start-kafka.sh: {path} belongs to cluster 5L6g3nShT-eMCtK--X86sw, not {CLUSTER_ID} (node 3000, expected "
        "3000): this volume is another cluster's; refusing to start. Mount the right PVC, or delete this one to "
        "start the node empty."
    ]


def test_a_volume_of_another_node_is_refused(target: Build, node: Path) -> None:
    path = meta(node, CLUSTER_ID, 5, version=0)  # a ZooKeeper-era v0 file names broker.id
    started = start(target, node, "broker", "kafka-broker-4")
    assert started.code == 1
    assert started.calls == []
    assert started.stderr.splitlines() == [
        f"start-kafka.sh: {path} belongs to cluster {CLUSTER_ID}, not {CLUSTER_ID} (node 5, expected 4): this "
        "volume is another cluster's; refusing to start. Mount the right PVC, or delete this one to start the node "
        "empty."
    ]


# docs/kraft.md 3, step 4: a controller on an empty volume formats only when that cannot make it a voter that
# lost committed records. Its voters are stand-ins on loopback; 3002 (this pod) is never asked.


def test_an_empty_volume_is_formatted_at_once_when_no_voter_leads(target: Build, node: Path) -> None:
    others = StandInController(error_answer)
    try:
        started = start(target, node, "controller", "kafka-controller-2", loopback_voters({3000: others.port}))
    finally:
        others.close()
    assert started.code == 0, started.stderr
    assert started.stdout.splitlines() == [
        "start-kafka.sh: empty volume: no voter answers as the quorum leader (3000: not the leader, 3001: no "
        "answer, 3003: no answer, 3004: no answer): formatting now (first start, or the quorum is down)"
    ]
    assert [c.split()[0] for c in started.calls] == ["kafka-storage.sh", "kafka-server-start.sh"]


def test_an_empty_volume_waits_for_a_caught_up_majority_then_formats(target: Build, node: Path) -> None:
    """A replaced disk: the leader still lists 3002 as caught up (its old state), which does not count."""
    stale_me = Replica(3002, NOW - 100, NOW - 100)
    lagging = Replica(3003, NOW - 100, NOW - 9000)
    asked = 0

    def answer() -> bytes:
        nonlocal asked
        asked += 1
        caught_up = Replica(3003, NOW - 100, NOW - 300)
        rows = (leader_row(3000), stale_me, Replica(3001, NOW - 200, NOW - 400), lagging if asked < 3 else caught_up)
        return leader_answer(3000, rows)

    leader = StandInController(answer)
    try:
        started = start(
            target,
            node,
            "controller",
            "kafka-controller-2",
            loopback_voters({3000: leader.port}),
            FORMAT_POLL_SECONDS="0.2",
        )
    finally:
        leader.close()
    assert started.code == 0, started.stderr
    assert started.stdout.splitlines() == [  # the wait is said once, not at every poll
        "start-kafka.sh: empty volume: leader 3000 reports 2 voters other than 3002 caught up (3000, 3001), 3 of 5 "
        "needed before an empty volume may join: waiting",
        "start-kafka.sh: empty volume: leader 3000 reports 3 voters other than 3002 caught up (3000, 3001, 3003), "
        "a majority of 5: formatting now",
    ]
    assert asked == 3
    assert [c.split()[0] for c in started.calls] == ["kafka-storage.sh", "kafka-server-start.sh"]


def test_an_empty_volume_gives_up_after_the_bounded_wait_without_formatting(target: Build, node: Path) -> None:
    rows = (leader_row(3000), Replica(3001, NOW - 100, NOW - 9000))
    leader = StandInController(lambda: leader_answer(3000, rows))
    try:
        started = start(
            target,
            node,
            "controller",
            "kafka-controller-2",
            loopback_voters({3000: leader.port}),
            FORMAT_WAIT_SECONDS="1",
            FORMAT_POLL_SECONDS="0.3",
        )
    finally:
        leader.close()
    assert started.code == 1
    assert started.calls == []  # neither formatted nor started
    assert started.stderr.splitlines() == [
        "start-kafka.sh: empty volume: leader 3000 reports 1 voters other than 3002 caught up (3000), 3 of 5 needed "
        "before an empty volume may join: waiting for 1 s; not formatting, exiting (the pod restarts and asks again)"
    ]


def test_a_formatted_volume_asks_no_voter(target: Build, node: Path) -> None:
    meta(node, CLUSTER_ID, 3002)
    leader = StandInController(lambda: leader_answer(3000, (leader_row(3000),)))
    try:
        started = start(target, node, "controller", "kafka-controller-2", loopback_voters({3000: leader.port}))
    finally:
        leader.close()
    assert (started.code, started.stdout, leader.requests) == (0, "", [])
