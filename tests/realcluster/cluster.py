"""ZooKeeper ensembles and Kafka clusters of real JVMs on loopback, started by the generated scripts.

Server with ordinal i (pod <name>-zookeeper-i / <name>-broker-i) listens on 127.0.0.(i+1): the whole
127/8 is loopback on Linux, so every server keeps the generated ports on an address of its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:
    from pytest import TempPathFactory

from .inputs import Naming, Target, committed_target
from .probes import ClusterView, PartitionInfo, kafka_metadata, zookeeper_mode
from .process import ServerProcess, stop_all, wait_until
from .properties import to_dict
from .rewrite import (
    CLIENT_MAY_CHANGE,
    Rewrite,
    rewrite_client_json,
    rewrite_client_properties,
    rewrite_server_properties,
    rewrite_zoo_cfg,
)
from .shims import write_kafka_home, write_zookeeper_home
from .tools import JavaRuntime

SERVING = ("leader", "follower")


def loopback(ordinal: int) -> str:
    return f"127.0.0.{ordinal + 1}"


def refuse_if_taken(address: str, port: int) -> None:
    """A server still running there (another ensemble, a leaked process) would be tested instead."""
    try:
        with socket.create_connection((address, port), timeout=1.0):
            pass
    except OSError:
        return
    raise RuntimeError(f"{address}:{port} is already taken: is another ensemble or cluster still running?")


class _Servers:
    """Processes of one component; stopped on exit from a `with` block, whatever happened inside."""

    stop_grace_s = 15.0

    def __init__(self, size: int, config_dir: Path, naming: Naming, runtime: JavaRuntime, workdir: Path):
        self.size = size
        self.config_dir = config_dir
        self.naming = naming
        self.runtime = runtime
        self.workdir = workdir
        self.processes: list[ServerProcess] = []  # by ordinal: the latest process of each server
        self.retired: list[ServerProcess] = []  # earlier processes of restarted servers, stopped too
        self.rewrites: dict[int, Rewrite] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def stop(self) -> None:
        stop_all([*self.retired, *self.processes], self.stop_grace_s)

    def kill(self, ordinal: int) -> None:
        """SIGKILL one server, for fault injection."""
        self.processes[ordinal].kill()

    def terminate(self, ordinal: int) -> None:
        """SIGTERM one server (an orderly stop, as a drain would), SIGKILL if it outstays the grace time."""
        stop_all([self.processes[ordinal]], self.stop_grace_s)

    def running(self) -> list[int]:
        return [i for i, p in enumerate(self.processes) if p.alive()]

    def server_dir(self, ordinal: int) -> Path:
        return self.workdir / self.pod(ordinal)

    def home(self, ordinal: int) -> Path:
        return self.server_dir(ordinal) / "home"

    def pod(self, ordinal: int) -> str:
        raise NotImplementedError

    def _start_script(self, ordinal: int, script: str, extra_env: dict[str, str]) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "POD_NAME": self.pod(ordinal),
            "POD_NAMESPACE": self.naming.namespace,
            "CLUSTER_DOMAIN": self.naming.cluster_domain,
            **extra_env,
        }
        command = ["bash", str(self.config_dir / script)]
        log = self.server_dir(ordinal) / "server.log"
        process = ServerProcess(self.pod(ordinal), command, env, log, self.server_dir(ordinal))
        if ordinal < len(self.processes):
            previous = self.processes[ordinal]
            if previous.alive():
                previous.kill()
                raise RuntimeError(f"{self.pod(ordinal)} was started again while still running")
            self.retired.append(previous)
            self.processes[ordinal] = process
        elif ordinal == len(self.processes):
            self.processes.append(process)
        else:
            process.kill()
            raise RuntimeError(f"servers start in ordinal order; {self.pod(ordinal)} came too early")


class ZooKeeperEnsemble(_Servers):
    stop_grace_s = 10.0

    def __init__(self, size: int, config_dir: Path, naming: Naming, runtime: JavaRuntime, workdir: Path):
        super().__init__(size, config_dir, naming, runtime, workdir)
        self.generated = (config_dir / "zoo.cfg").read_text(encoding="utf-8")
        settings = to_dict(self.generated)
        self.client_port = int(settings["clientPort"])
        self.servers_in_file = sum(1 for k in settings if re.fullmatch(r"server\.\d+", k))
        if not 0 < size <= self.servers_in_file:
            raise ValueError(f"cannot run {size} servers from a zoo.cfg with {self.servers_in_file}")

    def pod(self, ordinal: int) -> str:
        return self.naming.zookeeper_pod(ordinal)

    def hosts(self) -> dict[str, str | None]:
        """Every server name of the generated zoo.cfg; the ones not started map to None."""
        return {
            self.naming.zookeeper_host(i): loopback(i) if i < self.size else None for i in range(self.servers_in_file)
        }

    def config_for(self, ordinal: int) -> Rewrite:
        return rewrite_zoo_cfg(
            self.generated,
            own_address=loopback(ordinal),
            hosts=self.hosts(),
            data_root=self.server_dir(ordinal),
        )

    def start(self, timeout: float = 90.0) -> None:
        for i in range(self.size):
            refuse_if_taken(loopback(i), self.client_port)
            rewrite = self.rewrites[i] = self.config_for(i)
            cfg = self.server_dir(i) / "zoo.cfg"
            for sub in ("data", "datalog"):
                (self.server_dir(i) / sub).mkdir(parents=True, exist_ok=True)
            cfg.write_text(rewrite.text, encoding="utf-8")
            home = write_zookeeper_home(self.home(i), self.runtime.java, self.runtime.lib)
            self._start_script(i, "start-zookeeper.sh", {"ZOO_CFG": str(cfg), "ZOOKEEPER_HOME": str(home)})
        self.wait_for_quorum(range(self.size), timeout)

    def mode(self, ordinal: int) -> str:
        return zookeeper_mode(loopback(ordinal), self.client_port)

    def modes(self, ordinals: range | list[int] | None = None) -> dict[int, str]:
        return {i: self.mode(i) for i in (self.running() if ordinals is None else ordinals)}

    def wait_for_quorum(self, ordinals: range | list[int], timeout: float = 60.0) -> dict[int, str]:
        """Wait until exactly one of `ordinals` leads and the others follow."""

        def settled() -> bool:
            modes = list(self.modes(ordinals).values())
            return modes.count("leader") == 1 and all(m in SERVING for m in modes)

        watched = [self.processes[i] for i in ordinals]
        wait_until(settled, timeout, f"quorum of ZooKeeper servers {list(ordinals)}", watched)
        return self.modes(ordinals)

    def leader(self) -> int:
        leaders = [i for i, m in self.modes().items() if m == "leader"]
        if len(leaders) != 1:
            raise AssertionError(f"expected one leader, modes are {self.modes()}")
        return leaders[0]

    def connect_string(self, ordinals: range | list[int] | None = None) -> str:
        chosen = range(self.size) if ordinals is None else ordinals
        return ",".join(f"{loopback(i)}:{self.client_port}" for i in chosen)


class KafkaCluster(_Servers):
    # Controlled shutdown moves leadership first; all brokers stopping at once makes that slower.
    stop_grace_s = 45.0

    def __init__(
        self,
        size: int,
        config_dir: Path,
        naming: Naming,
        runtime: JavaRuntime,
        workdir: Path,
        zookeeper: ZooKeeperEnsemble,
    ):
        super().__init__(size, config_dir, naming, runtime, workdir)
        if size > len(naming.brokers):
            raise ValueError(f"cannot run {size} brokers from a target with {len(naming.brokers)} broker pods")
        self.zookeeper = zookeeper
        self.generated = (config_dir / "server.properties").read_text(encoding="utf-8")
        listeners = to_dict(self.generated)["listeners"]
        self.port = int(listeners.rsplit(":", 1)[1])

    def pod(self, ordinal: int) -> str:
        return self.naming.broker_pod(ordinal)

    def stop(self) -> None:
        """One broker at a time, the controller last. Brokers stopping together fail their controlled
        shutdowns (the controller is leaving too) and each sits out its retries, about 10 s. The last
        broker has nowhere to move its leaderships, so it would sit them out too: the cluster is thrown
        away, so it is killed instead."""
        try:
            order = self._stop_order()
            for ordinal in order[:-1]:
                stop_all([self.processes[ordinal]], self.stop_grace_s)
            if order:
                self.processes[order[-1]].kill()
        finally:
            super().stop()

    def _stop_order(self) -> list[int]:
        running = self.running()
        views = (self.view(i) for i in running)
        controller = next((view.controller_id for view in views if view is not None), -1)
        return sorted(running, key=lambda i: self.broker_id(i) == controller)

    def broker_id(self, ordinal: int) -> int:
        return self.naming.broker(ordinal).broker_id

    def ordinal_of(self, broker_id: int) -> int:
        """Index of the broker (its loopback address) with this broker.id."""
        return next(i for i in range(self.size) if self.broker_id(i) == broker_id)

    def config_for(self, ordinal: int) -> Rewrite:
        return rewrite_server_properties(
            self.generated,
            own_address=loopback(ordinal),
            brokers={self.naming.broker_host(i): loopback(i) for i in range(self.size)},
            zookeepers=self.zookeeper.hosts(),
            data_root=self.server_dir(ordinal),
        )

    def start(self, timeout: float = 120.0) -> None:
        for i in range(self.size):
            self._launch(i)
        self.wait_for_brokers(range(self.size), timeout)

    def restart(self, *ordinals: int, timeout: float = 120.0) -> None:
        """Start stopped brokers again on their old data; returns once every running broker lists them."""
        for ordinal in ordinals:
            self._launch(ordinal)
        self.wait_for_brokers(self.running(), timeout)

    def _launch(self, i: int) -> None:
        refuse_if_taken(loopback(i), self.port)
        rewrite = self.rewrites[i] = self.config_for(i)
        props = self.server_dir(i) / "server.properties"
        props.parent.mkdir(parents=True, exist_ok=True)
        props.write_text(rewrite.text, encoding="utf-8")
        home = write_kafka_home(
            self.home(i), self.runtime.java, self.runtime.lib, self.naming.broker_host(i), loopback(i)
        )
        env = {"KAFKA_CONFIG": str(props), "KAFKA_HOME": str(home)}
        rack = self.naming.broker(i).rack
        if rack is not None:
            env["BROKER_RACK"] = rack  # as the broker's StatefulSet sets it
        self._start_script(i, "start-kafka.sh", env)

    def view(self, ordinal: int, topics: tuple[str, ...] = ()) -> ClusterView | None:
        try:
            return kafka_metadata(loopback(ordinal), self.port, topics)
        except OSError:
            return None

    def wait_for_brokers(self, ordinals: range | list[int], timeout: float = 120.0) -> None:
        """Wait until each broker answers and knows exactly `ordinals` and a controller among them.

        After a broker was killed this also waits for the controller to notice (ZooKeeper session expiry).
        """
        expected = {(self.broker_id(i), loopback(i), self.port) for i in ordinals}
        ids = {self.broker_id(i) for i in ordinals}

        def ready() -> bool:
            for i in ordinals:
                view = self.view(i)
                if view is None or view.controller_id not in ids:
                    return False
                if {(b.node_id, b.host, b.port) for b in view.brokers} != expected:
                    return False
            return True

        watched = [self.processes[i] for i in ordinals]
        wait_until(ready, timeout, f"Kafka brokers {list(ordinals)} registered", watched)

    def partitions(self, topic: str) -> tuple[PartitionInfo, ...] | None:
        """The topic's partitions as the first running broker that answers sees them."""
        for i in self.running():
            view = self.view(i, (topic,))
            if view is not None:
                return view.topics.get(topic)
        return None

    def wait_for_partitions(
        self, topic: str, condition: Callable[[tuple[PartitionInfo, ...]], bool], what: str, timeout: float = 90.0
    ) -> tuple[PartitionInfo, ...]:
        def met() -> bool:
            found = self.partitions(topic)
            return found is not None and condition(found)

        wait_until(met, timeout, f"{topic}: {what}", [self.processes[i] for i in self.running()])
        found = self.partitions(topic)
        assert found is not None
        return found

    def wait_for_full_isr(self, topic: str, timeout: float = 90.0) -> tuple[PartitionInfo, ...]:
        """Every partition led by a replica and every replica in sync: the state before a fault."""

        def full(partitions: tuple[PartitionInfo, ...]) -> bool:
            return all(p.leader >= 0 and set(p.isr) == set(p.replicas) for p in partitions)

        return self.wait_for_partitions(topic, full, "all replicas in sync", timeout)

    def bootstrap(self) -> str:
        return ",".join(f"{loopback(i)}:{self.port}" for i in self.running())

    def services(self) -> dict[str, list[str]]:
        """Service names a client config may use -> loopback addresses: the bootstrap Service stands for
        every broker of the cluster, running or not (a client skips the ones that refuse connections)."""
        services = {self.naming.bootstrap_host(): [loopback(i) for i in range(self.size)]}
        services.update({self.naming.broker_host(i): [loopback(i)] for i in range(self.size)})
        return services

    def client_properties(self, generated: Path, folder: Path) -> Path:
        """The generated .properties for the Java clients, rewritten for loopback, as a file for a tool."""
        rewrite = rewrite_client_properties(generated.read_text(encoding="utf-8"), services=self.services())
        assert rewrite.changed <= CLIENT_MAY_CHANGE, f"rewrite touched {set(rewrite.changed)}"
        copy = folder / generated.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text(rewrite.text, encoding="utf-8")
        return copy

    def client_json(self, generated: Path) -> dict[str, object]:
        """The generated JSON for librdkafka, rewritten for loopback."""
        rewrite = rewrite_client_json(generated.read_text(encoding="utf-8"), services=self.services())
        assert rewrite.changed <= CLIENT_MAY_CHANGE, f"rewrite touched {set(rewrite.changed)}"
        return rewrite.config


