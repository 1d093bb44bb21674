"""The failure budget of a target: what it survives, computed in one place from its parameters.

Worst cases per partition: a partition has RF replicas, and an acks=all write is acknowledged once
every in-sync replica has it, which may be as few as min.insync.replicas. With broker.rack set (the
zone of each broker's node), Kafka spreads each partition's replicas over the zones; without it, replicas
may share a zone. ZooKeeper servers spread evenly over the zones too, so a zone takes the largest share
with it. See docs/failure-budget.md.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    ok: bool
    reason: str


@dataclass(frozen=True)
class FailureBudget:
    brokers: int
    zones: int
    replication_factor: int
    min_insync_replicas: int
    acks_all: bool
    unclean_election: bool
    rack_aware: bool
    broker_losses_keeping_writes: int  # acks=all writes still accepted on every partition
    broker_losses_keeping_acked_data: int  # no acknowledged write can be lost (disks lost with the broker)
    zone_loss_keeps_writes: bool
    zone_loss_keeps_acked_data: bool
    zone_loss_keeps_zookeeper: bool
    zookeeper_servers: int
    zookeeper_losses_tolerated: int
    broker_voluntary_disruption: int  # pods the broker PDB lets a drain evict at once
    zookeeper_voluntary_disruption: int
    planned_plus_unplanned: Verdict  # R10/R22 guideline: one planned and one unplanned failure

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        """Plain sentences for explain, params.yaml and the target README."""
        writes = "writes" if self.acks_all else "acks=all writes (producers do not use acks=all)"
        return [
            f"{self.broker_losses_keeping_writes} broker loss(es) keep {writes} accepted "
            f"(RF {self.replication_factor} - min.insync.replicas {self.min_insync_replicas}).",
            f"{self.broker_losses_keeping_acked_data} broker loss(es) keep every acknowledged write"
            + (" (unclean leader election can elect a replica that lacks them)." if self.unclean_election else "."),
            *self._zone_lines(),
            f"ZooKeeper: {self.zookeeper_losses_tolerated} of {self.zookeeper_servers} servers can be lost "
            "with quorum kept.",
            f"Voluntary disruptions: at most {self.broker_voluntary_disruption} broker(s) and "
            f"{self.zookeeper_voluntary_disruption} ZooKeeper server(s) at once.",
            f"One planned + one unplanned failure (R10, R22): {'yes' if self.planned_plus_unplanned.ok else 'NO'}"
            f" - {self.planned_plus_unplanned.reason}",
        ]

    def _zone_lines(self) -> list[str]:
        if self.zones == 0:
            return ["Zones: none listed (cluster.zones is empty), so no zone loss is planned for."]
        largest = math.ceil(self.zookeeper_servers / self.zones)
        left, quorum = self.zookeeper_servers - largest, self.zookeeper_servers // 2 + 1
        zookeeper = (
            f"ZooKeeper after the loss of a zone: {left} of {self.zookeeper_servers} servers left "
            f"({largest} in the largest zone), "
            + (
                f"quorum of {quorum} kept."
                if self.zone_loss_keeps_zookeeper
                else f"below the quorum of {quorum}: "
                + (
                    "two zones cannot hold a ZooKeeper majority through the loss of either."
                    if self.zones == 2
                    else "every Kafka write stops until the zone is back."
                )
            )
        )
        return [
            f"Loss of a whole zone ({self.zones} zones, {math.ceil(self.brokers / self.zones)} brokers in the "
            f"largest): writes {'continue' if self.zone_loss_keeps_writes else 'can stop'}, acknowledged data "
            f"{'kept' if self.zone_loss_keeps_acked_data else 'can be lost'}"
            + ("." if self.rack_aware else " (replicas are not rack-aware: broker.rack is not set)."),
            zookeeper,
        ]


def failure_budget(params: dict[str, Any]) -> FailureBudget:
    kafka, zk = params["kafka"], params["zookeeper"]
    config, producer = kafka["config"], params["clients"]["producer"]
    brokers, zones = kafka["replicas"], len(params["cluster"]["zones"])
    # null means the upstream default; a factor below 1 is refused by params.replication_fits_brokers
    rf = max(min(int(_setting(config, "default.replication.factor", 1)), brokers), 1)
    min_isr = int(_setting(config, "min.insync.replicas", 1))
    acks_all = str(_setting(producer, "acks", "all")) in ("all", "-1")
    unclean = config.get("unclean.leader.election.enable") is True
    rack_aware = bool(kafka.get("rackAware"))  # broker.rack = the zone of the broker's node

    keeps_writes = max(rf - min_isr, 0) if acks_all else max(rf - 1, 0)
    # acks=all: an acknowledged write is on at least min.insync.replicas replicas; anything less
    # than acks=all acknowledges after the leader alone.
    keeps_data = max(min_isr - 1, 0) if acks_all else 0

    per_zone = math.ceil(brokers / max(zones, 1))  # brokers in the largest zone (spread evenly)
    zone_replicas = math.ceil(rf / min(rf, max(zones, 1))) if rack_aware else min(rf, per_zone)
    zone_keeps_writes = rf - zone_replicas >= (min_isr if acks_all else 1)
    zone_keeps_data = zone_replicas <= keeps_data

    quorum = zk["replicas"] // 2 + 1
    zk_in_largest_zone = math.ceil(zk["replicas"] / max(zones, 1))  # the topology spread deals them out evenly
    budget = dict(
        brokers=brokers,
        zones=zones,
        replication_factor=rf,
        min_insync_replicas=min_isr,
        acks_all=acks_all,
        unclean_election=unclean,
        rack_aware=rack_aware,
        broker_losses_keeping_writes=keeps_writes,
        broker_losses_keeping_acked_data=keeps_data,
        zone_loss_keeps_writes=zone_keeps_writes,
        zone_loss_keeps_acked_data=zone_keeps_data,
        # no zones listed: no zone to lose (development targets)
        zone_loss_keeps_zookeeper=zones == 0 or zk["replicas"] - zk_in_largest_zone >= quorum,
        zookeeper_servers=zk["replicas"],
        zookeeper_losses_tolerated=zk["replicas"] - quorum,
        broker_voluntary_disruption=kafka["pdb"]["maxUnavailable"],
        zookeeper_voluntary_disruption=zk["pdb"]["maxUnavailable"],
    )
    return FailureBudget(**budget, planned_plus_unplanned=_two_failures(budget))


def _two_failures(b: dict[str, Any]) -> Verdict:
    """A drain (planned, disks kept) while a broker crashes (unplanned): two brokers down at once."""
    problems = []
    if b["broker_voluntary_disruption"] < 1:
        problems.append("the broker PDB allows no drain at all")
    if b["broker_losses_keeping_writes"] < 2:
        problems.append(
            f"two brokers down leave {b['replication_factor'] - 2} replica(s) where "
            f"{b['min_insync_replicas'] if b['acks_all'] else 1} must be in sync: writes stop"
        )
    if b["unclean_election"] and b["broker_losses_keeping_acked_data"] < 2:
        problems.append("an unclean election during the double failure can lose acknowledged writes")
    if b["zookeeper_losses_tolerated"] < 2:
        problems.append(f"ZooKeeper with {b['zookeeper_servers']} servers loses quorum with two down")
    if problems:
        return Verdict(False, "; ".join(problems))
    return Verdict(
        True, "writes continue and acknowledged data is kept with two brokers and two ZooKeeper servers down"
    )


def _setting(config: dict[str, Any], key: str, default: Any) -> Any:
    value = config.get(key)
    return default if value is None else value
