"""The cluster as a whole: names, namespace, zones, the Kubernetes versions served, the workload, and
the checks every object of a target must pass (the pinned API schemas and the cross-object invariants)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from generator.core.component import Component, Models, Problem, Rendered
from generator.core.findings import Finding, Where
from generator.k8s.invariants import object_problems
from generator.k8s.objects import Names
from generator.k8s.schemas import kubernetes_problems


class Workload(NamedTuple):
    partitions_per_producer: int
    total_partitions: int
    partitions_per_broker_budget: int


@dataclass(frozen=True, eq=False)  # compared by identity: one per build
class ClusterModel:
    names: Names
    namespace: str
    environment: str
    cluster_domain: str
    storage_class: str | None
    zones: tuple[str, ...]
    kubernetes_versions: tuple[str, ...]
    create_namespace: bool
    workload: Workload

    @property
    def production(self) -> bool:
        return self.environment == "production"

    @property
    def development(self) -> bool:
        return self.environment == "development"


# The first Kubernetes minor that serves what the manifests need (fields a server older than that drops).
SERVED_FROM = (1, 27)  # persistentVolumeClaimRetentionPolicy, unhealthyPodEvictionPolicy (beta, on by default)


def minor(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def kubernetes_versions_served(models: Models, where: Where) -> Iterator[Finding]:
    cluster = models.get(ClusterModel)
    oldest = min(cluster.kubernetes_versions, key=minor)
    if minor(oldest) < SERVED_FROM:
        yield where.error(
            "cluster.kubernetesVersions",
            f"{oldest} does not serve persistentVolumeClaimRetentionPolicy and unhealthyPodEvictionPolicy, "
            "which every target uses; allowed: 1.27 or newer",
            "R18",
        )


def objects_match_api_schemas(rendered: Rendered, models: Models) -> Iterator[Problem]:
    for path, manifest in sorted(rendered.objects.items()):
        for version in models.get(ClusterModel).kubernetes_versions:
            yield from (Problem(path, problem) for problem in kubernetes_problems(manifest, version))


def schema_summary(rendered: Rendered, models: Models) -> str:
    versions = models.get(ClusterModel).kubernetes_versions
    return f"{len(rendered.objects)} Kubernetes resources valid against {' and '.join(versions)} (strict)"


class Cluster(Component):
    name = "cluster"
    keys = ("cluster", "workload")
    rules = (kubernetes_versions_served,)
    checks = (objects_match_api_schemas,)
    invariants = (object_problems,)
    summaries = (schema_summary,)

    def derive(self, params: Mapping[str, Any], models: Models) -> ClusterModel:
        spec, workload = params["cluster"], params["workload"]
        return ClusterModel(
            names=Names(spec["name"], spec["namespace"], spec["clusterDomain"]),
            namespace=spec["namespace"],
            environment=spec["environment"],
            cluster_domain=spec["clusterDomain"],
            storage_class=spec["storageClass"],
            zones=tuple(spec["zones"]),
            kubernetes_versions=tuple(spec["kubernetesVersions"]),
            create_namespace=spec["createNamespace"],
            workload=Workload(
                workload["partitionsPerProducer"], workload["totalPartitions"], workload["partitionsPerBrokerBudget"]
            ),
        )


COMPONENT = Cluster(Path(__file__).parent)
