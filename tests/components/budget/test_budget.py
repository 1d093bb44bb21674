"""The failure budget on a table of cluster shapes, answers checked by hand, and every sentence it says."""

from __future__ import annotations

from typing import Any

import pytest

from generator.budget import FailureBudget, failure_budget


def params(
    brokers: int,
    zones: int,
    rf: int,
    min_isr: int,
    *,
    rack: bool = True,
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
            "rackAware": rack,
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


def budget(brokers: int, zones: int, rf: int, min_isr: int, **kw: Any) -> FailureBudget:
    return failure_budget(params(brokers, zones, rf, min_isr, **kw))


RACK, FLAT = True, False  # broker.rack set (kafka.rackAware) or not
# (brokers, zones, rf, minISR, rack, unclean, acks, zk servers)
#   -> (losses keeping writes, losses keeping acknowledged writes, replicas one zone can hold, zone loss keeps
#       writes, zone loss keeps acknowledged writes, ZooKeeper servers in the largest zone, zone loss keeps
#       ZooKeeper, ZooKeeper losses tolerated, one planned + one unplanned)
# By hand: writes = RF - minISR (acks=all) or RF - 1; acknowledged = minISR - 1 (acks=all) or 0. A zone holds:
# rack-aware, 1 while RF <= zones, else RF - (zones - 1) (one in every other zone), at most the zone's brokers;
# not rack-aware, min(RF, the zone's brokers). Brokers and ZooKeeper servers are dealt out evenly, so the
# largest zone holds ceil(pods / zones). Zone loss keeps writes when RF - held >= minISR (1 without acks=all)
# and acknowledged writes when held <= minISR - 1; ZooKeeper when servers - largest >= servers // 2 + 1. The
# verdict (PDBs 1: two brokers and two ZooKeeper servers down) needs writes >= 2, acknowledged >= 2 and
# ZooKeeper losses >= 2.
TABLE = [
    # durability: 3 - 2 = 1 for writes, 2 - 1 = 1 for data. RF 3 over 3 zones: 1 per zone; 2 left >= 2, 1 <= 1.
    # 5 servers over 3 zones are 2 + 2 + 1: 3 left = the quorum of 3; 5 - 3 = 2 losses. Verdict: writes 1 < 2.
    ((6, 3, 3, 2, RACK, False, "all", 5), (1, 1, 1, True, True, 2, True, 2, False)),
    # high availability: 3 - 1 = 2, 1 - 1 = 0; a zone's 1 replica can be a write's only one (1 > 0).
    # Verdict: 0 < 2 (acknowledged writes).
    ((6, 3, 3, 1, RACK, True, "all", 5), (2, 0, 1, True, False, 2, True, 2, False)),
    # the same without unclean election: still 0 losses keep acknowledged writes, so still NO (it said yes).
    ((6, 3, 3, 1, RACK, False, "all", 5), (2, 0, 1, True, False, 2, True, 2, False)),
    # RF 5 / minISR 3: 5 - 3 = 2, 3 - 1 = 2. RF 5 over 3 zones: one in each other zone leaves 5 - 2 = 3 for this
    # one, but it has 6 / 3 = 2 brokers: 2. 5 - 2 = 3 >= 3 and 2 <= 2. Verdict: 2, 2 and 2 >= 2: yes.
    ((6, 3, 5, 3, RACK, False, "all", 5), (2, 2, 2, True, True, 2, True, 2, True)),
    # acks=-1 is acks=all: the same as the row above.
    ((6, 3, 5, 3, RACK, False, "-1", 5), (2, 2, 2, True, True, 2, True, 2, True)),
    # rack-aware RF 3 over 2 zones: one in the other zone, 3 - 1 = 2 in this one (it has 4 / 2 = 2 brokers).
    # 3 - 2 = 1 < 2 and 2 > 1. 5 servers over 2 zones are 3 + 2: 2 left < the quorum of 3.
    ((4, 2, 3, 2, RACK, False, "all", 5), (1, 1, 2, False, False, 3, False, 2, False)),
    # the same over 6 brokers (3 a zone) with minISR 1 and 3 servers: 2 replicas in a zone, 3 - 2 = 1 >= 1 but
    # 2 > 0; 3 servers over 2 zones are 2 + 1: 1 left < the quorum of 2; 3 - 2 = 1 loss.
    ((6, 2, 3, 1, RACK, False, "all", 3), (2, 0, 2, True, False, 2, False, 1, False)),
    # rack-aware RF 3 over 4 zones: 1 per zone. 5 servers over 4 zones are 2 + 1 + 1 + 1: 3 left = the quorum.
    ((8, 4, 3, 2, RACK, False, "all", 5), (1, 1, 1, True, True, 2, True, 2, False)),
    # rack-aware RF 5 over 4 zones: 5 - 3 = 2 in one zone, which has 8 / 4 = 2 brokers: 2. 5 - 2 = 3 >= 3,
    # 2 <= 2. 3 servers over 4 zones: 1 at most, 2 left = the quorum of 2; 1 loss < 2: NO.
    ((8, 4, 5, 3, RACK, False, "all", 3), (2, 2, 2, True, True, 1, True, 1, False)),
    # RF 6 over 3 zones of 3 brokers: 6 - 2 = 4, 3 brokers: 3 (ceil(6 / 3) = 2 would be wrong: Kafka's
    # placement can put 3 there, docs/failure-budget.md). 6 - 3 = 3 >= 3, but 3 > 3 - 1 = 2. Verdict: 3, 2, 2: yes.
    ((9, 3, 6, 3, RACK, False, "all", 5), (3, 2, 3, True, False, 2, True, 2, True)),
    # 5 brokers over 2 zones are 3 + 2; RF 4: 4 - 1 = 3 in the larger one (3 brokers). 4 - 3 = 1 < 2, 3 > 1.
    # 3 servers over 2 zones: 2 + 1.
    ((5, 2, 4, 2, RACK, False, "all", 3), (2, 1, 3, False, False, 2, False, 1, False)),
    # one zone: it holds everything. RF 3 - 0 others = 3 (3 brokers); 0 left. 3 servers in it: 0 left.
    ((3, 1, 3, 2, RACK, False, "all", 3), (1, 1, 3, False, False, 3, False, 1, False)),
    # not rack-aware, 2 brokers a zone: min(3, 2) = 2 replicas; 3 - 2 = 1 < 2, 2 > 1.
    ((6, 3, 3, 2, FLAT, False, "all", 5), (1, 1, 2, False, False, 2, True, 2, False)),
    # not rack-aware, 3 brokers a zone >= RF 3: all 3 replicas can share it; 0 left. 3 servers over 3 zones:
    # 1 each, 2 left = the quorum of 2.
    ((9, 3, 3, 2, FLAT, False, "all", 3), (1, 1, 3, False, False, 1, True, 1, False)),
    # not rack-aware over 2 zones: 4 / 2 = 2 brokers a zone, 2 replicas; 5 servers: 3 + 2.
    ((4, 2, 3, 2, FLAT, False, "all", 5), (1, 1, 2, False, False, 3, False, 2, False)),
    # not rack-aware over 4 zones: 8 / 4 = 2 brokers a zone, 2 replicas: 3 - 2 = 1 >= minISR 1, 2 > 0.
    # 3 servers over 4 zones: 1 at most, 2 left.
    ((8, 4, 3, 1, FLAT, False, "all", 3), (2, 0, 2, True, False, 1, True, 1, False)),
    # not rack-aware, one broker per zone: 1 replica. 5 servers over 6 zones: 1 at most, 4 left.
    ((6, 6, 3, 2, FLAT, False, "all", 5), (1, 1, 1, True, True, 1, True, 2, False)),
    # no zones: no zone to lose (held 0, every zone answer kept); 3 and 5 servers: 1 and 2 losses.
    ((3, 0, 3, 2, FLAT, False, "all", 3), (1, 1, 0, True, True, 0, True, 1, False)),
    ((5, 0, 3, 1, FLAT, False, "all", 5), (2, 0, 0, True, True, 0, True, 2, False)),
    # development: one broker, RF 1, one server: 0, 0; 1 - 1 = 0 ZooKeeper losses.
    ((1, 0, 1, 1, FLAT, False, "all", 1), (0, 0, 0, True, True, 0, True, 0, False)),
    # acks=1 and acks=0: writes need a leader only, 3 - 1 = 2; nothing acknowledged survives a loss (0), so a
    # zone's 1 replica (the leader) is too many.
    ((6, 3, 3, 2, RACK, False, "1", 5), (2, 0, 1, True, False, 2, True, 2, False)),
    ((6, 3, 3, 2, RACK, False, "0", 5), (2, 0, 1, True, False, 2, True, 2, False)),
]


@pytest.mark.parametrize(("shape", "expected"), TABLE)
def test_budget_table(shape: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    """R10, R22: the numbers behind explain's failure budget and its planned+unplanned verdict."""
    brokers, zones, rf, min_isr, rack, unclean, acks, zk = shape
    b = budget(brokers, zones, rf, min_isr, rack=rack, unclean=unclean, acks=acks, zk=zk)
    assert (
        b.broker_losses_keeping_writes,
        b.broker_losses_keeping_acked_data,
        b.zone_replicas,
        b.zone_loss_keeps_writes,
        b.zone_loss_keeps_acked_data,
        b.zookeeper_servers_in_largest_zone,
        b.zone_loss_keeps_zookeeper,
        b.zookeeper_losses_tolerated,
        b.planned_plus_unplanned.ok,
    ) == expected


def test_pdbs_bound_voluntary_disruption() -> None:
    b = budget(5, 3, 3, 2, max_unavailable=1)
    assert (b.broker_voluntary_disruption, b.zookeeper_voluntary_disruption) == (1, 1)
    b = budget(5, 3, 3, 2, max_unavailable=2, zk_max_unavailable=2)
    assert (b.broker_voluntary_disruption, b.zookeeper_voluntary_disruption) == (2, 2)
    assert b.lines()[-2] == "Voluntary disruptions: at most 2 broker(s) and 2 ZooKeeper server(s) at once."


DURABILITY = [  # profiles/durability.yaml over base.yaml: 6 brokers, 3 zones, RF 3, minISR 2, 5 servers
    "1 broker loss(es) keep writes accepted (RF 3 - min.insync.replicas 2).",
    "1 broker loss(es) keep every acknowledged write: each is on at least 2 replicas (min.insync.replicas), and "
    "losing those 2 brokers with their disks loses it.",
    "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 replicas "
    "(broker.rack puts each in a different zone), so writes continue and acknowledged data is kept.",
    "ZooKeeper after the loss of a zone: 3 of 5 servers left (2 in the largest zone), quorum of 3 kept.",
    "ZooKeeper: 2 of 5 servers can be lost with quorum kept.",
    "Voluntary disruptions: at most 1 broker(s) and 1 ZooKeeper server(s) at once.",
    "One planned + one unplanned failure (R10, R22): NO - two brokers down leave 1 replica(s) where 2 must be in "
    "sync: writes stop; a write acknowledged by only 2 replicas (min.insync.replicas 2) can have both on the two "
    "brokers down, and the drained one left the ISR at its controlled shutdown, so no clean election makes it "
    "leader: the write can be lost with the crashed broker's disk",
]
HIGH_AVAILABILITY = [  # minISR 1, unclean election on
    "2 broker loss(es) keep writes accepted (RF 3 - min.insync.replicas 1).",
    "0 broker loss(es) keep every acknowledged write: with min.insync.replicas 1 a write can be acknowledged by its "
    "leader alone, and losing that broker with its disk loses it; unclean leader election can lose it even with "
    "that disk kept, by electing a replica that lacks it.",
    "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 replicas "
    "(broker.rack puts each in a different zone), so writes continue and acknowledged data can be lost (with "
    "min.insync.replicas 1 a write can be acknowledged by its leader alone, and the leader can be there).",
    "ZooKeeper after the loss of a zone: 3 of 5 servers left (2 in the largest zone), quorum of 3 kept.",
    "ZooKeeper: 2 of 5 servers can be lost with quorum kept.",
    "Voluntary disruptions: at most 1 broker(s) and 1 ZooKeeper server(s) at once.",
    "One planned + one unplanned failure (R10, R22): NO - with min.insync.replicas 1 a write can be acknowledged by "
    "its leader alone: if the crashed broker led it, the write can be lost with its disk, and with unclean leader "
    "election even with that disk kept (a replica that lacks it can be elected)",
]
DEVELOPMENT = [  # one broker, RF 1, one ZooKeeper server, no zones
    "0 broker loss(es) keep writes accepted (RF 1 - min.insync.replicas 1).",
    "0 broker loss(es) keep every acknowledged write: with min.insync.replicas 1 a write can be acknowledged by its "
    "leader alone, and losing that broker with its disk loses it.",
    "Zones: none listed (cluster.zones is empty), so no zone loss is planned for.",
    "ZooKeeper: 0 of 1 server can be lost with quorum kept.",
    "Voluntary disruptions: at most 1 broker(s) and 1 ZooKeeper server(s) at once.",
    "One planned + one unplanned failure (R10, R22): NO - a drain alone can take the only replica of a partition: "
    "it goes offline and writes to it stop; every write is on one broker alone (RF 1) and can be lost with a "
    "crashed broker's disk; ZooKeeper has 1 server: a drain alone takes its quorum",
]


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        ((6, 3, 3, 2, {}), DURABILITY),
        ((6, 3, 3, 1, {"unclean": True}), HIGH_AVAILABILITY),
        ((1, 0, 1, 1, {"rack": False, "zk": 1}), DEVELOPMENT),
    ],
)
def test_every_sentence_of_the_committed_shapes(shape: tuple[Any, ...], expected: list[str]) -> None:
    """The budgets of durability (and throughput, low-latency: the same numbers), high-availability and
    development, sentence by sentence."""
    *numbers, kw = shape
    assert budget(*numbers, **kw).lines() == expected


