"""Checks over the rendered broker objects."""

from __future__ import annotations

from collections.abc import Iterator

from generator.core.component import Models, Problem, Rendered
from generator.k8s.invariants import at, budgets_over, configmap_file, max_unavailable


def budget_keeps_min_isr(rendered: Rendered, _models: Models) -> Iterator[Problem]:
    """A drain the budget allows never takes a partition below min.insync.replicas (R08, R25), read from
    the server.properties the rendered ConfigMap carries."""
    server = configmap_file(rendered.objects, "server.properties")
    rf = int(server.get("default.replication.factor", "1"))
    min_isr = int(server.get("min.insync.replicas", "1"))
    for path, pdb, replicas in budgets_over("kafka", rendered.objects):
        if replicas < 2:
            continue  # a single broker stops on any drain; development targets accept that
        unavailable = max_unavailable(pdb, replicas)
        if unavailable > rf - min_isr:
            yield at(
                path,
                pdb,
                f"maxUnavailable {unavailable} exceeds replication factor {rf} - min.insync.replicas {min_isr}: "
                "a drain could stop acks=all writes to partitions with replicas on the drained brokers [R08, R25]",
                "kafka.pdb.maxUnavailable",
            )
