"""Offline: which filesystem a container's data paths land on, given its mounts and its image's VOLUMEs.

containerd mounts an anonymous, container-scoped volume on every image VOLUME that no volumeMount equals
exactly, over shallower mounts; a path is backed by the deepest mount that contains it. Data on an
anonymous volume is gone after the next container restart.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from .podspec import Manifests, StatefulSet
from .properties import to_dict


@dataclass(frozen=True)
class Backing:
    path: str
    mount: str  # the mount path that holds it ("/" for the root filesystem)
    kind: str  # volume kind (pvc, emptyDir, configMap), "anonymous" or "root"


def _contains(mount: str, path: str) -> bool:
    return mount == "/" or path == mount or path.startswith(mount.rstrip("/") + "/")


def backing(path: str, statefulset: StatefulSet, image_volumes: tuple[str, ...]) -> Backing:
    path = posixpath.normpath(path)
    claims = set(statefulset.claim_names())
    volumes = statefulset.volumes()
    mounts: dict[str, str] = {}
    for vm in statefulset.container().spec.get("volumeMounts", []):
        name = str(vm["name"])
        kind = "pvc" if name in claims else next(k for k in ("emptyDir", "configMap", "secret") if k in volumes[name])
        mounts[posixpath.normpath(str(vm["mountPath"]))] = kind
    for volume in image_volumes:
        mounts.setdefault(posixpath.normpath(volume), "anonymous")
    holders = [m for m in mounts if _contains(m, path)]
    if not holders:
        return Backing(path, "/", "root")
    deepest = max(holders, key=lambda m: len(m.split("/")))
    return Backing(path, deepest, mounts[deepest])


def data_paths(statefulset: StatefulSet, manifests: Manifests) -> list[str]:
    """The data folders the server writes, from the config files in the ConfigMap the pod mounts:
    Kafka's log.dirs, ZooKeeper's dataDir and dataLogDir."""
    found: list[str] = []
    for volume in statefulset.volumes().values():
        if "configMap" not in volume:
            continue
        data = manifests.config_map(str(volume["configMap"]["name"])).get("data", {})
        if "server.properties" in data:
            settings = to_dict(data["server.properties"])
            found += [d.strip() for d in settings.get("log.dirs", settings.get("log.dir", "")).split(",") if d.strip()]
        if "zoo.cfg" in data:
            settings = to_dict(data["zoo.cfg"])
            found += [settings[k] for k in ("dataDir", "dataLogDir") if k in settings]
    return found
