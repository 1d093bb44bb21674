"""Build one target in memory: load, merge, check, derive, render, validate. Writing is separate."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import profiles
from generator.errors import ParamsError, ValidationFailed
from generator.params import Finding
from generator.replay import (  # re-exported: the request a target records
    HEADER_PREFIX,
    HEADER_SUFFIX,
    Request,
    parse_render_command,
    render_command,
    render_header,
    shell_quote,
    shell_split,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Sources:
    """Where profiles and templates live; tests point these at fixtures."""

    profiles_dir: Path = PROJECT_ROOT / "profiles"
    templates_dir: Path = PROJECT_ROOT / "templates"


@dataclass
class Build:
    target: str
    command: str
    merged: profiles.Merged
    warnings: list[Finding]
    files: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    manifests: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> the object, as validated


def load(request: Request, sources: Sources) -> tuple[profiles.Merged, str, str]:
    """Merge the layers of a request; returns (merged, target name, render command)."""
    known = profiles.discover(sources.profiles_dir)
    names = profiles.resolve_names(request.profiles, known)
    layers = profiles.profile_layers(sources.profiles_dir, names)
    if request.site is not None:
        layers.append(profiles.site_layer(request.site))
    for assignment in request.sets:
        layers.append(profiles.set_layer(assignment, profiles.merge(layers).params))
    merged = profiles.merge(layers)
    merged.profiles = names
    return merged, profiles.target_name(names), render_command(names, request)


def checked(merged: profiles.Merged, strict: bool = False) -> list[Finding]:
    """Warnings of a parameter set; errors (and with `strict`, warnings too) stop here."""
    from generator.params import check

    findings = check(merged)
    errors = [f.line() for f in findings if f.level == "error"]
    if strict:
        errors += [f"{f.line()} (a warning, refused by --strict)" for f in findings if f.level == "warning"]
    if errors:
        raise ParamsError(errors)
    return [f for f in findings if f.level == "warning"]


def build(request: Request, sources: Sources | None = None, strict: bool = False) -> Build:
    from generator.derive import derive
    from generator.explain import as_markdown, report
    from generator.invariants import check_manifests
    from generator.paramsfile import params_yaml
    from generator.render import render_all
    from generator.serialize import canonical_yaml
    from generator.validate import validate

    sources = sources or Sources()
    merged, target, command = load(request, sources)
    warnings = checked(merged, strict)
    context = derive(merged.params, target)
    rendered = render_all(sources.templates_dir, context)
    problems, summary = validate(rendered, merged.params)
    problems += check_manifests(rendered.manifests)
    if problems:
        raise ValidationFailed(problems)
    files = dict(rendered.files)
    explained = report(merged, target, command, warnings, sources.profiles_dir)
    files["params.yaml"] = params_yaml(merged, render_header(command), explained.budget.lines())
    files["README.md"] = as_markdown(explained, context["header"].removeprefix("# "))
    files["kustomization.yaml"] = canonical_yaml(
        {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "namespace": merged.params["cluster"]["namespace"],
            "resources": sorted(rendered.manifests),
        },
        context["header"],
    )
    return Build(target, command, merged, warnings, files, summary.line(), rendered.manifests)


__all__ = [
    "HEADER_PREFIX",
    "HEADER_SUFFIX",
    "Build",
    "Request",
    "Sources",
    "build",
    "checked",
    "load",
    "parse_render_command",
    "render_command",
    "render_header",
    "shell_quote",
    "shell_split",
]
