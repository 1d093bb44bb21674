"""The KRaft target the real-cluster tests run, and what they read from its controllers and brokers.

The target is rendered (not committed): `durability,kraft` with 3 controllers and 3 brokers, a fixed cluster
id and small heaps. Everything else (pod specs, start script, server.properties, client configs) is the
target's own. Tools run inside a running container as `kubectl exec` would run them, with the image's
bin/ scripts (the 4.1 stand-ins) and the heap and logging filter docs/kraft.md gives for such commands.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from .inputs import Target, rendered_target
from .kubelet import Pod
from .podcluster import PodCluster, wait_for_brokers
from .probes import PartitionInfo
from .process import wait_until
from .properties import to_dict
from .tools import ToolResult

PROFILES = "durability,kraft"
# A fixed id (base64url of the first 16 bytes of SHA-256("kafka-profiles/realcluster/kraft")), as a site file
# would set one; OTHER_CLUSTER_ID the same for ".../other", the id of a volume that is not this cluster's.
CLUSTER_ID = "I2tBbFmL0pho_it6QNwDGw"
OTHER_CLUSTER_ID = "pbrOeclqM_ww1cfsbpe9lg"
CONTROLLERS = BROKERS = 3
SETS = (
    f"kafka.clusterId={CLUSTER_ID}",
    f"controllers.replicas={CONTROLLERS}",
    f"kafka.replicas={BROKERS}",
    # Small heaps: six JVMs share two cores here; everything else stays as rendered.
    "kafka.heap.size=256M",
    "controllers.heap.size=256M",
)
NODE_ID_BASE = 3000  # controllers: 3000 + ordinal (docs/kraft.md, 2)
KAFKA_BIN = "/opt/kafka/bin"
# What docs/kraft.md gives for a tool run in a pod: not the server's heap, GC log or console logging.
TOOL_ENV = ("-u", "KAFKA_GC_LOG_OPTS", "-u", "KAFKA_LOG4J_OPTS", "KAFKA_HEAP_OPTS=-Xmx128M",
            "KAFKA_JVM_PERFORMANCE_OPTS=-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")  # fmt: skip
TOOL_TIMEOUT_S = 90.0


def kraft_target(out: Path, profiles: str = PROFILES) -> Target:
    return rendered_target(profiles, out, SETS)


def node_id(cluster: PodCluster, pod: Pod) -> int:
    """What start-kafka.sh derives from the pod name (docs/kraft.md, 2)."""
    return pod.ordinal + (NODE_ID_BASE if pod in cluster.controllers else 0)


def meta_properties(pod: Pod) -> bytes:
    """The meta.properties Kafka wrote on the pod's data PVC (log.dirs = <PVC>/logs)."""
    return (pod.claim_dir("data") / "logs" / "meta.properties").read_bytes()


def metadata_segments(pod: Pod) -> dict[str, bytes]:
    """Segment files of the pod's metadata log (__cluster_metadata-0 on its PVC), by name."""
    folder = pod.claim_dir("data") / "logs" / "__cluster_metadata-0"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.log"))}


def controller_endpoint(cluster: PodCluster, pod: Pod) -> str:
    """host:port of one voter as controller.quorum.voters names it (resolved by every pod's /etc/hosts)."""
    domain = cluster.target.params["cluster"]["clusterDomain"]
    port = pod.spec.port("controller")
    return f"{pod.name}.{pod.set.service_name}.{pod.identity.namespace}.svc.{domain}:{port}"


def tool(pod: Pod, script: str, args: list[str], timeout: float = TOOL_TIMEOUT_S) -> tuple[int | None, str]:
    """bin/<script> run in the pod's container (kubectl exec); (exit code or None on timeout, output)."""
    assert pod.container is not None and pod.container.alive(), f"{pod.name} has no running container"
    result = pod.container.exec(["/usr/bin/env", *TOOL_ENV, f"{KAFKA_BIN}/{script}", *args], timeout)
    return result.returncode, result.output


