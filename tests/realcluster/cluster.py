"""ZooKeeper ensembles and Kafka clusters of real JVMs on loopback, started by the generated scripts.

Server with ordinal i (pod <name>-zookeeper-i / <name>-broker-i) listens on 127.0.0.(i+1): the whole
127/8 is loopback on Linux, so every server keeps the generated ports on an address of its own.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from types import TracebackType
from typing import Self

from .inputs import Naming
from .probes import ClusterView, kafka_metadata, zookeeper_mode
from .process import ServerProcess, stop_all, wait_until
from .properties import to_dict
from .rewrite import Rewrite, rewrite_server_properties, rewrite_zoo_cfg
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
        self.processes: list[ServerProcess] = []
        self.rewrites: dict[int, Rewrite] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        stop_all(self.processes, self.stop_grace_s)

    def kill(self, ordinal: int) -> None:
        """SIGKILL one server, for fault injection."""
        self.processes[ordinal].kill()

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
        self.processes.append(ServerProcess(self.pod(ordinal), command, env, log, self.server_dir(ordinal)))


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
            self.naming.zookeeper_host(i): loopback(i) if i < self.size else None
            for i in range(self.servers_in_file)
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
        self.zookeeper = zookeeper
        self.generated = (config_dir / "server.properties").read_text(encoding="utf-8")
        listeners = to_dict(self.generated)["listeners"]
        self.port = int(listeners.rsplit(":", 1)[1])

    def pod(self, ordinal: int) -> str:
        return self.naming.broker_pod(ordinal)

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
            refuse_if_taken(loopback(i), self.port)
            rewrite = self.rewrites[i] = self.config_for(i)
            props = self.server_dir(i) / "server.properties"
            props.parent.mkdir(parents=True, exist_ok=True)
            props.write_text(rewrite.text, encoding="utf-8")
            home = write_kafka_home(
                self.home(i), self.runtime.java, self.runtime.lib, self.naming.broker_host(i), loopback(i)
            )
            self._start_script(i, "start-kafka.sh", {"KAFKA_CONFIG": str(props), "KAFKA_HOME": str(home)})
        self.wait_for_brokers(range(self.size), timeout)

    def view(self, ordinal: int) -> ClusterView | None:
        try:
            return kafka_metadata(loopback(ordinal), self.port)
        except OSError:
            return None

    def wait_for_brokers(self, ordinals: range | list[int], timeout: float = 120.0) -> None:
        """Wait until each broker answers and knows all of `ordinals` and a controller."""
        expected = {(i, loopback(i), self.port) for i in ordinals}

        def ready() -> bool:
            for i in ordinals:
                view = self.view(i)
                if view is None or view.controller_id < 0:
                    return False
                if {(b.node_id, b.host, b.port) for b in view.brokers} != expected:
                    return False
            return True

        watched = [self.processes[i] for i in ordinals]
        wait_until(ready, timeout, f"Kafka brokers {list(ordinals)} registered", watched)

    def bootstrap(self) -> str:
        return ",".join(f"{loopback(i)}:{self.port}" for i in self.running())
