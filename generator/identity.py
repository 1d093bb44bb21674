"""Broker, ZooKeeper and controller identities: the pods a target's StatefulSets create and the volumes they
keep, and (KRaft) the cluster id and voter set their data belongs to.

A pod's name is its identity (broker.id, node.id and ZooKeeper's myid follow its ordinal) and its PVCs are
named after it, so a render that drops or renames a pod orphans a broker's data: the PVCs are retained, but
nothing mounts them, and the replicas they held must be rebuilt elsewhere. `render` compares what it
is about to write with the target already on disk and refuses such a change unless told. Two KRaft
changes are refused as well: another kafka.clusterId (every volume is the old cluster's, as after a
rename; lifted by the flag like one), and another voter set (a controller count, or the combined node in a
dedicated controller's place), which the flag does not lift: the voters are static (docs/kraft.md 1), so a
changed voter set is a reconfiguration no roll performs. And one change is said rather than refused:
min.insync.replicas, which with ELR the files no longer set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from generator.core.findings import Finding
from generator.errors import GeneratorError, IdentityChange

if TYPE_CHECKING:
    from generator.target import Build

ALLOW_FLAG = "--allow-identity-change"
BROKER_PROPERTIES = "config/server.properties"  # the brokers' file, in a target's folder and its render


@dataclass(frozen=True)
class PodIdentity:
    pod: str
    role: str
    number: int  # broker.id, or ZooKeeper's myid
    claims: tuple[str, ...]

    def line(self) -> str:
        return f"{self.role} {self.number}: pod {self.pod}, PVC {', '.join(self.claims)}"


def identities(manifests: Iterable[dict[str, Any]]) -> dict[str, PodIdentity]:
    """Every pod the StatefulSets among `manifests` create, by pod name."""
    found: dict[str, PodIdentity] = {}
    for manifest in manifests:
        if manifest.get("kind") != "StatefulSet":
            continue
        name, spec = manifest["metadata"]["name"], manifest["spec"]
        component = manifest["metadata"].get("labels", {}).get("app.kubernetes.io/name", "")
        role, first_id = _roles().get(component, ("pod", 0))
        start = spec.get("ordinals", {}).get("start", 0)
        claims = [c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])]
        for ordinal in range(start, start + spec["replicas"]):
            pod = f"{name}-{ordinal}"
            found[pod] = PodIdentity(pod, role, ordinal + first_id, tuple(f"{claim}-{pod}" for claim in claims))
    return found


def _roles() -> dict[str, tuple[str, int]]:
    """What each component calls the pods of its sets, and the number of ordinal 0 (its identities)."""
    from generator.core.engine import builtin_components

    return {label: (role, first) for c in builtin_components() for label, role, first in c.identities}


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def on_disk(target_dir: Path) -> dict[str, PodIdentity]:
    """The identities of the target as it was last written (empty for a new target). Only files named
    statefulset*.yaml are read: that is how every layout this project rendered names them."""
    texts = []
    for path in sorted((target_dir / "kubernetes").rglob("statefulset*.yaml")):
        try:
            texts.append((str(path), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue  # not ours to judge here: the render replaces it
    return identities(_statefulsets(texts))


def _statefulsets(texts: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    found = []
    for _, text in texts:
        if "kind: StatefulSet" not in text:
            continue  # only StatefulSets create pods with identities; most files need no parse
        try:
            loaded = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError:
            continue
        if isinstance(loaded, dict):
            found.append(loaded)
    return found


def refuse_lost_identities(
    target_dir: Path, manifests: Iterable[dict[str, Any]], before: dict[str, PodIdentity] | None = None
) -> None:
    """Raise IdentityChange when writing a render of `manifests` to `target_dir` would remove or rename a
    pod that owns data. `before`: the identities on disk, when already read."""
    gone = lost(on_disk(target_dir) if before is None else before, identities(manifests))
    if gone:
        raise IdentityChange(
            f"render would remove or rename brokers and their volumes in {target_dir} (pass {ALLOW_FLAG} to "
            "accept it):",
            [identity.line() for identity in gone],
        )


def lost(before: dict[str, PodIdentity], after: dict[str, PodIdentity]) -> list[PodIdentity]:
    """Pods (or their volumes) that the new render no longer has, in role and id order."""
    gone = [
        identity
        for pod, identity in before.items()
        if pod not in after or not set(identity.claims) <= set(after[pod].claims)
    ]
    return sorted(gone, key=lambda i: (i.role, i.number, i.pod))


def guard(target_dir: Path, result: Build, allow_identity_change: bool) -> list[Finding]:
    """What `render` (and `check --fix`) must know before writing `result` over the target in `target_dir`:
    raises on a change that loses data or breaks the cluster's identity, returns the warnings of a change
    the files alone do not make."""
    before = on_disk(target_dir)
    kraft = result.merged.params["kafka"].get("mode") == "kraft"
    # What the target on disk was rendered with; only a KRaft render needs it (a ZooKeeper one never reads it)
    recorded = (recorded_params(target_dir).get("kafka") or {}) if kraft else {}
    was_kraft = recorded.get("mode") == "kraft"
    if was_kraft:
        refuse_changed_voters(target_dir, result)
    if not allow_identity_change:
        if was_kraft:
            refuse_changed_cluster_id(target_dir, result, recorded.get("clusterId"))
        refuse_lost_identities(target_dir, result.manifests.values(), before)
    return min_insync_changes(target_dir, result, recorded) if was_kraft else []


def refuse_changed_voters(target_dir: Path, result: Build) -> None:
    """Static voters (controller.quorum.voters, the same line in every node's file) are the cluster's for
    life: changing them needs the one-way move to a dynamic quorum first (docs/kraft.md 1), so another count,
    or broker 0 as the combined controller instead of dedicated ones (or back), is refused whatever the flag.
    Read from the brokers' server.properties, which names the voters in both layouts."""
    try:
        old = (target_dir / BROKER_PROPERTIES).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return  # no voter line to keep
    had, has = _voters(old), _voters(result.files.get(BROKER_PROPERTIES, ""))
    if not had or not has or had == has:
        return
    lift = f"changing the voter set is a quorum reconfiguration, not a render ({ALLOW_FLAG} does not lift this; "
    if len(had) != len(has):
        key, value, allowed = "controllers.replicas", str(len(has)), str(len(had))
        who = f"whose {len(had)} controllers are static voters" if len(had) > 1 else "whose one controller is its voter"
    else:  # the same count, 1: broker 0 as the combined controller in a dedicated one's place, or back
        key, value, allowed = "controllers.combined", _word(_combined(has)), _word(_combined(had))
        who = "whose voter is broker 0 itself" if _combined(had) else "whose voter is its controller"
    raise GeneratorError(
        f"{key}: {value} on the KRaft target in {target_dir}, {who}: every node's controller.quorum.voters names "
        f"{'it' if len(had) == 1 else 'them'}, and {lift}docs/kraft.md 1); allowed: {allowed}, or a new cluster in "
        f"another target (set by {result.merged.source_of(key)})"
    )


def _voters(properties: str) -> tuple[int, ...]:
    """The node ids of controller.quorum.voters (id@host:port,...); empty without the key."""
    for line in properties.splitlines():
        if line.startswith("controller.quorum.voters="):
            ids = (voter.split("@", 1)[0] for voter in line.split("=", 1)[1].split(","))
            return tuple(int(node) for node in ids if node.isdigit())  # a hand-edited file: what can be read
    return ()


def _combined(voters: tuple[int, ...]) -> bool:
    return voters == (0,)  # broker 0 (node 0) votes; dedicated controllers are 3000 + ordinal


def _word(flag: bool) -> str:
    return "true" if flag else "false"


def refuse_changed_cluster_id(target_dir: Path, result: Build, old: Any) -> None:
    """Every broker's and controller's volume holds the cluster id it was formatted with, and the start
    script refuses a volume of another cluster (docs/kraft.md 2): a new id is a new cluster, as a rename."""
    new = result.merged.params["kafka"].get("clusterId")
    if old and new and old != new:
        raise GeneratorError(
            f"kafka.clusterId: {new} on the KRaft target in {target_dir}, formatted as cluster {old}: every "
            "broker and controller would refuse its volume (it belongs to the old cluster) and none would start; "
            f"allowed: {old}, or {ALLOW_FLAG} for a new cluster whose PVCs are deleted first "
            f"(set by {result.merged.source_of('kafka.clusterId')})"
        )


def min_insync_changes(target_dir: Path, result: Build, recorded: dict[str, Any]) -> list[Finding]:
    """With eligible leader replicas (on for new Kafka 4.1 clusters) the controllers hold min.insync.replicas
    as a cluster-level setting written when the metadata log was created, which overrides every
    server.properties (docs/kraft.md 4): a changed value in the files changes no broker."""
    from generator.components.brokers import BrokersModel

    old, new = (_min_insync(kafka) for kafka in (recorded, result.merged.params["kafka"]))
    if old == new:
        return []
    key = "kafka.config.min.insync.replicas"
    bootstrap = result.models.get(BrokersModel).bootstrap
    message = (
        f"{new} (was {old} in {target_dir}) changes the rendered files but not the cluster: with eligible leader "
        "replicas (Kafka 4.1) min.insync.replicas is a cluster-level setting the controllers wrote at the first "
        "start, and it overrides every server.properties; apply it with: kafka-configs.sh --bootstrap-server "
        f"{bootstrap} --alter --entity-type brokers --entity-default --add-config min.insync.replicas={new}"
    )
    return [Finding("warning", key, message, result.merged.source_of(key), ("R25",))]


def _min_insync(kafka: dict[str, Any]) -> Any:
    value = (kafka.get("config") or {}).get("min.insync.replicas")
    return 1 if value is None else value  # null: the upstream default


def recorded_params(target_dir: Path) -> dict[str, Any]:
    """The parameters the target's params.yaml on disk records (empty when there is none to read)."""
    try:
        loaded = yaml.load((target_dir / "params.yaml").read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return loaded if isinstance(loaded, dict) else {}