def features(cluster: PodCluster, via: Pod) -> dict[str, str]:
    """kafka-features.sh --bootstrap-controller ... describe: feature -> FinalizedVersionLevel."""
    code, out = tool(
        via, "kafka-features.sh", ["--bootstrap-controller", controller_endpoint(cluster, via), "describe"]
    )
    assert code == 0, out
    found = dict(re.findall(r"Feature: (\S+)\s.*?FinalizedVersionLevel: (\S+)", out))
    assert found, out
    return found


def quorum_status(cluster: PodCluster, via: Pod, timeout: float = TOOL_TIMEOUT_S) -> tuple[int | None, str]:
    """kafka-metadata-quorum.sh ... describe --status, asked of the voter `via` itself."""
    args = ["--bootstrap-controller", controller_endpoint(cluster, via), "describe", "--status"]
    return tool(via, "kafka-metadata-quorum.sh", args, timeout)


def leader_id(cluster: PodCluster, via: Pod) -> int:
    code, out = quorum_status(cluster, via)
    match = re.search(r"^LeaderId:\s+(-?\d+)", out, re.MULTILINE)
    assert code == 0 and match is not None, out
    return int(match[1])


def replication(cluster: PodCluster, via: Pod) -> dict[int, tuple[int, str]] | None:
    """describe --replication asked of `via`: node id -> (Lag, Status) for every row; None on failure.
    Columns (MetadataQuorumCommand@4.1.2): NodeId DirectoryId LogEndOffset Lag LastFetchTimestamp
    LastCaughtUpTimestamp Status (Leader, Follower or Observer)."""
    args = ["--bootstrap-controller", controller_endpoint(cluster, via), "describe", "--replication"]
    code, out = tool(via, "kafka-metadata-quorum.sh", args)
    if code != 0:
        return None
    rows = [line.split() for line in out.splitlines() if re.match(r"^\d+\s", line)]
    return {int(cols[0]): (int(cols[3]), cols[-1]) for cols in rows if len(cols) == 7}


def voters_caught_up(cluster: PodCluster, via: Pod) -> bool:
    """Every running controller is a voter (Leader or Follower) with Lag 0."""
    rows = replication(cluster, via)
    if rows is None:
        return False
    voters = {n: lag for n, (lag, status) in rows.items() if status in ("Leader", "Follower")}
    return set(voters) == {node_id(cluster, p) for p in cluster.controllers} and not any(voters.values())


def wait_voters_caught_up(cluster: PodCluster, timeout: float = 240.0) -> None:
    via = next(p for p in cluster.controllers if p.container is not None and p.container.alive())
    wait_until(lambda: voters_caught_up(cluster, via), timeout, "every voter caught up (Lag 0)")


def parse_meta(raw: bytes) -> dict[str, str]:
    return to_dict(raw.decode("utf-8"))


# --- cluster state between tests --------------------------------------------------------------------------
def everything_running(cluster: PodCluster, timeout: float = 300.0) -> None:
    """A test that failed half-way may have left pods down; the next one starts from a whole cluster."""
    for group in (cluster.controllers, cluster.brokers):
        stopped = [p for p in group if p.container is None or not p.container.alive()]
        for pod in stopped:
            pod.start_container()
        cluster.wait_ready(group, timeout)
    wait_for_brokers(cluster, cluster.brokers)


def partitions(cluster: PodCluster, topic: str, via: Pod | None = None) -> tuple[PartitionInfo, ...] | None:
    pods = [via] if via is not None else [p for p in cluster.brokers if p.container and p.container.alive()]
    for pod in pods:
        view = cluster.metadata(pod, (topic,))
        if view is not None and view.topics.get(topic):
            return view.topics[topic]
    return None


def wait_for_isr(
    cluster: PodCluster, topic: str, isr: set[int], via: Pod | None = None, timeout: float = 180.0
) -> None:
    """Every partition of `topic` has exactly the in-sync replicas `isr`, as a running broker reports."""

    def settled() -> bool:
        found = partitions(cluster, topic, via)
        return bool(found) and all(set(p.isr) == isr and p.leader in isr for p in found)

    try:
        wait_until(settled, timeout, f"{topic}: ISR {sorted(isr)}")
    except TimeoutError as error:
        raise TimeoutError(f"{error}; last seen {partitions(cluster, topic, via)}\n{cluster.describe()}") from None


