"""Invariants over the objects of one target, checked before anything is written.

Schemas prove each object is well-formed; these prove the objects fit together: selectors that select,
spreads that can be scheduled, and state written where it survives the container (the images' declared
VOLUMEs, generator/images.yaml). What a budget must keep (quorum, in-sync replicas) is the component's
own check (generator/components/*/checks.py), over the objects these helpers find.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from generator.core.component import Models, Problem, Rendered
from generator.core.configfile import EMPTY
from generator.images import facts_for_image
from generator.k8s.objects import POD_NAME_LABEL
from generator.serialize import parse_properties

Objects = dict[str, dict[str, Any]]


def object_problems(rendered: Rendered, models: Models) -> Iterator[Problem]:
    """The invariants every target's objects keep, whatever component rendered them."""
    objects, state = rendered.objects, _declared(models)
    sets = {path: m for path, m in objects.items() if m.get("kind") == "StatefulSet"}
    for path, manifest in sorted(objects.items()):
        kind = manifest.get("kind")
        if kind == "PodDisruptionBudget":
            selector = manifest["spec"]["selector"]["matchLabels"]
            if not selected_sets(selector, objects):
                yield at(
                    path, manifest, f"selector {_show(selector)} matches no pod: the budget protects nothing [R07, R08]"
                )
        elif kind == "Service":
            selector = manifest["spec"].get("selector") or {}
            if not any(_selects(selector, s) for s in sets.values()):
                yield at(path, manifest, f"selector {_show(selector)} matches no pod of any StatefulSet")
        elif kind == "StatefulSet":
            for problem in (*_statefulset(manifest), *_state_paths(manifest, objects, state)):
                yield at(path, manifest, problem)


def at(path: str, manifest: dict[str, Any], message: str, key: str | None = None) -> Problem:
    kind, name = manifest.get("kind"), manifest.get("metadata", {}).get("name")
    return Problem(path, f"{kind}/{name}: {message}", key)


def selected_sets(selector: dict[str, str], objects: Objects) -> list[dict[str, Any]]:
    """The StatefulSets with at least one pod `selector` matches."""
    return [m for m in objects.values() if m.get("kind") == "StatefulSet" and _selects(selector, m)]


def budgets_over(label_name: str, objects: Objects) -> Iterable[tuple[str, dict[str, Any], int]]:
    """(path, PodDisruptionBudget, pods it covers) for each budget over pods labelled app.kubernetes.io/name."""
    for path, manifest in sorted(objects.items()):
        if manifest.get("kind") != "PodDisruptionBudget":
            continue
        selector = manifest["spec"]["selector"]["matchLabels"]
        chosen = [
            s for s in selected_sets(selector, objects) if _pod_labels(s).get("app.kubernetes.io/name") == label_name
        ]
        if chosen:
            yield path, manifest, sum(s["spec"]["replicas"] for s in chosen)


def quorum_budget_problems(
    objects: Objects, label_name: str, members: str, consequence: str, key: str
) -> Iterator[Problem]:
    """A drain that a budget over a quorum's members allows never leaves fewer of them than a majority (R07):
    `members` names them in the message ("servers"), `consequence` says what a lost quorum stops."""
    for path, pdb, replicas in budgets_over(label_name, objects):
        quorum = replicas // 2 + 1
        available = replicas - max_unavailable(pdb, replicas)
        if replicas > 1 and available < quorum:
            yield at(
                path,
                pdb,
                f"a drain may leave {available} of {replicas} {members}, below the quorum of {quorum}: "
                f"{consequence} [R07]",
                key,
            )


def max_unavailable(pdb: dict[str, Any], replicas: int) -> int:
    spec = pdb["spec"]
    return int(spec.get("maxUnavailable", replicas - spec.get("minAvailable", replicas)))


def configmap_file(objects: Objects, file: str) -> dict[str, str]:
    """The settings of `file` in the ConfigMap that carries it (empty when none does)."""
    for manifest in objects.values():
        data = manifest.get("data") or {}
        if manifest.get("kind") == "ConfigMap" and file in data:
            return parse_properties(data[file])
    return {}


def _pod_labels(statefulset: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = statefulset["spec"]["template"]["metadata"].get("labels", {})
    return labels


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
class StatePaths(NamedTuple):
    """Where a component keeps what must outlive its container: config keys per file, and environment
    variables. A component's model lists them as `state_paths`; the check reads them from the objects."""

    keys: Mapping[str, tuple[str, ...]] = EMPTY  # "server.properties" -> ("log.dirs",)
    env: tuple[str, ...] = ()


def _declared(models: Models) -> StatePaths:
    keys: dict[str, tuple[str, ...]] = {}
    env: list[str] = []
    for model in models.by_name().values():
        declared = getattr(model, "state_paths", None)
        if isinstance(declared, StatePaths):
            keys.update(declared.keys)
            env += declared.env
    return StatePaths(keys, tuple(env))


_GC_LOG_FILE = re.compile(r"-Xlog:gc\S*?:file=([^:\s]+)")


def _state_paths(statefulset: dict[str, Any], manifests: Objects, state: StatePaths) -> Iterator[str]:
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
        for what, path in _written_paths(container, volumes, configmaps, state):
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
    container: dict[str, Any], volumes: dict[str, Any], configmaps: dict[str, dict[str, str]], state: StatePaths
) -> Iterator[tuple[str, str]]:
    for variable in container.get("env", []):
        value = variable.get("value") or ""
        if variable["name"] in state.env:
            yield variable["name"], value
        for gc_log in _GC_LOG_FILE.findall(value):
            yield "its GC log", gc_log
    for mount in container.get("volumeMounts", []):
        source = volumes.get(mount["name"], {}).get("configMap")
        if source is None:
            continue
        for file, keys in state.keys.items():
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


def _show(selector: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(selector.items())) + "}"


def check_objects(objects: Objects, models: Models) -> list[str]:
    """Every component's invariants over `objects` (the objects of one target), one line per problem."""
    from generator.core.engine import builtin_components

    rendered = Rendered(objects=objects)
    return [p.line() for c in builtin_components() for run in c.invariants for p in run(rendered, models)]
