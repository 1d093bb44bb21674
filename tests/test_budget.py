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
        "zookeeper": {"replicas": zk, "pdb": {"minAvailable": None}},
        "clients": {"producer": {"acks": acks}},
    }


# brokers, zones, rf, minISR, unclean, acks, zk -> writes, data, zone writes, zone data, zk losses, verdict
TABLE = [
    # durability: one loss keeps writes; two brokers down stop them (RF 3 - 2 = 1).
    ((5, 3, 3, 2, False, "all", 5), (1, 1, False, False, 2, False)),
    # high availability: writes survive two losses but one loss can already lose acknowledged data.
    ((5, 3, 3, 1, True, "all", 5), (2, 0, True, False, 2, False)),
    # RF 5 / minISR 2 over 5 brokers in 5 zones: two down keep writes and data; a zone holds 1 broker.
    ((5, 5, 5, 2, False, "all", 5), (3, 1, True, True, 2, True)),
    # RF 4 / minISR 3 on 6 brokers, 3 zones: 1 for writes, 2 for data; a zone (2 brokers) stops writes.
    ((6, 3, 4, 3, False, "all", 5), (1, 2, False, True, 2, False)),
    # acks=1: writes need only a leader; nothing acknowledged is safe against a loss.
    ((3, 3, 3, 2, False, "1", 3), (2, 0, True, False, 1, False)),
    # three ZooKeeper servers cannot take a planned and an unplanned failure.
    ((6, 6, 5, 2, False, "all", 3), (3, 1, True, True, 1, False)),
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
        budget.zookeeper_losses_tolerated,
        budget.planned_plus_unplanned.ok,
    ) == expected


def test_pdbs_bound_voluntary_disruption() -> None:
    budget = failure_budget(params(5, 3, 3, 2, max_unavailable=1))
    assert (budget.broker_voluntary_disruption, budget.zookeeper_voluntary_disruption) == (1, 2)
    assert not failure_budget(params(5, 5, 5, 2, max_unavailable=0)).planned_plus_unplanned.ok


def test_verdict_names_every_reason() -> None:
    verdict = failure_budget(params(5, 3, 3, 1, unclean=True, zk=3)).planned_plus_unplanned
    assert verdict.reason == (
        "an unclean election during the double failure can lose acknowledged writes; "
        "ZooKeeper with 3 servers loses quorum with two down"
    )
