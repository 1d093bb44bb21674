"""The simulated cluster a target runs on: nodes over its zones, its StorageClass, PersistentVolumes per node."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from .controlplane import ControlPlane
from .processes import wait_for
from .target import Obj, Target, broker_sets, of_kind, quorum_sets

OWNED = "kafka-profiles.test/owned"  # every object the layout makes, so a reset finds them all
DEFAULT_CLASS = "standard"  # the name kind and minikube give their default class
SCALE_EXTRA_PER_ZONE = 1  # test_scale_up adds one broker per zone: nodes and volumes are there for it
NODE_CAPACITY = {"cpu": "32", "memory": "128Gi", "ephemeral-storage": "500Gi", "pods": "110"}
TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Layout:
    zones: tuple[str, ...]  # empty: one node without zone labels, as kind or minikube run
    nodes: tuple[str, ...]
    node_zone: dict[str, str]

    @property
    def single_node(self) -> bool:
        return not self.zones


def is_single_node(target: Target) -> bool:
    """The development target runs where developers run: one node, no zone labels (kind, minikube)."""
    cluster = target.params["cluster"]
    return cluster.get("environment") == "development" or not cluster.get("zones")


def scaled_brokers(target: Target) -> int:
    """The broker count test_scale_up renders: one more per zone (one more in all without zones)."""
    zones = max(1, len(target.params["cluster"].get("zones") or []))
    return int(target.params["kafka"]["replicas"]) + SCALE_EXTRA_PER_ZONE * zones


def plan(target: Target) -> Layout:
    if is_single_node(target):
        return Layout((), ("dev-node",), {})
    zones = tuple(target.params["cluster"]["zones"])
    quorum = [int(s["spec"]["replicas"]) for s in quorum_sets(target.statefulsets)]
    largest = max(scaled_brokers(target), *quorum)
    per_zone = math.ceil(largest / len(zones))  # one broker and one quorum member (server, controller) per node at most
    nodes = {f"node-{zone}-{i}": zone for zone in zones for i in range(per_zone)}
    return Layout(zones, tuple(nodes), nodes)


def _node(name: str, zone: str | None) -> Obj:
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", OWNED: "true"}
    if zone:
        labels |= {"topology.kubernetes.io/zone": zone, "topology.kubernetes.io/region": "test-region"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": labels},
        "status": {"capacity": NODE_CAPACITY, "allocatable": NODE_CAPACITY},
    }


def _classes(target: Target, claims: list[Obj]) -> list[Obj]:
    named = {c["spec"]["storageClassName"] for c in claims if c["spec"].get("storageClassName")}
    configured = target.params["cluster"].get("storageClass")
    names = {name: False for name in named | ({configured} if configured else set())}
    if any(not c["spec"].get("storageClassName") for c in claims):
        names[DEFAULT_CLASS] = True  # a claim without a class gets the default one (DefaultStorageClass)
    return [
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "name": name,
                "labels": {OWNED: "true"},
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"} if default else {},
            },
            "provisioner": "kubernetes.io/no-provisioner",
            "volumeBindingMode": "WaitForFirstConsumer",
            "reclaimPolicy": "Retain",
        }
        for name, default in sorted(names.items())
    ]


def _one_per_node(statefulset: Obj) -> bool:
    """Required anti-affinity of the set's pods on the hostname: at most one of them per node."""
    terms = statefulset["spec"]["template"]["spec"].get("affinity", {}).get("podAntiAffinity", {})
    labels = statefulset["spec"]["template"]["metadata"]["labels"]
    for term in terms.get("requiredDuringSchedulingIgnoredDuringExecution", []):
        match = term["labelSelector"].get("matchLabels", {})
        if term["topologyKey"] == "kubernetes.io/hostname" and all(labels.get(k) == v for k, v in match.items()):
            return True
    return False


