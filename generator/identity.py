"""Broker and ZooKeeper identities: the pods a target's StatefulSets create and the volumes they keep.

A pod's name is its identity (broker.id and ZooKeeper's myid follow its ordinal) and its PVCs are named
after it, so a render that drops or renames a pod orphans a broker's data: the PVCs are retained, but
nothing mounts them, and the replicas they held must be rebuilt elsewhere. `render` compares what it
is about to write with the target already on disk and refuses such a change unless told.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import IdentityChange

ALLOW_FLAG = "--allow-identity-change"


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


def refuse_lost_identities(target_dir: Path, manifests: Iterable[dict[str, Any]]) -> None:
    """Raise IdentityChange when writing a render of `manifests` to `target_dir` would remove or rename a
    pod that owns data."""
    gone = lost(on_disk(target_dir), identities(manifests))
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
