"""What the tests ask of the running cluster: apply a folder, wait for sets and budgets, read pods and nodes."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .controlplane import ControlPlane
from .target import Obj, selector_string

POLL_S = 0.5


@dataclass
class Cluster:
    cp: ControlPlane
    namespace: str

    def kubectl(self, *args: str, timeout: float = 180.0) -> subprocess.CompletedProcess[str]:
        return self.cp.kubectl(*args, timeout=timeout)

    def apply(self, folder: Path, *flags: str) -> subprocess.CompletedProcess[str]:
        """`kubectl apply -k`, as a user runs it, with the given flags (--server-side, --dry-run=server)."""
        return self.kubectl("apply", *flags, "-k", str(folder), timeout=300)

    def create_namespace(self) -> None:
        result = self.kubectl("create", "namespace", self.namespace)
        assert result.returncode == 0, f"create namespace: {result.stderr}"

    # --- reading -------------------------------------------------------------------------------------
    def get(self, path: str) -> Obj:
        return self.cp.client.get(path)

    def pods(self, selector: Obj | None = None) -> list[Obj]:
        query = f"?labelSelector={selector_string(selector)}" if selector else ""
        items: list[Obj] = self.get(f"/api/v1/namespaces/{self.namespace}/pods{query}")["items"]
        return sorted(items, key=lambda p: p["metadata"]["name"])

    def statefulset(self, name: str) -> Obj:
        return self.get(f"/apis/apps/v1/namespaces/{self.namespace}/statefulsets/{name}")

    def pdb(self, name: str) -> Obj:
        return self.get(f"/apis/policy/v1/namespaces/{self.namespace}/poddisruptionbudgets/{name}")

    def claims(self) -> dict[str, Obj]:
        items = self.get(f"/api/v1/namespaces/{self.namespace}/persistentvolumeclaims")["items"]
        return {c["metadata"]["name"]: c for c in items}

    def node_labels(self) -> dict[str, dict[str, str]]:
        return {n["metadata"]["name"]: n["metadata"].get("labels", {}) for n in self.get("/api/v1/nodes")["items"]}

    def volumes(self) -> dict[str, Obj]:
        return {v["metadata"]["name"]: v for v in self.get("/api/v1/persistentvolumes")["items"]}

    # --- waiting -------------------------------------------------------------------------------------
    def wait(self, what: str, condition: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            dead = self.cp.alive()
            assert not dead, f"{what}: control-plane component(s) exited: {dead}\n{self.cp.logs()}"
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not after {timeout:.0f} s")
            time.sleep(POLL_S)

    def settled(self, names: list[str]) -> bool:
        """Every set rolled out: observed, all replicas updated and ready, current revision = update revision."""
        for name in names:
            sts = self.statefulset(name)
            status, replicas = sts.get("status", {}), sts["spec"]["replicas"]
            if status.get("observedGeneration") != sts["metadata"]["generation"]:
                return False
            if status.get("readyReplicas", 0) != replicas or status.get("updatedReplicas", 0) != replicas:
                return False
            if status.get("currentRevision") != status.get("updateRevision"):
                return False
            pods = self.pods(sts["spec"]["selector"])
            if len(pods) != replicas or not all(ready(p) for p in pods):
                return False
        return True

    def wait_settled(self, names: list[str], timeout: float) -> None:
        self.wait(f"StatefulSets {names} rolled out and Ready", lambda: self.settled(names), timeout)

    def budgets_current(self, names: list[str]) -> bool:
        """The disruption controller has seen every budget's latest spec and pods (evictions read its status)."""
        for name in names:
            pdb = self.pdb(name)
            status = pdb.get("status", {})
            if status.get("observedGeneration") != pdb["metadata"]["generation"] or "expectedPods" not in status:
                return False
        return True

    def budgets_healthy(self, names: list[str]) -> bool:
        """Every budget counts all the pods it expects as healthy (the state after a settled rollout)."""
        for name in names:
            status = self.pdb(name).get("status", {})
            if not status.get("expectedPods") or status.get("currentHealthy") != status.get("expectedPods"):
                return False
        return True

    def describe(self) -> str:
        """What a person debugging a failure would look at first."""
        parts = []
        for args in (
            ("get", "nodes", "-L", "topology.kubernetes.io/zone", "-o", "wide"),
            ("get", "statefulsets,pods,pdb,pvc", "-n", self.namespace, "-o", "wide", "--show-labels"),
            ("get", "pv"),
            ("get", "events", "-n", self.namespace, "--sort-by=.lastTimestamp"),
            ("describe", "pdb,statefulsets", "-n", self.namespace),
        ):
            result = self.kubectl(*args, timeout=60)
            parts.append(f"$ kubectl {' '.join(args)}\n{result.stdout[-6000:]}{result.stderr[-2000:]}")
        return "\n".join(parts)


def ready(pod: Obj) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    conditions = pod.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def ordinal(pod: Obj) -> int:
    return int(pod["metadata"]["labels"]["apps.kubernetes.io/pod-index"])


def config_maps_of(pod: Obj) -> list[str]:
    return sorted(v["configMap"]["name"] for v in pod["spec"].get("volumes", []) if "configMap" in v)
