"""Kubernetes schema checks (strict, per version) and the key catalog over rendered config files."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from generator.components.cluster import objects_match_api_schemas
from generator.core.component import Rendered
from generator.core.validate import config_problems
from generator.errors import ValidationFailed
from generator.k8s.schemas import kubernetes_problems
from generator.target import Request, Sources, build
from tests.conftest import write

STATEFULSET = yaml.safe_load(build(Request("ha")).files["kubernetes/kafka/statefulset.yaml"])


@pytest.mark.parametrize("version", ["1.30", "1.37"])
def test_rendered_statefulset_is_valid(version: str) -> None:
    assert kubernetes_problems(STATEFULSET, version) == []


def broken(change: Any) -> dict[str, Any]:
    manifest = copy.deepcopy(STATEFULSET)
    change(manifest)
    return manifest


def test_wrong_type_names_kind_name_path_and_version() -> None:
    manifest = broken(lambda m: m["spec"].update(replicas="3"))
    assert kubernetes_problems(manifest, "1.30") == [
        "StatefulSet/kafka-broker: spec.replicas: '3' is not of type 'integer', 'null' (Kubernetes 1.30)"
    ]


def test_unknown_field_fails_in_strict_mode() -> None:
    manifest = broken(lambda m: m["spec"]["template"]["spec"]["containers"][0].update(imagePullPolcy="Always"))
    [problem] = kubernetes_problems(manifest, "1.37")
    assert problem.startswith("StatefulSet/kafka-broker: spec.template.spec.containers.0: Additional properties")
    assert "'imagePullPolcy' was unexpected" in problem


def test_unknown_kind_fails() -> None:
    manifest = {"apiVersion": "kafka.strimzi.io/v1beta2", "kind": "Kafka", "metadata": {"name": "x"}}
    assert kubernetes_problems(manifest, "1.30") == [
        "Kafka/x: no Kubernetes 1.30 schema for kind Kafka in kafka.strimzi.io/v1beta2"
    ]


def test_removed_api_version_fails() -> None:
    """C03: the runbook's policy/v1beta1 PodDisruptionBudget is gone from current Kubernetes."""
    pdb = {
        "apiVersion": "policy/v1beta1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "zk"},
        "spec": {"minAvailable": 3},
    }
    assert kubernetes_problems(pdb, "1.30") == [
        "PodDisruptionBudget/zk: no Kubernetes 1.30 schema for kind PodDisruptionBudget in policy/v1beta1"
    ]


def test_every_problem_is_collected_with_its_file() -> None:
    rendered = Rendered(
        objects={
            "kubernetes/a.yaml": {"apiVersion": "v1", "kind": "Nope", "metadata": {"name": "a"}},
            "kubernetes/b.yaml": broken(lambda m: m["spec"].update(replicas="x")),
        },
    )
    models = build(Request("ha", sets=("cluster.kubernetesVersions=['1.35', '1.37']",))).models
    problems = [p.line() for p in objects_match_api_schemas(rendered, models)]
    assert [p.split(":")[0] for p in problems] == ["kubernetes/a.yaml"] * 2 + ["kubernetes/b.yaml"] * 2


@pytest.mark.parametrize(
    ("text", "file_format", "catalog", "problem"),
    [
        ("num.io.threads=many\n", "properties", ("kafka-broker", "3.9"), "num.io.threads: expected int"),
        ("log.retention.hourz=1\n", "properties", ("kafka-broker", "3.9"), "log.retention.hourz: unknown key"),
        ("tickTime=0\n", "properties", ("zookeeper", "3.8"), "tickTime: must be >= 1"),
        ('{"linger.ms": -1}', "json", ("librdkafka", "2"), "linger.ms: must be between 0 and 900000"),
        ('{"fetch.max.wait.ms": 5}', "json", ("librdkafka", "2"), "fetch.max.wait.ms: unknown key"),
    ],
)
def test_config_files_are_checked_against_the_catalog(
    text: str, file_format: str, catalog: tuple[str, str], problem: str
) -> None:
    problems = config_problems(text, file_format, catalog)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_invalid_template_output_stops_the_build_before_writing(sources: Sources) -> None:
    path = sources.templates_dir / "brokers/kubernetes/kafka/pdb.yaml.j2"
    write(path, path.read_text().replace("maxUnavailable:", "maxUnavailabel:"))
    with pytest.raises(ValidationFailed) as caught:
        build(Request("ha"), sources)
    assert all(
        p.startswith("kubernetes/kafka/pdb.yaml: PodDisruptionBudget/kafka-broker: spec: ")
        for p in caught.value.problems
    )
    assert len(caught.value.problems) == 2  # once per Kubernetes version
