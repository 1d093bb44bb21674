"""Rules over the ZooKeeper model: each refuses (or warns about) input that renders but would break
the ensemble, in one line naming the key, the layer that set it and what is allowed.

Some helpers here (the JVM's share of a memory limit, requests within limits, empty volumes) serve the
brokers' rules too: ZooKeeper comes first in the components' order, so the brokers may import them."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from generator.components.cluster import ClusterModel
from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where
from generator.k8s.objects import cpu_millicores, jvm_bytes, k8s_bytes

if TYPE_CHECKING:
    from generator.components.zookeeper import ZookeeperModel

MIB, GIB = 1024**2, 1024**3

WHITELIST = "4lw.commands.whitelist"
# The four-letter words templates/zookeeper/config/zookeeper-probe.sh.j2 sends, and the probes that send
# them (templates/zookeeper/kubernetes/zookeeper/statefulset.yaml.j2). tests/components/zookeeper reads
# the words back from the script, so the two cannot drift apart.
PROBE_WORDS = {"ruok": "startup and liveness", "srvr": "readiness"}
# ZooKeeper's whitelist when zoo.cfg leaves it unset (zookeeperAdmin.md, 4lw.commands.whitelist, 3.5.3+).
DEFAULT_WHITELIST = ("srvr",)
# templates/zookeeper/kubernetes/zookeeper/statefulset.yaml.j2 startupProbe.periodSeconds (pinned by a test).
STARTUP_PERIOD_SECONDS = 5


def _zk(models: Models) -> ZookeeperModel:
    from generator.components.zookeeper import ZookeeperModel

    return models.get(ZookeeperModel)


def ensemble_size(models: Models, where: Where) -> Iterator[Finding]:
    replicas = _zk(models).replicas
    if models.get(ClusterModel).production and (replicas < 3 or replicas % 2 == 0):
        yield where.error(
            "zookeeper.replicas",
            f"must be odd and >= 3 in production, got {replicas}; "
            "an even ensemble tolerates no more failures than the odd one below it",
            "R09",
            "C09",
        )


def pdb_keeps_quorum(models: Models, where: Where) -> Iterator[Finding]:
    zk = _zk(models)
    chosen = zk.spec["pdb"]["maxUnavailable"]
    limit = max(zk.spare - 1, 1)  # a drain must leave room for one crash, where the ensemble has it
    allowed = "1" if limit == 1 else f"1..{limit}"
    if models.get(ClusterModel).production and chosen > limit:
        yield where.error(
            "zookeeper.pdb.maxUnavailable",
            f"{chosen} lets a drain take {chosen} of {zk.replicas} servers, leaving room for "
            f"{max(zk.spare - chosen, 0)} crash(es) before quorum is lost; allowed: {allowed}",
            "R07",
            "D01",
        )


def whitelist_words(value: Any) -> tuple[str, ...]:
    """The words a whitelist enables, read as ZooKeeper reads it: comma-separated, each trimmed, empty
    ones ignored; a list is written comma-joined; null leaves ZooKeeper's default."""
    if value is None:
        return DEFAULT_WHITELIST
    items = value.split(",") if isinstance(value, str) else [str(item) for item in value]
    return tuple(item.strip() for item in items if item.strip())


def probes_are_whitelisted(models: Models, where: Where) -> Iterator[Finding]:
    """ZooKeeper answers a four-letter word outside 4lw.commands.whitelist with "<word> is not executed
    because it is not in the whitelist." (zookeeperAdmin.md, "The Four Letter Words"), which no probe
    takes for imok or a Mode line."""
    value = _zk(models).spec["config"].get(WHITELIST)
    words = whitelist_words(value)
    missing = [word for word in PROBE_WORDS if word not in words]
    if "*" in words or not missing:
        return
    shown = f"null (ZooKeeper's default, {','.join(DEFAULT_WHITELIST)})" if value is None else ",".join(words)
    uses = "; ".join(f"{word} for {PROBE_WORDS[word]}" for word in missing)
    broken = (
        "no server would pass its startup probe and the kubelet would restart each one forever"
        if "ruok" in missing
        else "no server would ever be Ready and a roll would stop at its first server"
    )
    yield where.error(
        f"zookeeper.config.{WHITELIST}",
        f"{shown} leaves out {' and '.join(missing)}, which zookeeper-probe.sh sends ({uses}): ZooKeeper "
        f"refuses a word outside the whitelist, so {broken}; allowed: a list holding "
        f"{' and '.join(PROBE_WORDS)}, or *",
        "R15",
    )


def heap_initial_within_max(models: Models, where: Where) -> Iterator[Finding]:
    heap = _zk(models).spec["heap"]
    if jvm_bytes(heap["initial"]) > jvm_bytes(heap["max"]):
        yield where.error(
            "zookeeper.heap.initial",
            f"{heap['initial']} is above zookeeper.heap.max={heap['max']}: the JVM refuses to start (Initial "
            f"heap size set to a larger value than the maximum heap size); allowed: at most {heap['max']}",
            "R06",
        )


def largest_heap(limit: int) -> int:
    """The largest heap (-Xmx) a container with a memory limit of `limit` bytes holds, leaving the rest to
    the JVM's memory beside the heap: metaspace (the loaded classes, unbounded by default), the JIT code
    cache (up to 240 MiB, ReservedCodeCacheSize with tiered compilation), a stack per thread (1 MiB,
    -Xss on Linux x64; a broker runs a hundred or more), the GC's own structures (G1's remembered sets
    and marking bitmap, several per cent of the heap) and NIO direct buffers (capped at -Xmx by default).
    The split is the one a JVM vendor chose for its own container default, OpenJ9's
    -XX:+UseContainerSupport (https://eclipse.dev/openj9/docs/xxusecontainersupport/): half of a limit
    below 1 GiB, the limit less 512 MiB from 1 GiB to 2 GiB, three quarters above 2 GiB. Anything past it
    is paid by the kernel's OOM killer, not by a Java OutOfMemoryError."""
    if limit < GIB:
        return limit // 2
    if limit <= 2 * GIB:
        return limit - 512 * MIB
    return limit * 3 // 4


