"""The copies the servers run differ from the generated files only where loopback forces it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .cluster import KafkaCluster, ZooKeeperEnsemble, loopback
from .inputs import Naming, committed_target, config_dir, load_pinned, three_broker_targets
from .properties import parse_lines, to_dict
from .rewrite import (
    Rewrite,
    rewrite_client_json,
    rewrite_client_properties,
    rewrite_server_properties,
    rewrite_zoo_cfg,
)
from .tools import JavaRuntime

# The only keys a rewrite may touch (server.N is matched separately). Anything else the servers run is
# exactly what the generator wrote.
ZOO_CFG_MAY_CHANGE = {
    "dataDir",
    "dataLogDir",
    "quorumListenOnAllIPs",
    "clientPortAddress",
    "admin.serverAddress",
}
SERVER_PROPERTIES_MAY_CHANGE = {
    "listeners",
    "advertised.listeners",
    "log.dirs",
    "log.dir",
    "zookeeper.connect",
}
UNUSED_RUNTIME = JavaRuntime(java="java", lib=Path("/nonexistent"))  # rewriting starts nothing
NAMING = load_pinned().naming


def zookeeper(size: int, workdir: Path) -> ZooKeeperEnsemble:
    return ZooKeeperEnsemble(size, config_dir(), NAMING, UNUSED_RUNTIME, workdir)


def assert_only_allowed_changes(generated: str, rewrite: Rewrite, allowed: set[str]) -> None:
    unexpected = {k for k in rewrite.changed if k not in allowed and not re.fullmatch(r"server\.\d+", k)}
    assert not unexpected, f"rewrite touched {unexpected}"
    before, after = to_dict(generated), to_dict(rewrite.text)
    assert {k: v for k, v in before.items() if k not in rewrite.changed} == {
        k: v for k, v in after.items() if k not in rewrite.changed
    }
    # The changed keys really differ (or were added/dropped): `changed` is not a blanket excuse.
    assert all(before.get(k) != after.get(k) for k in rewrite.changed)
    comments = [line.text for line in parse_lines(generated) if line.key is None]
    kept = [line.text for line in parse_lines(rewrite.text) if line.key is None]
    assert kept[: len(comments)] == comments


@pytest.mark.parametrize(("size", "ordinal"), [(3, i) for i in range(3)] + [(5, i) for i in range(5)])
def test_zoo_cfg_changes_only_addresses_and_paths(size: int, ordinal: int, tmp_path: Path) -> None:
    ensemble = zookeeper(size, tmp_path)
    rewrite = ensemble.config_for(ordinal)
    assert_only_allowed_changes(ensemble.generated, rewrite, ZOO_CFG_MAY_CHANGE)
    after = to_dict(rewrite.text)
    servers = {k: v for k, v in after.items() if k.startswith("server.")}
    assert servers == {f"server.{n}": f"{loopback(n - 1)}:2888:3888" for n in range(1, size + 1)}
    assert after["clientPortAddress"] == loopback(ordinal)
    assert after["quorumListenOnAllIPs"] == "false"
    assert Path(after["dataDir"]).is_relative_to(tmp_path)
    assert Path(after["dataLogDir"]).is_relative_to(tmp_path)
    assert ".svc." not in rewrite.text


@pytest.mark.parametrize("ordinal", range(3))
def test_server_properties_change_only_addresses_and_paths(ordinal: int, tmp_path: Path) -> None:
    cluster = KafkaCluster(3, config_dir(), NAMING, UNUSED_RUNTIME, tmp_path, zookeeper(3, tmp_path))
    rewrite = cluster.config_for(ordinal)
    assert_only_allowed_changes(cluster.generated, rewrite, SERVER_PROPERTIES_MAY_CHANGE)
    after = to_dict(rewrite.text)
    assert after["listeners"] == f"PLAINTEXT://{loopback(ordinal)}:9092"
    assert after["zookeeper.connect"] == "127.0.0.1:2181,127.0.0.2:2181,127.0.0.3:2181"
    assert Path(after["log.dirs"]).is_relative_to(tmp_path)
    assert ".svc." not in rewrite.text


def test_generated_files_follow_the_contract() -> None:
    zoo_cfg = to_dict((config_dir() / "zoo.cfg").read_text(encoding="utf-8"))
    # The 5-server tests need five server lines, named by ordinal through the headless Service.
    for n in range(1, 6):
        assert zoo_cfg[f"server.{n}"] == f"{NAMING.zookeeper_host(n - 1)}:2888:3888"
    server = to_dict((config_dir() / "server.properties").read_text(encoding="utf-8"))
    # Per-broker values come from start-kafka.sh; in the shared file they would be wrong on all but one.
    assert "broker.id" not in server and "advertised.listeners" not in server
    hosts = [s.rsplit(":", 1)[0] for s in server["zookeeper.connect"].split("/")[0].split(",")]
    assert hosts == [NAMING.zookeeper_host(i) for i in range(len(hosts))]


COMMITTED = three_broker_targets()
LOOPBACK_BOOTSTRAP = "127.0.0.1:9092,127.0.0.2:9092,127.0.0.3:9092"


def loopback_cluster(target_name: str, workdir: Path) -> KafkaCluster:
    target = committed_target(target_name)
    ensemble = ZooKeeperEnsemble(3, target.config_dir, target.pinned.naming, UNUSED_RUNTIME, workdir)
    return KafkaCluster(3, target.config_dir, target.pinned.naming, UNUSED_RUNTIME, workdir, ensemble)


def test_every_committed_target_is_covered() -> None:
    assert {"durability", "high-availability", "throughput", "low-latency"} <= set(COMMITTED)


@pytest.mark.parametrize("name", ["producer.properties", "consumer.properties"])
@pytest.mark.parametrize("target_name", COMMITTED)
def test_java_client_configs_change_only_bootstrap_servers(target_name: str, name: str, tmp_path: Path) -> None:
    cluster = loopback_cluster(target_name, tmp_path)
    generated = cluster_file(target_name, name)
    # The generated clients reach the cluster through the bootstrap Service.
    assert to_dict(generated)["bootstrap.servers"] == f"{cluster.naming.bootstrap_host()}:9092"
    rewrite = rewrite_client_properties(generated, services=cluster.services())
    assert_only_allowed_changes(generated, rewrite, {"bootstrap.servers"})
    assert rewrite.changed == {"bootstrap.servers"}
    assert to_dict(rewrite.text)["bootstrap.servers"] == LOOPBACK_BOOTSTRAP


@pytest.mark.parametrize("name", ["producer.json", "consumer.json"])
@pytest.mark.parametrize("target_name", COMMITTED)
def test_librdkafka_configs_change_only_bootstrap_servers(target_name: str, name: str, tmp_path: Path) -> None:
    cluster = loopback_cluster(target_name, tmp_path)
    generated = json.loads(cluster_file(target_name, name))
    assert generated["bootstrap.servers"] == f"{cluster.naming.bootstrap_host()}:9092"
    rewrite = rewrite_client_json(cluster_file(target_name, name), services=cluster.services())
    assert rewrite.changed == {"bootstrap.servers"}
    kept = {k: v for k, v in rewrite.config.items() if k != "bootstrap.servers"}
    assert kept == {k: v for k, v in generated.items() if k != "bootstrap.servers"}
    # Same JSON types too: librdkafka reads true and "true" alike, but the file must reach it unchanged.
    assert {k: type(v) for k, v in kept.items()} == {k: type(generated[k]) for k in kept}
    assert rewrite.config["bootstrap.servers"] == LOOPBACK_BOOTSTRAP


def cluster_file(target_name: str, name: str) -> str:
    return committed_target(target_name).file(name).read_text(encoding="utf-8")


def test_client_rewrite_refuses_unknown_hosts() -> None:
    services = {"kafka-bootstrap.ns.svc.example": ["127.0.0.1", "127.0.0.2"]}
    with pytest.raises(ValueError, match="typo"):
        rewrite_client_properties("bootstrap.servers=typo.ns.svc.example:9092\n", services=services)
    done = rewrite_client_json('{"bootstrap.servers": "kafka-bootstrap.ns.svc.example:9093"}', services=services)
    assert done.config == {"bootstrap.servers": "127.0.0.1:9093,127.0.0.2:9093"}


NAMES = Naming(name="k", namespace="ns", cluster_domain="example")
ZK_HOSTS: dict[str, str | None] = {NAMES.zookeeper_host(0): "127.0.0.1", NAMES.zookeeper_host(1): None}


def test_unknown_host_fails_loudly(tmp_path: Path) -> None:
    text = "server.1=zk-typo.example:2888:3888\ndataDir=/data\n"
    with pytest.raises(ValueError, match="zk-typo"):
        rewrite_zoo_cfg(text, own_address="127.0.0.1", hosts=ZK_HOSTS, data_root=tmp_path)


def test_server_properties_rewrite_details(tmp_path: Path) -> None:
    zk0, zk1 = NAMES.zookeeper_host(0), NAMES.zookeeper_host(1)
    text = (
        "# header\n"
        "listeners=PLAINTEXT://0.0.0.0:9092,INTERNAL://:9093\n"
        "log.dirs=/a,/b\n"
        f"zookeeper.connect={zk0}:2181,{zk1}:2181/kafka\n"
        "num.io.threads = 8\n"
    )
    rewrite = rewrite_server_properties(
        text, own_address="127.0.0.2", brokers={}, zookeepers=ZK_HOSTS, data_root=tmp_path
    )
    assert rewrite.changed == {"listeners", "log.dirs", "zookeeper.connect"}
    assert rewrite.text.splitlines() == [
        "# header",
        "listeners=PLAINTEXT://127.0.0.2:9092,INTERNAL://127.0.0.2:9093",
        f"log.dirs={tmp_path}/data-0,{tmp_path}/data-1",
        "zookeeper.connect=127.0.0.1:2181/kafka",  # the server not started is dropped, the chroot kept
        "num.io.threads = 8",  # untouched lines keep their exact bytes
    ]


def test_properties_parser_refuses_what_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="twice"):
        to_dict("a=1\na=2\n")
    with pytest.raises(ValueError, match="continuation"):
        to_dict("a=1,\\\n  2\n")
