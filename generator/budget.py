"""The failure budget of a target: what it survives, computed in one place from its parameters.

Worst cases per partition: a partition has RF replicas, and an acks=all write is acknowledged once
every in-sync replica has it, which may be as few as min.insync.replicas; with acks=1 the leader alone
acknowledges it, with acks=0 nobody does. A lost broker is counted with its disk (and so its data) lost.
With broker.rack set (the zone of each broker's node), Kafka puts a partition's replicas in as many zones
as it can: one per zone up to RF = zones, beyond that it promises only one in every zone, so a zone may
hold RF - zones + 1 of them (as many as its brokers allow). Without broker.rack, a zone may hold as many
replicas as it has brokers. Brokers and the metadata quorum's members (ZooKeeper servers, or in KRaft mode
the controllers) spread evenly over the zones (topology spread, maxSkew 1), so the largest zone holds
ceil(pods / zones). The planned failure is a drain of as many pods as the PDB lets go at once (the drained
brokers' disks are kept), the unplanned one a crash of one more (its disk possibly lost). In KRaft mode the
controllers' quorum stands where ZooKeeper's did (a lost quorum stops the same things, docs/kraft.md 5):
the numbers keep their zookeeper_* names, `metadata_quorum` says whose they are, and the sentences name
controllers. See docs/failure-budget.md.

It runs over 300 lines on purpose: every sentence it writes is a branch the hand-checked table in
tests/components/budget pins, and the sentences sit next to the arithmetic they state.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
ZOOKEEPER, CONTROLLERS, COMBINED = "zookeeper", "controllers", "combined"  # FailureBudget.metadata_quorum


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
    broker_losses_keeping_writes: int  # writes still accepted on every partition (acks=all: ISR >= minISR)
    broker_losses_keeping_acked_data: int  # no acknowledged write can be lost (disks lost with the broker)
    zone_loss_keeps_writes: bool  # the replicas outside the zone can take writes (ZooKeeper aside)
    zone_loss_keeps_acked_data: bool
    zone_loss_keeps_zookeeper: bool
    zookeeper_servers: int
    zookeeper_losses_tolerated: int
    broker_voluntary_disruption: int  # pods the broker PDB lets a drain evict at once
    zookeeper_voluntary_disruption: int
    acks: str  # the producers' acks: "all" (also for -1), "1" or "0"
    brokers_in_largest_zone: int  # 0 without zones
    zone_replicas: int  # most replicas of one partition a zone can hold (0 without zones)
    zookeeper_servers_in_largest_zone: int  # 0 without zones
    # Whose quorum the zookeeper_* numbers count: "zookeeper" (its servers), "controllers" (KRaft: the
    # dedicated controllers) or "combined" (KRaft: the one node that is broker and controller)
    metadata_quorum: str
    bootstrap: str  # host:port of the brokers, for the command that applies min.insync.replicas (KRaft)
    planned_plus_unplanned: Verdict  # R10/R22 guideline: one planned and one unplanned failure

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def kraft(self) -> bool:
        return self.metadata_quorum != ZOOKEEPER

    def lines(self) -> list[str]:
        """Plain sentences for explain, params.yaml and the target README."""
        if not self.kraft:
            quorum = [
                f"ZooKeeper: {self.zookeeper_losses_tolerated} of {_plural(self.zookeeper_servers, 'server')} can "
                "be lost with quorum kept.",
                f"Voluntary disruptions: at most {self.broker_voluntary_disruption} broker(s) and "
                f"{self.zookeeper_voluntary_disruption} ZooKeeper server(s) at once.",
            ]
        else:
            quorum = [self._controllers_line(), self._controller_disk_line(), self._min_insync_line()]
            quorum.append(
                f"Voluntary disruptions: at most {self.broker_voluntary_disruption} broker(s) at once, broker 0 (the "
                "only controller) among them."
                if self.metadata_quorum == COMBINED
                else f"Voluntary disruptions: at most {self.broker_voluntary_disruption} broker(s) and "
                f"{self.zookeeper_voluntary_disruption} controller(s) at once."
            )
        return [
            self._writes_line(),
            self._acked_data_line(),
            *self._zone_lines(),
            *quorum,
            f"One planned + one unplanned failure (R10, R22): {'yes' if self.planned_plus_unplanned.ok else 'NO'}"
            f" - {self.planned_plus_unplanned.reason}",
        ]

    def _controllers_line(self) -> str:
        """What the controllers' quorum survives, and what its loss stops (docs/kraft.md 5)."""
        stopped = (
            "the brokers keep serving the leaders they have, but no partition leader can be elected, no ISR can "
            "change, no topic or config can change and no restarted broker can register"
        )
        if self.metadata_quorum == COMBINED:
            head = "Controllers: broker 0 is also the only controller (process.roles=broker,controller): 0 of 1 can be "
            if self.brokers == 1:
                return head + "lost with the quorum kept, and while it is down there is no cluster to write to."
            return head + f"lost with the quorum kept; while it is down {stopped}."
        return (
            f"Controllers: {self.zookeeper_losses_tolerated} of {_plural(self.zookeeper_servers, 'controller')} can "
            f"be lost with the quorum of {self.zookeeper_servers // 2 + 1} kept; without it {stopped}."
        )

    def _controller_disk_line(self) -> str:
        """The residual risk of docs/kraft.md 3: a controller that starts on an empty volume votes with an
        empty log. Raft elects only a candidate whose log is as new as a majority's, so the committed
        metadata is safe while a majority of the voters running hold it."""
        if self.metadata_quorum == COMBINED:
            return (
                "Controller disk: broker 0's volume holds the only copy of the metadata log: lost, broker 0 formats "
                "an empty one and the cluster starts again with the same id and no topics or configs."
            )
        # The start script formats an empty volume once the leader reports a caught-up majority of the others,
        # or at once when no other controller leads (kafka-quorum.sh format-check; docs/kraft.md 3, step 4).
        return (
            "Controller disks: a controller that starts on an empty volume formats it once the leader reports a "
            "majority of the other controllers caught up, but at once when no other controller answers as the "
            "leader (a first start, or the quorum down): a controller disk lost while the quorum is down votes "
            "with an empty log and can help elect a controller that lacks the newest committed metadata "
            "(topics, configs, ISR changes), which is then lost."
        )

    def _min_insync_line(self) -> str:
        """Eligible leader replicas (KIP-966, on for new 4.1 clusters) make min.insync.replicas cluster-level
        after bootstrap (docs/kraft.md 4)."""
        isr = self.min_insync_replicas
        return (
            f"min.insync.replicas {isr}, as above, is the value in these files: with eligible leader replicas (on "
            "for new Kafka 4.1 clusters) the controllers write it as the cluster-level value when the metadata "
            "log is created, and that value overrides every server.properties from then on, so a later change "
            "here changes no broker until it is applied with: kafka-configs.sh --bootstrap-server "
            f"{self.bootstrap} --alter --entity-type brokers --entity-default --add-config "
            f"min.insync.replicas={isr}"
        )

    def _writes_line(self) -> str:
        rf, isr, losses = self.replication_factor, self.min_insync_replicas, self.broker_losses_keeping_writes
        if not self.acks_all:
            return (
                f"{losses} broker loss(es) keep writes accepted (RF {rf} - 1: producers use acks={self.acks}, "
                f"which needs only a partition leader; min.insync.replicas {isr} applies to acks=all only)."
            )
        if isr > rf:
            return (
                f"No broker loss keeps writes accepted: min.insync.replicas {isr} is above RF {rf}, so the "
                "brokers refuse every acks=all write even with all of them up."
            )
        return f"{losses} broker loss(es) keep writes accepted (RF {rf} - min.insync.replicas {isr})."

    def _acked_data_line(self) -> str:
        rf, isr, losses = self.replication_factor, self.min_insync_replicas, self.broker_losses_keeping_acked_data
        if self.acks == "0":
            return (
                "No write is acknowledged (producers use acks=0): a write can be lost without any broker loss, "
                "and the producer is not told."
            )
        if not self.acks_all:
            return (
                f"0 broker loss(es) keep every acknowledged write: with acks={self.acks} the leader acknowledges a "
                "write without waiting for any follower, so losing the leader can lose it even with its disk "
                "kept (the replica elected in its place can lack it)."
            )
        if isr > rf:
            return f"No write is acknowledged (min.insync.replicas {isr} is above RF {rf}), so none can be lost."
        held = (
            "with min.insync.replicas 1 a write can be acknowledged by its leader alone, and losing that broker "
            "with its disk loses it"
            if isr <= 1
            else f"each is on at least {isr} replicas (min.insync.replicas), and losing those {isr} brokers with "
            "their disks loses it"
        )
        unclean = (
            f"; unclean leader election can lose it even with {'that disk' if isr <= 1 else 'their disks'} kept, "
            "by electing a replica that lacks it."
            if self.unclean_election and rf > isr
            else "."
        )
        return f"{losses} broker loss(es) keep every acknowledged write: {held}{unclean}"

    def _zone_lines(self) -> list[str]:
        if self.zones == 0:
            return ["Zones: none listed (cluster.zones is empty), so no zone loss is planned for."]
        return [self._zone_kafka_line(), self._zone_zookeeper_line()]

    def _zone_kafka_line(self) -> str:
        rf, isr, held = self.replication_factor, self.min_insync_replicas, self.zone_replicas
        if not self.rack_aware:
            spread = "broker.rack is not set, so replicas may share a zone"
        elif rf <= self.zones:
            spread = "broker.rack puts each in a different zone"
        else:
            spread = "broker.rack puts one in every zone, the rest may share one"
        if not self.zone_loss_keeps_writes:
            left = rf - held
            writes = (
                f"writes can stop (a partition can lose all {rf} replicas)"
                if left <= 0
                else f"writes can stop ({left} replica(s) left where min.insync.replicas is {isr})"
            )
        elif self.zone_loss_keeps_zookeeper:
            writes = "writes continue"
        else:
            whose = "the controllers have" if self.kraft else "ZooKeeper has"
            writes = f"writes can stop while {whose} no quorum (next line)"
        if self.zone_loss_keeps_acked_data:
            data = "acknowledged data is kept"
        elif self.acks == "0":
            data = "writes not yet replicated can be lost (acks=0 acknowledges none)"
        elif not self.acks_all:
            data = (
                f"acknowledged data can be lost (with acks={self.acks} a write is acknowledged by its leader alone, "
                "and the leader can be there)"
            )
        elif isr <= 1:
            data = (
                "acknowledged data can be lost (with min.insync.replicas 1 a write can be acknowledged by its "
                "leader alone, and the leader can be there)"
            )
        else:
            every = "both" if isr == 2 else f"all {isr}"
            data = f"acknowledged data can be lost (a write acknowledged by only {isr} replicas can have {every} there)"
        zones, largest = _plural(self.zones, "zone"), _plural(self.brokers_in_largest_zone, "broker")
        return (
            f"Loss of a whole zone ({zones}, {largest} in the largest): a zone holds "
            f"up to {held} of a partition's {rf} replicas ({spread}), so {writes} and {data}."
        )

    def _zone_zookeeper_line(self) -> str:
        """ZooKeeper's quorum after the loss of a zone, or (KRaft) the controllers', spread the same way."""
        servers, largest = self.zookeeper_servers, self.zookeeper_servers_in_largest_zone
        quorum = servers // 2 + 1
        who, member, majority = (
            ("Controllers", "controller", "a controller majority")
            if self.kraft
            else ("ZooKeeper", "server", "a ZooKeeper majority")
        )
        head = (
            f"{who} after the loss of a zone: {servers - largest} of {_plural(servers, member)} left "
            f"({largest} in the largest zone), "
        )
        if self.zone_loss_keeps_zookeeper:
            return head + f"quorum of {quorum} kept."
        if self.zones == 2:
            return head + f"below the quorum of {quorum}: two zones cannot hold {majority} through the loss of either."
        stopped = "a replica" if self.acks_all else "its leader"
        halted = (
            "no partition leader can be elected, no ISR can shrink and no restarted broker can register"
            if self.kraft
            else "no partition leader can be elected and no ISR can shrink"
        )
        return head + (
            f"below the quorum of {quorum}: until the zone is back {halted}, so every partition that had {stopped} "
            "there stops taking writes."
        )