def _volumes(layout: Layout, statefulsets: list[Obj], scaled: dict[str, int]) -> list[Obj]:
    """Local volumes pinned to their node, as `local-storage` is on premises: enough on every node for
    every claim a pod placed there can make (more than one pod per node only without anti-affinity)."""
    volumes = []
    for node in layout.nodes:
        for sts in statefulsets:
            name = sts["metadata"]["name"]
            # One node: volumes for every pod, so a pod that cannot schedule is refused for its own
            # constraints (the scheduler's message names them), not for a missing volume.
            one = _one_per_node(sts) and not layout.single_node
            count = 1 if one else scaled.get(name, int(sts["spec"]["replicas"]))
            for claim in sts["spec"].get("volumeClaimTemplates", []):
                spec = claim["spec"]
                for i in range(count):
                    pv = f"pv-{node}-{name}-{claim['metadata']['name']}-{i}"
                    volumes.append(
                        {
                            "apiVersion": "v1",
                            "kind": "PersistentVolume",
                            "metadata": {"name": pv, "labels": {OWNED: "true"}},
                            "spec": {
                                "capacity": {"storage": spec["resources"]["requests"]["storage"]},
                                "accessModes": spec.get("accessModes", ["ReadWriteOnce"]),
                                "volumeMode": "Filesystem",
                                "persistentVolumeReclaimPolicy": "Retain",
                                "storageClassName": spec.get("storageClassName") or DEFAULT_CLASS,
                                "local": {"path": f"/mnt/disks/{pv}"},
                                "nodeAffinity": {
                                    "required": {
                                        "nodeSelectorTerms": [
                                            {
                                                "matchExpressions": [
                                                    {
                                                        "key": "kubernetes.io/hostname",
                                                        "operator": "In",
                                                        "values": [node],
                                                    }
                                                ]
                                            }
                                        ]
                                    }
                                },
                            },
                        }
                    )
    return volumes


def _apply(cp: ControlPlane, objects: list[Obj]) -> None:
    body = json.dumps({"apiVersion": "v1", "kind": "List", "items": objects})
    result = cp.kubectl("apply", "--server-side", "--field-manager=kafka-profiles-test", "-f", "-", stdin=body)
    assert result.returncode == 0, f"layout apply: {result.stderr}"


def build(cp: ControlPlane, target: Target, layout: Layout) -> None:
    objects = target.objects(cp.bin / "kubectl")
    statefulsets = of_kind(objects, "StatefulSet")
    claims = [claim for sts in statefulsets for claim in sts["spec"].get("volumeClaimTemplates", [])]
    scaled = {sts["metadata"]["name"]: scaled_brokers(target) for sts in broker_sets(objects)}
    nodes = [_node(name, layout.node_zone.get(name)) for name in layout.nodes]
    _apply(cp, nodes + _classes(target, claims))
    # Node status is the kubelet's: the capacity goes in through the status subresource, KWOK copies it on.
    for node in nodes:
        patch = {"status": node["status"]}
        response = cp.client.call(
            "PATCH", f"/api/v1/nodes/{node['metadata']['name']}/status", patch, "application/merge-patch+json"
        )
        assert response.status == 200, f"node status {node['metadata']['name']}: {response.message}"
    _apply(cp, _volumes(layout, statefulsets, scaled))
    wait_for("every node Ready (KWOK)", lambda: _ready_nodes(cp) >= len(nodes), TIMEOUT_S, cp.components)


def _ready_nodes(cp: ControlPlane) -> int:
    items: list[Any] = cp.client.get("/api/v1/nodes")["items"]
    return sum(
        1
        for node in items
        if node.get("status", {}).get("allocatable", {}).get("memory")
        and any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))
    )


def reset(cp: ControlPlane, namespace: str) -> None:
    """Back to an empty cluster: the target's namespace (and with it every pod and claim) goes, then
    volumes, classes and nodes the layout made. Bounded: a namespace stuck in Terminating fails here."""
    delete_namespace(cp, namespace)
    for kind in ("persistentvolumes", "storageclasses", "nodes"):
        result = cp.kubectl("delete", kind, "-l", OWNED, "--wait=true", "--timeout=120s", timeout=180)
        assert result.returncode == 0, f"delete {kind}: {result.stderr}"


def delete_namespace(cp: ControlPlane, namespace: str) -> None:
    result = cp.kubectl(
        "delete", "namespace", namespace, "--ignore-not-found", "--wait=true", "--timeout=150s", timeout=200
    )
    assert result.returncode == 0, (
        f"delete namespace {namespace}: {result.stderr}\n{cp.kubectl('get', 'all,pvc', '-n', namespace).stdout}"
    )


def recycle_volumes(cp: ControlPlane, target: Target, layout: Layout) -> None:
    """After the namespace went, its claims' volumes are Released (Retain): make them Available again."""
    result = cp.kubectl("delete", "persistentvolumes", "-l", OWNED, "--wait=true", "--timeout=120s", timeout=180)
    assert result.returncode == 0, f"delete persistentvolumes: {result.stderr}"
    objects = target.objects(cp.bin / "kubectl")
    scaled = {sts["metadata"]["name"]: scaled_brokers(target) for sts in broker_sets(objects)}
    _apply(cp, _volumes(layout, of_kind(objects, "StatefulSet"), scaled))
