"""Config files built from owned sections, so no value can be set in two places.

A file is the user's section (a parameter map such as `<section>.config`) plus the sections a component
derives (listeners, storage paths, the quorum). A user key that a derived section writes is refused,
naming the section that owns it: otherwise params.yaml and `explain` would show the user's value while
the file holds the derived one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from generator.core.findings import Finding, Where
from generator.core.frozen import thaw

EMPTY: Mapping[str, Any] = MappingProxyType({})  # the default of a mapping field: shared, read-only


class Section(NamedTuple):
    name: str  # "listeners"
    why: str  # what the values follow: "derived from <section>.ports"
    values: Mapping[str, Any]  # written into the file (None: the key's default, not written)
    # Keys this section owns but the file does not hold: the start script passes them at run time.
    at_start: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()  # every key that starts with one of these is the section's too

    def owns(self, key: str) -> bool:
        return key in self.values or key in self.at_start or key.startswith(self.prefixes)


class ConfigFile(NamedTuple):
    path: str  # output path: "config/server.properties"
    owner: str  # component name
    format: str  # "properties" | "json"
    user: Mapping[str, Any]  # the user's section: null values mean "the default", not written
    user_key: str  # the dotted parameter the user section comes from: "<section>.config"
    sections: tuple[Section, ...] = ()
    catalog: tuple[str, str] | None = None  # (catalog component, version line) the keys are checked against
    header: bool = True  # a comment line naming the target (JSON has no comments)
    defaults: Mapping[str, Any] = EMPTY  # derived values for user keys left null

    def values(self) -> dict[str, Any]:
        """What the file holds: the user's keys that are not null (or their derived default), then every
        derived section."""
        merged = {k: v for k, v in self.defaults.items() if self.user.get(k) is None}
        merged.update({k: v for k, v in self.user.items() if v is not None})
        for section in self.sections:
            merged.update({k: v for k, v in section.values.items() if v is not None})
        return {key: thaw(value) for key, value in merged.items()}  # lists stay lists in every format

    def owner_of(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.owns(key)), None)


def ownership_findings(files: list[ConfigFile], where: Where) -> Iterator[Finding]:
    for file in files:
        for key in sorted(file.user):
            section = file.owner_of(key)
            if section is not None:
                name = file.path.rsplit("/", 1)[-1]
                yield where.error(
                    f"{file.user_key}.{key}",
                    f"is written by the {section.name} section of {name} ({file.owner}): {section.why}; "
                    "allowed: remove it",
                )