def failure_budget(params: dict[str, Any], bootstrap: str = "<bootstrap>:9092") -> FailureBudget:
    """`bootstrap`: the brokers' bootstrap address (BrokersModel.bootstrap), named in a KRaft command."""
    kafka = params["kafka"]
    metadata_quorum = metadata_quorum_of(params)
    # KRaft: the controllers' quorum in the ensemble's place; the combined node is the broker itself
    if metadata_quorum == ZOOKEEPER:
        zk = params["zookeeper"]
    elif metadata_quorum == CONTROLLERS:
        zk = params["controllers"]
    else:
        zk = {"replicas": 1, "pdb": kafka["pdb"]}
    config, producer = kafka["config"], params["clients"]["producer"]
    brokers, zones = kafka["replicas"], len(params["cluster"]["zones"])
    # null means the upstream default; a factor below 1 is refused by the replication factor rule
    rf = max(min(int(_setting(config, "default.replication.factor", 1)), brokers), 1)
    min_isr = int(_setting(config, "min.insync.replicas", 1))
    acks = str(_setting(producer, "acks", "all"))
    acks = "all" if acks in ("all", "-1") else acks
    acks_all = acks == "all"
    unclean = config.get("unclean.leader.election.enable") is True
    rack_aware = bool(kafka.get("rackAware"))  # broker.rack = the zone of the broker's node

    # acks=all: writes need min.insync.replicas replicas in sync; acks=1 and acks=0 need only a leader.
    keeps_writes = max(rf - min_isr, 0) if acks_all else max(rf - 1, 0)
    # acks=all: an acknowledged write is on at least min.insync.replicas replicas; acks=1 acknowledges
    # after the leader alone, acks=0 acknowledges nothing.
    keeps_data = max(min_isr - 1, 0) if acks_all else 0

    per_zone = math.ceil(brokers / zones) if zones else 0  # brokers in the largest zone (spread evenly)
    if zones == 0:
        zone_replicas = 0
    elif not rack_aware:
        zone_replicas = min(rf, per_zone)  # replicas may share a zone: as many as its brokers
    elif rf <= zones:
        zone_replicas = 1  # Kafka's rack-aware placement: a partition spans min(RF, zones) zones
    else:
        zone_replicas = min(rf - zones + 1, per_zone)  # one in every other zone, the rest may share this one
    zk_in_largest_zone = math.ceil(zk["replicas"] / zones) if zones else 0
    quorum = zk["replicas"] // 2 + 1
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
        # no zones listed: no zone to lose (development targets)
        zone_loss_keeps_writes=zones == 0 or rf - zone_replicas >= (min_isr if acks_all else 1),
        zone_loss_keeps_acked_data=zones == 0 or zone_replicas <= keeps_data,
        zone_loss_keeps_zookeeper=zones == 0 or zk["replicas"] - zk_in_largest_zone >= quorum,
        zookeeper_servers=zk["replicas"],
        zookeeper_losses_tolerated=zk["replicas"] - quorum,
        broker_voluntary_disruption=kafka["pdb"]["maxUnavailable"],
        zookeeper_voluntary_disruption=zk["pdb"]["maxUnavailable"],
        acks=acks,
        brokers_in_largest_zone=per_zone,
        zone_replicas=zone_replicas,
        zookeeper_servers_in_largest_zone=zk_in_largest_zone,
        metadata_quorum=metadata_quorum,
        bootstrap=bootstrap if metadata_quorum != ZOOKEEPER else "",
    )
    return FailureBudget(**budget, planned_plus_unplanned=_two_failures(budget))


