"""The seam between the engine and a feature: what a component brings and what it is handed.

A component owns parameter sections (its schema fragment), derives a typed, frozen model from them,
declares the config files it writes (built from owned sections), renders the templates under
templates/<name>/, and checks its part: rules over the models before anything renders, checks over
the rendered output after. The engine finds components by their package (generator/components/*);
nothing lists them by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from generator.core.configfile import ConfigFile
from generator.core.findings import Finding, Where
from generator.core.frozen import freeze, thaw

__all__ = ["Component", "Models", "Problem", "Rendered", "Rule", "freeze", "thaw"]

M = TypeVar("M")


class Models:
    """The models derived so far, by component name; `get` finds one by its type."""

    def __init__(self) -> None:
        self._by_name: dict[str, Any] = {}

    def add(self, name: str, model: Any) -> None:
        self._by_name[name] = model

    def get(self, kind: type[M]) -> M:
        for model in self._by_name.values():
            if isinstance(model, kind):
                return model
        raise LookupError(f"no {kind.__name__} among the derived models")

    def by_name(self) -> Mapping[str, Any]:
        return dict(self._by_name)


@dataclass
class Rendered:
    """Everything one target renders: text by output path, and the YAML objects among them, parsed."""

    files: dict[str, str] = field(default_factory=dict)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_files: list[ConfigFile] = field(default_factory=list)
    owners: dict[str, str] = field(default_factory=dict)  # output path -> component name


class Problem(NamedTuple):
    """A rendered file that breaks a check; `key` names the input that caused it, when one did."""

    path: str
    message: str
    key: str | None = None

    def line(self, where: Where | None = None) -> str:
        cause = f" (from {self.key}, set by {where.source_of(self.key)})" if self.key and where else ""
        return f"{self.path}: {self.message}{cause}"


Rule = Callable[[Models, Where], Iterable[Finding]]
Check = Callable[[Rendered, Models], Iterable[Problem]]
Summary = Callable[[Rendered, Models], str]


class Component:
    """Subclass per feature; the defaults are a component that renders nothing."""

    name: str = ""
    keys: tuple[str, ...] = ()  # top-level parameter sections it owns
    after: tuple[str, ...] = ()  # components whose models its derivation reads
    rules: tuple[Rule, ...] = ()
    checks: tuple[Check, ...] = ()  # each rendered file on its own (schemas), before anything is written
    invariants: tuple[Check, ...] = ()  # the rendered objects together (budgets keep quorum, selectors select)
    summaries: tuple[Summary, ...] = ()  # what its checks proved, for the render's last line
    # Members that own data, for the identity guard: (their set's name label, role, number of the first)
    identities: tuple[tuple[str, str, int], ...] = ()

    def __init__(self, folder: Path) -> None:
        self.folder = folder  # the component's package folder, beside its schema.json

    @cached_property
    def schema(self) -> dict[str, Any]:
        """The fragment: {parameter section: its JSON Schema}, read from the package's schema.json."""
        path = self.folder / "schema.json"
        if not path.is_file():
            return {}
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def enabled(self, params: Mapping[str, Any]) -> bool:
        """Whether this target has the component at all (the parameters validated). A disabled one derives
        no model, writes no file, renders no template and runs no rule, check or invariant."""
        return True

    def derive(self, params: Mapping[str, Any], models: Models) -> Any:
        return None

    def config_files(self, model: Any, models: Models) -> list[ConfigFile]:
        return []

    def context(self, model: Any, models: Models, files: Mapping[str, str]) -> dict[str, Any]:
        """Template variables of its own beyond the models: `files` are its rendered text files, by
        output path, for objects that carry them."""
        return {}

    def instances(self, placeholder: str, model: Any) -> list[tuple[str, dict[str, Any]]]:
        """A template whose name holds `{placeholder}` renders once per item: (name, extra variables)."""
        raise LookupError(f"templates/{self.name}: no instances for {{{placeholder}}}")
