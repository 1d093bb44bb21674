"""The pipeline of one target: parameters -> schema -> models -> findings -> render -> checks.

Every step asks the components; the engine itself knows parameters, layers, files and templates, and
nothing about what they configure. Rules run over the derived models (so defaults are taken into
account without a rule knowing them); checks run over the rendered files, before anything is written.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from generator.core.component import Component, Models, Rendered, thaw
from generator.core.configfile import ConfigFile, ownership_findings
from generator.core.findings import Finding, Where
from generator.core.render import canonical_object, render_text, shared_environment
from generator.errors import ParamsError, TemplateError, ValidationFailed
from generator.serialize import json_text, properties_text

COMPONENTS_PACKAGE = "generator.components"


@cache
def builtin_components() -> tuple[Component, ...]:
    """Every package under generator/components/ that defines COMPONENT, in dependency order."""
    package = importlib.import_module(COMPONENTS_PACKAGE)
    found = []
    folders = sorted(p for root in package.__path__ for p in Path(root).iterdir() if (p / "__init__.py").is_file())
    for folder in folders:
        module = importlib.import_module(f"{COMPONENTS_PACKAGE}.{folder.name}")
        component = getattr(module, "COMPONENT", None)
        if isinstance(component, Component):
            found.append(component)
    return ordered(found)


def ordered(components: Sequence[Component]) -> tuple[Component, ...]:
    """Each component after the ones it reads (`after`), otherwise by name."""
    by_name = {c.name: c for c in components}
    done: dict[str, Component] = {}

    def visit(component: Component, path: tuple[str, ...]) -> None:
        if component.name in done:
            return
        if component.name in path:
            raise TemplateError(f"components: {' -> '.join((*path, component.name))} read each other")
        for name in component.after:
            if name not in by_name:
                raise TemplateError(f"components/{component.name}: reads {name}, which is not a component")
            visit(by_name[name], (*path, component.name))
        done[component.name] = component

    for component in sorted(components, key=lambda c: c.name):
        visit(component, ())
    return tuple(done.values())


class Derived(NamedTuple):
    models: Models
    config_files: tuple[ConfigFile, ...]
    disabled: frozenset[str] = frozenset()  # components this target does not have (Component.enabled)

    def active(self, components: Sequence[Component]) -> list[Component]:
        return [c for c in components if c.name not in self.disabled]


def derive(params: Mapping[str, Any], components: Sequence[Component]) -> Derived:
    models = Models()
    files: list[ConfigFile] = []
    disabled = frozenset(c.name for c in components if not c.enabled(params))
    active = [c for c in components if c.name not in disabled]
    for component in active:
        model = component.derive(params, models)
        models.add(component.name, model)
    for component in active:
        files += component.config_files(models.by_name()[component.name], models)
    return Derived(models, tuple(files), disabled)


def findings(derived: Derived, components: Sequence[Component], where: Where) -> list[Finding]:
    """Catalog problems of the users' config sections first: the rules below trust their types."""
    found = list(_catalog_findings(derived.config_files, where))
    found += ownership_findings(list(derived.config_files), where)
    if any(f.level == "error" for f in found):
        return found
    for component in derived.active(components):
        for rule in component.rules:
            found.extend(rule(derived.models, where))
    return found


def _catalog_findings(files: Sequence[ConfigFile], where: Where) -> list[Finding]:
    """Each key of a user's section against the file's catalog: known, of its type and range, not a
    secret (every output is readable by whoever reads the namespace or the repository), and writable so
    that the software reads it back as set."""
    from generator.catalog import load_catalog
    from generator.serialize import properties_problem

    found = []
    for file in files:
        if file.catalog is None or not file.user_key:
            continue
        catalog = load_catalog(*file.catalog)
        for name, value in sorted(thaw(file.user).items()):
            if value is None or file.owner_of(name) is not None:
                continue
            key, spec = f"{file.user_key}.{name}", catalog.get(name)
            problem = catalog.check(name, value)
            if problem:
                found.append(where.error(key, problem))
            elif spec is not None and spec.type == "password":
                found.append(
                    where.error(
                        key,
                        "is a secret, and every output file is readable by whoever can read the namespace or the "
                        "repository; allowed: null (supply it at run time from a Secret)",
                    )
                )
            elif file.format == "properties" and (unwritable := properties_problem(value)):
                found.append(where.error(key, f"cannot be written faithfully: {unwritable}"))
    return found


