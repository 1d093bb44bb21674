"""The failure budget of KRaft targets (docs/kraft.md 5): the controllers' quorum where ZooKeeper's was, on a
table of cluster shapes checked by hand, and every sentence that names controllers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from generator.budget import FailureBudget, failure_budget
from generator.target import Request, build
from tests.components.budget.test_budget import params

KRAFT_CLUSTER_ID = "q1Sh-9_ISia_zwGINzRvyQ"  # any id of the right form: these targets are built, not committed

BOOTSTRAP = "kafka-bootstrap.kafka.svc.cluster.local:9092"


def kraft_params(
    brokers: int, zones: int, rf: int, min_isr: int, *, controllers: int = 5, controller_drain: int = 1, **kw: Any
) -> dict[str, Any]:
    """params() of test_budget in KRaft mode: no ZooKeeper section, the controllers in its place."""
    shape = params(brokers, zones, rf, min_isr, **kw)
    del shape["zookeeper"]
    shape["kafka"]["mode"] = "kraft"
    shape["controllers"] = {"replicas": controllers, "pdb": {"maxUnavailable": controller_drain}}
    return shape


def budget(brokers: int, zones: int, rf: int, min_isr: int, **kw: Any) -> FailureBudget:
    return failure_budget(kraft_params(brokers, zones, rf, min_isr, **kw), BOOTSTRAP)


RACK, FLAT = True, False
# (brokers, zones, rf, minISR, rack, controllers)
#   -> (losses keeping writes, losses keeping acknowledged writes, replicas one zone can hold, zone loss keeps
#       writes, zone loss keeps acknowledged writes, controllers in the largest zone, zone loss keeps the
#       controllers' quorum, controller losses tolerated, one planned + one unplanned)
# By hand, as test_budget's TABLE, with controllers for ZooKeeper servers: the spread deals them out evenly
# (ceil(n / zones) in the largest zone), the quorum is n // 2 + 1, so 5 keep 2 losses and 3 keep 1. The verdict
# (PDBs 1: two brokers and two controllers down) needs writes >= 2, acknowledged >= 2 and controller losses >= 2.
TABLE = [
    # durability: 1, 1; 1 replica a zone. 5 controllers over 3 zones are 2 + 2 + 1: 3 left = the quorum of 3.
    # Verdict: writes 1 < 2: NO.
    ((6, 3, 3, 2, RACK, 5), (1, 1, 1, True, True, 2, True, 2, False)),
    # 3 controllers over 3 zones: 1 each, 2 left = the quorum of 2; 3 - 2 = 1 loss.
    ((6, 3, 3, 2, RACK, 3), (1, 1, 1, True, True, 1, True, 1, False)),
    # RF 5 / minISR 3: 2, 2; a zone of 2 brokers holds min(5 - 2, 2) = 2: 3 left >= 3, 2 <= 2. Verdict: yes.
    ((6, 3, 5, 3, RACK, 5), (2, 2, 2, True, True, 2, True, 2, True)),
    # the same with 3 controllers: 1 loss < two down: NO, and only for the controllers.
    ((6, 3, 5, 3, RACK, 3), (2, 2, 2, True, True, 1, True, 1, False)),
    # 2 zones, rack-aware RF 3: 3 - 1 = 2 in one zone (2 brokers): 1 < 2, 2 > 1. 5 controllers are 3 + 2:
    # 2 left < 3.
    ((4, 2, 3, 2, RACK, 5), (1, 1, 2, False, False, 3, False, 2, False)),
    # 2 zones, 3 controllers are 2 + 1: 1 left < 2. minISR 1: 3 - 2 = 1 >= 1 keeps writes, 2 > 0 loses data.
    ((6, 2, 3, 1, RACK, 3), (2, 0, 2, True, False, 2, False, 1, False)),
    # 4 zones: 5 controllers are 2 + 1 + 1 + 1: 3 left = the quorum.
    ((8, 4, 3, 2, RACK, 5), (1, 1, 1, True, True, 2, True, 2, False)),
    # 4 zones, RF 5: 5 - 3 = 2 in a zone of 2 brokers: 3 >= 3, 2 <= 2; 5 controllers keep 3. Verdict: yes.
    ((8, 4, 5, 3, RACK, 5), (2, 2, 2, True, True, 2, True, 2, True)),
    # 4 zones, 3 controllers: 1 at most in a zone, 2 left = the quorum of 2; 1 loss < 2: NO.
    ((8, 4, 5, 3, RACK, 3), (2, 2, 2, True, True, 1, True, 1, False)),
    # not rack-aware, 2 brokers a zone: min(3, 2) = 2: 1 < 2, 2 > 1.
    ((6, 3, 3, 2, FLAT, 5), (1, 1, 2, False, False, 2, True, 2, False)),
    # not rack-aware, 3 brokers a zone: all 3 replicas can share it. 3 controllers over 3 zones: 2 left.
    ((9, 3, 3, 2, FLAT, 3), (1, 1, 3, False, False, 1, True, 1, False)),
    # not rack-aware over 2 zones, 3 controllers: 2 + 1, 1 left < 2.
    ((4, 2, 3, 2, FLAT, 3), (1, 1, 2, False, False, 2, False, 1, False)),
    # not rack-aware over 4 zones: 2 replicas a zone, 3 - 2 = 1 >= minISR 1, 2 > 0; 5 controllers keep 3.
    ((8, 4, 3, 1, FLAT, 5), (2, 0, 2, True, False, 2, True, 2, False)),
    # not rack-aware, RF 6 / minISR 3 over 3 zones of 3: 3 replicas there, 3 left >= 3 but 3 > 2. The zone loss
    # can lose data, yet a drain and a crash (two brokers, two controllers) cannot: 3, 2, 2 >= 2: yes.
    ((9, 3, 6, 3, FLAT, 5), (3, 2, 3, True, False, 2, True, 2, True)),
    # 2 zones, not rack-aware, RF 5 / minISR 3, 6 brokers (3 a zone): 3 held, 2 left < 3, 3 > 2; 5 controllers
    # over 2 zones keep 2 < 3. The verdict is still yes: it is about a drain and a crash, not a zone.
    ((6, 2, 5, 3, FLAT, 5), (2, 2, 3, False, False, 3, False, 2, True)),
    # no zones, one broker, one dedicated controller: nothing to lose; 0 losses.
    ((1, 0, 1, 1, FLAT, 1), (0, 0, 0, True, True, 0, True, 0, False)),
]


@pytest.mark.parametrize(("shape", "expected"), TABLE)
def test_kraft_budget_table(shape: tuple[Any, ...], expected: tuple[Any, ...]) -> None:
    """R10, R22, C09: controller losses, zone loss for controllers spread over the zones, and the verdict."""
    brokers, zones, rf, min_isr, rack, controllers = shape
    b = budget(brokers, zones, rf, min_isr, rack=rack, controllers=controllers)
    assert b.metadata_quorum == "controllers"
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


def test_the_quorum_numbers_are_the_controllers_not_zookeepers() -> None:
    """A KRaft parameter set still holds base.yaml's zookeeper section (unused): the budget never reads it."""
    shape = kraft_params(6, 3, 5, 3, controllers=3)
    shape["zookeeper"] = {"replicas": 7, "pdb": {"maxUnavailable": 3}}
    b = failure_budget(shape, BOOTSTRAP)
    assert (b.zookeeper_servers, b.zookeeper_voluntary_disruption) == (3, 1)
    assert not any("ZooKeeper" in line for line in b.lines())


