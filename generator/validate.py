"""Check rendered output before anything is written.

Kubernetes objects: strict JSON Schemas bundled with kubernetes-validate (pinned), for every
Kubernetes minor the target names, so only API versions that release serves pass (R18); an
unknown kind fails. Config files: every key known to the
project's catalog for the deployed version, with its type and range.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from generator.memo import BoundedMemo
from generator.params import version_line
from generator.render import Rendered
from generator.serialize import parse_properties

CONFIG_CATALOGS = {  # output file -> catalog component
    "config/server.properties": "kafka-broker",
    "config/producer.properties": "kafka-producer",
    "config/consumer.properties": "kafka-consumer",
    "config/zoo.cfg": "zookeeper",
    "config/producer.json": "librdkafka",
    "config/consumer.json": "librdkafka",
}


@dataclass(frozen=True)
class Summary:
    resources: int
    files: int
    versions: tuple[str, ...]

    def line(self) -> str:
        return (
            f"{self.resources} Kubernetes resources valid against {' and '.join(self.versions)} "
            f"(strict); {self.files} config files valid against the key catalog"
        )


def validate(rendered: Rendered, params: dict[str, Any]) -> tuple[list[str], Summary]:
    versions = tuple(params["cluster"]["kubernetesVersions"])
    problems: list[str] = []
    for path, manifest in sorted(rendered.manifests.items()):
        for version in versions:
            problems.extend(f"{path}: {p}" for p in kubernetes_problems(manifest, version))
    lines = {name: version_line(params[name]["version"]) for name in ("kafka", "zookeeper")}
    for path, component in CONFIG_CATALOGS.items():
        problems.extend(f"{path}: {p}" for p in config_problems(rendered.files[path], component, lines))
    summary = Summary(len(rendered.manifests), len(CONFIG_CATALOGS), versions)
    return problems, summary


# Problems per (object as JSON, Kubernetes version). `check` over many targets meets the same objects
# again and again (a site's Services and PDBs are the same under every profile); each is validated
# once per process. The key keeps key order, so a hit is the very same input. Bounded, not an LRU.
_SEEN: BoundedMemo[tuple[str, str], tuple[str, ...]] = BoundedMemo(20_000)


def kubernetes_problems(manifest: dict[str, Any], version: str) -> list[str]:
    try:
        key = (json.dumps(manifest, ensure_ascii=False), version)
    except (TypeError, ValueError):  # not JSON data (a YAML timestamp, ...): no memo
        return _kubernetes_problems(manifest, version)
    return list(_SEEN.get(key, lambda: tuple(_kubernetes_problems(manifest, version))))


def _kubernetes_problems(manifest: dict[str, Any], version: str) -> list[str]:
    from generator.schemacode import Refused, compiled_validator

    kind, api_version = str(manifest.get("kind")), str(manifest.get("apiVersion"))
    name = manifest.get("metadata", {}).get("name", "?")
    schema_file = _schema_file(kind, api_version, version)
    if schema_file is None:
        return [f"{kind}/{name}: no Kubernetes {version} schema for kind {kind} in {api_version}"]
    definitions = {DEFINITIONS_ID: _schema_folder(version) / "_definitions.json"}
    try:
        compiled_validator(f"k8s-{version}-{schema_file.stem}", schema_file, definitions)(manifest)
        return []
    except Refused as refused:  # the reference validator names every problem, not only the first
        problems = [
            f"{kind}/{name}: {'.'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message} "
            f"(Kubernetes {version})"
            for error in sorted(
                _validator(schema_file, version).iter_errors(manifest), key=lambda e: [str(p) for p in e.absolute_path]
            )
        ]
        return problems or [f"{kind}/{name}: {refused.message} (Kubernetes {version})"]


DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"  # the $id every kind schema's $refs resolve to


def _schema_file(kind: str, api_version: str, version: str) -> Path | None:
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema_file = _schema_folder(version) / f"{kind.lower()}-{group_version}.json"
    return schema_file if schema_file.is_file() else None


@cache
def _validator(schema_file: Path, version: str) -> Any:
    """One reference validator per kind and version, built once: kubernetes-validate rebuilds it per call."""
    import jsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, registry=_registry(version))


@cache
def _registry(version: str) -> Any:
    """The shared definitions of one version, registered under their own $id.

    Every kind schema refers to them as /api/_definitions.json#/$defs/..., which resolves against
    the kind's $id to exactly that URI. Registered under it, a $ref is a dictionary lookup plus a
    JSON pointer; registered under any other name, referencing crawls all 1.2 MB of definitions
    (about 280,000 subschemas) on every lookup, which was 90% of a render's time.
    """
    from referencing import Registry, Resource

    text = _schema_folder(version).joinpath("_definitions.json").read_text(encoding="utf-8")
    definitions = Resource.from_contents(json.loads(text))
    registry: Registry[Any] = Registry().with_resource(definitions.id() or "", definitions)
    return registry


@cache
def _schema_folder(version: str) -> Path:
    """The strict schemas kubernetes-validate ships, found without importing it (it imports jsonschema)."""
    spec = find_spec("kubernetes_validate")
    assert spec is not None and spec.submodule_search_locations, "kubernetes-validate is a dependency"
    return Path(spec.submodule_search_locations[0], "kubernetes-json-schema", f"v{version}.0-local-strict")


def config_problems(text: str, component: str, lines: dict[str, str]) -> list[str]:
    from generator.catalog import load_catalog

    if component == "librdkafka":
        catalog = load_catalog(component, "2")
        values: dict[str, Any] = json.loads(text)
    else:
        catalog = load_catalog(component, lines["zookeeper" if component == "zookeeper" else "kafka"])
        values = {key: _typed(catalog.get(key), raw) for key, raw in parse_properties(text).items()}
    return [
        f"{key}: {problem}"
        for key, value in sorted(values.items())
        if (problem := catalog.check(key, value)) is not None
    ]


def _typed(spec: Any, raw: str) -> Any:
    """Properties files are text: read a value back as the key's documented type would parse it."""
    kind = spec.type if spec is not None else "string"
    if kind == "boolean" and raw in ("true", "false"):
        return raw == "true"
    if kind in ("int", "short", "long", "integer") and re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if kind in ("double", "float") and re.fullmatch(r"-?\d+(\.\d+)?", raw):
        return float(raw)
    return raw