@pytest.mark.parametrize(
    ("shape", "writes", "acknowledged"),
    [
        (
            (6, 3, 3, 2, {"acks": "1"}),
            "2 broker loss(es) keep writes accepted (RF 3 - 1: producers use acks=1, which needs only a partition "
            "leader; min.insync.replicas 2 applies to acks=all only).",
            "0 broker loss(es) keep every acknowledged write: with acks=1 the leader acknowledges a write without "
            "waiting for any follower, so losing the leader can lose it even with its disk kept (the replica "
            "elected in its place can lack it).",
        ),
        (
            (6, 3, 3, 2, {"acks": "0"}),
            "2 broker loss(es) keep writes accepted (RF 3 - 1: producers use acks=0, which needs only a partition "
            "leader; min.insync.replicas 2 applies to acks=all only).",
            "No write is acknowledged (producers use acks=0): a write can be lost without any broker loss, and the "
            "producer is not told.",
        ),
        (
            (6, 3, 3, 4, {}),  # refused by the min.insync.replicas rule; the budget still says it plainly
            "No broker loss keeps writes accepted: min.insync.replicas 4 is above RF 3, so the brokers refuse every "
            "acks=all write even with all of them up.",
            "No write is acknowledged (min.insync.replicas 4 is above RF 3), so none can be lost.",
        ),
        (
            (6, 3, 3, 2, {"unclean": True}),  # C10's mix
            "1 broker loss(es) keep writes accepted (RF 3 - min.insync.replicas 2).",
            "1 broker loss(es) keep every acknowledged write: each is on at least 2 replicas (min.insync.replicas), "
            "and losing those 2 brokers with their disks loses it; unclean leader election can lose it even with "
            "their disks kept, by electing a replica that lacks it.",
        ),
        (
            # every replica is in sync whenever a write is acknowledged: unclean election has none without it
            (6, 3, 2, 2, {"unclean": True}),
            "0 broker loss(es) keep writes accepted (RF 2 - min.insync.replicas 2).",
            "1 broker loss(es) keep every acknowledged write: each is on at least 2 replicas (min.insync.replicas), "
            "and losing those 2 brokers with their disks loses it.",
        ),
        (
            (1, 0, 1, 1, {"rack": False, "unclean": True}),  # RF 1: no other replica to elect
            "0 broker loss(es) keep writes accepted (RF 1 - min.insync.replicas 1).",
            "0 broker loss(es) keep every acknowledged write: with min.insync.replicas 1 a write can be "
            "acknowledged by its leader alone, and losing that broker with its disk loses it.",
        ),
    ],
)
def test_broker_loss_sentences(shape: tuple[Any, ...], writes: str, acknowledged: str) -> None:
    """Writes and acknowledged writes under acks=1, acks=0, a refused min.insync.replicas and unclean election:
    never 'acks=all writes' for producers that do not use acks=all."""
    *numbers, kw = shape
    assert budget(*numbers, **kw).lines()[:2] == [writes, acknowledged]


