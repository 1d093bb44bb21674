"""Checks over the rendered controller objects."""

from __future__ import annotations

from collections.abc import Iterator

from generator.core.component import Models, Problem, Rendered
from generator.k8s.invariants import quorum_budget_problems


def budget_keeps_quorum(rendered: Rendered, _models: Models) -> Iterator[Problem]:
    """A drain the budget allows never leaves fewer controllers than a quorum (R07, docs/kraft.md 5)."""
    yield from quorum_budget_problems(
        rendered.objects,
        "kafka-controller",
        "controllers",
        "no leader election, ISR change or broker registration until they are back",
        "controllers.pdb.maxUnavailable",
    )
