"""Where the scheduler put the pods, checked against each pod's own constraints (its rendered template)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .target import Obj

ZONE, HOSTNAME = "topology.kubernetes.io/zone", "kubernetes.io/hostname"


def _matches_labels(labels: dict[str, str], selector: Obj) -> bool:
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    return all(_expression(labels, e) for e in selector.get("matchExpressions", []))


def _expression(labels: dict[str, str], expression: Obj) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    if operator in ("Gt", "Lt") and key in labels:
        number, limit = int(labels[key]), int(values[0])
        return number > limit if operator == "Gt" else number < limit
    return False


def _node_fits(spec: Obj, node_labels: dict[str, str]) -> bool:
    """nodeSelector and required node affinity: what topology spread counts as an eligible domain too."""
    if not all(node_labels.get(k) == v for k, v in spec.get("nodeSelector", {}).items()):
        return False
    required = spec.get("affinity", {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return True
    return any(
        all(_expression(node_labels, e) for e in term.get("matchExpressions", []))
        for term in required["nodeSelectorTerms"]
    )


def violations(pods: list[Obj], nodes: dict[str, dict[str, str]]) -> list[str]:
    """Every way the placement breaks a pod's own nodeSelector, node affinity, required pod anti-affinity
    or DoNotSchedule topology spread constraint; empty when the scheduler kept every promise."""
    problems: list[str] = []
    for pod in pods:
        name, spec = pod["metadata"]["name"], pod["spec"]
        node = spec.get("nodeName")
        if not node:
            problems.append(f"{name}: not scheduled")
            continue
        if not _node_fits(spec, nodes[node]):
            problems.append(f"{name}: on {node} ({nodes[node]}), outside its node affinity / nodeSelector")
        problems += _anti_affinity(pod, pods, nodes)
        problems += _spread(pod, pods, nodes)
        if spec.get("affinity", {}).get("podAffinity"):
            problems.append(f"{name}: podAffinity is not checked by this harness; extend placement.py")
    return problems


def _anti_affinity(pod: Obj, pods: list[Obj], nodes: dict[str, dict[str, str]]) -> list[str]:
    terms = (
        pod["spec"]
        .get("affinity", {})
        .get("podAntiAffinity", {})
        .get("requiredDuringSchedulingIgnoredDuringExecution", [])
    )
    problems = []
    for term in terms:
        key = term["topologyKey"]
        domain = nodes[pod["spec"]["nodeName"]].get(key)
        for other in pods:
            if other is pod or not other["spec"].get("nodeName"):
                continue
            same = nodes[other["spec"]["nodeName"]].get(key) == domain and domain is not None
            if same and _matches_labels(other["metadata"].get("labels", {}), term["labelSelector"]):
                problems.append(f"{pod['metadata']['name']} and {other['metadata']['name']} share {key}={domain}")
    return problems


def _spread(pod: Obj, pods: list[Obj], nodes: dict[str, dict[str, str]]) -> list[str]:
    problems = []
    for constraint in pod["spec"].get("topologySpreadConstraints", []):
        if constraint.get("whenUnsatisfiable") != "DoNotSchedule":
            continue
        key, skew = constraint["topologyKey"], int(constraint["maxSkew"])
        selector: dict[str, Any] = {
            "matchLabels": dict(constraint["labelSelector"].get("matchLabels", {})),
            "matchExpressions": list(constraint["labelSelector"].get("matchExpressions", [])),
        }
        for label in constraint.get("matchLabelKeys", []):
            selector["matchLabels"][label] = pod["metadata"]["labels"].get(label)
        eligible = {labels[key] for labels in nodes.values() if key in labels and _node_fits(pod["spec"], labels)}
        counts = Counter({domain: 0 for domain in eligible})
        for other in pods:
            node = other["spec"].get("nodeName")
            if node and key in nodes[node] and _matches_labels(other["metadata"].get("labels", {}), selector):
                counts[nodes[node][key]] += 1
        if counts and max(counts.values()) - min(counts.values()) > skew:
            problems.append(f"{pod['metadata']['name']}: spread over {key} {dict(counts)} exceeds maxSkew {skew}")
        minimum = constraint.get("minDomains")
        if (
            minimum
            and len(eligible) >= int(minimum)
            and sum(1 for c in counts.values() if c) < min(int(minimum), sum(counts.values()))
        ):
            problems.append(
                f"{pod['metadata']['name']}: {dict(counts)} uses fewer {key} domains than minDomains {minimum}"
            )
    return sorted(set(problems))


def per_domain(pods: list[Obj], nodes: dict[str, dict[str, str]], key: str) -> Counter[str]:
    return Counter(nodes[p["spec"]["nodeName"]].get(key, "") for p in pods if p["spec"].get("nodeName"))


def balanced(counts: Counter[str], domains: tuple[str, ...]) -> bool:
    """Every domain used as evenly as the count allows: the largest and smallest differ by one at most."""
    values = [counts.get(d, 0) for d in domains]
    return max(values) - min(values) <= 1