@pytest.mark.parametrize(
    ("shape", "kafka", "zookeeper"),
    [
        (
            (4, 2, 3, 2, {"rack": False}),
            "Loss of a whole zone (2 zones, 2 brokers in the largest): a zone holds up to 2 of a partition's 3 "
            "replicas (broker.rack is not set, so replicas may share a zone), so writes can stop (1 replica(s) left "
            "where min.insync.replicas is 2) and acknowledged data can be lost (a write acknowledged by only 2 "
            "replicas can have both there).",
            "ZooKeeper after the loss of a zone: 2 of 5 servers left (3 in the largest zone), below the quorum of 3: "
            "two zones cannot hold a ZooKeeper majority through the loss of either.",
        ),
        (
            (9, 3, 6, 3, {"zk": 3}),
            "Loss of a whole zone (3 zones, 3 brokers in the largest): a zone holds up to 3 of a partition's 6 "
            "replicas (broker.rack puts one in every zone, the rest may share one), so writes continue and "
            "acknowledged data can be lost (a write acknowledged by only 3 replicas can have all 3 there).",
            "ZooKeeper after the loss of a zone: 2 of 3 servers left (1 in the largest zone), quorum of 2 kept.",
        ),
        (
            (2, 2, 2, 1, {"zk": 3}),  # Kafka keeps going, ZooKeeper does not
            "Loss of a whole zone (2 zones, 1 broker in the largest): a zone holds up to 1 of a partition's 2 "
            "replicas (broker.rack puts each in a different zone), so writes can stop while ZooKeeper has no quorum "
            "(next line) and acknowledged data can be lost (with min.insync.replicas 1 a write can be acknowledged "
            "by its leader alone, and the leader can be there).",
            "ZooKeeper after the loss of a zone: 1 of 3 servers left (2 in the largest zone), below the quorum of 2: "
            "two zones cannot hold a ZooKeeper majority through the loss of either.",
        ),
        (
            (3, 1, 3, 2, {"zk": 3}),
            "Loss of a whole zone (1 zone, 3 brokers in the largest): a zone holds up to 3 of a partition's 3 "
            "replicas (broker.rack puts one in every zone, the rest may share one), so writes can stop (a partition "
            "can lose all 3 replicas) and acknowledged data can be lost (a write acknowledged by only 2 replicas "
            "can have both there).",
            "ZooKeeper after the loss of a zone: 0 of 3 servers left (3 in the largest zone), below the quorum of 2: "
            "until the zone is back no partition leader can be elected and no ISR can shrink, so every partition "
            "that had a replica there stops taking writes.",
        ),
        (
            (6, 3, 3, 2, {"acks": "1", "zk": 4}),  # 4 servers over 3 zones are 2 + 1 + 1: 2 left < 3
            "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 "
            "replicas (broker.rack puts each in a different zone), so writes can stop while ZooKeeper has no quorum "
            "(next line) and acknowledged data can be lost (with acks=1 a write is acknowledged by its leader "
            "alone, and the leader can be there).",
            "ZooKeeper after the loss of a zone: 2 of 4 servers left (2 in the largest zone), below the quorum of 3: "
            "until the zone is back no partition leader can be elected and no ISR can shrink, so every partition "
            "that had its leader there stops taking writes.",
        ),
        (
            (6, 3, 3, 2, {"acks": "0"}),
            "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 "
            "replicas (broker.rack puts each in a different zone), so writes continue and writes not yet "
            "replicated can be lost (acks=0 acknowledges none).",
            "ZooKeeper after the loss of a zone: 3 of 5 servers left (2 in the largest zone), quorum of 3 kept.",
        ),
    ],
)
def test_zone_loss_sentences(shape: tuple[Any, ...], kafka: str, zookeeper: str) -> None:
    """R22: what a zone holds and why, what its loss does to writes, acknowledged writes and ZooKeeper."""
    *numbers, kw = shape
    assert budget(*numbers, **kw).lines()[2:4] == [kafka, zookeeper]


