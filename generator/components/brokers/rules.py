"""Rules over the brokers' model: each refuses (or warns about) input that renders but would break the
cluster, in one line naming the key, the layer that set it and what is allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from generator.components.cluster import ClusterModel, minor
from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where
from generator.k8s.objects import jvm_bytes, k8s_bytes

if TYPE_CHECKING:
    from generator.components.brokers import BrokersModel

ZONE_LABELS_FROM = (1, 35)  # PodTopologyLabels admission copies the node's zone label onto pods (beta, on)


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
        factor = kafka.config.get(name)
        if isinstance(factor, int) and factor < 1:
            yield where.error(f"kafka.config.{name}", f"must be >= 1, got {factor}: no topic could be created", "R28")
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


def heap_below_memory_limit(models: Models, where: Where) -> Iterator[Finding]:
    spec = _kafka(models).spec
    heap = spec["heap"]["size"]
    if jvm_bytes(heap) >= k8s_bytes(spec["resources"]["limits"]["memory"]):
        yield where.error(
            "kafka.heap.size",
            f"{heap} does not fit kafka.resources.limits.memory; allowed: below the limit, "
            "with room for the page cache",
            "R05",
        )


def heap_leaves_page_cache(models: Models, where: Where) -> Iterator[Finding]:
    spec = _kafka(models).spec
    heap, limit = jvm_bytes(spec["heap"]["size"]), k8s_bytes(spec["resources"]["limits"]["memory"])
    if heap < limit < 2 * heap:
        yield where.warning(
            "kafka.heap.size",
            f"{spec['heap']['size']} leaves less than the heap again for the page cache in "
            "kafka.resources.limits.memory: reads of recent data go to disk instead of memory",
            "R05",
            "R21",
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
    heap_below_memory_limit,
    heap_leaves_page_cache,
    partitions_per_broker,
    brokers_fill_zones,
    zone_labels_served,
)
