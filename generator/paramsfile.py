"""params.yaml: the merged parameters, each value followed by the layer that set it."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

import yaml

from generator.profiles import Merged
from generator.serialize import plain_scalar

if TYPE_CHECKING:
    from generator.core.component import Component

INTRO = (
    "# The merged parameters of this target. Each comment names the layer that set the value and,\n"
    "# after 'over', what earlier layers had set. Read with docs/runbook-coverage.md for the IDs.\n"
)


def omitted_sections(disabled: Collection[str], components: Iterable[Component]) -> tuple[str, ...]:
    """The parameter sections of the components a target does not have (Component.enabled): none of their
    values reaches a file, so params.yaml, README.md and `explain` leave them out instead of listing values
    that change nothing (the zookeeper section of a KRaft target, the controllers of a ZooKeeper one)."""
    return tuple(sorted(key for c in components if c.name in disabled for key in c.keys))


def omitted_line(omitted: tuple[str, ...]) -> str:
    """Says which sections a listing leaves out, so a reader does not look for them."""
    names = ", ".join(omitted)
    return f"Not listed: {names} (the parameters of a component this target does not have; they change nothing)."


def params_yaml(merged: Merged, header: str, budget: list[str], omitted: tuple[str, ...] = ()) -> str:
    lines = [header, INTRO.rstrip("\n")]
    if omitted:
        lines.append(f"# {omitted_line(omitted)}")
    shown = {key: value for key, value in merged.params.items() if key not in omitted}
    _emit(shown, (), merged, lines, 0)
    lines += ["", "# Failure budget (computed from the values above; see docs/failure-budget.md):"]
    lines += [f"#   {line}" for line in budget]
    return "\n".join(lines) + "\n"


def _emit(node: dict[str, Any], path: tuple[str, ...], merged: Merged, lines: list[str], depth: int) -> None:
    pad = "  " * depth
    for key in sorted(node):
        value, here = node[key], (*path, key)
        label = scalar(key)
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{label}:")
            _emit(value, here, merged, lines, depth + 1)
        else:
            lines.append(f"{pad}{label}: {scalar(value)}  # {_provenance(merged, '.'.join(here))}")


def _provenance(merged: Merged, dotted: str) -> str:
    replaced = earlier(merged, dotted)
    over = "; ".join(f"{value} from {layer}" for layer, value in replaced)
    return f"{merged.source_of(dotted)} (over {over})" if replaced else merged.source_of(dotted)


def earlier(merged: Merged, dotted: str) -> tuple[tuple[str, str], ...]:
    """(layer, value) of every setting the winning one replaced, oldest first, even one of the same
    value: params.yaml and `explain` both show it, so a reviewer sees every layer that set the key."""
    return tuple((layer, scalar(value)) for layer, value in merged.provenance.get(dotted, [])[:-1])


class _OneLineDumper(yaml.SafeDumper):
    """Flow style on one line. A string with a character that is not printable (a line break, a tab,
    NEL, LS, a BOM, ...) is double-quoted: the one style that writes each of them as an escape."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = None if value.isprintable() else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_OneLineDumper.add_representer(str, _represent_str)


def scalar(value: Any) -> str:
    """One flow-style YAML value on one line, quoted exactly where YAML needs it."""
    plain = plain_scalar(value)
    if plain is not None:
        return plain  # most values: PyYAML's exact text without running its emitter
    if (type(value) is list or type(value) is dict) and not value:
        return "[]" if type(value) is list else "{}"  # what the emitter writes for them, without running it
    text = yaml.dump([value], Dumper=_OneLineDumper, default_flow_style=True, width=1 << 62, allow_unicode=True).strip()
    return text[1:-1]
