"""Render templates into memory. A template that writes a .yaml file yields exactly one object, which is
parsed back and re-dumped canonically, so key order never depends on how a template is written."""

from __future__ import annotations

import hashlib
import json
import sys
import traceback
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import yaml

from generator.errors import TemplateError
from generator.memo import BoundedMemo
from generator.serialize import canonical_yaml, json_text, properties_text

# libyaml parses the rendered objects about 20x faster than the pure-Python parser.
_FastLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
def shared_environment(templates_dir: Path) -> jinja2.Environment:
    """One Environment per templates folder and process, so each template is compiled once even
    when `check` renders many targets. Jinja re-reads a template whose file changed (auto_reload)."""
    return environment(templates_dir)


def render_text(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"templates/{name}:{error.lineno}: {error.message}") from None
    except jinja2.TemplateNotFound as error:
        raise TemplateError(f"templates/{name}: includes {error.name}, which does not exist") from None
    except jinja2.TemplateError as error:
        raise TemplateError(f"templates/{name}:{_template_line(name)}: {error}") from None


def _template_line(name: str) -> str:
    """Jinja's runtime errors lack the line; its traceback frames carry the template's own."""
    lines = [f.lineno for f in traceback.extract_tb(sys.exc_info()[2]) if f.filename.endswith(name)]
    return str(lines[-1]) if lines else "?"


# Rendered text -> (object, canonical text). `check` over many targets renders many of the same objects
# again and again (most do not change with the profile); each is parsed and re-dumped once per
# process. The objects are shared: nothing may change a rendered object.
_CANONICAL: BoundedMemo[tuple[str, str], tuple[dict[str, Any], str]] = BoundedMemo(5_000)


def canonical_object(text: str, name: str) -> tuple[dict[str, Any], str]:
    return _CANONICAL.get((text, name), lambda: _canonical(text, name))


def _canonical(text: str, name: str) -> tuple[dict[str, Any], str]:
    parsed = _parse_object(text, name)
    return parsed, canonical_yaml(parsed)


def _parse_object(text: str, name: str) -> dict[str, Any]:
    try:
        documents = [d for d in yaml.load_all(text, Loader=_FastLoader) if d is not None]
    except yaml.YAMLError:
        documents = _parse_slowly(text, name)
    if len(documents) != 1 or not isinstance(documents[0], dict):
        raise TemplateError(f"templates/{name}: must render exactly one object, got {len(documents)}")
    parsed: dict[str, Any] = documents[0]
    return parsed


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


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_plain)


def _plain(value: Any) -> Any:
    """Models hold tuples and frozen mappings; JSON writes them as lists and objects."""
    if isinstance(value, tuple | frozenset):
        return list(value)
    if hasattr(value, "items"):
        return dict(value.items())
    raise TypeError(f"{type(value).__name__} is not JSON data")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _indent_block(text: str, width: int) -> str:
    pad = " " * width
    return "\n".join(pad + line if line else line for line in text.splitlines())