def metadata_quorum_of(params: dict[str, Any]) -> str:
    """ZooKeeper's, the dedicated controllers' (KRaft) or the one combined node's (KRaft, development)."""
    if params["kafka"].get("mode") != "kraft":
        return ZOOKEEPER
    return COMBINED if _combined(params) else CONTROLLERS


def _combined(params: dict[str, Any]) -> bool:
    """controllers.combined (development): broker 0 is also the only controller (process.roles=broker,controller),
    no controller pods."""
    return bool((params.get("controllers") or {}).get("combined"))


def _two_failures(b: dict[str, Any]) -> Verdict:
    """A drain (planned: as many pods as the PDB lets go at once, their disks kept) while one more pod
    crashes (unplanned: its disk possibly lost), for the brokers and for ZooKeeper or the controllers."""
    drained = max(b["broker_voluntary_disruption"], 1)
    down = drained + 1
    zk_drained = max(b["zookeeper_voluntary_disruption"], 1)
    zk_down = zk_drained + 1
    brokers_down = f"{_count(down)} brokers down" + (f" (a drain of {drained} and a crash)" if drained > 1 else "")
    rf, isr, acks_all = b["replication_factor"], b["min_insync_replicas"], b["acks_all"]
    problems = []
    if b["broker_voluntary_disruption"] < 1:
        problems.append("the broker PDB allows no drain at all")
    quorum = b["metadata_quorum"]
    if b["zookeeper_voluntary_disruption"] < 1 and quorum != COMBINED:  # combined: the broker PDB's
        problems.append(f"the {'ZooKeeper' if quorum == ZOOKEEPER else 'controller'} PDB allows no drain at all")
    if b["broker_losses_keeping_writes"] < down:
        if acks_all and isr > rf:
            problems.append(
                f"the brokers refuse every acks=all write even with all of them up (min.insync.replicas {isr} "
                f"is above RF {rf})"
            )
        elif rf <= drained:
            every = "the only replica" if rf == 1 else f"all {rf} replicas"
            problems.append(f"a drain alone can take {every} of a partition: it goes offline and writes to it stop")
        elif rf <= down:
            every = "both replicas" if rf == 2 else f"all {rf} replicas"
            problems.append(f"{brokers_down} can be {every} of a partition: it goes offline and writes to it stop")
        else:  # acks=all: replicas are left, too few to be min.insync.replicas
            problems.append(f"{brokers_down} leave {rf - down} replica(s) where {isr} must be in sync: writes stop")
    if b["broker_losses_keeping_acked_data"] < down and not (acks_all and isr > rf):
        problems.append(_acked_writes_lost(b, drained, brokers_down))
    if b["zookeeper_losses_tolerated"] < zk_down:
        problems.append(_quorum_lost(quorum, b["zookeeper_servers"], zk_down))
    if problems:
        return Verdict(False, "; ".join(problems))
    drain = " (a drain as large as the PDBs allow, and a crash)" if drained > 1 or zk_drained > 1 else ""
    members = "ZooKeeper servers" if quorum == ZOOKEEPER else "controllers"
    return Verdict(
        True,
        f"writes continue and acknowledged data is kept with {_count(down)} brokers and {_count(zk_down)} "
        f"{members} down{drain}",
    )


