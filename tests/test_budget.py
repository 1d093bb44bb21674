"""The failure budget on a table of cluster shapes, answers checked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from generator.budget import failure_budget


def params(
    brokers: int,
    zones: int,
    rf: int,
    min_isr: int,
    unclean: bool = False,
    acks: str = "all",
    zk: int = 5,
    max_unavailable: int = 1,
    zk_max_unavailable: int = 1,
) -> dict[str, Any]:
    return {
        "cluster": {"zones": [f"z{i}" for i in range(zones)]},
        "kafka": {
            "replicas": brokers,
            "pdb": {"maxUnavailable": max_unavailable},
            "config": {
                "default.replication.factor": rf,
                "min.insync.replicas": min_isr,
                "unclean.leader.election.enable": unclean,
            },
        },
        "zookeeper": {"replicas": zk, "pdb": {"maxUnavailable": zk_max_unavailable}},
        "clients": {"producer": {"acks": acks}},
    }


# brokers, zones, rf, minISR, unclean, acks, zk
#   -> writes, data, zone writes, zone data, zone keeps ZooKeeper, zk losses, verdict
# A zone takes ceil(zk / zones) ZooKeeper servers with it (the spread deals them out evenly); quorum is zk // 2 + 1.
TABLE = [
    # durability: one loss keeps writes; two brokers down stop them (RF 3 - 2 = 1).
    # 5 servers over 3 zones: a zone takes 2, 3 are left = the quorum of 3.
    ((5, 3, 3, 2, False, "all", 5), (1, 1, False, False, True, 2, False)),
    # high availability: writes survive two losses but one loss can already lose acknowledged data.
    ((5, 3, 3, 1, True, "all", 5), (2, 0, True, False, True, 2, False)),
    # RF 5 / minISR 2 over 5 brokers in 5 zones: two down keep writes and data; a zone holds 1 broker.
    # 5 servers over 5 zones: a zone takes 1, 4 are left.
    ((5, 5, 5, 2, False, "all", 5), (3, 1, True, True, True, 2, True)),
    # RF 4 / minISR 3 on 6 brokers, 3 zones: 1 for writes, 2 for data; a zone (2 brokers) stops writes.
    ((6, 3, 4, 3, False, "all", 5), (1, 2, False, True, True, 2, False)),
    # acks=1: writes need only a leader; nothing acknowledged is safe against a loss.
    # 3 servers over 3 zones: a zone takes 1, 2 are left = the quorum of 2.
    ((3, 3, 3, 2, False, "1", 3), (2, 0, True, False, True, 1, False)),
    # three ZooKeeper servers cannot take a planned and an unplanned failure.
    # 3 servers over 6 zones: a zone takes at most 1, 2 are left.
    ((6, 6, 5, 2, False, "all", 3), (3, 1, True, True, True, 1, False)),
    # two zones: 5 servers are 3 + 2, losing the zone with 3 leaves 2, below the quorum of 3.
    # Not rack-aware: 4 brokers are 2 per zone, so a zone can hold 2 of RF 3 replicas: 1 left < minISR 2.
    ((4, 2, 3, 2, False, "all", 5), (1, 1, False, False, False, 2, False)),
    # two zones, 3 servers: 2 + 1, losing the zone with 2 leaves 1, below the quorum of 2. Brokers: a zone
    # holds 3, so up to 3 of RF 5 replicas: 2 are left = minISR (writes go on), but 3 > 1 loss keeps data.
    ((6, 2, 5, 2, False, "all", 3), (3, 1, True, False, False, 1, False)),
]


@pytest.mark.parametrize(("shape", "expected"), TABLE)
def test_budget_table(shape: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    """R10, R22: the numbers behind explain's failure budget and its planned+unplanned verdict."""
    brokers, zones, rf, min_isr, unclean, acks, zk = shape
    budget = failure_budget(params(brokers, zones, rf, min_isr, unclean, acks, zk))
    assert (
        budget.broker_losses_keeping_writes,
        budget.broker_losses_keeping_acked_data,
        budget.zone_loss_keeps_writes,
        budget.zone_loss_keeps_acked_data,
        budget.zone_loss_keeps_zookeeper,
        budget.zookeeper_losses_tolerated,
        budget.planned_plus_unplanned.ok,
    ) == expected


def test_pdbs_bound_voluntary_disruption() -> None:
    budget = failure_budget(params(5, 3, 3, 2, max_unavailable=1))
    assert (budget.broker_voluntary_disruption, budget.zookeeper_voluntary_disruption) == (1, 1)
    budget = failure_budget(params(5, 3, 3, 2, max_unavailable=2, zk_max_unavailable=2))
    assert (budget.broker_voluntary_disruption, budget.zookeeper_voluntary_disruption) == (2, 2)
    assert not failure_budget(params(5, 5, 5, 2, max_unavailable=0)).planned_plus_unplanned.ok


def test_verdict_names_every_reason() -> None:
    verdict = failure_budget(params(5, 3, 3, 1, unclean=True, zk=3)).planned_plus_unplanned
    assert verdict.reason == (
        "an unclean election during the double failure can lose acknowledged writes; "
        "ZooKeeper with 3 servers loses quorum with two down"
    )
