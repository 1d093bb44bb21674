"""Inputs sites really have, for the brokers (issue #11 part 4): an image from a registry with a port, a tag
override, pull Secrets, tolerations, a node selector and a priority class. Each renders exactly where the
pod template takes it, the Kubernetes schemas still pass, bad values are one line naming the key, and the
defaults render the committed manifests byte for byte."""

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

STATEFULSET = "kubernetes/kafka/statefulset.yaml"
DIGEST = "sha256:" + "0123456789abcdef" * 4
RELOCATED = (
    "kafka.image.repository=registry.example.com:5000/apache/kafka",
    "kafka.image.tag=3.9.2-custom",
    f"kafka.image.digest={DIGEST}",
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
        assert pod(result)["containers"][0]["image"] == "apache/kafka:3.9.2"


def test_an_image_from_a_registry_with_a_port_keeps_its_tag_and_digest() -> None:
    result = rendered(*RELOCATED)
    assert (
        f"          image: registry.example.com:5000/apache/kafka:3.9.2-custom@{DIGEST}\n"
        "          imagePullPolicy: IfNotPresent\n"
    ) in result.files[STATEFULSET]
    assert "17 Kubernetes resources valid against 1.35 and 1.37 (strict)" in result.summary


def test_the_tag_defaults_to_the_version_so_the_image_follows_it() -> None:
    result = rendered("kafka.image.repository=registry.example.com:5000/apache/kafka")
    assert pod(result)["containers"][0]["image"] == "registry.example.com:5000/apache/kafka:3.9.2"
    assert pod(rendered("kafka.image.tag=3.9.2"))["containers"][0]["image"] == "apache/kafka:3.9.2"


def test_pull_secrets_priority_class_node_selector_and_tolerations_render_in_the_pod_template() -> None:
    result = rendered(
        "kafka.imagePullSecrets=[regcred, mirror-pull]",
        "kafka.priorityClassName=kafka-critical",
        'kafka.nodeSelector={node-role.example.com/kafka: "true", disktype: ssd}',
        "kafka.tolerations=[{key: dedicated, operator: Equal, value: kafka, effect: NoSchedule}, "
        "{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}]",
    )
    text = result.files[STATEFULSET]
    assert (
        "      imagePullSecrets:\n"
        "        - name: regcred\n"
        "        - name: mirror-pull\n"
        "      nodeSelector:\n"
        "        disktype: ssd\n"
        "        node-role.example.com/kafka: 'true'\n"
        "      priorityClassName: kafka-critical\n"
    ) in text
    assert (
        "      terminationGracePeriodSeconds: 300\n"
        "      tolerations:\n"
        "        - effect: NoSchedule\n"
        "          key: dedicated\n"
        "          operator: Equal\n"
        "          value: kafka\n"
        "        - effect: NoExecute\n"
        "          key: node.kubernetes.io/unreachable\n"
        "          operator: Exists\n"
        "          tolerationSeconds: 300\n"
        "      topologySpreadConstraints:\n"
    ) in text
    assert "17 Kubernetes resources valid against 1.35 and 1.37 (strict)" in result.summary
    # the brokers' inputs stay the brokers': ZooKeeper's pods get none of them
    zookeeper = result.manifests["kubernetes/zookeeper/statefulset.yaml"]["spec"]["template"]["spec"]
    assert not {"imagePullSecrets", "nodeSelector", "priorityClassName", "tolerations"} & set(zookeeper)


def test_a_toleration_of_every_taint_is_operator_exists_alone() -> None:
    assert pod(rendered("kafka.tolerations=[{operator: Exists}]"))["tolerations"] == [{"operator": "Exists"}]


@pytest.mark.parametrize(
    "repository",
    [
        "apache/kafka",
        "docker.io/apache/kafka",
        "registry.example.com:5000/apache/kafka",
        "localhost:5000/apache/kafka",
        "10.0.0.7:443/mirror/docker-hub/apache/kafka",
        "harbor.example.com/dockerhub-proxy/apache/kafka",
    ],
)
def test_the_repository_pattern_accepts_a_registry_host_port_and_path(repository: str) -> None:
    assert errors(f"kafka.image.repository={repository}") == []


REPOSITORY_TEXT = (
    "is not valid; expected the apache/kafka image, from any registry and path: [host[:port]/][path/]apache/kafka, "
    "lowercase, no tag or digest (set kafka.image.tag, .digest), e.g. registry.example.com:5000/apache/kafka"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("Registry.example.com/apache/kafka", "'Registry.example.com/apache/kafka'"),  # uppercase
        ("apache/Kafka", "'apache/Kafka'"),
        ("'my registry/apache/kafka'", "'my registry/apache/kafka'"),  # a space
        ("apache/kafka:3.9.2", "'apache/kafka:3.9.2'"),  # a tag inside the repository
        ("registry.example.com:5000/apache/kafka:3.9.2", "'registry.example.com:5000/apache/kafka:3.9.2'"),
        ('"registry.example.com:5000/apache/kafka:"', "'registry.example.com:5000/apache/kafka:'"),  # trailing colon
        ("registry.example.com:/apache/kafka", "'registry.example.com:/apache/kafka'"),  # a colon without a port
        ("registry.example.com:65536/apache/kafka", "'registry.example.com:65536/apache/kafka'"),
        (f"apache/kafka@{DIGEST}", f"'apache/kafka@{DIGEST}'"),  # the digest has its own key
        ("registry.example.com:5000/kafka", "'registry.example.com:5000/kafka'"),  # another image's name
        ("/apache/kafka", "'/apache/kafka'"),
        ("apache//kafka", "'apache//kafka'"),
    ],
)
def test_a_bad_repository_is_one_line_naming_the_key(value: str, shown: str) -> None:
    assert errors(f"kafka.image.repository={value}") == [
        f"kafka.image.repository: {shown} {REPOSITORY_TEXT} (set by --set kafka.image.repository={value})"
    ]


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            "kafka.image.tag=latest",
            "kafka.image.tag: 'latest' does not name kafka.version 3.9.2; allowed: null (the version), 3.9.2, or "
            "3.9.2-<suffix> such as 3.9.2-custom: the key catalog, the labels and the start scripts assume the image "
            "runs 3.9.2, so set kafka.version to the release the image holds (set by --set kafka.image.tag=latest)",
        ),
        (
            "kafka.image.tag=3.9.0",
            "kafka.image.tag: '3.9.0' does not name kafka.version 3.9.2; allowed: null (the version), 3.9.2, or "
            "3.9.2-<suffix> such as 3.9.2-custom: the key catalog, the labels and the start scripts assume the image "
            "runs 3.9.2, so set kafka.version to the release the image holds (set by --set kafka.image.tag=3.9.0)",
        ),
        (
            "kafka.image.tag=3.9.20",
            "kafka.image.tag: '3.9.20' does not name kafka.version 3.9.2; allowed: null (the version), 3.9.2, or "
            "3.9.2-<suffix> such as 3.9.2-custom: the key catalog, the labels and the start scripts assume the image "
            "runs 3.9.2, so set kafka.version to the release the image holds (set by --set kafka.image.tag=3.9.20)",
        ),
        (
            "kafka.image.tag=3.9.2-",
            "kafka.image.tag: '3.9.2-' does not name kafka.version 3.9.2; allowed: null (the version), 3.9.2, or "
            "3.9.2-<suffix> such as 3.9.2-custom: the key catalog, the labels and the start scripts assume the image "
            "runs 3.9.2, so set kafka.version to the release the image holds (set by --set kafka.image.tag=3.9.2-)",
        ),
        (
            "kafka.image.tag=3.9.2:x",
            "kafka.image.tag: '3.9.2:x' is not valid; expected null (the version), or an image tag that is the "
            "version or starts with it and a hyphen (3.9.2-custom) (set by --set kafka.image.tag=3.9.2:x)",
        ),
        (
            "kafka.image.tag=3.9",
            "kafka.image.tag: expected string or null, got float 3.9 (set by --set kafka.image.tag=3.9)",
        ),
        (
            "kafka.imagePullSecrets=[Regcred]",
            "kafka.imagePullSecrets.0: 'Regcred' is not valid; expected a Secret name: a lowercase DNS subdomain of "
            "at most 253 characters (regcred) (set by --set kafka.imagePullSecrets=[Regcred])",
        ),
        (
            "kafka.imagePullSecrets=regcred",
            "kafka.imagePullSecrets: expected array, got str 'regcred' (set by --set kafka.imagePullSecrets=regcred)",
        ),
        (
            "kafka.imagePullSecrets=[{name: regcred}]",
            "kafka.imagePullSecrets.0: expected string, got dict {'name': 'regcred'} "
            "(set by --set kafka.imagePullSecrets=[{name: regcred}])",
        ),
        (
            "kafka.imagePullSecrets=[regcred, regcred]",
            "kafka.imagePullSecrets: ['regcred', 'regcred'] has non-unique elements "
            "(set by --set kafka.imagePullSecrets=[regcred, regcred])",
        ),
        (
            "kafka.priorityClassName=High",
            "kafka.priorityClassName: 'High' is not valid; expected a PriorityClass name: a lowercase DNS subdomain "
            "of at most 253 characters (set by --set kafka.priorityClassName=High)",
        ),
        (
            "kafka.priorityClassName=''",
            "kafka.priorityClassName: '' is not valid; expected a PriorityClass name: a lowercase DNS subdomain "
            "of at most 253 characters (set by --set kafka.priorityClassName='')",
        ),
        (
            "kafka.nodeSelector={disktype: SSD drives}",
            "kafka.nodeSelector.disktype: 'SSD drives' is not valid; expected a label value: empty, or at most 63 "
            "letters, digits, '-', '_' or '.' between letters or digits "
            "(set by --set kafka.nodeSelector={disktype: SSD drives})",
        ),
        (
            "kafka.nodeSelector={gpu: true}",
            "kafka.nodeSelector.gpu: expected string, got bool True (set by --set kafka.nodeSelector={gpu: true})",
        ),
        (
            "kafka.nodeSelector={Bad Key: x}",
            "kafka.nodeSelector.Bad Key: 'Bad Key' is not valid; expected a label key: name or prefix/name "
            "(kubernetes.io/arch), the name at most 63 letters, digits, '-', '_' or '.' between letters or digits, "
            "the prefix a lowercase DNS subdomain, other than topology.kubernetes.io/zone (the zones are "
            "cluster.zones) (set by --set kafka.nodeSelector={Bad Key: x})",
        ),
        (
            "kafka.nodeSelector={topology.kubernetes.io/zone: zone-a}",
            "kafka.nodeSelector.topology.kubernetes.io/zone: 'topology.kubernetes.io/zone' is not valid; expected a "
            "label key: name or prefix/name (kubernetes.io/arch), the name at most 63 letters, digits, '-', '_' or "
            "'.' between letters or digits, the prefix a lowercase DNS subdomain, other than "
            "topology.kubernetes.io/zone (the zones are cluster.zones) "
            "(set by --set kafka.nodeSelector={topology.kubernetes.io/zone: zone-a})",
        ),
        (
            "kafka.tolerations=[{key: dedicated, operator: Exists, value: kafka}]",
            "kafka.tolerations.0.value: 'kafka' is not valid; expected no value: operator Exists tolerates the taint "
            "whatever its value (set by --set kafka.tolerations=[{key: dedicated, operator: Exists, value: kafka}])",
        ),
        (
            "kafka.tolerations=[{value: kafka, effect: NoSchedule}]",
            "kafka.tolerations.0: missing required parameter(s): key "
            "(set by --set kafka.tolerations=[{value: kafka, effect: NoSchedule}])",
        ),
        (
            "kafka.tolerations=[{key: dedicated, tolerationSeconds: 30}]",
            "kafka.tolerations.0: missing required parameter(s): effect "
            "(set by --set kafka.tolerations=[{key: dedicated, tolerationSeconds: 30}])",
        ),
        (
            "kafka.tolerations=[{key: dedicated, effect: NoSchedule, tolerationSeconds: 30}]",
            "kafka.tolerations.0.effect: 'NoSchedule' is not valid; expected NoExecute: tolerationSeconds is how long "
            "a pod stays on a node tainted NoExecute "
            "(set by --set kafka.tolerations=[{key: dedicated, effect: NoSchedule, tolerationSeconds: 30}])",
        ),
        (
            "kafka.tolerations=[{key: dedicated, effect: NoExecute, tolerationSeconds: -1}]",
            "kafka.tolerations.0.tolerationSeconds: must be >= 0, got -1 "
            "(set by --set kafka.tolerations=[{key: dedicated, effect: NoExecute, tolerationSeconds: -1}])",
        ),
        (
            "kafka.tolerations=[{key: dedicated, effect: NoExecute, tolerationSecond: 30}]",
            "kafka.tolerations.0.tolerationSecond: unknown parameter (did you mean tolerationSeconds?); known here: "
            "effect, key, operator, tolerationSeconds, value "
            "(set by --set kafka.tolerations=[{key: dedicated, effect: NoExecute, tolerationSecond: 30}])",
        ),
        (
            "kafka.tolerations=[{key: dedicated, effect: Never}]",
            "kafka.tolerations.0.effect: 'Never' is not allowed; allowed: NoSchedule, PreferNoSchedule, NoExecute "
            "(set by --set kafka.tolerations=[{key: dedicated, effect: Never}])",
        ),
        (
            "kafka.tolerations=[{key: dedicated, operator: exists}]",
            "kafka.tolerations.0.operator: 'exists' is not allowed; allowed: Equal, Exists "
            "(set by --set kafka.tolerations=[{key: dedicated, operator: exists}])",
        ),
        (
            "kafka.tolerations=[{key: 'bad key', operator: Exists}]",
            "kafka.tolerations.0.key: 'bad key' is not valid; expected a label key: name or prefix/name "
            "(kubernetes.io/arch), the name at most 63 letters, digits, '-', '_' or '.' between letters or digits, "
            "the prefix a lowercase DNS subdomain; omit it (with operator Exists) to tolerate every taint "
            "(set by --set kafka.tolerations=[{key: 'bad key', operator: Exists}])",
        ),
        (
            "kafka.tolerations=[dedicated]",
            "kafka.tolerations.0: expected object, got str 'dedicated' (set by --set kafka.tolerations=[dedicated])",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_key(sets: str, message: str) -> None:
    assert errors(sets) == [message]


def test_the_tag_error_reaches_the_command_line_as_one_line(run: Any) -> None:
    result = run("render", "ha", "--out", "/nonexistent/never-written", "--set", "kafka.image.tag=latest")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: kafka.image.tag: 'latest' does not name kafka.version 3.9.2; allowed: null (the version), 3.9.2, or "
        "3.9.2-<suffix> such as 3.9.2-custom: the key catalog, the labels and the start scripts assume the image "
        "runs 3.9.2, so set kafka.version to the release the image holds (set by --set kafka.image.tag=latest)"
    ]


