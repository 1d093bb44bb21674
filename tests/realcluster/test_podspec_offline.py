"""Offline checks of the pod-spec harness and of the rendered pod specs against the image facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from .datapaths import backing, data_paths
from .imagefs import layout_for
from .inputs import OUTPUT_ROOT
from .podcluster import image_version
from .podspec import Container, Manifests, PodIdentity, container_env, expand, field_value
from .podspec_fixtures import OLD_REVISION, target_at_revision

COMMITTED = sorted(p.name for p in OUTPUT_ROOT.iterdir() if (p / "params.yaml").is_file())


def _servers(manifests: Manifests) -> list:
    return [*manifests.statefulsets_running("start-kafka.sh"), *manifests.statefulsets_running("start-zookeeper.sh")]


@pytest.mark.parametrize("target", COMMITTED)
def test_no_data_path_lies_on_an_anonymous_volume(target: str) -> None:
    """Defect 1, offline: every data folder of every server is backed by a PVC, never by an image VOLUME
    that no mount equals (containerd's anonymous volume) nor by the root filesystem."""
    manifests = Manifests.load(OUTPUT_ROOT / target)
    for statefulset in _servers(manifests):
        image = str(statefulset.container().spec["image"])
        volumes = layout_for(image, image_version(image)).volumes
        paths = data_paths(statefulset, manifests)
        assert paths, f"{statefulset.name}: no data path found in its config"
        for path in paths:
            held = backing(path, statefulset, volumes)
            assert held.kind == "pvc", f"{target} {statefulset.name}: {path} is on {held}"


def test_the_offline_check_fails_on_the_old_output(tmp_path: Path) -> None:
    """The same check, on the output before the fix, finds the broker data on the anonymous volume."""
    old = target_at_revision("durability", OLD_REVISION, tmp_path)
    manifests = Manifests.load(old.root)
    found = []
    for statefulset in manifests.statefulsets_running("start-kafka.sh"):
        image = str(statefulset.container().spec["image"])
        for path in data_paths(statefulset, manifests):
            found.append(backing(path, statefulset, layout_for(image, image_version(image)).volumes))
    assert found and all(b.kind == "anonymous" and b.mount == "/var/lib/kafka/data" for b in found), found


@pytest.mark.parametrize("target", COMMITTED)
def test_every_configmap_a_pod_mounts_exists(target: str) -> None:
    """The kubelet does not start a pod whose ConfigMap volume names a missing ConfigMap."""
    manifests = Manifests.load(OUTPUT_ROOT / target)
    for statefulset in _servers(manifests):
        for volume in statefulset.volumes().values():
            if "configMap" in volume:
                manifests.config_map(str(volume["configMap"]["name"]))


def test_env_is_resolved_as_the_kubelet_does() -> None:
    pod = PodIdentity(
        name="kafka-broker-4", namespace="kafka", labels={"topology.kubernetes.io/zone": "zone-b"},
        annotations={}, node="node-1", address="127.0.1.9", hostname="kafka-broker-4", subdomain="h",
    )  # fmt: skip
    assert field_value("metadata.labels['topology.kubernetes.io/zone']", pod) == "zone-b"
    assert field_value("metadata.labels['missing']", pod) == ""
    assert expand("a $(X) $(Y) $$(X)", {"X": "1"}) == "a 1 $(Y) $(X)"
    container = Container(
        {
            "name": "c",
            "env": [
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "GREETING", "value": "hi $(POD_NAME)"},
                {"name": "PATH", "value": "/x"},
            ],
        }
    )
    env = container_env(container, pod, {"PATH": "/usr/bin", "JAVA_HOME": "/j"})
    assert env["GREETING"] == "hi kafka-broker-4"
    assert env["PATH"] == "/x" and env["JAVA_HOME"] == "/j" and env["HOSTNAME"] == "kafka-broker-4"
