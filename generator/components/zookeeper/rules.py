"""Rules over the ZooKeeper model: each refuses (or warns about) input that renders but would break
the ensemble, in one line naming the key, the layer that set it and what is allowed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from generator.components.cluster import ClusterModel
from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where
from generator.k8s.objects import jvm_bytes, k8s_bytes

if TYPE_CHECKING:
    from generator.components.zookeeper import ZookeeperModel


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


def heap_below_memory_limit(models: Models, where: Where) -> Iterator[Finding]:
    zk = _zk(models)
    heap = zk.spec["heap"]["max"]
    if jvm_bytes(heap) >= k8s_bytes(zk.spec["resources"]["limits"]["memory"]):
        yield where.error(
            "zookeeper.heap.max",
            f"{heap} does not fit zookeeper.resources.limits.memory; allowed: below the limit, "
            "with room for the page cache",
            "R05",
        )


RULES: tuple[Rule, ...] = (ensemble_size, pdb_keeps_quorum, heap_below_memory_limit)