def raise_errors(found: list[Finding], strict: bool) -> list[Finding]:
    """The warnings; errors (and with `strict`, warnings too) stop the build."""
    errors = [f.line() for f in found if f.level == "error"]
    if strict:
        errors += [f"{f.line()} (a warning, refused by --strict)" for f in found if f.level == "warning"]
    if errors:
        raise ParamsError(errors)
    return [f for f in found if f.level == "warning"]


def render(derived: Derived, components: Sequence[Component], templates_dir: Path, header: str) -> Rendered:
    """Text files first (config files and scripts), then objects, which may carry a component's files."""
    env = shared_environment(templates_dir)
    names = env.list_templates(extensions=["j2"])
    models = derived.models.by_name()
    base = {**models, "header": header}
    rendered = Rendered(config_files=list(derived.config_files))
    components = derived.active(components)
    for file in derived.config_files:
        rendered.files[file.path] = _config_text(file, header)
        rendered.owners[file.path] = file.owner
    templates = {c.name: sorted(n for n in names if n.startswith(f"{c.name}/")) for c in components}
    for component in components:
        for name in (n for n in templates[component.name] if not _is_object(n)):
            for path, extra in _instances(component, name, models[component.name]):
                text = render_text(env, name, {**base, **extra})
                if text.strip():  # empty: an optional file this target does not have
                    _add(rendered, path, text, component.name)
    for component in components:
        own = {p: t for p, t in rendered.files.items() if rendered.owners[p] == component.name}
        context = {**base, **component.context(models[component.name], derived.models, own)}
        for name in (n for n in templates[component.name] if _is_object(n)):
            for path, extra in _instances(component, name, models[component.name]):
                text = render_text(env, name, {**context, **extra})
                if not text.strip():
                    continue  # an optional object this target does not have
                rendered.objects[path], body = canonical_object(text, name)
                _add(rendered, path, f"{header}\n{body}" if header else body, component.name)
    return rendered


def _is_object(template: str) -> bool:
    return template.endswith(".yaml.j2")


def _instances(component: Component, template: str, model: Any) -> list[tuple[str, dict[str, Any]]]:
    path = template.removeprefix(f"{component.name}/").removesuffix(".j2")
    if "{" not in path:
        return [(path, {})]
    placeholder = path[path.index("{") + 1 : path.index("}")]
    return [
        (path.replace(f"{{{placeholder}}}", name), extra) for name, extra in component.instances(placeholder, model)
    ]


def _add(rendered: Rendered, path: str, text: str, owner: str) -> None:
    if path in rendered.files:
        raise TemplateError(f"templates/{owner}: writes {path}, which {rendered.owners[path]} writes too")
    rendered.files[path] = text
    rendered.owners[path] = owner


def _config_text(file: ConfigFile, header: str) -> str:
    values = file.values()
    if file.format == "json":
        return json_text(values)
    return properties_text(values, header if file.header else None)


def check(rendered: Rendered, derived: Derived, components: Sequence[Component], where: Where) -> str:
    """Every component's checks over the rendered output; raises with every problem, else the summary."""
    problems: list[str] = []
    components = derived.active(components)
    for component in components:
        for run in (*component.checks, *component.invariants):
            problems += [p.line(where) for p in run(rendered, derived.models)]
    problems += _config_file_problems(rendered)
    if problems:
        raise ValidationFailed(problems)
    parts = [summary(rendered, derived.models) for c in components for summary in c.summaries]
    checked = sum(1 for f in rendered.config_files if f.catalog is not None)
    return "; ".join([*parts, f"{checked} config files valid against the key catalog"])


def _config_file_problems(rendered: Rendered) -> list[str]:
    from generator.core.validate import config_problems

    return [
        f"{file.path}: {problem}"
        for file in rendered.config_files
        if file.catalog is not None
        for problem in config_problems(rendered.files[file.path], file.format, file.catalog)
    ]
