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


def hold(cluster: Cluster, pod: str) -> None:
    """KWOK never marks the pod Ready while the label is there (a Pending pod starts, but stays not Ready)."""
    path = f"/api/v1/namespaces/{cluster.namespace}/pods/{pod}"
    response = cluster.cp.client.merge_patch(path, {"metadata": {"labels": {HOLD_LABEL: "true"}}})
    assert response.status == 200, f"label {pod}: {response.message}"


def hold_not_ready(cluster: Cluster, pod: str) -> None:
    """A Ready pod keeps Running but reports not Ready, as a probe failing would make it."""
    hold(cluster, pod)
    base = f"/api/v1/namespaces/{cluster.namespace}/pods/{pod}"
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
    """A Running-but-not-Ready pod asked to go after the budget's disruptions were spent on other pods."""

    spent: list[Eviction]
    unhealthy: Eviction
    budget_status: Obj


def evict_unhealthy_after_budget(cluster: Cluster, pods: list[Obj], pdb: str, budget: int) -> UnhealthyAttempt:
    """Evict `budget` pods (their nodes cordoned: they cannot come back), hold the next one Running but not
    Ready, and ask to evict it once the disruption controller counts it unhealthy. With no more pods than
    the budget, nothing is spent first: the one held pod is asked at once."""
    spent, held = pods[: min(budget, len(pods) - 1)], pods[min(budget, len(pods) - 1)]
    evictions = []
    for pod in spent:
        cordon(cluster, pod["spec"]["nodeName"])
        evictions.append(evict(cluster, pod))
        assert evictions[-1].status == EVICTED, (
            f"an eviction within the budget must be admitted: {evictions[-1].line()}"
        )
    hold_not_ready(cluster, held["metadata"]["name"])
    healthy = len(pods) - len(spent) - 1

    def counted() -> bool:
        status = cluster.pdb(pdb).get("status", {})
        return bool(status.get("expectedPods") == len(pods) and status.get("currentHealthy") == healthy)

    cluster.wait(f"{pdb} counts {held['metadata']['name']} unhealthy", counted, 60)
    attempt = evict(cluster, cluster.get(f"/api/v1/namespaces/{cluster.namespace}/pods/{held['metadata']['name']}"))
    return UnhealthyAttempt(evictions, attempt, cluster.pdb(pdb).get("status", {}))


def assert_unhealthy_not_evictable(attempt: UnhealthyAttempt) -> None:
    """The quorum rule (IfHealthyBudget): with the budget used up, a not-Ready member stays."""
    assert attempt.unhealthy.status == REFUSED and attempt.unhealthy.message == BUDGET_MESSAGE, (
        f"a Running-but-not-Ready pod was evictable while the budget was used up by "
        f"{[e.pod for e in attempt.spent]}: {attempt.unhealthy.line()}; budget status {attempt.budget_status}"
    )


def all_ready(pods: list[Obj]) -> bool:
    return bool(pods) and all(ready(p) for p in pods)
