"""The failure budget: what a target survives (broker, ZooKeeper or controller and zone losses, a drain plus
a crash), derived once from the parameters (generator/budget.py), and the warning when a zone loss breaks it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from generator.budget import FailureBudget, failure_budget
from generator.components.cluster import ClusterModel
from generator.core.component import Component, Models
from generator.core.findings import Finding, Where


def zone_loss(models: Models, where: Where) -> Iterator[Finding]:
    budget = models.get(FailureBudget)
    kept = (budget.zone_loss_keeps_writes, budget.zone_loss_keeps_acked_data, budget.zone_loss_keeps_zookeeper)
    if not models.get(ClusterModel).production or budget.zones == 0 or all(kept):
        return
    quorum_lost = "the controllers lose quorum" if budget.kraft else "ZooKeeper loses quorum"
    lost = [
        what
        for what, kept_it in (
            ("acks=all writes stop" if budget.acks_all else "writes stop", budget.zone_loss_keeps_writes),
            ("acknowledged writes can be lost", budget.zone_loss_keeps_acked_data),
            (quorum_lost, budget.zone_loss_keeps_zookeeper),
        )
        if not kept_it
    ]
    reasons = []
    if not (budget.zone_loss_keeps_writes and budget.zone_loss_keeps_acked_data):
        reasons.append(
            "min.insync.replicas is too low for the replicas a zone takes with it"
            if budget.rack_aware
            else "kafka.rackAware is off, so one zone may hold several replicas of a partition"
        )
    if not budget.zone_loss_keeps_zookeeper:
        members = "controllers" if budget.kraft else "ZooKeeper servers"
        reasons.append(f"the largest zone holds too many {members} for the rest to be a quorum")
    yield where.warning(
        "cluster.zones",
        f"losing one of {budget.zones} zone(s) with replication factor {budget.replication_factor} and "
        f"{budget.brokers} brokers: {' and '.join(lost)} ({'; '.join(reasons)})",
        "R22",
        "R28",
    )


class Budget(Component):
    name = "budget"
    after = ("cluster", "zookeeper", "brokers", "clients")
    rules = (zone_loss,)

    def derive(self, params: Mapping[str, Any], models: Models) -> FailureBudget:
        from generator.components.brokers import BrokersModel

        return failure_budget(dict(params), models.get(BrokersModel).bootstrap)


COMPONENT = Budget(Path(__file__).parent)
