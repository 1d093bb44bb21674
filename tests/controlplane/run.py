"""One target on the shared control plane: its layout, its namespace, and getting back to a known state."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from . import layout
from .cluster import Cluster
from .controlplane import ControlPlane
from .disruption import cordon, release
from .stages import HOLD_LABEL
from .target import BROKERS, Obj, Target, broker_sets, of_kind, pdb_of, quorum_component, quorum_sets

SETTLE_BASE_S = 120.0
SETTLE_PER_POD_S = 20.0


@dataclass
class TargetRun:
    cp: ControlPlane
    target: Target
    layout: layout.Layout
    cluster: Cluster = field(init=False)

    def __post_init__(self) -> None:
        self.cluster = Cluster(self.cp, self.target.namespace)

    @cached_property
    def objects(self) -> list[Obj]:
        return self.target.objects(self.cp.bin / "kubectl")

    @property
    def broker_sets(self) -> list[str]:
        return [s["metadata"]["name"] for s in broker_sets(self.objects)]

    @property
    def quorum(self) -> str:
        """The component of the target's metadata quorum: 'zookeeper' or 'kafka-controller'."""
        return quorum_component(self.objects)

    @property
    def quorum_sets(self) -> list[str]:
        return [s["metadata"]["name"] for s in quorum_sets(self.objects)]

    @property
    def members(self) -> tuple[str, str]:
        """The components a budget protects: the brokers and the quorum."""
        return (BROKERS, self.quorum)

    @property
    def statefulsets(self) -> list[str]:
        return [s["metadata"]["name"] for s in of_kind(self.objects, "StatefulSet")]

    def pdb(self, component: str) -> Obj:
        return pdb_of(self.objects, component)

    def selector(self, component: str) -> Obj:
        """The component's budget selector: the pods the budget and the tests count."""
        selector: Obj = self.pdb(component)["spec"]["selector"]
        return selector

    def pod_count(self) -> int:
        return sum(int(s["spec"]["replicas"]) for s in of_kind(self.objects, "StatefulSet"))

    def settle_timeout(self) -> float:
        return SETTLE_BASE_S + SETTLE_PER_POD_S * self.pod_count()

    # --- states --------------------------------------------------------------------------------------
    def fresh_cluster(self) -> None:
        """Nothing of an earlier target: its namespace, volumes, classes and nodes go; this target's come."""
        layout.reset(self.cp, self.target.namespace)
        layout.build(self.cp, self.target, self.layout)

    def fresh_namespace(self) -> None:
        """The target's namespace empty again (its claims gone, their volumes Available again)."""
        layout.delete_namespace(self.cp, self.target.namespace)
        layout.recycle_volumes(self.cp, self.target, self.layout)
        self.cluster.create_namespace()

    def deployed(self) -> None:
        """The committed output applied (server-side) and settled; every node schedulable, no pod held."""
        self.restore_nodes()
        if self.cluster.cp.client.call("GET", f"/api/v1/namespaces/{self.target.namespace}").status == 404:
            self.cluster.create_namespace()
        result = self.cluster.apply(self.target.folder, "--server-side", "--force-conflicts")
        assert result.returncode == 0, f"apply {self.target.folder}: {result.stderr}"
        self.cluster.wait_settled(self.statefulsets, self.settle_timeout())
        budgets = [self.pdb(c)["metadata"]["name"] for c in self.members]
        self.cluster.wait("budgets observed", lambda: self.cluster.budgets_current(budgets), 60)
        # Every pod is Ready, so every budget must count all its pods healthy before a test asks it: a
        # disruption controller slow to see a roll's last pod (seen under load after a broker roll) would
        # otherwise answer the first eviction from the state before.
        self.cluster.wait("budgets count every pod healthy", lambda: self.cluster.budgets_healthy(budgets), 120)

    def forget_update_managers(self) -> None:
        """Keep only server-side-apply owners of every set: after `kubectl rollout undo` (an Update by
        manager kubectl) a later apply of a changed template conflicts with it, and later tests apply."""
        for name in self.statefulsets:
            path = f"/apis/apps/v1/namespaces/{self.target.namespace}/statefulsets/{name}"
            fields = self.cluster.get(path)["metadata"].get("managedFields", [])
            kept = [f for f in fields if f.get("operation") == "Apply" or f.get("subresource") == "status"]
            if len(kept) != len(fields):
                response = self.cp.client.merge_patch(path, {"metadata": {"managedFields": kept}})
                assert response.status == 200, f"managedFields of {name}: {response.message}"

    def restore_nodes(self) -> None:
        for node in self.layout.nodes:
            cordon(self.cluster, node, unschedulable=False)
        for pod in self.cluster.get(f"/api/v1/namespaces/{self.target.namespace}/pods?labelSelector={HOLD_LABEL}").get(
            "items", []
        ):
            release(self.cluster, pod["metadata"]["name"])