VERDICT = "One planned + one unplanned failure (R10, R22): "


@pytest.mark.parametrize(
    ("shape", "verdict"),
    [
        (
            (6, 3, 5, 3, {}),
            "yes - writes continue and acknowledged data is kept with two brokers and two ZooKeeper servers down",
        ),
        (
            (7, 3, 6, 4, {"zk": 7, "max_unavailable": 2, "zk_max_unavailable": 2}),  # 6 - 4 = 2 < 3, 4 - 1 = 3
            "NO - three brokers down (a drain of 2 and a crash) leave 3 replica(s) where 4 must be in sync: writes "
            "stop",
        ),
        (
            (8, 4, 7, 4, {"zk": 7, "max_unavailable": 2, "zk_max_unavailable": 2}),  # 7 - 4 = 3, 4 - 1 = 3, 7 - 4 = 3
            "yes - writes continue and acknowledged data is kept with three brokers and three ZooKeeper servers "
            "down (a drain as large as the PDBs allow, and a crash)",
        ),
        (
            (6, 3, 5, 3, {"max_unavailable": 0, "zk_max_unavailable": 0}),
            "NO - the broker PDB allows no drain at all; the ZooKeeper PDB allows no drain at all",
        ),
        (
            (6, 3, 5, 3, {"zk": 3}),
            "NO - ZooKeeper with 3 servers loses quorum with two down",
        ),
        (
            (6, 3, 5, 3, {"zk_max_unavailable": 2}),  # D01: 5 - 3 = 2 losses, a drain of 2 and a crash are 3
            "NO - ZooKeeper with 5 servers loses quorum with three down",
        ),
        (
            (6, 3, 3, 4, {}),
            "NO - the brokers refuse every acks=all write even with all of them up (min.insync.replicas 4 is above "
            "RF 3)",
        ),
        (
            (6, 3, 2, 1, {}),
            "NO - two brokers down can be both replicas of a partition: it goes offline and writes to it stop; with "
            "min.insync.replicas 1 a write can be acknowledged by its leader alone: if the crashed broker led it, "
            "the write can be lost with its disk",
        ),
        (
            (6, 3, 2, 1, {"max_unavailable": 2}),
            "NO - a drain alone can take all 2 replicas of a partition: it goes offline and writes to it stop; with "
            "min.insync.replicas 1 a write can be acknowledged by its leader alone: if the crashed broker led it, "
            "the write can be lost with its disk",
        ),
        (
            (6, 3, 3, 2, {"max_unavailable": 2, "unclean": True}),
            "NO - three brokers down (a drain of 2 and a crash) can be all 3 replicas of a partition: it goes offline "
            "and writes to it stop; a write acknowledged by only 2 replicas (min.insync.replicas 2) can have both on "
            "the three brokers down (a drain of 2 and a crash), and the drained ones left the ISR at their "
            "controlled shutdown, so no clean election makes them leader: the write can be lost with the crashed "
            "broker's disk, and with unclean leader election even with that disk kept (a replica that lacks it can "
            "be elected)",
        ),
        (
            (7, 3, 6, 3, {"zk": 7, "max_unavailable": 2, "zk_max_unavailable": 2}),  # 3 - 1 = 2 < 3 down
            "NO - a write acknowledged by only 3 replicas (min.insync.replicas 3) can have all 3 on the three "
            "brokers down (a drain of 2 and a crash), and the drained ones left the ISR at their controlled "
            "shutdown, so no clean election makes them leader: the write can be lost with the crashed broker's disk",
        ),
        (
            (6, 3, 3, 1, {}),  # minISR 1 without unclean election: it said yes
            "NO - with min.insync.replicas 1 a write can be acknowledged by its leader alone: if the crashed broker "
            "led it, the write can be lost with its disk",
        ),
        (
            (6, 3, 3, 2, {"acks": "1"}),
            "NO - with acks=1 a write is acknowledged by its leader alone: if the crashed broker led it, the replica "
            "elected in its place can lack it, even with that broker's disk kept",
        ),
        (
            (6, 3, 3, 2, {"acks": "0"}),
            "NO - producers use acks=0: no write is acknowledged, and one can be lost with no broker down at all",
        ),
        (
            (6, 3, 1, 1, {"acks": "1"}),
            "NO - a drain alone can take the only replica of a partition: it goes offline and writes to it stop; "
            "every write is on one broker alone (RF 1) and can be lost with a crashed broker's disk",
        ),
        (
            (1, 0, 1, 1, {"rack": False, "zk": 2}),
            "NO - a drain alone can take the only replica of a partition: it goes offline and writes to it stop; "
            "every write is on one broker alone (RF 1) and can be lost with a crashed broker's disk; ZooKeeper with "
            "2 servers loses quorum with two down",
        ),
    ],
)
def test_verdict_names_every_reason(shape: tuple[Any, ...], verdict: str) -> None:
    """R10, R22: a drain (as many brokers or servers as the PDB lets go at once, disks kept) and a crash (disk
    possibly lost); the verdict is NO whenever fewer losses than that keep writes or every acknowledged write."""
    *numbers, kw = shape
    assert budget(*numbers, **kw).lines()[-1] == VERDICT + verdict
