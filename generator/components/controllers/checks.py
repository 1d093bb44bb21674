"""Checks over the rendered controller objects."""

from __future__ import annotations

from collections.abc import Iterator

from generator.core.component import Models, Problem, Rendered
from generator.k8s.invariants import at, budgets_over, max_unavailable


def budget_keeps_quorum(rendered: Rendered, _models: Models) -> Iterator[Problem]:
    """A drain the budget allows never leaves fewer controllers than a quorum (R07, docs/kraft.md 5)."""
    for path, pdb, replicas in budgets_over("kafka-controller", rendered.objects):
        quorum = replicas // 2 + 1
        available = replicas - max_unavailable(pdb, replicas)
        if replicas > 1 and available < quorum:
            yield at(
                path,
                pdb,
                f"a drain may leave {available} of {replicas} controllers, below the quorum of {quorum}: "
                "no leader election, ISR change or broker registration until they are back [R07]",
                "controllers.pdb.maxUnavailable",
            )