def _quorum_lost(quorum: str, members: int, down: int) -> str:
    if quorum == COMBINED:
        return "the only controller is broker 0 itself: a drain alone takes the quorum"
    if quorum == CONTROLLERS:
        if members == 1:
            return "one controller: a drain alone takes the quorum"
        return f"{members} controllers lose the quorum of {members // 2 + 1} with {_count(down)} down"
    if members == 1:
        return "ZooKeeper has 1 server: a drain alone takes its quorum"
    return f"ZooKeeper with {members} servers loses quorum with {_count(down)} down"


def _acked_writes_lost(b: dict[str, Any], drained: int, brokers_down: str) -> str:
    """Which acknowledged writes a drain plus a crash can lose, and how."""
    rf, isr = b["replication_factor"], b["min_insync_replicas"]
    if b["acks"] == "0":
        return "producers use acks=0: no write is acknowledged, and one can be lost with no broker down at all"
    if rf == 1:
        return "every write is on one broker alone (RF 1) and can be lost with a crashed broker's disk"
    if not b["acks_all"]:
        return (
            f"with acks={b['acks']} a write is acknowledged by its leader alone: if the crashed broker led it, the "
            "replica elected in its place can lack it, even with that broker's disk kept"
        )
    unclean = (
        ", and with unclean leader election even with that disk kept (a replica that lacks it can be elected)"
        if b["unclean_election"] and rf > isr
        else ""
    )
    if isr <= 1:
        return (
            "with min.insync.replicas 1 a write can be acknowledged by its leader alone: if the crashed broker led "
            f"it, the write can be lost with its disk{unclean}"
        )
    every = "both" if isr == 2 else f"all {isr}"
    ones, its, them = ("one", "its", "it") if drained == 1 else ("ones", "their", "them")
    return (
        f"a write acknowledged by only {isr} replicas (min.insync.replicas {isr}) can have {every} on the "
        f"{brokers_down}, and the drained {ones} left the ISR at {its} controlled shutdown, so no clean election makes "
        f"{them} leader: the write can be lost with the crashed broker's disk{unclean}"
    )


def _count(n: int) -> str:
    return _WORDS.get(n, str(n))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _setting(config: dict[str, Any], key: str, default: Any) -> Any:
    value = config.get(key)
    return default if value is None else value