class NewZooKeeper(Protocol):
    def __call__(self, size: int, workdir: Path, target: Target | None = None) -> ZooKeeperEnsemble: ...


class NewKafka(Protocol):
    def __call__(
        self, size: int, workdir: Path, zookeeper: ZooKeeperEnsemble, target: Target | None = None
    ) -> KafkaCluster: ...


@contextlib.contextmanager
def running_cluster(
    new_zookeeper: NewZooKeeper,
    new_kafka: NewKafka,
    target: Target,
    workdir: Path,
    brokers: int = 3,
    zookeepers: int = 3,
) -> Iterator[KafkaCluster]:
    """A started ensemble and cluster of one target; both are stopped on exit, whatever happened."""
    # Brokers stop first: a broker whose ZooKeeper is gone hangs in controlled shutdown.
    with new_zookeeper(zookeepers, workdir / "zookeeper", target) as zookeeper:
        zookeeper.start()
        with new_kafka(brokers, workdir / "kafka", zookeeper, target) as cluster:
            cluster.start()
            yield cluster


@contextlib.contextmanager
def running_target(
    name: str, new_zookeeper: NewZooKeeper, new_kafka: NewKafka, workdirs: TempPathFactory
) -> Iterator[KafkaCluster]:
    """running_cluster for a committed target, in a fresh folder named after it."""
    with running_cluster(new_zookeeper, new_kafka, committed_target(name), workdirs.mktemp(name)) as cluster:
        yield cluster


def target_of(cluster: KafkaCluster) -> Target:
    """The committed target a cluster was started from (its config folder is output/<target>/config)."""
    return committed_target(cluster.config_dir.parent.name)