CONTROLLERS_5 = (
    "Controllers: 2 of 5 controllers can be lost with the quorum of 3 kept; without it the brokers keep serving "
    "the leaders they have, but no partition leader can be elected, no ISR can change, no topic or config can "
    "change and no restarted broker can register."
)
DISKS = (
    "Controller disks: a controller that starts on an empty volume formats it once the leader reports a majority "
    "of the other controllers caught up, but at once when no other controller answers as the leader (a first "
    "start, or the quorum down): a controller disk lost while the quorum is down votes with an empty log and can "
    "help elect a controller that lacks the newest committed metadata (topics, configs, ISR changes), which is "
    "then lost."
)


def min_isr_line(isr: int) -> str:
    return (
        f"min.insync.replicas {isr}, as above, is the value in these files: with eligible leader replicas (on for "
        "new Kafka 4.1 clusters) the controllers write it as the cluster-level value when the metadata log is "
        "created, and that value overrides every server.properties from then on, so a later change here changes "
        f"no broker until it is applied with: kafka-configs.sh --bootstrap-server {BOOTSTRAP} --alter "
        f"--entity-type brokers --entity-default --add-config min.insync.replicas={isr}"
    )


DURABILITY = [  # durability,kraft: 6 brokers, 3 zones, RF 3, minISR 2, 5 controllers
    "1 broker loss(es) keep writes accepted (RF 3 - min.insync.replicas 2).",
    "1 broker loss(es) keep every acknowledged write: each is on at least 2 replicas (min.insync.replicas), and "
    "losing those 2 brokers with their disks loses it.",
    "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 replicas "
    "(broker.rack puts each in a different zone), so writes continue and acknowledged data is kept.",
    "Controllers after the loss of a zone: 3 of 5 controllers left (2 in the largest zone), quorum of 3 kept.",
    CONTROLLERS_5,
    DISKS,
    min_isr_line(2),
    "Voluntary disruptions: at most 1 broker(s) and 1 controller(s) at once.",
    "One planned + one unplanned failure (R10, R22): NO - two brokers down leave 1 replica(s) where 2 must be in "
    "sync: writes stop; a write acknowledged by only 2 replicas (min.insync.replicas 2) can have both on the two "
    "brokers down, and the drained one left the ISR at its controlled shutdown, so no clean election makes it "
    "leader: the write can be lost with the crashed broker's disk",
]
HIGH_AVAILABILITY = [  # high-availability,kraft: minISR 1, unclean election on, 5 controllers
    "2 broker loss(es) keep writes accepted (RF 3 - min.insync.replicas 1).",
    "0 broker loss(es) keep every acknowledged write: with min.insync.replicas 1 a write can be acknowledged by its "
    "leader alone, and losing that broker with its disk loses it; unclean leader election can lose it even with "
    "that disk kept, by electing a replica that lacks it.",
    "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 replicas "
    "(broker.rack puts each in a different zone), so writes continue and acknowledged data can be lost (with "
    "min.insync.replicas 1 a write can be acknowledged by its leader alone, and the leader can be there).",
    "Controllers after the loss of a zone: 3 of 5 controllers left (2 in the largest zone), quorum of 3 kept.",
    CONTROLLERS_5,
    DISKS,
    min_isr_line(1),
    "Voluntary disruptions: at most 1 broker(s) and 1 controller(s) at once.",
    "One planned + one unplanned failure (R10, R22): NO - with min.insync.replicas 1 a write can be acknowledged by "
    "its leader alone: if the crashed broker led it, the write can be lost with its disk, and with unclean leader "
    "election even with that disk kept (a replica that lacks it can be elected)",
]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("durability,kraft", DURABILITY),
        ("throughput,kraft", DURABILITY),
        ("low-latency,kraft", DURABILITY),
        ("high-availability,kraft", HIGH_AVAILABILITY),
    ],
)
def test_every_sentence_of_the_kraft_targets(spec: str, expected: list[str]) -> None:
    """R10, R22: what the README.md and params.yaml of each KRaft target say, sentence by sentence, from a real
    build (the bootstrap address is the brokers' Service); not one of them names ZooKeeper."""
    result = build(Request(spec, sets=(f"kafka.clusterId={KRAFT_CLUSTER_ID}",)))
    readme = result.files["README.md"]
    assert [line for line in readme.splitlines() if line.startswith("- ")][: len(expected)] == [
        f"- {line}" for line in expected
    ]
    assert all(f"#   {line}" in result.files["params.yaml"] for line in expected)


