"""The KRaft controllers (kafka.mode: kraft): a StatefulSet of dedicated controllers, static voters
(pod ordinal N is node 3000 + N), their headless Service, budget and properties file (docs/kraft.md).
With controllers.combined (development only) there are no controller pods: broker 0 is the only voter,
and this component keeps only the quorum's facts (the voters line) and the KRaft rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from generator.components.cluster import ClusterModel
from generator.components.controllers.checks import budget_keeps_quorum
from generator.components.controllers.rules import RULES
from generator.core.component import Component, Models, freeze
from generator.core.configfile import ConfigFile, Section
from generator.k8s import objects
from generator.k8s.invariants import StatePaths

NODE_ID_BASE = 3000  # controllers' node ids: 3000 + ordinal, never a broker's (docs/kraft.md, 2)
DATA_MOUNT = "/var/lib/kafka/data"  # exactly the image's VOLUME (generator/images.yaml)
DATA_DIR = f"{DATA_MOUNT}/logs"  # log.dirs; the metadata log lives in the first (and only) one
LOG_DIR = "/var/log/kafka"
GC_LOG = {"filecount": 4, "filesize": "16M"}
LOGS_VOLUME = "256Mi"
EPHEMERAL_STORAGE = "1536Mi"  # logs + /tmp emptyDirs plus 256Mi for container logs and the writable layer
LISTENER = "CONTROLLER"
PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
RELEASE_VERSION = "4.1"  # kafka-storage.sh format --release-version: 4.1-IV1, the 4.1.2 default
# A voter is caught up when, by the leader's clock, it fetched this recently and had read the log to the end
# this soon before that fetch: controller.quorum.fetch.timeout.ms's default (docs/kraft.md, 3).
CAUGHT_UP_MS = 2000
# The startup probe (ApiVersions) allows STARTUP_PERIOD_S x STARTUP_FAILURES = 300 s; an empty volume's wait
# for a caught-up majority ends well before, so the script, not the kubelet, says why a start gave up.
STARTUP_PERIOD_S, STARTUP_FAILURES = 5, 60
FORMAT_WAIT_S = 240
# kafka.config keys the controllers decide with in KRaft (docs/kraft.md, 4): copied, one source.
CLUSTER_DEFAULTS = (
    "min.insync.replicas",
    "default.replication.factor",
    "num.partitions",
    "unclean.leader.election.enable",
    "broker.session.timeout.ms",
    "broker.heartbeat.interval.ms",
)


def kraft(params: Mapping[str, Any]) -> bool:
    return bool(params["kafka"].get("mode") == "kraft")


class Voter(NamedTuple):
    id: int
    pod: str
    host: str


@dataclass(frozen=True, eq=False)  # compared by identity: one per build
class ControllersModel:
    spec: Mapping[str, Any]  # the controllers parameters plus the kafka image and pod site keys, read-only
    combined: bool  # broker 0 is the only controller (process.roles=broker,controller); no controller pods
    version: str
    replicas: int
    name: str
    headless: str
    configmap: str
    selector: Mapping[str, str]
    labels: Mapping[str, str]
    image_ref: str
    annotations: Mapping[str, str]
    resources: Mapping[str, Any]
    voters: tuple[Voter, ...]
    quorum_voters: str  # controller.quorum.voters, the same line in every node's file
    port: int
    cluster_id: str
    release_version: str
    node_id_base: int
    heap_opts: str
    performance_opts: str
    gc_log_opts: str
    log4j_opts: str
    data_mount: str
    data_dir: str
    log_dir: str
    logs_volume: str
    config_mount: str
    catalog_line: str
    cluster_defaults: Mapping[str, Any]
    state_paths: StatePaths
    caught_up_ms: int = CAUGHT_UP_MS
    format_wait_s: int = FORMAT_WAIT_S
    startup_period_s: int = STARTUP_PERIOD_S
    startup_failures: int = STARTUP_FAILURES

    @property
    def quorum(self) -> int:
        return self.replicas // 2 + 1


class Controllers(Component):
    name = "controllers"
    keys = ("controllers",)
    after = ("cluster",)
    rules = RULES
    invariants = (budget_keeps_quorum,)
    identities = (("kafka-controller", "controller", NODE_ID_BASE),)

    def enabled(self, params: Mapping[str, Any]) -> bool:
        return kraft(params)

    def derive(self, params: Mapping[str, Any], models: Models) -> ControllersModel:
        names = models.get(ClusterModel).names
        kafka, spec = params["kafka"], params["controllers"]
        site = {k: kafka[k] for k in ("image", "imagePullSecrets", "priorityClassName", "nodeSelector", "tolerations")}
        name = f"{names.cluster}-controller"
        headless = f"{name}-headless"
        port = spec["port"]
        selector, labels = objects.labels(names, "kafka-controller", kafka["version"])
        if spec["combined"]:
            # The brokers' StatefulSet names (generator/components/brokers): pod 0, through the headless
            # Service, which publishes the pod before it is Ready, so its broker part reaches its controller.
            broker = f"{names.cluster}-broker-0"
            voters: tuple[Voter, ...] = (Voter(0, broker, names.fqdn(f"{broker}.{names.cluster}-broker-headless")),)
        else:
            voters = tuple(
                Voter(NODE_ID_BASE + ordinal, f"{name}-{ordinal}", names.fqdn(f"{name}-{ordinal}.{headless}"))
                for ordinal in range(spec["replicas"])
            )
        heap = spec["heap"]["size"]
        gc_log = objects.gc_log(f"{LOG_DIR}/kafkaServer-gc.log", GC_LOG) if kafka["gc"]["logging"] else ""
        config = kafka["config"]
        return ControllersModel(
            spec=freeze({**spec, **site}),
            combined=spec["combined"],
            version=kafka["version"],
            replicas=spec["replicas"],
            name=name,
            headless=headless,
            configmap=f"{name}-config",
            selector=freeze(selector),
            labels=freeze(labels),
            image_ref=objects.image_ref(kafka["image"], kafka["version"]),
            annotations=freeze(objects.scan_exceptions(kafka["image"])),
            resources=freeze(objects.with_ephemeral_storage(spec["resources"], EPHEMERAL_STORAGE)),
            voters=voters,
            quorum_voters=",".join(f"{v.id}@{v.host}:{port}" for v in voters),
            port=port,
            cluster_id=kafka["clusterId"] or "",
            release_version=RELEASE_VERSION,
            node_id_base=0 if spec["combined"] else NODE_ID_BASE,
            heap_opts=f"-Xms{heap} -Xmx{heap}",
            performance_opts=" ".join(
                [
                    "-server",
                    *objects.gc_flags(kafka["gc"], True),
                    "-XX:+ExplicitGCInvokesConcurrent",
                    "-Djava.awt.headless=true",
                ]
            ),
            gc_log_opts=gc_log,
            log4j_opts=f"-Dlog4j2.configurationFile={objects.CONFIG_MOUNT}/log4j2.properties",
            data_mount=DATA_MOUNT,
            data_dir=DATA_DIR,
            log_dir=LOG_DIR,
            logs_volume=LOGS_VOLUME,
            config_mount=objects.CONFIG_MOUNT,
            catalog_line=".".join(kafka["version"].split(".")[:2]),
            cluster_defaults=freeze({k: config.get(k) for k in CLUSTER_DEFAULTS}),
            state_paths=StatePaths({"server.properties": ("log.dirs",)}, ("LOG_DIR",)),
        )

    def config_files(self, model: ControllersModel, models: Models) -> list[ConfigFile]:
        if model.combined:
            return []  # the broker's server.properties carries the controller role
        sections = (
            Section(
                "role",
                "a dedicated KRaft controller, one of the static voters (controllers.replicas, controllers.port)",
                {
                    "process.roles": "controller",
                    "listeners": f"{LISTENER}://:{model.port}",
                    "controller.listener.names": LISTENER,
                    "listener.security.protocol.map": PROTOCOL_MAP,
                    "controller.quorum.voters": model.quorum_voters,
                },
                at_start=("node.id", "advertised.listeners"),
            ),
            Section("storage", "the data volume's mount, exactly the image's VOLUME", {"log.dirs": model.data_dir}),
            Section(
                "cluster defaults",
                "copied from kafka.config: the controllers decide with them in KRaft (docs/kraft.md, 4)",
                dict(model.cluster_defaults),
            ),
        )
        return [
            ConfigFile(
                "config/controller/server.properties",
                self.name,
                "properties",
                {},
                "",
                sections,
                ("kafka-broker", model.catalog_line),
            )
        ]

    def context(self, model: ControllersModel, models: Models, files: Mapping[str, str]) -> dict[str, Any]:
        return {"configmap": objects.configmap(model.configmap, files)}


COMPONENT = Controllers(Path(__file__).parent)
