"""A target's rendered Kubernetes objects, read as the API server and the kubelet would read them.

Everything here comes from output/<target>/kubernetes/**: which StatefulSets and ConfigMaps exist, what a
pod of a set is called and labelled, and what the kubelet makes of a container's env (fieldRefs resolved,
$(VAR) references expanded). Nothing is hard-coded about today's names or paths.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]
ZONE_LABEL = "topology.kubernetes.io/zone"
_FIELD_LABEL = re.compile(r"metadata\.(labels|annotations)\['(?P<key>[^']+)'\]")
_VAR_REF = re.compile(r"\$\$|\$\((?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\)")


@dataclass(frozen=True)
class Manifests:
    """Every object under one target's kubernetes/ folder."""

    root: Path
    objects: tuple[Obj, ...]

    @classmethod
    def load(cls, target_root: Path) -> Manifests:
        objects: list[Obj] = []
        for path in sorted((target_root / "kubernetes").rglob("*.yaml")):
            objects.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if isinstance(d, dict))
        if not objects:
            raise FileNotFoundError(f"no Kubernetes objects under {target_root / 'kubernetes'}")
        return cls(target_root, tuple(objects))

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o.get("kind") == kind]

    def config_map(self, name: str) -> Obj:
        """The ConfigMap a volume names; the kubelet refuses to start a pod whose ConfigMap is missing."""
        found = [o for o in self.of_kind("ConfigMap") if o["metadata"]["name"] == name]
        if len(found) != 1:
            known = sorted(o["metadata"]["name"] for o in self.of_kind("ConfigMap"))
            raise LookupError(f"the pod names ConfigMap {name!r}, which the target does not render (has {known})")
        return found[0]

    def statefulsets_running(self, script: str) -> list[StatefulSet]:
        """The StatefulSets whose first container's command or args name `script` (e.g. start-kafka.sh)."""
        sets = [StatefulSet(o) for o in self.of_kind("StatefulSet")]
        return sorted((s for s in sets if script in " ".join(s.container().words())), key=lambda s: s.name)


@dataclass(frozen=True)
class Container:
    spec: Obj

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    def words(self) -> list[str]:
        return [str(w) for w in (*self.spec.get("command", []), *self.spec.get("args", []))]

    def port(self, name_or_number: str | int) -> int:
        if isinstance(name_or_number, int) or str(name_or_number).isdigit():
            return int(name_or_number)
        for port in self.spec.get("ports", []):
            if port.get("name") == name_or_number:
                return int(port["containerPort"])
        raise LookupError(f"container {self.name} has no port named {name_or_number!r}")

    def security(self, pod_spec: Obj) -> Security:
        """The effective security context: the container's fields over the pod's."""
        pod, own = pod_spec.get("securityContext", {}), self.spec.get("securityContext", {})

        def pick(key: str) -> Any:
            return own.get(key, pod.get(key))

        drop = [str(c).upper() for c in own.get("capabilities", {}).get("drop", [])]
        return Security(
            run_as_user=pick("runAsUser"),
            run_as_group=pick("runAsGroup"),
            run_as_non_root=bool(pick("runAsNonRoot")),
            fs_group=pod.get("fsGroup"),
            supplemental_groups=tuple(int(g) for g in pod.get("supplementalGroups", [])),
            read_only_root=bool(own.get("readOnlyRootFilesystem", False)),
            no_new_privileges=own.get("allowPrivilegeEscalation") is False,
            drop_all_capabilities="ALL" in drop,
        )


@dataclass(frozen=True)
class Security:
    run_as_user: int | None
    run_as_group: int | None
    run_as_non_root: bool
    fs_group: int | None
    supplemental_groups: tuple[int, ...]
    read_only_root: bool
    no_new_privileges: bool
    drop_all_capabilities: bool


@dataclass(frozen=True)
class PodIdentity:
    """What the API server knows of one pod that the kubelet hands to its containers."""

    name: str
    namespace: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    node: str
    address: str
    hostname: str
    subdomain: str


