"""Rules over the brokers' model: each refuses (or warns about) input that renders but would break the
cluster, in one line naming the key, the layer that set it and what is allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from generator.components.cluster import ClusterModel, minor
from generator.components.zookeeper import ZookeeperModel
from generator.components.zookeeper.rules import (
    heap_problem,
    largest_heap,
    requests_within_limits,
    volume_not_empty,
)
from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where
from generator.k8s.objects import jvm_bytes, k8s_bytes

if TYPE_CHECKING:
    from generator.components.brokers import BrokersModel

ZONE_LABELS_FROM = (1, 35)  # PodTopologyLabels admission copies the node's zone label onto pods (beta, on)
# templates/brokers/kubernetes/kafka/statefulset.yaml.j2 startupProbe.periodSeconds (pinned by a test).
STARTUP_PERIOD_SECONDS = 10
# The time a broker may spend recovering its logs after a hard failure before its startup probe passes
# (base.yaml's 180 x 10 s). The probe cannot pass during recovery: the broker answers ApiVersions
# (kafka-ready.sh started) only once LogManager has loaded every log, and a broker killed mid-recovery
# starts again from the same recovery points, so a probe shorter than the recovery is a restart loop
# the broker never leaves. Recovery reads every segment past a partition's recovery point; Kafka leaves
# flushing to the page cache (log.flush.interval.* unset), so after a hard failure that is up to a
# whole active segment (log.segment.bytes, 1 GiB) per replica. 30 minutes reads all of base.yaml's
# 100Gi volume at about 60 MB/s, a slow disk's rate.
STARTUP_MINIMUM_SECONDS = 30 * 60
# After its controlled shutdown a broker closes every log: it flushes what the kernel has not yet written
# back (the kernel writes pages back once they are older than vm.dirty_expire_centisecs, 30 s by
# default), then writes the recovery-point checkpoints and the clean-shutdown marker. Killed before
# that, it recovers every log on its next start. A judgement, not an upstream figure: at most about
# 30 s of writes are held back, and writing them takes no longer than they took to arrive.
LOG_CLOSE_SECONDS = 30
# Upstream defaults of the controlled shutdown (Kafka 3.9 broker configs, ../shared/reference/configs).
CONTROLLED_SHUTDOWN_DEFAULTS = {
    "controlled.shutdown.enable": True,
    "controlled.shutdown.max.retries": 3,
    "controlled.shutdown.retry.backoff.ms": 5000,
    "controller.socket.timeout.ms": 30000,
    "request.timeout.ms": 30000,
}


def _kafka(models: Models) -> BrokersModel:
    from generator.components.brokers import BrokersModel

    return models.get(BrokersModel)


def setting(config: Any, key: str, default: Any) -> Any:
    """A config value; null (or absent) means the upstream default."""
    value = config.get(key)
    return default if value is None else value


def single_broker(models: Models, where: Where) -> Iterator[Finding]:
    replicas = _kafka(models).replicas
    if models.get(ClusterModel).production and replicas < 2:
        yield where.error("kafka.replicas", f"must be >= 2 in production, got {replicas}", "R09")


def replication_fits_brokers(models: Models, where: Where) -> Iterator[Finding]:
    kafka = _kafka(models)
    for name in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        factor = kafka.config.get(name)  # below 1: the key catalog refuses it first (min: 1)
        if isinstance(factor, int) and factor > kafka.replicas:
            yield where.error(
                f"kafka.config.{name}",
                f"{factor} exceeds kafka.replicas={kafka.replicas}; allowed: at most the number of brokers",
                "R28",
            )


def min_isr_fits_replication(models: Models, where: Where) -> Iterator[Finding]:
    config = _kafka(models).config
    for isr_key, rf_key in (
        ("min.insync.replicas", "default.replication.factor"),
        ("transaction.state.log.min.isr", "transaction.state.log.replication.factor"),
    ):
        isr, rf = config.get(isr_key), config.get(rf_key)
        if not (isinstance(isr, int) and isinstance(rf, int)):
            continue
        key = f"kafka.config.{isr_key}"
        if isr > rf:
            yield where.error(
                key, f"{isr} exceeds {rf_key}={rf}: acks=all writes could never succeed; allowed: 1..{rf}", "R25"
            )
        elif isr == rf and models.get(ClusterModel).production:
            yield where.warning(key, f"equals {rf_key}={rf}: losing any one replica stops acks=all writes", "R25")


def heap_fits_memory_limit(models: Models, where: Where) -> Iterator[Finding]:
    spec = _kafka(models).spec
    problem = heap_problem(spec["heap"]["size"], "kafka", spec["resources"]["limits"]["memory"], "broker")
    if problem:
        yield where.error("kafka.heap.size", problem, "R05")


def heap_leaves_page_cache(models: Models, where: Where) -> Iterator[Finding]:
    spec = _kafka(models).spec
    heap, limit = jvm_bytes(spec["heap"]["size"]), k8s_bytes(spec["resources"]["limits"]["memory"])
    if heap <= largest_heap(limit) and limit < 2 * heap:
        yield where.warning(
            "kafka.heap.size",
            f"{spec['heap']['size']} leaves less than the heap again for the page cache in "
            "kafka.resources.limits.memory: reads of recent data go to disk instead of memory",
            "R05",
            "R21",
        )


def resources_requests_within_limits(models: Models, where: Where) -> Iterator[Finding]:
    yield from requests_within_limits("kafka", _kafka(models).spec["resources"], where, "R21")


def storage_not_empty(models: Models, where: Where) -> Iterator[Finding]:
    yield from volume_not_empty("kafka.storage.size", _kafka(models).spec["storage"]["size"], "broker", where)


def pdb_allows_drains(models: Models, where: Where) -> Iterator[Finding]:
    """maxUnavailable 0 lets the eviction API evict no broker at all: `kubectl drain` retries each
    eviction forever ("Cannot evict pod as it would violate the pod's disruption budget")."""
    if _kafka(models).spec["pdb"]["maxUnavailable"] == 0:
        yield where.error(
            "kafka.pdb.maxUnavailable",
            "0 lets no broker be evicted: every node drain, and with it every node upgrade, waits forever on "
            "the broker it holds; allowed: 1 or more (the budget check keeps it within replication factor - "
            "min.insync.replicas)",
            "R08",
        )


def startup_probe_covers_recovery(models: Models, where: Where) -> Iterator[Finding]:
    threshold = _kafka(models).spec["probes"]["startupFailureThreshold"]
    allowed = threshold * STARTUP_PERIOD_SECONDS
    if allowed < STARTUP_MINIMUM_SECONDS:
        yield where.error(
            "kafka.probes.startupFailureThreshold",
            f"{threshold} x {STARTUP_PERIOD_SECONDS} s = {allowed} s is shorter than the "
            f"{STARTUP_MINIMUM_SECONDS // 60} min a broker may spend recovering its logs after a hard failure: "
            "the kubelet would kill it mid-recovery, and every restart begins the recovery again; allowed: at "
            f"least {-(-STARTUP_MINIMUM_SECONDS // STARTUP_PERIOD_SECONDS)}",
            "R15",
            "R24",
        )


def grace_period_covers_shutdown(models: Models, where: Where) -> Iterator[Finding]:
    """On SIGTERM a broker asks the controller to move its leaderships away (KafkaServer.controlledShutdown
    in Kafka 3.9): up to controlled.shutdown.max.retries attempts, each waiting up to
    controller.socket.timeout.ms to connect and request.timeout.ms for the answer, with
    controlled.shutdown.retry.backoff.ms between attempts (controlled.shutdown.max.retries: "Controlled
    shutdown can fail for multiple reasons. This determines the number of retries when such failure
    happens", Kafka broker configs). Then it closes its logs (LOG_CLOSE_SECONDS). The kubelet sends
    SIGKILL when terminationGracePeriodSeconds runs out."""
    kafka = _kafka(models)
    grace = kafka.spec["terminationGracePeriodSeconds"]
    value = {key: setting(kafka.config, key, default) for key, default in CONTROLLED_SHUTDOWN_DEFAULTS.items()}
    retries = value["controlled.shutdown.max.retries"]
    attempt = value["controller.socket.timeout.ms"] + value["request.timeout.ms"]
    backoff = value["controlled.shutdown.retry.backoff.ms"]
    controlled = -(-(retries * attempt + max(retries - 1, 0) * backoff) // 1000)
    needed = (controlled if value["controlled.shutdown.enable"] else 0) + LOG_CLOSE_SECONDS
    if grace >= needed:
        return
    how = (
        f"{controlled} s of controlled shutdown (controlled.shutdown.max.retries {retries} x "
        f"(controller.socket.timeout.ms {value['controller.socket.timeout.ms']} + request.timeout.ms "
        f"{value['request.timeout.ms']}) + {max(retries - 1, 0)} x controlled.shutdown.retry.backoff.ms "
        f"{backoff}) and {LOG_CLOSE_SECONDS} s to close the logs"
        if value["controlled.shutdown.enable"]
        else f"{LOG_CLOSE_SECONDS} s to close the logs"
    )
    yield where.error(
        "kafka.terminationGracePeriodSeconds",
        f"{grace} is shorter than a broker's clean shutdown may take, {how}: the kubelet would kill the broker "
        "before it writes its clean-shutdown marker, and its next start recovers every log; allowed: at least "
        f"{needed}",
        "R19",
    )


def zookeeper_session_negotiable(models: Models, where: Where) -> Iterator[Finding]:
    """A ZooKeeper server grants a session timeout within minSessionTimeout..maxSessionTimeout, by default
    2 and 20 x tickTime, and silently clamps a request outside it (zookeeperAdmin.md, minSessionTimeout
    and maxSessionTimeout; Programmer's Guide: "a minimum of 2 times the tickTime ... and a maximum of 20
    times the tickTime"); -1 in zoo.cfg means the default."""
    if _kafka(models).kraft:
        return  # no ZooKeeper (docs/kraft.md: broker.session.timeout.ms is the controllers' lease)
    timeout = setting(_kafka(models).config, "zookeeper.session.timeout.ms", 18000)
    zoo = models.get(ZookeeperModel).spec["config"]
    tick = zoo.get("tickTime")
    if not (isinstance(timeout, int) and isinstance(tick, int)):
        return
    low_set, high_set = zoo.get("minSessionTimeout"), zoo.get("maxSessionTimeout")
    low_set = low_set if isinstance(low_set, int) and low_set != -1 else None
    high_set = high_set if isinstance(high_set, int) and high_set != -1 else None
    low = 2 * tick if low_set is None else low_set
    high = 20 * tick if high_set is None else high_set
    if low <= timeout <= high:
        return
    low_why = (
        f"2 x zookeeper.config.tickTime={tick}" if low_set is None else f"zookeeper.config.minSessionTimeout={low}"
    )
    high_why = (
        f"20 x zookeeper.config.tickTime={tick}" if high_set is None else f"zookeeper.config.maxSessionTimeout={high}"
    )
    both = low_set is None and high_set is None
    bounds = f"from 2 to 20 x zookeeper.config.tickTime={tick}" if both else f"{low_why} to {high_why}"
    granted = low if timeout < low else high
    yield where.error(
        "kafka.config.zookeeper.session.timeout.ms",
        f"{timeout} is outside the {low}..{high} ms the ensemble grants ({bounds}): ZooKeeper would silently "
        f"give every broker a {granted} ms session instead; allowed: {low}..{high}",
        "R04",
        "C05",
    )


def partitions_per_broker(models: Models, where: Where) -> Iterator[Finding]:
    kafka, workload = _kafka(models), models.get(ClusterModel).workload
    rf = max(setting(kafka.config, "default.replication.factor", 1), 1)
    per_broker = -(-workload.total_partitions * int(rf) // kafka.replicas)
    if per_broker > workload.partitions_per_broker_budget:
        yield where.warning(
            "workload.totalPartitions",
            f"{workload.total_partitions} partitions x RF {rf} over {kafka.replicas} brokers is {per_broker} "
            f"replicas per broker, above the budget of {workload.partitions_per_broker_budget}: recovery and "
            "leader elections after a broker failure take longer",
            "R26",
        )


def brokers_fill_zones(models: Models, where: Where) -> Iterator[Finding]:
    """Rack-aware replica placement gives each zone's brokers an equal share of replicas only when every
    zone holds as many brokers (R22)."""
    kafka, cluster = _kafka(models), models.get(ClusterModel)
    if not kafka.rack_aware:
        return
    if not cluster.zones:
        yield where.error("kafka.rackAware", "true with no cluster.zones; allowed: false, or list the zones", "R22")
        return
    brokers, zones = kafka.replicas, len(cluster.zones)
    if brokers % zones == 0 or not cluster.production:
        return
    counts = "/".join(str(brokers // zones + (1 if i < brokers % zones else 0)) for i in range(zones))
    yield where.warning(
        "kafka.replicas",
        f"{brokers} brokers over {zones} zones is {counts}: with broker.rack, the zone with fewer "
        "brokers holds a replica of every partition its brokers can take, so they carry more than their "
        f"share; allowed: a multiple of {zones}",
        "R22",
    )


def zone_labels_served(models: Models, where: Where) -> Iterator[Finding]:
    cluster = models.get(ClusterModel)
    oldest = min(cluster.kubernetes_versions, key=minor)
    if _kafka(models).rack_aware and (1, 27) <= minor(oldest) < ZONE_LABELS_FROM:
        yield where.error(
            "cluster.kubernetesVersions",
            f"{oldest} does not copy the node's zone label onto pods (PodTopologyLabels admission, on by "
            "default from 1.35), which rack-aware brokers read broker.rack from; allowed: 1.35 or newer, "
            "or kafka.rackAware=false",
            "R22",
        )


RULES: tuple[Rule, ...] = (
    single_broker,
    replication_fits_brokers,
    min_isr_fits_replication,
    heap_fits_memory_limit,
    heap_leaves_page_cache,
    resources_requests_within_limits,
    storage_not_empty,
    pdb_allows_drains,
    startup_probe_covers_recovery,
    grace_period_covers_shutdown,
    zookeeper_session_negotiable,
    partitions_per_broker,
    brokers_fill_zones,
    zone_labels_served,
)
