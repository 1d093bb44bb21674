"""The Kafka brokers: one StatefulSet (pod ordinal N is broker.id N), per-broker Services, the budget,
server.properties and the scripts that start a broker and tell when it is back in the ISR."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from generator.components.brokers.checks import budget_keeps_min_isr
from generator.components.brokers.rules import RULES
from generator.components.cluster import ClusterModel
from generator.components.controllers import ControllersModel, kraft
from generator.components.zookeeper import ZookeeperModel
from generator.core.component import Component, Models, freeze
from generator.core.configfile import ConfigFile, Section
from generator.core.findings import Finding, Where
from generator.k8s import objects
from generator.k8s.invariants import StatePaths

# The PVC is mounted exactly on the image's declared VOLUME (generator/images.yaml): a mount anywhere else
# leaves the runtime's anonymous volume over that path, and data written there is lost with the container.
DATA_MOUNT = "/var/lib/kafka/data"
DATA_DIR = f"{DATA_MOUNT}/logs"  # the volume's root may hold lost+found, which Kafka cannot load as a log
LOG_DIR = "/var/log/kafka"  # under no image VOLUME; an emptyDir for the GC log
GC_LOG = {"filecount": 4, "filesize": "16M"}  # (filecount + 1) x filesize within half the logs volume
LOGS_VOLUME = "256Mi"
# The emptyDirs of the pod (logs, /tmp) plus 256Mi for container logs and the writable layer (the root
# filesystem is read-only). tests/hardening/test_security.py keeps it above the emptyDir limits.
EPHEMERAL_STORAGE = "2560Mi"


class Broker(NamedTuple):
    id: int
    name: str  # pod and Service
    host: str
    selector: Mapping[str, str]


@dataclass(frozen=True, eq=False)  # compared by identity: one per build
class BrokersModel:
    spec: Mapping[str, Any]  # the kafka parameters, read-only
    version: str
    replicas: int
    rack_aware: bool
    name: str
    headless: str
    bootstrap_service: str
    bootstrap: str  # host:port clients start from
    configmap: str
    selector: Mapping[str, str]
    labels: Mapping[str, str]
    image_ref: str
    annotations: Mapping[str, str]
    resources: Mapping[str, Any]
    brokers: tuple[Broker, ...]
    port: int
    heap_opts: str
    performance_opts: str
    gc_log_opts: str
    extra_args: str
    log4j_opts: str
    data_mount: str
    data_dir: str
    log_dir: str
    logs_volume: str
    zone_label: str
    config_mount: str
    catalog_line: str
    zookeeper_connect: str  # "" in KRaft mode
    state_paths: StatePaths
    kraft: bool = False  # kafka.mode: kraft (docs/kraft.md)
    quorum_voters: str = ""  # controller.quorum.voters, KRaft only
    cluster_id: str = ""
    release_version: str = ""
    node_id_base: int = 0  # broker node.id = ordinal, as broker.id in ZooKeeper mode
    combined: bool = False  # KRaft, development: broker 0 is also the only controller (controllers.combined)
    controller_port: int = 0  # its CONTROLLER listener, combined only

    @property
    def config(self) -> Mapping[str, Any]:
        config: Mapping[str, Any] = self.spec["config"]
        return config


def version_has_zookeeper_mode(models: Models, where: Where) -> Iterator[Finding]:
    """Kafka 4.0 removed ZooKeeper mode: a ZooKeeper-mode target runs 3.9 (C07)."""
    kafka = models.get(BrokersModel)
    if not kafka.kraft and not kafka.version.startswith("3.9."):
        yield where.error(
            "kafka.version",
            f"{kafka.version} has no ZooKeeper mode (removed in Kafka 4.0); allowed: 3.9.x, or kafka.mode: kraft "
            "(the kraft profile)",
            "C07",
        )


class Brokers(Component):
    name = "brokers"
    keys = ("kafka",)
    after = ("cluster", "zookeeper", "controllers")
    rules = (*RULES, version_has_zookeeper_mode, objects.image_tag_rule("kafka", BrokersModel))
    invariants = (budget_keeps_min_isr,)
    identities = (("kafka", "broker", 0),)

    def derive(self, params: Mapping[str, Any], models: Models) -> BrokersModel:
        names = models.get(ClusterModel).names
        kafka = params["kafka"]
        name = f"{names.cluster}-broker"
        port = kafka["ports"]["internal"]
        selector, labels = objects.labels(names, "kafka", kafka["version"])
        # One StatefulSet: pod ordinal N is broker N, whatever the zones, their order or rack awareness, and
        # the StatefulSet controller rolls one broker at a time over all of them (a set per zone rolled
        # the zones at once). The zone comes from the node the pod lands on (start-kafka.sh).
        brokers = tuple(
            Broker(
                broker_id,
                f"{name}-{broker_id}",
                names.fqdn(f"{name}-{broker_id}"),
                freeze({**selector, objects.POD_NAME_LABEL: f"{name}-{broker_id}"}),
            )
            for broker_id in range(kafka["replicas"])
        )
        bootstrap_service = f"{names.cluster}-bootstrap"
        heap = kafka["heap"]["size"]
        gc_log = objects.gc_log(f"{LOG_DIR}/kafkaServer-gc.log", GC_LOG) if kafka["gc"]["logging"] else ""
        in_kraft = kraft(params)
        controllers = models.get(ControllersModel) if in_kraft else None
        return BrokersModel(
            spec=freeze(kafka),
            version=kafka["version"],
            replicas=kafka["replicas"],
            rack_aware=kafka["rackAware"],
            name=name,
            headless=f"{name}-headless",
            bootstrap_service=bootstrap_service,
            bootstrap=f"{names.fqdn(bootstrap_service)}:{port}",
            configmap=f"{name}-config",
            selector=freeze(selector),
            labels=freeze(labels),
            image_ref=objects.image_ref(kafka["image"], kafka["version"]),
            annotations=freeze(objects.scan_exceptions(kafka["image"])),
            resources=freeze(objects.with_ephemeral_storage(kafka["resources"], EPHEMERAL_STORAGE)),
            brokers=brokers,
            port=port,
            heap_opts=f"-Xms{heap} -Xmx{heap}",  # R05, C11: equal sizes, no resize pauses
            performance_opts=" ".join(
                [
                    "-server",
                    *objects.gc_flags(kafka["gc"], True),
                    "-XX:+ExplicitGCInvokesConcurrent",
                    "-Djava.awt.headless=true",
                ]
            ),
            # R01. Not kafka-server-start.sh's -loggc: kafka-run-class.sh would then replace these options
            # with its own 10 x 100M rotation, more than the logs volume holds.
            gc_log_opts=gc_log,
            extra_args="-name kafkaServer",
            log4j_opts=(
                f"-Dlog4j2.configurationFile={objects.CONFIG_MOUNT}/log4j2.properties"  # Kafka 4.x: log4j2
                if in_kraft
                else f"-Dlog4j.configuration=file:{objects.CONFIG_MOUNT}/log4j.properties"
            ),
            data_mount=DATA_MOUNT,
            data_dir=DATA_DIR,
            log_dir=LOG_DIR,
            logs_volume=LOGS_VOLUME,
            zone_label=objects.ZONE_LABEL,
            config_mount=objects.CONFIG_MOUNT,
            catalog_line=".".join(kafka["version"].split(".")[:2]),
            zookeeper_connect="" if in_kraft else models.get(ZookeeperModel).connect,
            state_paths=StatePaths({"server.properties": ("log.dirs",)}, ("LOG_DIR",)),
            kraft=in_kraft,
            quorum_voters=controllers.quorum_voters if controllers else "",
            cluster_id=controllers.cluster_id if controllers else "",
            release_version=controllers.release_version if controllers else "",
            combined=bool(controllers and controllers.combined),
            controller_port=controllers.port if controllers and controllers.combined else 0,
        )

    def config_files(self, model: BrokersModel, models: Models) -> list[ConfigFile]:
        return [
            ConfigFile(
                "config/server.properties",
                self.name,
                "properties",
                model.config,
                "kafka.config",
                self._kraft_sections(model) if model.kraft else self._zookeeper_sections(model),
                ("kafka-broker", model.catalog_line),
                # R24: left null, one recovery thread per whole CPU core of the limit (at least 1)
                defaults={"num.recovery.threads.per.data.dir": objects.whole_cores(model.resources["limits"]["cpu"])},
            )
        ]

    @staticmethod
    def _zookeeper_sections(model: BrokersModel) -> tuple[Section, ...]:
        return (
            Section(
                "listeners",
                "derived from kafka.ports.internal; advertised.listeners per broker from its Service (R13)",
                {
                    "listeners": f"PLAINTEXT://:{model.port}",
                    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name": "PLAINTEXT",
                },
                at_start=("advertised.listeners",),
            ),
            Section(
                "identity",
                "start-kafka.sh sets broker.id from the pod ordinal and broker.rack from the pod's zone (R22)",
                {},
                at_start=("broker.id", "broker.rack"),
            ),
            Section("storage", "the data volume's mount, exactly the image's VOLUME", {"log.dirs": model.data_dir}),
            Section("zookeeper", "derived from the ZooKeeper Services", {"zookeeper.connect": model.zookeeper_connect}),
        )

    @staticmethod
    def _kraft_sections(model: BrokersModel) -> tuple[Section, ...]:
        """KRaft (docs/kraft.md, 1 and 4): the broker role, the controller listener and the static voters;
        node.id (the pod ordinal, as broker.id was) and advertised.listeners are written at start. The
        combined development node (controllers.combined) also listens as the only voter."""
        listeners = f"PLAINTEXT://:{model.port}"
        if model.combined:
            listeners += f",CONTROLLER://:{model.controller_port}"
        return (
            Section(
                "listeners",
                "derived from kafka.ports.internal and controllers.port; advertised.listeners per broker from its "
                "Service (R13)",
                {
                    "listeners": listeners,
                    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name": "PLAINTEXT",
                    "controller.listener.names": "CONTROLLER",
                },
                at_start=("advertised.listeners",),
            ),
            Section(
                "identity",
                "start-kafka.sh sets node.id from the pod ordinal and broker.rack from the pod's zone (R22)",
                {},
                at_start=("node.id", "broker.rack"),
            ),
            Section("storage", "the data volume's mount, exactly the image's VOLUME", {"log.dirs": model.data_dir}),
            Section(
                "kraft",
                "broker 0 is also the only controller, the one static voter (controllers.combined, development)"
                if model.combined
                else "a KRaft broker of the static voters the controllers StatefulSet runs (controllers.replicas)",
                {
                    "process.roles": "broker,controller" if model.combined else "broker",
                    "controller.quorum.voters": model.quorum_voters,
                },
            ),
        )

    def context(self, model: BrokersModel, models: Models, files: Mapping[str, str]) -> dict[str, Any]:
        return {"configmap": objects.configmap(model.configmap, files)}

    def instances(self, placeholder: str, model: BrokersModel) -> list[tuple[str, dict[str, Any]]]:
        if placeholder != "broker":
            return super().instances(placeholder, model)
        return [(broker.name, {"broker": broker}) for broker in model.brokers]


COMPONENT = Brokers(Path(__file__).parent)