class StatefulSet:
    def __init__(self, obj: Obj):
        self.obj = obj

    @property
    def name(self) -> str:
        return str(self.obj["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.obj["metadata"].get("namespace", "default"))

    @property
    def spec(self) -> Obj:
        return dict(self.obj["spec"])

    @property
    def pod_spec(self) -> Obj:
        return dict(self.obj["spec"]["template"]["spec"])

    @property
    def service_name(self) -> str:
        return str(self.spec.get("serviceName", ""))

    @property
    def replicas(self) -> int:
        return int(self.spec.get("replicas", 1))

    @property
    def first_ordinal(self) -> int:
        return int(self.spec.get("ordinals", {}).get("start", 0))

    def ordinals(self) -> list[int]:
        return list(range(self.first_ordinal, self.first_ordinal + self.replicas))

    @property
    def min_ready_seconds(self) -> int:
        return int(self.spec.get("minReadySeconds", 0))

    @property
    def partition(self) -> int:
        return int(self.spec.get("updateStrategy", {}).get("rollingUpdate", {}).get("partition", 0))

    @property
    def termination_grace_s(self) -> int:
        return int(self.pod_spec.get("terminationGracePeriodSeconds", 30))

    def container(self, name: str | None = None) -> Container:
        containers = [Container(c) for c in self.pod_spec["containers"]]
        if name is None:
            return containers[0]
        return next(c for c in containers if c.name == name)

    def pod_name(self, ordinal: int) -> str:
        return f"{self.name}-{ordinal}"

    def pod_labels(self, ordinal: int, zone: str | None) -> dict[str, str]:
        """Template labels plus what the controller adds (pod name, index) and what the API server's
        PodTopologyLabels admission copies from the node at binding (the zone)."""
        labels = dict(self.obj["spec"]["template"]["metadata"].get("labels", {}))
        labels["statefulset.kubernetes.io/pod-name"] = self.pod_name(ordinal)
        labels["apps.kubernetes.io/pod-index"] = str(ordinal)
        if zone is not None:
            labels[ZONE_LABEL] = zone
        return labels

    def claim_names(self) -> list[str]:
        return [str(t["metadata"]["name"]) for t in self.spec.get("volumeClaimTemplates", [])]

    def volumes(self) -> dict[str, Obj]:
        return {str(v["name"]): v for v in self.pod_spec.get("volumes", [])}

    def identity(self, ordinal: int, zone: str | None, node: str, address: str) -> PodIdentity:
        template = self.obj["spec"]["template"]["metadata"]
        return PodIdentity(
            name=self.pod_name(ordinal),
            namespace=self.namespace,
            labels=self.pod_labels(ordinal, zone),
            annotations=dict(template.get("annotations", {})),
            node=node,
            address=address,
            hostname=self.pod_name(ordinal),
            subdomain=self.service_name,
        )


def field_value(path: str, pod: PodIdentity) -> str:
    """A downward-API fieldRef as the kubelet resolves it (a missing label is the empty string)."""
    simple = {
        "metadata.name": pod.name,
        "metadata.namespace": pod.namespace,
        "spec.nodeName": pod.node,
        "status.podIP": pod.address,
        "status.podIPs": pod.address,
    }
    if path in simple:
        return simple[path]
    match = _FIELD_LABEL.fullmatch(path)
    if match is None:
        raise ValueError(f"fieldRef {path!r} is not supported by the harness")
    source = pod.labels if match[1] == "labels" else pod.annotations
    return str(source.get(match["key"], ""))


def expand(text: str, env: Mapping[str, str]) -> str:
    """Kubernetes $(VAR) expansion: defined names are replaced, undefined ones kept, $$ is a literal $."""

    def one(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        return env.get(match["name"], match[0])

    return _VAR_REF.sub(one, text)


def container_env(container: Container, pod: PodIdentity, image_env: Mapping[str, str]) -> dict[str, str]:
    """The process environment: the image's ENV, then the pod's env in order (later entries may refer to
    earlier ones with $(VAR)), as the kubelet and the runtime build it."""
    env = dict(image_env)
    env["HOSTNAME"] = pod.hostname
    defined: dict[str, str] = {}
    for entry in container.spec.get("env", []):
        name = str(entry["name"])
        if "value" in entry:
            value = expand(str(entry["value"]), defined)
        elif "fieldRef" in entry.get("valueFrom", {}):
            value = field_value(str(entry["valueFrom"]["fieldRef"]["fieldPath"]), pod)
        else:
            raise ValueError(f"env {name}: only literal values and fieldRefs are supported by the harness")
        defined[name] = value
        env[name] = value
    if container.spec.get("envFrom"):
        raise ValueError("envFrom is not supported by the harness")
    return env


def command_line(container: Container, env: Mapping[str, str]) -> list[str]:
    """command + args with $(VAR) expanded; a pod without `command` would run the image's entrypoint."""
    if "command" not in container.spec:
        raise ValueError(f"container {container.name} has no command: the image entrypoint is not emulated")
    return [expand(w, env) for w in container.words()]


def selected(service: Obj, labels: Mapping[str, str]) -> bool:
    """Whether a Service's selector picks a pod with these labels."""
    selector = service["spec"].get("selector") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())