@pytest.mark.parametrize(
    "reference",
    [
        "apache/kafka:3.9.2",
        "docker.io/apache/kafka:3.9.2",
        "registry.example.com:5000/apache/kafka:3.9.2",
        "registry.example.com:5000/apache/kafka:3.9.2-custom",
        f"registry.example.com:5000/apache/kafka:3.9.2-custom@{DIGEST}",
        f"registry.example.com:5000/apache/kafka@{DIGEST}",
        "registry.example.com:5000/apache/kafka",
        "localhost:5000/mirror/apache/kafka:3.9.2",
    ],
)
def test_a_relocated_reference_is_still_the_apache_kafka_image(reference: str) -> None:
    assert facts_for_image(reference) == image_facts("apache/kafka")


def test_the_state_path_invariant_still_fires_for_a_relocated_image() -> None:
    """The check that refuses state under an image VOLUME no mount equals must not skip an image from a
    registry with a port: it finds the image's facts by its name, whatever the registry."""
    result = rendered(*RELOCATED, profile="durability")
    manifests = {p: copy.deepcopy(m) for p, m in result.manifests.items() if p.startswith("kubernetes/")}
    assert check_objects(manifests, result.models) == []
    container = manifests[STATEFULSET]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"registry.example.com:5000/apache/kafka:3.9.2-custom@{DIGEST}"
    for mount in container["volumeMounts"]:
        if mount["name"] == "data":
            mount["mountPath"] = "/var/lib/kafka"  # shallower than the image's VOLUME /var/lib/kafka/data
    assert [p for p in check_objects(manifests, result.models) if "VOLUME" in p] == [
        f"{STATEFULSET}: StatefulSet/kafka-broker: container kafka writes log.dirs /var/lib/kafka/data/logs under "
        "the image's VOLUME /var/lib/kafka/data (apache/kafka), which no volumeMount equals: the runtime mounts an "
        "anonymous volume there and the data is gone at the next container restart"
    ]


def test_base_yaml_holds_each_new_parameter_with_a_comment() -> None:
    kafka = yaml.safe_load((REPO / "profiles/base.yaml").read_text(encoding="utf-8"))["kafka"]
    defaults = (kafka["image"]["tag"], kafka["imagePullSecrets"], kafka["priorityClassName"])
    assert (*defaults, kafka["nodeSelector"], kafka["tolerations"]) == (None, [], None, {}, [])
    notes = notes_for(REPO / "profiles/base.yaml")
    for key in (
        "image.repository",
        "image.tag",
        "imagePullSecrets",
        "priorityClassName",
        "nodeSelector",
        "tolerations",
    ):
        assert notes[f"kafka.{key}"].text, key
