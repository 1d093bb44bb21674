"""The generated start scripts and the harness's shims, run with a stand-in for java (no JVM)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from .inputs import config_dir, load_pinned
from .shims import write_kafka_home, write_zookeeper_home

NAMING = load_pinned().naming


@pytest.fixture
def fake_java(tmp_path: Path) -> str:
    """Prints the arguments it gets, one per line, instead of starting a JVM."""
    java = tmp_path / "fake-java"
    java.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$@"\n', encoding="utf-8")
    java.chmod(0o755)
    return str(java)


def run_script(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {"PATH": os.environ["PATH"], **env}
    command = ["bash", str(config_dir() / script)]
    return subprocess.run(command, env=full_env, capture_output=True, text=True, timeout=30, check=False)


def kafka_env(home: Path, namespace: str, rack: str | None = None) -> dict[str, str]:
    """What the kubelet gives broker 1: BROKER_RACK is its pod's zone label (empty when missing)."""
    return {
        "POD_NAME": NAMING.broker_pod(1),
        "POD_NAMESPACE": namespace,
        "CLUSTER_DOMAIN": NAMING.cluster_domain,
        "KAFKA_HOME": str(home),
        "KAFKA_CONFIG": "/cfg/server.properties",
        "BROKER_RACK": NAMING.broker(1).rack or "" if rack is None else rack,
    }


def test_kafka_shim_changes_only_the_advertised_host(fake_java: str, tmp_path: Path) -> None:
    home = write_kafka_home(tmp_path / "home", fake_java, tmp_path / "lib", NAMING.broker_host(1), "127.0.0.2")
    done = run_script("start-kafka.sh", kafka_env(home, NAMING.namespace))
    assert done.returncode == 0, done.stderr
    java_args = done.stdout.splitlines()
    main = java_args.index("kafka.Kafka")
    assert java_args[main - 2 : main] == ["-cp", f"{tmp_path / 'lib'}/*"]
    assert "-Xmx256m" in java_args[:main]
    assert java_args[main + 1 :] == [
        "/cfg/server.properties",
        "--override",
        f"broker.id={NAMING.broker(1).broker_id}",
        "--override",
        "advertised.listeners=PLAINTEXT://127.0.0.2:9092",
        "--override",
        f"broker.rack={NAMING.broker(1).rack}",
    ]


def test_a_rack_aware_broker_without_a_zone_label_refuses_to_start(fake_java: str, tmp_path: Path) -> None:
    """R22: an empty BROKER_RACK (a node without a zone label, or Kubernetes before 1.35) would let
    replicas share a zone; the broker says why and does not start."""
    home = write_kafka_home(tmp_path / "home", fake_java, tmp_path / "lib", NAMING.broker_host(1), "127.0.0.2")
    done = run_script("start-kafka.sh", kafka_env(home, NAMING.namespace, rack=""))
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(
        f"start-kafka.sh: pod {NAMING.broker_pod(1)} has no topology.kubernetes.io/zone label, so broker.rack "
        "would be empty"
    )


def test_kafka_shim_refuses_an_advertised_name_no_service_has(fake_java: str, tmp_path: Path) -> None:
    home = write_kafka_home(tmp_path / "home", fake_java, tmp_path / "lib", NAMING.broker_host(1), "127.0.0.2")
    done = run_script("start-kafka.sh", kafka_env(home, "other-namespace"))
    assert done.returncode == 64
    assert "advertised.listeners must name" in done.stderr


def test_zookeeper_start_script_writes_myid_and_runs_the_cfg(fake_java: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    cfg = tmp_path / "zoo.cfg"
    cfg.write_text(f"clientPort=2181\ndataDir={data}\n", encoding="utf-8")
    data.mkdir()
    home = write_zookeeper_home(tmp_path / "home", fake_java, tmp_path / "lib")
    env = {"POD_NAME": NAMING.zookeeper_pod(3), "ZOO_CFG": str(cfg), "ZOOKEEPER_HOME": str(home)}
    done = run_script("start-zookeeper.sh", env)
    assert done.returncode == 0, done.stderr
    assert (data / "myid").read_text(encoding="utf-8").strip() == "4"
    assert done.stdout.splitlines()[-2:] == ["org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)]