def jvm_size(size: int) -> str:
    """Bytes as a JVM heap size, rounded down to a whole MiB: 6G, 2304M."""
    return f"{size // GIB}G" if size % GIB == 0 else f"{size // MIB}M"


def k8s_size(size: int) -> str:
    """Bytes as a Kubernetes quantity, rounded down to a whole MiB: 2Gi, 768Mi."""
    return f"{size // GIB}Gi" if size % GIB == 0 else f"{size // MIB}Mi"


def heap_problem(heap: str, section: str, limit: str, what: str) -> str | None:
    """Why heap plus the JVM's memory beside it (see largest_heap) exceeds the memory limit, if it does."""
    heap_bytes, limit_bytes = jvm_bytes(heap), k8s_bytes(limit)
    ceiling = largest_heap(limit_bytes)
    if heap_bytes <= ceiling:
        return None
    spare = limit_bytes - heap_bytes
    leaves = f"leaves {k8s_size(spare)}" if spare > 0 else "leaves nothing"
    return (
        f"{heap} {leaves} of {section}.resources.limits.memory={limit} for the JVM's memory beside the heap "
        f"(metaspace, code cache, thread stacks, GC structures, direct buffers), which needs "
        f"{k8s_size(limit_bytes - ceiling)} of it: the kernel would OOM-kill the {what}; allowed: at most "
        f"{jvm_size(ceiling)}"
    )


def heap_fits_memory_limit(models: Models, where: Where) -> Iterator[Finding]:
    spec = _zk(models).spec
    problem = heap_problem(spec["heap"]["max"], "zookeeper", spec["resources"]["limits"]["memory"], "server")
    if problem:
        yield where.error("zookeeper.heap.max", problem, "R06")


def requests_within_limits(section: str, resources: Mapping[str, Any], where: Where, *ids: str) -> Iterator[Finding]:
    """A container's request above its limit: core/v1 validation refuses the pod template ("must be less
    than or equal to cpu limit"), so the API server refuses the StatefulSet."""
    requests, limits = resources["requests"], resources["limits"]
    for kind, amount in (("cpu", cpu_millicores), ("memory", k8s_bytes)):
        if amount(requests[kind]) > amount(limits[kind]):
            yield where.error(
                f"{section}.resources.requests.{kind}",
                f"{requests[kind]} is above {section}.resources.limits.{kind}={limits[kind]}: the API server "
                f"refuses the StatefulSet (a container's request must not exceed its limit); allowed: at most "
                f"{limits[kind]}",
                *ids,
            )


def resources_requests_within_limits(models: Models, where: Where) -> Iterator[Finding]:
    yield from requests_within_limits("zookeeper", _zk(models).spec["resources"], where, "R06")


def volume_not_empty(key: str, size: str, what: str, where: Where) -> Iterator[Finding]:
    """core/v1 validation refuses a PersistentVolumeClaim whose storage request is not above zero."""
    if k8s_bytes(size) == 0:
        yield where.error(
            key,
            f"{size} is an empty volume: the API server refuses a PersistentVolumeClaim whose storage request "
            f"is not greater than zero, so the StatefulSet can create no claim and no {what} starts; allowed: "
            "a size above 0",
            "R20",
        )


def storage_not_empty(models: Models, where: Where) -> Iterator[Finding]:
    storage = _zk(models).spec["storage"]
    for name in ("data", "datalog"):
        yield from volume_not_empty(f"zookeeper.storage.{name}", storage[name], "server", where)


def startup_probe_covers_loading(models: Models, where: Where) -> Iterator[Finding]:
    """The startup probe (ruok) answers once the server has loaded its database: QuorumPeer.start() loads
    the snapshot and replays the transaction log before it opens the client port. ZooKeeper's own bound
    on taking in a whole database is initLimit x tickTime, the time a follower may take to connect to
    the leader and receive and load its snapshot (zookeeperAdmin.md, initLimit: "Increase this value as
    needed, if the amount of data managed by ZooKeeper is large"). A probe shorter than that kills a
    server with a database the ensemble is configured for before it has loaded it, on every restart."""
    zk = _zk(models)
    config, threshold = zk.spec["config"], zk.spec["probes"]["startupFailureThreshold"]
    ticks, tick = config.get("initLimit"), config.get("tickTime")
    if not (isinstance(ticks, int) and isinstance(tick, int)):
        return
    allowed, needed = threshold * STARTUP_PERIOD_SECONDS, ticks * tick / 1000
    if allowed < needed:
        yield where.error(
            "zookeeper.probes.startupFailureThreshold",
            f"{threshold} x {STARTUP_PERIOD_SECONDS} s = {allowed} s is shorter than initLimit x tickTime = "
            f"{ticks} x {tick} ms = {needed:g} s, the time the ensemble gives a server to take in its whole "
            "database: a server loading a database that large is restarted before it answers, every time; "
            f"allowed: at least {math.ceil(needed / STARTUP_PERIOD_SECONDS)}",
            "R15",
        )


RULES: tuple[Rule, ...] = (
    ensemble_size,
    pdb_keeps_quorum,
    probes_are_whitelisted,
    heap_initial_within_max,
    heap_fits_memory_limit,
    resources_requests_within_limits,
    storage_not_empty,
    startup_probe_covers_loading,
)