def all_brokers(cluster: PodCluster) -> set[int]:
    return {node_id(cluster, p) for p in cluster.brokers}


def new_topic(cluster: PodCluster, topic: str, count: int, timeout: float = 60.0) -> dict[str, Any]:
    """CreateTopics through the generated bootstrap name (the broker default replication factor)."""
    bootstrap = cluster.generated_client_config("producer.json")["bootstrap.servers"]
    spec = {"bootstrap": bootstrap, "topic": topic, "partitions": count, "timeout": timeout}
    result: dict[str, Any] = cluster.run_client("try-create-topic", spec, f"create-{topic}", timeout=timeout + 60)
    return result


def keyed_producer_spec(cluster: PodCluster, topic: str, keys: list[str], name: str) -> dict[str, Any]:
    """For podclient's keyed mode: the generated producer.json sends until the stop file exists."""
    work = cluster.workdir / name
    work.mkdir(exist_ok=True)
    return {"config": cluster.generated_client_config("producer.json"), "topic": topic, "keys": keys,
            "per_second": 100.0, "stop": str(work / "stop"), "out": str(work / "out.json"),
            "progress": str(work / "progress")}  # fmt: skip


def acked_so_far(spec: dict[str, Any]) -> int:
    progress = Path(spec["progress"])
    return int(progress.read_text(encoding="utf-8") or 0) if progress.exists() else 0


def read_back(cluster: PodCluster, topic: str, count: int) -> list[dict[str, Any]]:
    consumer = cluster.generated_client_config("consumer.json")  # read_all adds a group.id
    spec = {"config": consumer, "topic": topic, "partitions": count}
    records: list[dict[str, Any]] = cluster.run_client("read", spec, f"read-{topic}")["records"]
    return records


def produce_acked(cluster: PodCluster, topic: str, keys: list[str], count: int) -> set[tuple[str, int]]:
    """`count` keyed messages with the generated producer.json, every one acknowledged; their ids."""
    spec = {"config": cluster.generated_client_config("producer.json"), "topic": topic, "keys": keys, "count": count}
    produced = cluster.run_client("produce", spec, f"produce-{topic}")
    acked = {(r["key"], r["seq"]) for r in produced["acked"]}
    assert len(acked) == count and not produced["failed"], produced["failed"][:5]
    return acked


def only_copy_on(cluster: PodCluster, broker: Pod, topic: str, keys: list[str], count: int) -> set[tuple[str, int]]:
    """A one-partition topic whose only replica is `broker` (its own disk is all there is), filled with `count`
    acknowledged messages; a topic-level min.insync.replicas=1 lets the generated acks=all producer write."""
    bootstrap = cluster.generated_client_config("producer.json")["bootstrap.servers"]
    spec = {"bootstrap": bootstrap, "topic": topic, "assignment": [[node_id(cluster, broker)]],
            "config": {"min.insync.replicas": "1"}}  # fmt: skip
    cluster.run_client("create-topic", spec, f"create-{topic}")
    return produce_acked(cluster, topic, keys, count)


# Kafka 4.x clients log through log4j2: INFO to stderr, so a client's "ProducerConfig values:" block and its
# configuration warnings are there to read (tests/realcluster/java_clients.py), stdout left to the messages.
CLIENT_LOG4J2 = """\
status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stderr.ref = STDERR
"""


def client_java(
    cluster: PodCluster, main_class: str, args: list[str], stdin: str = "", timeout: float = 90.0
) -> ToolResult:
    """A Kafka 4.1.2 command-line client (console producer, consumer) in the client pod, on the cluster's jars."""
    config = cluster.workdir / "client-log4j2.properties"
    config.write_text(CLIENT_LOG4J2, encoding="utf-8")
    java = shutil.which("java") or "java"
    command = cluster.client_command([java, "-Xms32m", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                                      f"-Dlog4j2.configurationFile={config}", "-cp", f"{cluster.classpath}/*",
                                      main_class, *args])  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    return ToolResult(tuple(command), done.returncode, done.stdout, done.stderr, time.monotonic() - started)
