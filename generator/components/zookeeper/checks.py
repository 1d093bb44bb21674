"""Checks over the rendered ZooKeeper objects."""

from __future__ import annotations

from collections.abc import Iterator

from generator.core.component import Models, Problem, Rendered
from generator.k8s.invariants import quorum_budget_problems


def budget_keeps_quorum(rendered: Rendered, _models: Models) -> Iterator[Problem]:
    """A drain the budget allows never leaves fewer servers than a quorum (R07)."""
    yield from quorum_budget_problems(
        rendered.objects,
        "zookeeper",
        "servers",
        "it could stop ZooKeeper and with it every Kafka write",
        "zookeeper.pdb.maxUnavailable",
    )