@pytest.mark.parametrize(
    ("shape", "kafka", "controllers"),
    [
        (
            (4, 2, 3, 2, {"controllers": 3}),
            "Loss of a whole zone (2 zones, 2 brokers in the largest): a zone holds up to 2 of a partition's 3 "
            "replicas (broker.rack puts one in every zone, the rest may share one), so writes can stop (1 "
            "replica(s) left where min.insync.replicas is 2) and acknowledged data can be lost (a write "
            "acknowledged by only 2 replicas can have both there).",
            "Controllers after the loss of a zone: 1 of 3 controllers left (2 in the largest zone), below the "
            "quorum of 2: two zones cannot hold a controller majority through the loss of either.",
        ),
        (
            (2, 2, 2, 1, {"controllers": 5}),  # the brokers keep going, the controllers do not
            "Loss of a whole zone (2 zones, 1 broker in the largest): a zone holds up to 1 of a partition's 2 "
            "replicas (broker.rack puts each in a different zone), so writes can stop while the controllers have "
            "no quorum (next line) and acknowledged data can be lost (with min.insync.replicas 1 a write can be "
            "acknowledged by its leader alone, and the leader can be there).",
            "Controllers after the loss of a zone: 2 of 5 controllers left (3 in the largest zone), below the "
            "quorum of 3: two zones cannot hold a controller majority through the loss of either.",
        ),
        (
            (6, 3, 3, 2, {"controllers": 3, "rack": False}),
            "Loss of a whole zone (3 zones, 2 brokers in the largest): a zone holds up to 2 of a partition's 3 "
            "replicas (broker.rack is not set, so replicas may share a zone), so writes can stop (1 replica(s) "
            "left where min.insync.replicas is 2) and acknowledged data can be lost (a write acknowledged by only "
            "2 replicas can have both there).",
            "Controllers after the loss of a zone: 2 of 3 controllers left (1 in the largest zone), quorum of 2 kept.",
        ),
        (
            (3, 1, 3, 2, {"controllers": 3}),  # one zone: the controllers' quorum goes with it
            "Loss of a whole zone (1 zone, 3 brokers in the largest): a zone holds up to 3 of a partition's 3 "
            "replicas (broker.rack puts one in every zone, the rest may share one), so writes can stop (a "
            "partition can lose all 3 replicas) and acknowledged data can be lost (a write acknowledged by only 2 "
            "replicas can have both there).",
            "Controllers after the loss of a zone: 0 of 3 controllers left (3 in the largest zone), below the "
            "quorum of 2: until the zone is back no partition leader can be elected, no ISR can shrink and no "
            "restarted broker can register, so every partition that had a replica there stops taking writes.",
        ),
        (
            (8, 4, 3, 2, {"controllers": 3}),
            "Loss of a whole zone (4 zones, 2 brokers in the largest): a zone holds up to 1 of a partition's 3 "
            "replicas (broker.rack puts each in a different zone), so writes continue and acknowledged data is "
            "kept.",
            "Controllers after the loss of a zone: 2 of 3 controllers left (1 in the largest zone), quorum of 2 kept.",
        ),
    ],
)
def test_zone_loss_sentences_name_controllers(shape: tuple[Any, ...], kafka: str, controllers: str) -> None:
    """R22, R23: controllers spread over the zones as ZooKeeper's servers were; what the loss of the largest
    zone leaves of their quorum, and what the brokers' line says when the quorum goes."""
    *numbers, kw = shape
    assert budget(*numbers, **kw).lines()[2:4] == [kafka, controllers]


