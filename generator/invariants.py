"""Cross-object invariants over the rendered manifests, checked before anything is written.

Schemas prove each object is well-formed; these prove the objects fit together: selectors that select,
budgets that keep quorum and in-sync replicas, spreads that can be scheduled, and state written where
it survives the container (the images' declared VOLUMEs, generator/images.yaml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.images import facts_for_image
from generator.serialize import parse_properties

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"  # set on each pod by the StatefulSet controller

Manifests = dict[str, dict[str, Any]]


def check_manifests(manifests: Manifests) -> list[str]:
    """One line per broken invariant: `<file>: <Kind>/<name>: <problem> [IDs]`."""
    sets = {path: m for path, m in manifests.items() if m.get("kind") == "StatefulSet"}
    problems: list[str] = []
    for path, manifest in sorted(manifests.items()):
        kind, name = manifest.get("kind"), manifest.get("metadata", {}).get("name")
        for problem in _problems(manifest, sets, manifests):
            problems.append(f"{path}: {kind}/{name}: {problem}")
    return problems


def _problems(manifest: dict[str, Any], sets: Manifests, manifests: Manifests) -> Iterator[str]:
    kind = manifest.get("kind")
    if kind == "PodDisruptionBudget":
        yield from _pdb(manifest, sets, manifests)
    elif kind == "Service":
        selector = manifest["spec"].get("selector") or {}
        if not any(_selects(selector, s) for s in sets.values()):
            yield f"selector {_show(selector)} matches no pod of any StatefulSet"
    elif kind == "StatefulSet":
        yield from _statefulset(manifest)
        yield from _state_paths(manifest, manifests)


def _pdb(pdb: dict[str, Any], sets: Manifests, manifests: Manifests) -> Iterator[str]:
    selector = pdb["spec"]["selector"]["matchLabels"]
    selected = [s for s in sets.values() if _selects(selector, s)]
    if not selected:
        yield f"selector {_show(selector)} matches no pod: the budget protects nothing [R07, R08]"
        return
    replicas = sum(s["spec"]["replicas"] for s in selected)
    if selected[0]["metadata"]["name"].endswith("-zookeeper"):
        quorum = replicas // 2 + 1
        available = replicas - pdb["spec"].get("maxUnavailable", replicas - pdb["spec"].get("minAvailable", 0))
        if replicas > 1 and available < quorum:
            yield (
                f"a drain may leave {available} of {replicas} servers, below the quorum of {quorum}: "
                "it could stop ZooKeeper and with it every Kafka write [R07]"
            )
        return
    if replicas < 2:
        return  # a single broker stops on any drain; development targets accept that
    server = _server_properties(manifests)
    rf, min_isr = (
        int(server.get("default.replication.factor", "1")),
        int(server.get("min.insync.replicas", "1")),
    )
    unavailable = pdb["spec"].get("maxUnavailable", replicas - pdb["spec"].get("minAvailable", replicas))
    if unavailable > rf - min_isr:
        yield (
            f"maxUnavailable {unavailable} exceeds replication factor {rf} - min.insync.replicas {min_isr}: "
            f"a drain could stop acks=all writes to partitions with replicas on the drained brokers [R08, R25]"
        )


def _statefulset(statefulset: dict[str, Any]) -> Iterator[str]:
    pod = statefulset["spec"]["template"]
    labels, spec = pod["metadata"].get("labels", {}), pod["spec"]
    if not _subset(statefulset["spec"]["selector"]["matchLabels"], labels):
        yield "spec.selector does not match the pod template labels"
    for term in (
        spec.get("affinity", {}).get("podAntiAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution", [])
    ):
        if not _subset(term["labelSelector"]["matchLabels"], labels):
            yield (
                f"pod anti-affinity selector {_show(term['labelSelector']['matchLabels'])} does not match "
                "its own pods, so it keeps nothing apart [R23]"
            )
    zones = _zones(spec)
    for constraint in spec.get("topologySpreadConstraints", []):
        if not _subset(constraint["labelSelector"]["matchLabels"], labels):
            selector = _show(constraint["labelSelector"]["matchLabels"])
            yield f"topology spread selector {selector} does not match its own pods [R22]"
        min_domains = constraint.get("minDomains", 1)
        if zones is not None and min_domains > len(zones):
            yield (
                f"topology spread needs {min_domains} zones but node affinity allows {len(zones)}: "
                "pods would stay Pending [R22]"
            )
        if min_domains > statefulset["spec"]["replicas"]:
            yield f"topology spread minDomains {min_domains} exceeds replicas {statefulset['spec']['replicas']} [R22]"


# Where each component keeps what must outlive its container: config keys and environment variables.
_STATE_KEYS = {"server.properties": ("log.dirs",), "zoo.cfg": ("dataDir", "dataLogDir")}
_STATE_ENV = ("LOG_DIR", "ZOO_LOG_DIR")
_GC_LOG_FILE = re.compile(r"-Xlog:gc\S*?:file=([^:\s]+)")


def _state_paths(statefulset: dict[str, Any], manifests: Manifests) -> Iterator[str]:
    """Every data or log path a container writes lies on a volumeMount, and never under an image VOLUME
    that no mount equals: containerd mounts an anonymous, container-scoped volume on such a path, over
    the shallower mount, and what is written there is gone when the container restarts."""
    pod = statefulset["spec"]["template"]["spec"]
    configmaps = {
        m["metadata"]["name"]: m.get("data") or {} for m in manifests.values() if m.get("kind") == "ConfigMap"
    }
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for container in pod["containers"]:
        mounts = [m["mountPath"].rstrip("/") or "/" for m in container.get("volumeMounts", [])]
        facts = facts_for_image(container["image"])
        for what, path in _written_paths(container, volumes, configmaps):
            under = [v for v in (facts.volumes if facts else ()) if _within(path, v) and v not in mounts]
            if under:
                yield (
                    f"container {container['name']} writes {what} {path} under the image's VOLUME {under[0]} "
                    f"({facts.repository if facts else '?'}), which no volumeMount equals: the runtime mounts an "
                    "anonymous volume there and the data is gone at the next container restart"
                )
            elif not any(_within(path, mount) for mount in mounts):
                yield (
                    f"container {container['name']} writes {what} {path} on no volumeMount: the root filesystem "
                    "is read-only, and a writable one would lose it with the container"
                )


def _written_paths(
    container: dict[str, Any], volumes: dict[str, Any], configmaps: dict[str, dict[str, str]]
) -> Iterator[tuple[str, str]]:
    for variable in container.get("env", []):
        value = variable.get("value") or ""
        if variable["name"] in _STATE_ENV:
            yield variable["name"], value
        for gc_log in _GC_LOG_FILE.findall(value):
            yield "its GC log", gc_log
    for mount in container.get("volumeMounts", []):
        source = volumes.get(mount["name"], {}).get("configMap")
        if source is None:
            continue
        for file, keys in _STATE_KEYS.items():
            text = configmaps.get(source["name"], {}).get(file)
            if text is None:
                continue
            settings = parse_properties(text)
            for key in keys:
                for path in filter(None, settings.get(key, "").split(",")):
                    yield key, path.strip()


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _zones(spec: dict[str, Any]) -> list[str] | None:
    terms = (
        spec.get("affinity", {})
        .get("nodeAffinity", {})
        .get("requiredDuringSchedulingIgnoredDuringExecution", {})
        .get("nodeSelectorTerms", [])
    )
    for term in terms:
        for expression in term.get("matchExpressions", []):
            if expression["key"] == "topology.kubernetes.io/zone" and expression["operator"] == "In":
                return list(expression["values"])
    return None


def _selects(selector: dict[str, str], statefulset: dict[str, Any]) -> bool:
    """Whether a label selector matches at least one pod the StatefulSet creates."""
    labels = statefulset["spec"]["template"]["metadata"].get("labels", {})
    pod_name = selector.get(POD_NAME_LABEL)
    rest = {k: v for k, v in selector.items() if k != POD_NAME_LABEL}
    if pod_name is not None:
        prefix, _, ordinal = pod_name.rpartition("-")
        start = statefulset["spec"].get("ordinals", {}).get("start", 0)
        if (
            prefix != statefulset["metadata"]["name"]
            or not ordinal.isdigit()
            or not start <= int(ordinal) < start + statefulset["spec"]["replicas"]
        ):
            return False
    return bool(selector) and _subset(rest, labels)


def _subset(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _server_properties(manifests: Manifests) -> dict[str, str]:
    for manifest in manifests.values():
        data = manifest.get("data") or {}
        if manifest.get("kind") == "ConfigMap" and "server.properties" in data:
            return parse_properties(data["server.properties"])
    return {}


def _show(selector: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(selector.items())) + "}"
