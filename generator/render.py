"""Render every template into memory: {output path: canonical text}.

Config files render first, because the Kubernetes ConfigMaps carry them verbatim and are named
by a hash of them. Every Kubernetes template yields exactly one object, which is
parsed back and re-dumped canonically, so key order never depends on how a template is written.
"""

from __future__ import annotations

import hashlib
import json
import sys
import traceback
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from generator.errors import TemplateError
from generator.memo import BoundedMemo
from generator.serialize import canonical_yaml, json_text, properties_text

# libyaml parses the rendered manifests about 20x faster than the pure-Python parser.
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A template whose name holds a placeholder renders once per item: (context list, variable name).
PLACEHOLDERS = {"{broker}": ("brokers", "broker")}
# The files each component's ConfigMap carries (and whose hash names it, so a change rolls its pods).
CONFIGMAP_FILES = {
    "kafka": ("server.properties", "log4j.properties", "start-kafka.sh", "kafka-ready.sh"),
    "zookeeper": ("zoo.cfg", "start-zookeeper.sh", "zookeeper-probe.sh"),
}


@dataclass
class Rendered:
    files: dict[str, str] = field(default_factory=dict)  # relative path -> text
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> Kubernetes object


def environment(templates_dir: Path) -> jinja2.Environment:
    from generator.compiled import jinja_bytecode_cache

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        bytecode_cache=jinja_bytecode_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["properties"] = properties_text
    env.filters["json"] = _json
    env.filters["json_file"] = json_text
    env.filters["sha256"] = _sha256
    env.filters["indent_block"] = _indent_block
    return env


@cache
def _shared_environment(templates_dir: Path) -> jinja2.Environment:
    """One Environment per templates folder and process, so each template is compiled once even
    when `check` renders many targets. Jinja re-reads a template whose file changed (auto_reload)."""
    return environment(templates_dir)


def render_all(templates_dir: Path, context: dict[str, Any]) -> Rendered:
    env = _shared_environment(templates_dir)
    rendered = Rendered()
    config_templates = sorted(p for p in env.list_templates() if p.startswith("config/"))
    for name in config_templates:
        rendered.files[name.removesuffix(".j2")] = _render(env, name, context)
    context = {**context, "configmaps": _configmaps(rendered.files, context)}
    for name in sorted(p for p in env.list_templates() if p.startswith("kubernetes/")):
        for path, extra in _instances(name, context):
            text = _render(env, name, {**context, **extra})
            if not text.strip():
                continue  # an optional object that this target does not have (templates/kubernetes/namespace.yaml.j2)
            rendered.manifests[path], body = _canonical_manifest(text, name)
            rendered.files[path] = f"{context['header']}\n{body}" if context["header"] else body
    return rendered


# Rendered text -> (object, canonical text). `check` over many targets renders the same Services and
# PDBs again and again (they do not change with the profile); each is parsed and re-dumped once per
# process. The objects are shared: nothing may change a rendered manifest. Bounded, not an LRU.
_CANONICAL: BoundedMemo[tuple[str, str], tuple[dict[str, Any], str]] = BoundedMemo(5_000)


def _canonical_manifest(text: str, name: str) -> tuple[dict[str, Any], str]:
    def compute() -> tuple[dict[str, Any], str]:
        manifest = _parse_manifest(text, name)
        return manifest, canonical_yaml(manifest)

    return _CANONICAL.get((text, name), compute)


def _instances(name: str, context: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    path = name.removesuffix(".j2")
    for placeholder, (items, variable) in PLACEHOLDERS.items():
        if placeholder in path:
            return [(path.replace(placeholder, item["name"]), {variable: item}) for item in context["kafka"][items]]
    return [(path, {})]


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"templates/{name}:{error.lineno}: {error.message}") from None
    except jinja2.TemplateError as error:
        raise TemplateError(f"templates/{name}:{_template_line(name)}: {error}") from None


def _template_line(name: str) -> str:
    """Jinja's runtime errors lack the line; its traceback frames carry the template's own."""
    lines = [f.lineno for f in traceback.extract_tb(sys.exc_info()[2]) if f.filename.endswith(name)]
    return str(lines[-1]) if lines else "?"


def _parse_manifest(text: str, name: str) -> dict[str, Any]:
    try:
        documents = [d for d in yaml.load_all(text, Loader=_FastLoader) if d is not None]
    except yaml.YAMLError:
        documents = _parse_slowly(text, name)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise TemplateError(f"templates/{name}: must render exactly one Kubernetes object, got {len(documents)}")
    manifest: dict[str, Any] = documents[0]
    return manifest


def _parse_slowly(text: str, name: str) -> list[Any]:
    """The pure-Python parser, for invalid YAML only: its messages are the ones users know."""
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise TemplateError(
            f"templates/{name}: rendered YAML is invalid at line {line}: {getattr(error, 'problem', error)}"
        ) from None


CONFIGMAP_HASH_LENGTH = 10  # hex digits of sha256, as short as Kustomize's generator suffix


def _configmaps(files: dict[str, str], context: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per component: the files its ConfigMap carries and its name, the base name plus a hash of them
    (deterministic, like Kustomize's configMapGenerator), so each pod template revision pins its config."""
    maps: dict[str, dict[str, Any]] = {}
    for component, names in CONFIGMAP_FILES.items():
        data = {name: files[f"config/{name}"] for name in names}
        joined = "".join(f"{len(name)}:{name}{len(text)}:{text}" for name, text in sorted(data.items()))
        digest = hashlib.sha256(joined.encode("utf-8")).hexdigest()[:CONFIGMAP_HASH_LENGTH]
        maps[component] = {"data": data, "name": f"{context[component]['configmap']}-{digest}"}
    return maps


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _indent_block(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.splitlines())
