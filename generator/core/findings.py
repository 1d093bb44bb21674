"""Findings: one line each, naming the input key, the layer that set it and what is allowed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    key: str
    message: str
    source: str
    ids: tuple[str, ...] = ()

    def line(self) -> str:
        cited = f" [{', '.join(self.ids)}]" if self.ids else ""
        return f"{self.key}: {self.message} (set by {self.source}){cited}"


class Where(NamedTuple):
    """Turns a dotted parameter key into a finding that names the layer that set it."""

    source_of: Callable[[str], str]
    params: Mapping[str, Any]

    def error(self, key: str, message: str, *ids: str) -> Finding:
        return Finding("error", key, message, self.source_of(key), ids)

    def warning(self, key: str, message: str, *ids: str) -> Finding:
        return Finding("warning", key, message, self.source_of(key), ids)
