"""Names, labels, image references and content-named ConfigMaps, the same for every component."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any, NamedTuple

from generator.core.component import Models, Rule
from generator.core.findings import Finding, Where

ZONE_LABEL = "topology.kubernetes.io/zone"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"  # set on each pod by the StatefulSet controller
CONFIG_MOUNT = "/config"
CONFIGMAP_HASH_LENGTH = 10  # hex digits of sha256, as short as Kustomize's generator suffix


class Names(NamedTuple):
    cluster: str
    namespace: str
    domain: str

    def fqdn(self, host: str) -> str:
        return f"{host}.{self.namespace}.svc.{self.domain}"


def labels(names: Names, component: str, version: str) -> tuple[dict[str, str], dict[str, str]]:
    """(selector, labels): the selector is the stable part; the version changes with upgrades."""
    selector = {"app.kubernetes.io/name": component, "app.kubernetes.io/instance": names.cluster}
    full = {
        **selector,
        "app.kubernetes.io/part-of": names.cluster,
        "app.kubernetes.io/version": version,
        "app.kubernetes.io/managed-by": "kafka-profiles",
    }
    return selector, full


def image_tag(image: Mapping[str, Any], version: str) -> str:
    """The image's tag: image.tag, or the version when it is null (so the image follows the version)."""
    tag = image.get("tag")
    return version if tag is None else str(tag)


def image_ref(image: Mapping[str, Any], version: str) -> str:
    """repository:tag, then @digest when one is given; the repository may name a registry with its port
    (registry.example.com:5000/apache/kafka), which the schema tells apart from a tag."""
    reference = f"{image['repository']}:{image_tag(image, version)}"
    return f"{reference}@{image['digest']}" if image["digest"] else reference


def tag_names_version(tag: str, version: str) -> bool:
    """Whether an image tag deploys `version`. The key catalogs, the version label, the start scripts
    (ZooKeeper's home folder is named by its version) and the tests all assume the image runs exactly
    the configured version, so a tag must say so: the version itself, or the version, a hyphen and the
    site's suffix for its own build of that release (3.9.2-custom)."""
    return tag == version or (tag.startswith(f"{version}-") and len(tag) > len(version) + 1)


def image_tag_rule(section: str, model: type[Any]) -> Rule:
    """A rule refusing `<section>.image.tag` when it names another release than `<section>.version`."""

    def rule(models: Models, where: Where) -> Iterator[Finding]:
        derived = models.get(model)
        tag, version = derived.spec["image"].get("tag"), derived.version
        if tag is None or tag_names_version(tag, version):
            return
        yield where.error(
            f"{section}.image.tag",
            f"{tag!r} does not name {section}.version {version}; allowed: null (the version), {version}, or "
            f"{version}-<suffix> such as {version}-custom: the key catalog, the labels and the start scripts "
            f"assume the image runs {version}, so set {section}.version to the release the image holds",
        )

    rule.__name__ = f"{section}_image_tag_names_the_version"
    return rule


def with_ephemeral_storage(resources: Mapping[str, Any], size: str) -> dict[str, Any]:
    return {part: {**values, "ephemeral-storage": size} for part, values in resources.items()}


class ConfigMapFiles(NamedTuple):
    name: str  # the base name plus a digest of the files
    data: Mapping[str, str]  # file name -> text


def configmap(base: str, files: Mapping[str, str]) -> ConfigMapFiles:
    """The files a component's ConfigMap carries (by output path), named by a hash of them
    (deterministic, like Kustomize's configMapGenerator), so each pod template revision pins its config."""
    data = {path.rsplit("/", 1)[-1]: text for path, text in files.items()}
    joined = "".join(f"{len(name)}:{name}{len(text)}:{text}" for name, text in sorted(data.items()))
    digest = hashlib.sha256(joined.encode("utf-8")).hexdigest()[:CONFIGMAP_HASH_LENGTH]
    return ConfigMapFiles(f"{base}-{digest}", data)


def scan_exceptions(image: Mapping[str, Any]) -> dict[str, str]:
    """checkov's annotations for the checks a StatefulSet fails on purpose, each with the reason a
    reviewer reads (docs/security.md). An exception disappears when the site meets the check."""
    reasons = {
        "CKV_K8S_40": "runs as UID and GID 1000, the non-root user the official image creates and owns its "
        "files with; root stays refused (runAsNonRoot, no privilege escalation, all capabilities dropped, "
        "read-only root filesystem, RuntimeDefault seccomp)",
        "CKV2_K8S_6": "which namespaces may reach these pods (clients the brokers, monitoring every member) is "
        "site knowledge the parameters do not hold yet; the site overlay adds the NetworkPolicy (docs/security.md)",
    }
    if image["pullPolicy"] != "Always":
        reasons["CKV_K8S_15"] = (
            f"{image['pullPolicy']} on purpose: the image is pinned by its version tag (and digest when given), "
            "and a restarting broker or server must not depend on the registry being reachable"
        )
    if not image["digest"]:
        # The repository ends in the image's name (validated), which is also its parameter section:
        # apache/kafka for brokers and controllers (kafka.image), zookeeper for ZooKeeper (zookeeper.image).
        section = image["repository"].rsplit("/", 1)[-1]
        reasons["CKV_K8S_43"] = (
            "the site supplied no digest, so the image is pinned by its version tag; "
            f"set {section}.image.digest (sha256:...) to pin it by digest"
        )
    return {f"checkov.io/skip{n}": f"{check}={why}" for n, (check, why) in enumerate(sorted(reasons.items()), 1)}


def gc_flags(gc: Mapping[str, Any], generational_zgc: bool) -> list[str]:
    if gc["collector"] == "ZGC":
        return ["-XX:+UseZGC", "-XX:+ZGenerational"] if generational_zgc else ["-XX:+UseZGC"]
    flags = ["-XX:+UseG1GC"]
    if "maxPauseMillis" in gc:
        flags.append(f"-XX:MaxGCPauseMillis={gc['maxPauseMillis']}")
    return flags


def gc_log(path: str, rotation: Mapping[str, Any]) -> str:
    return f"-Xlog:gc*:file={path}:time,tags:filecount={rotation['filecount']},filesize={rotation['filesize']}"


_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def jvm_bytes(size: str) -> int:
    """'2G' -> bytes, as -Xmx reads it (the schema allows digits and one of K, M, G, T)."""
    return int(size[:-1]) * _UNITS[size[-1]] if size[-1] in _UNITS else int(size)


def k8s_bytes(quantity: str) -> int:
    """'8Gi' -> bytes (the schema allows digits and one of Ki, Mi, Gi, Ti)."""
    return int(quantity[:-2]) * _UNITS[quantity[-2]]


def cpu_millicores(quantity: str | int) -> Decimal:
    """'200m' -> 200, '2' or 2 -> 2000, '0.5' -> 500: a CPU quantity in millicores, exactly (the schema
    allows an integer, or digits with an optional fraction and an optional m)."""
    text = str(quantity)
    return Decimal(text[:-1]) if text.endswith("m") else Decimal(text) * 1000


def whole_cores(quantity: str | int) -> int:
    """The CPU cores a quantity grants in full, at least 1: '4' -> 4, '2500m' -> 2, '500m' -> 1."""
    return max(int(cpu_millicores(quantity)) // 1000, 1)  # int(): exact at any size, unlike Decimal's //
