"""The ZooKeeper ensemble: its StatefulSet, Services, budget and zoo.cfg, and the rules that keep quorum."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from generator.components.cluster import ClusterModel
from generator.components.zookeeper.checks import budget_keeps_quorum
from generator.components.zookeeper.rules import RULES
from generator.core.component import Component, Models, freeze
from generator.core.configfile import ConfigFile, Section
from generator.k8s import objects
from generator.k8s.invariants import StatePaths

# ZOO_DATA_DIR, ZOO_DATA_LOG_DIR and ZOO_LOG_DIR of the official image, each a VOLUME (generator/images.yaml).
DATA_DIR, DATALOG_DIR, LOG_DIR = "/data", "/datalog", "/logs"
GC_LOG = {"filecount": 4, "filesize": "16M"}  # (filecount + 1) x filesize within half the logs volume
LOGS_VOLUME = "256Mi"
# The emptyDirs of the pod (logs, /tmp) plus 256Mi for container logs and the writable layer.
EPHEMERAL_STORAGE = "1536Mi"


class Server(NamedTuple):
    id: int  # myid: ordinal + 1
    pod: str
    host: str


@dataclass(frozen=True, eq=False)  # compared by identity: one per build
class ZookeeperModel:
    spec: Mapping[str, Any]  # the zookeeper parameters, read-only
    version: str
    replicas: int
    name: str
    headless: str
    client_service: str
    configmap: str  # base name; the ConfigMap adds a digest of its files
    selector: Mapping[str, str]
    labels: Mapping[str, str]
    image_ref: str
    annotations: Mapping[str, str]
    resources: Mapping[str, Any]
    home: str
    servers: tuple[Server, ...]
    connect: str
    quorum: int
    jvm_flags: str
    data_dir: str
    datalog_dir: str
    log_dir: str
    logs_volume: str
    config_mount: str
    catalog_line: str
    state_paths: StatePaths

    @property
    def spare(self) -> int:
        """Servers that can be down with quorum kept."""
        return self.replicas - self.quorum


class Zookeeper(Component):
    name = "zookeeper"
    keys = ("zookeeper",)
    after = ("cluster",)
    rules = (*RULES, objects.image_tag_rule("zookeeper", ZookeeperModel))
    invariants = (budget_keeps_quorum,)
    identities = (("zookeeper", "ZooKeeper server", 1),)

    def enabled(self, params: Mapping[str, Any]) -> bool:
        return bool(params["kafka"].get("mode", "zookeeper") == "zookeeper")  # KRaft targets have no ensemble

    def derive(self, params: Mapping[str, Any], models: Models) -> ZookeeperModel:
        names = models.get(ClusterModel).names
        zk = params["zookeeper"]
        name = f"{names.cluster}-zookeeper"
        headless = f"{name}-headless"
        selector, labels = objects.labels(names, "zookeeper", zk["version"])
        servers = tuple(
            Server(ordinal + 1, f"{name}-{ordinal}", names.fqdn(f"{name}-{ordinal}.{headless}"))
            for ordinal in range(zk["replicas"])
        )
        gc_log = [objects.gc_log(f"{LOG_DIR}/zookeeper-gc.log", GC_LOG)] if zk["gc"]["logging"] else []
        jvm = [f"-Xms{zk['heap']['initial']}", f"-Xmx{zk['heap']['max']}", *objects.gc_flags(zk["gc"], False), *gc_log]
        return ZookeeperModel(
            spec=freeze(zk),
            version=zk["version"],
            replicas=zk["replicas"],
            name=name,
            headless=headless,
            client_service=name,
            configmap=f"{name}-config",
            selector=freeze(selector),
            labels=freeze(labels),
            image_ref=objects.image_ref(zk["image"], zk["version"]),
            annotations=freeze(objects.scan_exceptions(zk["image"])),
            resources=freeze(objects.with_ephemeral_storage(zk["resources"], EPHEMERAL_STORAGE)),
            home=f"/apache-zookeeper-{zk['version']}-bin",
            servers=servers,
            connect=",".join(f"{s.host}:{zk['ports']['client']}" for s in servers),
            quorum=zk["replicas"] // 2 + 1,
            jvm_flags=" ".join(jvm),
            data_dir=DATA_DIR,
            datalog_dir=DATALOG_DIR,
            log_dir=LOG_DIR,
            logs_volume=LOGS_VOLUME,
            config_mount=objects.CONFIG_MOUNT,
            catalog_line=".".join(zk["version"].split(".")[:2]),
            state_paths=StatePaths({"zoo.cfg": ("dataDir", "dataLogDir")}, ("ZOO_LOG_DIR",)),
        )

    def config_files(self, model: ZookeeperModel, models: Models) -> list[ConfigFile]:
        ports = model.spec["ports"]
        ensemble = {f"server.{s.id}": f"{s.host}:{ports['quorum']}:{ports['election']}" for s in model.servers}
        sections = (
            Section(
                "storage",
                "the data and datalog volumes' mounts, each exactly an image VOLUME",
                {"dataDir": model.data_dir, "dataLogDir": model.datalog_dir},
            ),
            Section("ports", "set zookeeper.ports.client", {"clientPort": ports["client"]}),
            Section(
                "ensemble",
                "one server.N per pod of the StatefulSet (zookeeper.replicas)",
                ensemble,
                prefixes=("server.",),
            ),
        )
        return [
            ConfigFile(
                "config/zoo.cfg",
                self.name,
                "properties",
                model.spec["config"],
                "zookeeper.config",
                sections,
                ("zookeeper", model.catalog_line),
            )
        ]

    def context(self, model: ZookeeperModel, models: Models, files: Mapping[str, str]) -> dict[str, Any]:
        return {"configmap": objects.configmap(model.configmap, files)}


COMPONENT = Zookeeper(Path(__file__).parent)
