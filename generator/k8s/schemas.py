"""Kubernetes objects against the strict JSON Schemas bundled with kubernetes-validate (pinned), for every
Kubernetes minor a target names, so only API versions that release serves pass (R18); an unknown kind fails."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from generator.memo import BoundedMemo

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
