"""params.yaml: the merged parameters, each value followed by the layer that set it."""

from __future__ import annotations

from typing import Any

import yaml

from generator.profiles import Merged

INTRO = (
    "# The merged parameters of this target. Each comment names the layer that set the value and,\n"
    "# after 'over', what earlier layers had set. Read with docs/runbook-coverage.md for the IDs.\n"
)


def params_yaml(merged: Merged, header: str) -> str:
    lines = [header, INTRO.rstrip("\n")]
    _emit(merged.params, (), merged, lines, 0)
    return "\n".join(lines) + "\n"


def _emit(node: dict[str, Any], path: tuple[str, ...], merged: Merged, lines: list[str], depth: int) -> None:
    pad = "  " * depth
    for key in sorted(node):
        value, here = node[key], (*path, key)
        label = _scalar(key)
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{label}:")
            _emit(value, here, merged, lines, depth + 1)
        else:
            lines.append(f"{pad}{label}: {_scalar(value)}  # {_provenance(merged, '.'.join(here))}")


def _provenance(merged: Merged, dotted: str) -> str:
    settings = merged.provenance.get(dotted, [])
    if not settings:
        return merged.source_of(dotted)
    source, value = settings[-1]
    earlier = [f"{_scalar(v)} from {s}" for s, v in settings[:-1] if repr(v) != repr(value)]
    return f"{source} (over {'; '.join(earlier)})" if earlier else source


def _scalar(value: Any) -> str:
    """One flow-style YAML value, quoted exactly where YAML needs it."""
    text = yaml.safe_dump([value], default_flow_style=True, width=1_000_000, allow_unicode=True).strip()
    return text[1:-1]


def flat_settings(merged: Merged) -> list[tuple[str, str, str]]:
    """(dotted key, value, provenance) for every leaf, in key order, for `explain`."""
    rows: list[tuple[str, str, str]] = []

    def walk(node: dict[str, Any], path: tuple[str, ...]) -> None:
        for key in sorted(node):
            value, here = node[key], (*path, key)
            if isinstance(value, dict) and value:
                walk(value, here)
            else:
                dotted = ".".join(here)
                rows.append((dotted, _scalar(value), _provenance(merged, dotted)))

    walk(merged.params, ())
    return rows
