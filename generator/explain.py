"""Why every value of a target is what it is: as terminal text, Markdown (PR comments, the target's
README.md) or JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from generator.budget import FailureBudget
from generator.core.findings import Finding
from generator.paramsfile import earlier, omitted_line, omitted_sections, scalar
from generator.profiles import Merged

if TYPE_CHECKING:
    from generator.core.component import Component
    from generator.core.engine import Derived


@dataclass(frozen=True)
class Setting:
    key: str
    value: str
    source: str
    overrode: tuple[tuple[str, str], ...]  # (layer, value) it replaced, oldest first
    ids: tuple[str, ...]
    reason: str


@dataclass
class Report:
    target: str
    command: str
    layers: list[str]
    settings: list[Setting]
    conflicts: list[dict[str, Any]]
    warnings: list[Finding]
    budget: FailureBudget
    changed: list[Setting] = field(default_factory=list)  # settings a layer after base.yaml set
    omitted: tuple[str, ...] = ()  # parameter sections not listed: those of components the target does not have


def report(
    merged: Merged,
    target: str,
    command: str,
    warnings: list[Finding],
    budget: FailureBudget,
    omitted: tuple[str, ...] = (),
) -> Report:
    """`omitted`: parameter sections left out (paramsfile.omitted_sections: a disabled component's)."""
    layers = list(dict.fromkeys(source for settings in merged.provenance.values() for source, _ in settings))
    shown = {key: value for key, value in merged.params.items() if key not in omitted}
    settings = [_setting(key, value, merged) for key, value in _leaves(shown)]
    ids_of = {s.key: s.ids for s in settings}
    conflicts = [
        {
            "key": c.key,
            "settings": [{"layer": s, "value": scalar(v)} for s, v in c.settings],
            "winner": c.winner,
            # the IDs the profiles cite for this key: C01 for min.insync.replicas, R36/R40 for batch.size
            "ids": list(ids_of.get(c.key, ())),
        }
        for c in merged.conflicts
        if c.key.split(".", 1)[0] not in omitted
    ]
    changed = [s for s in settings if s.source != "profiles/base.yaml"]
    return Report(target, command, layers, settings, conflicts, warnings, budget, changed, omitted)


def report_of(
    merged: Merged,
    target: str,
    command: str,
    warnings: list[Finding],
    derived: Derived,
    components: Sequence[Component],
) -> Report:
    """The report of a derived target, as `render` (README.md, params.yaml) and `explain` both give it."""
    omitted = omitted_sections(derived.disabled, components)
    return report(merged, target, command, warnings, derived.models.get(FailureBudget), omitted)


def _setting(key: str, value: Any, merged: Merged) -> Setting:
    source = merged.source_of(key)
    winner = merged.note(key)
    base = merged.notes.get("profiles/base.yaml", {}).get(key)
    # The runbook IDs say what a key is about, whoever set it; the reason is only ever the comment of the
    # layer that set the value (base.yaml's reason for 2 would be false for a site file's 1).
    ids = tuple(dict.fromkeys((*(winner.ids if winner else ()), *(base.ids if base else ()))))
    reason = winner.text if winner and winner.text != ", ".join(winner.ids) else ""
    return Setting(key, scalar(value), source, earlier(merged, key), ids, reason)


def _leaves(params: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name in sorted(params):
        value = params[name]
        if isinstance(value, dict) and value:
            found += _leaves(value, (*prefix, name))
        else:
            found.append((".".join((*prefix, name)), value))
    return found


def as_text(r: Report) -> str:
    width = max(len(s.key) for s in r.settings)
    lines = [f"target {r.target}  (kafka-profiles {r.command})", f"layers: {' -> '.join(r.layers)}", ""]
    for s in r.settings:
        over = f"  over {'; '.join(f'{v} ({layer})' for layer, v in s.overrode)}" if s.overrode else ""
        cited = f"  [{', '.join(s.ids)}]" if s.ids else ""
        lines.append(f"{s.key:<{width}}  {s.value}  <- {s.source}{over}{cited}")
        if s.reason:
            lines.append(f"{'':<{width}}    {s.reason}")
    lines += [omitted_line(r.omitted)] if r.omitted else []
    lines += ["", "conflicts between chosen profiles:"] + [f"  {_conflict(c)}" for c in r.conflicts or [{}]]
    lines += ["", "warnings:"] + [f"  {w.line()}" for w in r.warnings] + (["  none"] if not r.warnings else [])
    lines += ["", "failure budget:"] + [f"  {line}" for line in r.budget.lines()]
    return "\n".join(lines) + "\n"


def _conflict(c: dict[str, Any]) -> str:
    if not c:
        return "none"
    values = " vs ".join(f"{s['value']} ({s['layer']})" for s in c["settings"])
    cited = f" [{', '.join(c['ids'])}]" if c.get("ids") else ""
    return f"{c['key']}: {values}; {c['winner']} wins, being later in PROFILE{cited}"


def as_markdown(r: Report, header: str | None = None) -> str:
    lines = [f"<!-- {header} -->"] if header else []
    lines += [
        f"# Target `{r.target}`",
        "",
        f"Rendered by `kafka-profiles {r.command}`. Layers, last wins: "
        + " → ".join(f"`{layer}`" for layer in r.layers)
        + ".",
        "",
        "## Failure budget",
        "",
    ]
    lines += [f"- {line}" for line in r.budget.lines()]
    lines += ["", "## Conflicts between chosen profiles", ""]
    lines += [f"- {_conflict(c)}" for c in r.conflicts] or ["None."]
    lines += ["", "## Warnings", ""]
    lines += [f"- {_md(w.line())}" for w in r.warnings] or ["None."]
    lines += ["", "## Settings from the profiles, site file and --set", "", *_table(r.changed)]
    lines += ["", "## All settings", ""]
    lines += [omitted_line(r.omitted), ""] if r.omitted else []
    lines += ["<details><summary>every effective setting</summary>", "", *_table(r.settings), "", "</details>"]
    return "\n".join(lines) + "\n"


def _table(settings: list[Setting]) -> list[str]:
    if not settings:
        return ["None."]
    rows = ["| setting | value | set by | over | runbook | why |", "| --- | --- | --- | --- | --- | --- |"]
    for s in settings:
        over = "; ".join(f"`{v}` ({layer})" for layer, v in s.overrode)
        rows.append(
            f"| `{s.key}` | `{_md(s.value)}` | {s.source} | {_md(over)} | {', '.join(s.ids)} | {_md(s.reason)} |"
        )
    return rows


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_json(r: Report) -> str:
    data = {
        "target": r.target,
        "command": r.command,
        "layers": r.layers,
        "settings": [asdict(s) for s in r.settings],
        "omittedSections": list(r.omitted),
        "conflicts": r.conflicts,
        "warnings": [{**asdict(w), "line": w.line()} for w in r.warnings],
        "failureBudget": r.budget.as_dict(),
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
