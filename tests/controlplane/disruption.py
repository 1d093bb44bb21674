"""Voluntary disruptions through the Eviction API, as `kubectl drain` makes them, and what the budgets answer."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from .cluster import Cluster, ready
from .stages import HOLD_LABEL
from .target import Obj, component

EVICTED, REFUSED = 201, 429
BUDGET_MESSAGE = "Cannot evict pod as it would violate the pod's disruption budget."


@dataclass(frozen=True)
class Eviction:
    node: str
    pod: str
    component: str
    status: int
    message: str
    causes: str

    def line(self) -> str:
        return f"{self.node} {self.pod} ({self.component}): {self.status} {self.message} {self.causes}".rstrip()


@dataclass
class DrainRecord:
    evictions: list[Eviction] = field(default_factory=list)

    def evicted(self) -> Counter[str]:
        return Counter(e.component for e in self.evictions if e.status == EVICTED)

    def unexpected(self) -> list[Eviction]:
        """Anything but an eviction or the disruption budget's refusal (429 with its message)."""
        return [
            e
            for e in self.evictions
            if e.status != EVICTED and not (e.status == REFUSED and e.message == BUDGET_MESSAGE)
        ]

    def report(self) -> str:
        return "\n".join(e.line() for e in self.evictions)


def cordon(cluster: Cluster, node: str, unschedulable: bool = True) -> None:
    response = cluster.cp.client.merge_patch(f"/api/v1/nodes/{node}", {"spec": {"unschedulable": unschedulable}})
    assert response.status == 200, f"cordon {node}: {response.message}"


def evict(cluster: Cluster, pod: Obj) -> Eviction:
    name = pod["metadata"]["name"]
    response = cluster.cp.client.evict(cluster.namespace, name)
    causes = "; ".join(c.get("message", "") for c in response.body.get("details", {}).get("causes", []))
    return Eviction(pod["spec"].get("nodeName", ""), name, component(pod), response.status, response.message, causes)


def drain(cluster: Cluster, node: str) -> list[Eviction]:
    """Cordon, then ask to evict every pod on the node once (kubectl drain would retry the refused ones)."""
    cordon(cluster, node)
    on_node = [
        p for p in cluster.pods() if p["spec"].get("nodeName") == node and not p["metadata"].get("deletionTimestamp")
    ]
    return [evict(cluster, pod) for pod in on_node]


def drain_in_turn(cluster: Cluster, nodes: list[str]) -> DrainRecord:
    """Nodes drained one after another, none given back: the evicted pods stay Pending (their local
    volumes are on the cordoned nodes), so every disruption the budgets admit stays used up."""
    record = DrainRecord()
    for node in nodes:
        record.evictions += drain(cluster, node)
    return record


def hold_not_ready(cluster: Cluster, pod: str) -> None:
    """The pod keeps Running but reports not Ready (KWOK leaves it so while the label is there)."""
    base = f"/api/v1/namespaces/{cluster.namespace}/pods/{pod}"
    response = cluster.cp.client.merge_patch(base, {"metadata": {"labels": {HOLD_LABEL: "true"}}})
    assert response.status == 200, f"label {pod}: {response.message}"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    conditions = [
        {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
        {"type": "Initialized", "status": "True", "lastTransitionTime": now},
        {"type": "ContainersReady", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now},
        {"type": "Ready", "status": "False", "reason": "ContainersNotReady", "lastTransitionTime": now},
    ]
    response = cluster.cp.client.merge_patch(base + "/status", {"status": {"conditions": conditions}})
    assert response.status == 200, f"not-ready {pod}: {response.message}"


def release(cluster: Cluster, pod: str) -> None:
    path = f"/api/v1/namespaces/{cluster.namespace}/pods/{pod}"
    response = cluster.cp.client.merge_patch(path, {"metadata": {"labels": {HOLD_LABEL: None}}})
    assert response.status in (200, 404), f"release {pod}: {response.message}"


@dataclass(frozen=True)
class UnhealthyAttempt:
    """A Running-but-not-Ready pod asked to go while its budget is used up by another, evicted pod."""

    first: Eviction
    unhealthy: Eviction
    budget_status: Obj


def evict_unhealthy_while_budget_used(cluster: Cluster, pods: list[Obj], pdb: str) -> UnhealthyAttempt:
    """Evict one pod (its node cordoned: it cannot come back), hold a second Running but not Ready, and
    ask to evict the second once the disruption controller counts it unhealthy."""
    first, second = pods[0], pods[1]
    cordon(cluster, first["spec"]["nodeName"])
    evicted = evict(cluster, first)
    assert evicted.status == EVICTED, f"the first eviction must be admitted: {evicted.line()}"
    hold_not_ready(cluster, second["metadata"]["name"])
    expected = len(pods)

    def counted() -> bool:
        status = cluster.pdb(pdb).get("status", {})
        return status.get("expectedPods") == expected and status.get("currentHealthy") == expected - 2

    cluster.wait(f"{pdb} counts {second['metadata']['name']} unhealthy", counted, 60)
    attempt = evict(cluster, cluster.get(f"/api/v1/namespaces/{cluster.namespace}/pods/{second['metadata']['name']}"))
    return UnhealthyAttempt(evicted, attempt, cluster.pdb(pdb).get("status", {}))


def assert_unhealthy_not_evictable(attempt: UnhealthyAttempt) -> None:
    """The quorum rule (IfHealthyBudget): with the budget used up, a not-Ready member stays."""
    assert attempt.unhealthy.status == REFUSED and attempt.unhealthy.message == BUDGET_MESSAGE, (
        f"a Running-but-not-Ready pod was evictable while the budget was used up by {attempt.first.pod}: "
        f"{attempt.unhealthy.line()}; budget status {attempt.budget_status}"
    )


def all_ready(pods: list[Obj]) -> bool:
    return bool(pods) and all(ready(p) for p in pods)