VERDICT = "One planned + one unplanned failure (R10, R22): "


@pytest.mark.parametrize(
    ("shape", "verdict"),
    [
        (
            (6, 3, 5, 3, {}),
            "yes - writes continue and acknowledged data is kept with two brokers and two controllers down",
        ),
        ((6, 3, 5, 3, {"controllers": 3}), "NO - 3 controllers lose the quorum of 2 with two down"),
        (
            (6, 3, 5, 3, {"controller_drain": 2}),  # refused by the controllers' PDB rule; said plainly here
            "NO - 5 controllers lose the quorum of 3 with three down",
        ),
        ((6, 3, 5, 3, {"controller_drain": 0}), "NO - the controller PDB allows no drain at all"),
        (
            (7, 3, 6, 4, {"controllers": 7, "max_unavailable": 2, "controller_drain": 2}),
            "NO - three brokers down (a drain of 2 and a crash) leave 3 replica(s) where 4 must be in sync: writes "
            "stop",
        ),
        (
            (1, 0, 1, 1, {"rack": False, "controllers": 1}),
            "NO - a drain alone can take the only replica of a partition: it goes offline and writes to it stop; "
            "every write is on one broker alone (RF 1) and can be lost with a crashed broker's disk; one "
            "controller: a drain alone takes the quorum",
        ),
    ],
)
def test_kraft_verdict_names_every_reason(shape: tuple[Any, ...], verdict: str) -> None:
    """R10, R22, C09: a drain and a crash among the controllers too; NO whenever fewer controllers than that can
    be lost with the quorum kept."""
    *numbers, kw = shape
    assert budget(*numbers, **kw).lines()[-1] == VERDICT + verdict


def test_the_voluntary_disruption_and_quorum_lines_count_controllers() -> None:
    lines = budget(6, 3, 5, 3, controllers=3, controller_drain=1, max_unavailable=2).lines()
    assert "Voluntary disruptions: at most 2 broker(s) and 1 controller(s) at once." in lines
    assert (
        "Controllers: 1 of 3 controllers can be lost with the quorum of 2 kept; without it the brokers keep serving "
        "the leaders they have, but no partition leader can be elected, no ISR can change, no topic or config can "
        "change and no restarted broker can register."
    ) in lines


def test_zone_loss_warning_names_the_controllers() -> None:
    """R22: the warning of a production KRaft target whose largest zone takes the controllers' quorum."""
    result = build(
        Request("durability,kraft", sets=(f"kafka.clusterId={KRAFT_CLUSTER_ID}", "cluster.zones=[zone-a,zone-b]"))
    )
    [warning] = [w.line() for w in result.warnings if w.key == "cluster.zones"]
    assert warning == (
        "cluster.zones: losing one of 2 zone(s) with replication factor 3 and 6 brokers: acks=all writes stop and "
        "acknowledged writes can be lost and the controllers lose quorum (min.insync.replicas is too low for the "
        "replicas a zone takes with it; the largest zone holds too many controllers for the rest to be a quorum) "
        "(set by --set cluster.zones=[zone-a,zone-b]) [R22, R28]"
    )


