"""Inputs sites really have, for the ZooKeeper servers (issue #11 part 4): the same parameters as the
brokers' (tests/components/brokers/test_inputs.py holds the full list of messages), in the zookeeper
section, rendered into its own StatefulSet only."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from generator.annotations import notes_for
from generator.images import facts_for_image, image_facts
from generator.k8s.invariants import check_objects
from generator.target import Build, Request, Sources, build, findings_of, load
from tests.conftest import REPO

STATEFULSET = "kubernetes/zookeeper/statefulset.yaml"
DIGEST = "sha256:" + "fedcba9876543210" * 4
RELOCATED = (
    "zookeeper.image.repository=registry.example.com:5000/library/zookeeper",
    "zookeeper.image.tag=3.8.4-custom",
    f"zookeeper.image.digest={DIGEST}",
)


def rendered(*sets: str, profile: str = "ha") -> Build:
    return build(Request(profile, sets=sets))


def pod(result: Build) -> dict[str, Any]:
    spec: dict[str, Any] = result.manifests[STATEFULSET]["spec"]["template"]["spec"]
    return spec


def errors(*sets: str) -> list[str]:
    merged, _, _ = load(Request("ha", None, sets), Sources())
    return [f.line() for f in findings_of(merged) if f.level == "error"]


def test_defaults_render_the_committed_statefulset_byte_for_byte() -> None:
    for profile, folder in (("ha", "high-availability"), ("development", "development")):
        result = rendered(profile=profile)
        committed = (REPO / "output" / folder / STATEFULSET).read_text(encoding="utf-8")
        assert result.files[STATEFULSET] == committed
        assert not {"imagePullSecrets", "nodeSelector", "priorityClassName", "tolerations"} & set(pod(result))
        assert pod(result)["containers"][0]["image"] == "zookeeper:3.8.4"


def test_an_image_from_a_registry_with_a_port_keeps_its_tag_and_digest() -> None:
    result = rendered(*RELOCATED)
    assert (
        f"          image: registry.example.com:5000/library/zookeeper:3.8.4-custom@{DIGEST}\n"
        "          imagePullPolicy: IfNotPresent\n"
    ) in result.files[STATEFULSET]
    assert "17 Kubernetes resources valid against 1.35 and 1.37 (strict)" in result.summary
    untagged = rendered("zookeeper.image.repository=localhost:5000/zookeeper")
    assert pod(untagged)["containers"][0]["image"] == "localhost:5000/zookeeper:3.8.4"


def test_pull_secrets_priority_class_node_selector_and_tolerations_render_in_the_pod_template() -> None:
    result = rendered(
        "zookeeper.imagePullSecrets=[regcred]",
        "zookeeper.priorityClassName=zookeeper-critical",
        "zookeeper.nodeSelector={kubernetes.io/arch: amd64}",
        "zookeeper.tolerations=[{key: dedicated, value: zookeeper, effect: NoSchedule}, {operator: Exists, "
        "effect: NoExecute, tolerationSeconds: 60}]",
    )
    text = result.files[STATEFULSET]
    assert (
        "      imagePullSecrets:\n"
        "        - name: regcred\n"
        "      nodeSelector:\n"
        "        kubernetes.io/arch: amd64\n"
        "      priorityClassName: zookeeper-critical\n"
    ) in text
    assert (
        "      terminationGracePeriodSeconds: 60\n"
        "      tolerations:\n"
        "        - effect: NoSchedule\n"
        "          key: dedicated\n"
        "          value: zookeeper\n"
        "        - effect: NoExecute\n"
        "          operator: Exists\n"
        "          tolerationSeconds: 60\n"
        "      topologySpreadConstraints:\n"
    ) in text
    assert "17 Kubernetes resources valid against 1.35 and 1.37 (strict)" in result.summary
    brokers = result.manifests["kubernetes/kafka/statefulset.yaml"]["spec"]["template"]["spec"]
    assert not {"imagePullSecrets", "nodeSelector", "priorityClassName", "tolerations"} & set(brokers)


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            "zookeeper.image.repository=zookeeper:3.8.4",
            "zookeeper.image.repository: 'zookeeper:3.8.4' is not valid; expected the zookeeper image, from any "
            "registry and path: [host[:port]/][path/]zookeeper, lowercase, no tag or digest (set zookeeper.image.tag, "
            ".digest), e.g. registry.example.com:5000/library/zookeeper "
            "(set by --set zookeeper.image.repository=zookeeper:3.8.4)",
        ),
        (
            "zookeeper.image.repository=Registry:5000/zookeeper",
            "zookeeper.image.repository: 'Registry:5000/zookeeper' is not valid; expected the zookeeper image, from "
            "any registry and path: [host[:port]/][path/]zookeeper, lowercase, no tag or digest (set "
            "zookeeper.image.tag, .digest), e.g. registry.example.com:5000/library/zookeeper "
            "(set by --set zookeeper.image.repository=Registry:5000/zookeeper)",
        ),
        (
            "zookeeper.image.tag=3.9.3",
            "zookeeper.image.tag: '3.9.3' does not name zookeeper.version 3.8.4; allowed: null (the version), 3.8.4, "
            "or 3.8.4-<suffix> such as 3.8.4-custom: the key catalog, the labels and the start scripts assume the "
            "image runs 3.8.4, so set zookeeper.version to the release the image holds "
            "(set by --set zookeeper.image.tag=3.9.3)",
        ),
        (
            "zookeeper.imagePullSecrets=[reg_cred]",
            "zookeeper.imagePullSecrets.0: 'reg_cred' is not valid; expected a Secret name: a lowercase DNS subdomain "
            "of at most 253 characters (regcred) (set by --set zookeeper.imagePullSecrets=[reg_cred])",
        ),
        (
            "zookeeper.priorityClassName=-critical",
            "zookeeper.priorityClassName: '-critical' is not valid; expected a PriorityClass name: a lowercase DNS "
            "subdomain of at most 253 characters (set by --set zookeeper.priorityClassName=-critical)",
        ),
        (
            "zookeeper.nodeSelector={disktype: [ssd]}",
            "zookeeper.nodeSelector.disktype: expected string, got list ['ssd'] "
            "(set by --set zookeeper.nodeSelector={disktype: [ssd]})",
        ),
        (
            "zookeeper.tolerations=[{operator: Equal, effect: NoSchedule}]",
            "zookeeper.tolerations.0: missing required parameter(s): key "
            "(set by --set zookeeper.tolerations=[{operator: Equal, effect: NoSchedule}])",
        ),
        (
            "zookeeper.tolerations=[{key: dedicated, effect: NoSchedule, seconds: 5}]",
            "zookeeper.tolerations.0.seconds: unknown parameter; known here: effect, key, operator, "
            "tolerationSeconds, value (set by --set zookeeper.tolerations=[{key: dedicated, effect: NoSchedule, "
            "seconds: 5}])",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key(sets: str, message: str) -> None:
    assert errors(sets) == [message]


@pytest.mark.parametrize(
    "reference",
    [
        "zookeeper:3.8.4",
        "docker.io/library/zookeeper:3.8.4",
        "registry.example.com:5000/library/zookeeper:3.8.4-custom",
        f"registry.example.com:5000/library/zookeeper:3.8.4@{DIGEST}",
        "localhost:5000/zookeeper",
    ],
)
def test_a_relocated_reference_is_still_the_zookeeper_image(reference: str) -> None:
    assert facts_for_image(reference) == image_facts("zookeeper")


def test_the_state_path_invariant_still_fires_for_a_relocated_image() -> None:
    result = rendered(*RELOCATED, profile="durability")
    manifests = {p: copy.deepcopy(m) for p, m in result.manifests.items() if p.startswith("kubernetes/")}
    assert check_objects(manifests, result.models) == []
    container = manifests[STATEFULSET]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"registry.example.com:5000/library/zookeeper:3.8.4-custom@{DIGEST}"
    for mount in container["volumeMounts"]:
        if mount["name"] == "datalog":
            mount["mountPath"] = "/"  # covers /datalog, but the image's VOLUME there is a volume of its own
    assert [p for p in check_objects(manifests, result.models) if "VOLUME" in p] == [
        f"{STATEFULSET}: StatefulSet/kafka-zookeeper: container zookeeper writes dataLogDir /datalog under the "
        "image's VOLUME /datalog (zookeeper), which no volumeMount equals: the runtime mounts an anonymous volume "
        "there and the data is gone at the next container restart"
    ]


def test_base_yaml_holds_each_new_parameter_with_a_comment() -> None:
    zookeeper = yaml.safe_load((REPO / "profiles/base.yaml").read_text(encoding="utf-8"))["zookeeper"]
    defaults = (zookeeper["image"]["tag"], zookeeper["imagePullSecrets"], zookeeper["priorityClassName"])
    assert (*defaults, zookeeper["nodeSelector"], zookeeper["tolerations"]) == (None, [], None, {}, [])
    notes = notes_for(REPO / "profiles/base.yaml")
    for key in (
        "image.repository",
        "image.tag",
        "imagePullSecrets",
        "priorityClassName",
        "nodeSelector",
        "tolerations",
    ):
        assert notes[f"zookeeper.{key}"].text, key
