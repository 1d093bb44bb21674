"""Config files read back as the software reads them, each key checked against the project's catalog."""

from __future__ import annotations

import json
import re
from typing import Any

from generator.serialize import parse_properties


def config_problems(text: str, file_format: str, catalog_name: tuple[str, str]) -> list[str]:
    from generator.catalog import load_catalog

    catalog = load_catalog(*catalog_name)
    if file_format == "json":
        values: dict[str, Any] = json.loads(text)
    else:
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