def test_the_controller_disk_sentence_is_what_the_start_script_does() -> None:
    """docs/kraft.md 3, step 4: the budget says an empty controller volume is formatted only once the leader
    reports a caught-up majority of the others, or at once while no other controller leads. The rendered start
    script holds that: before it formats, it loops on kafka-quorum.sh format-check. If this fails, the script
    changed and the controller-disk sentence of generator/budget.py must say what it does now."""
    files = build(Request("durability,kraft", sets=(f"kafka.clusterId={KRAFT_CLUSTER_ID}",))).files
    script = files["config/controller/start-kafka.sh"]
    before_format = script[: script.index("kafka-storage.sh")]
    assert re.search(r"^\s*while\b", before_format, re.MULTILINE)
    assert "format-check" in before_format and "sleep" in before_format
    assert "config/controller/kafka-quorum.sh" in files
    assert failure_budget(kraft_params(6, 3, 3, 2), BOOTSTRAP).lines()[5] == DISKS


COMBINED = [  # development,kraft: one node that is broker 0 and the only controller, RF 1, no zones
    "0 broker loss(es) keep writes accepted (RF 1 - min.insync.replicas 1).",
    "0 broker loss(es) keep every acknowledged write: with min.insync.replicas 1 a write can be acknowledged by its "
    "leader alone, and losing that broker with its disk loses it.",
    "Zones: none listed (cluster.zones is empty), so no zone loss is planned for.",
    "Controllers: broker 0 is also the only controller (process.roles=broker,controller): 0 of 1 can be lost with "
    "the quorum kept, and while it is down there is no cluster to write to.",
    "Controller disk: broker 0's volume holds the only copy of the metadata log: lost, broker 0 formats an empty "
    "one and the cluster starts again with the same id and no topics or configs.",
    min_isr_line(1),
    "Voluntary disruptions: at most 1 broker(s) at once, broker 0 (the only controller) among them.",
    "One planned + one unplanned failure (R10, R22): NO - a drain alone can take the only replica of a partition: "
    "it goes offline and writes to it stop; every write is on one broker alone (RF 1) and can be lost with a "
    "crashed broker's disk; the only controller is broker 0 itself: a drain alone takes the quorum",
]


def combined(brokers: int, rf: int, **kw: Any) -> FailureBudget:
    shape = kraft_params(brokers, 0, rf, 1, rack=False, controllers=1, **kw)
    shape["controllers"]["combined"] = True
    return failure_budget(shape, BOOTSTRAP)


def test_the_combined_development_node() -> None:
    """R09, R10: development's one node is broker 0 and the only controller (controllers.combined): one quorum of
    one, which a drain alone takes, and its one volume holds the only copy of the metadata log."""
    b = combined(1, 1)
    assert (b.metadata_quorum, b.zookeeper_servers, b.zookeeper_losses_tolerated, b.planned_plus_unplanned.ok) == (
        "combined",
        1,
        0,
        False,
    )
    assert b.lines() == COMBINED


def test_a_combined_node_among_more_brokers() -> None:
    """Brokers beside the combined broker 0 keep serving their leaders while it is down; nothing else moves."""
    b = combined(3, 3, max_unavailable=1)
    assert b.lines()[3] == (
        "Controllers: broker 0 is also the only controller (process.roles=broker,controller): 0 of 1 can be lost "
        "with the quorum kept; while it is down the brokers keep serving the leaders they have, but no partition "
        "leader can be elected, no ISR can change, no topic or config can change and no restarted broker can "
        "register."
    )
    assert b.lines()[-1].endswith("; the only controller is broker 0 itself: a drain alone takes the quorum")


def test_every_sentence_of_development_kraft() -> None:
    """R09, R10: what `render development,kraft` (the combined node) says in README.md and params.yaml."""
    result = build(Request("development,kraft", sets=(f"kafka.clusterId={KRAFT_CLUSTER_ID}",)))
    readme = [line for line in result.files["README.md"].splitlines() if line.startswith("- ")]
    assert readme[: len(COMBINED)] == [f"- {line}" for line in COMBINED]
    assert all(f"#   {line}" in result.files["params.yaml"] for line in COMBINED)
