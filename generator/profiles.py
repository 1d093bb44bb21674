"""Find profiles, load the layers of a target and merge them with provenance.

A target is base.yaml, then the chosen profiles in order, then an optional site file, then each
--set. Dicts merge, lists and scalars replace, a dict against a non-dict is an error. Every leaf
remembers each layer that set it, so `explain` and params.yaml can say why a value is what it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deepmerge import Merger

from generator.annotations import Note, notes_for
from generator.errors import ProfileError, shown
from generator.yamlio import load_set_value, load_yaml_mapping, plain_copy

BASE = "base"
META_KEYS = ("summary", "aliases")  # describe a profile; never parameters

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Layer:
    """One source of parameters: a profile, the site file or one --set."""

    source: str  # what a user reads in messages: "profiles/durability.yaml", "site.yaml", "--set a.b=1"
    kind: str  # "base" | "profile" | "site" | "set"
    data: Mapping[str, Any]
    notes: Mapping[str, Note] = field(default_factory=dict)  # dotted key -> the comment beside it


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    aliases: tuple[str, ...]
    summary: str
    path: Path


@dataclass(frozen=True)
class Conflict:
    """Two chosen profiles set one key to different values; the last one won."""

    key: str
    settings: tuple[tuple[str, Any], ...]  # (source, value) in merge order

    @property
    def winner(self) -> str:
        return self.settings[-1][0]


@dataclass
class Merged:
    params: dict[str, Any]
    provenance: dict[str, list[tuple[str, Any]]]  # dotted key -> [(source, value)], last wins
    conflicts: list[Conflict] = field(default_factory=list)
    profiles: tuple[str, ...] = ()
    notes: dict[str, Mapping[str, Note]] = field(default_factory=dict)  # layer source -> its comments

    def history(self, key: str) -> list[tuple[str, Any]]:
        """Every (layer, value) that set `key`, in merge order; a key inside a list has its parent's."""
        return self.provenance.get(key) or [(self.source_of(key), None)]

    def note(self, key: str) -> Note | None:
        """The comment beside `key` in the layer that set it last: that layer's reason, or none."""
        return self.notes.get(self.source_of(key), {}).get(key)

    def source_of(self, key: str) -> str:
        """The layer that set `key` last; for a key inside a list, the nearest parent's setter; for a
        mapping (an unknown section a --set created), the last layer that set anything inside it."""
        parts = key.split(".")
        while parts:
            settings = self.provenance.get(".".join(parts))
            if settings:
                return settings[-1][0]
            parts.pop()
        inside = {
            source
            for dotted, settings in self.provenance.items()
            if dotted.startswith(f"{key}.")
            for source, _ in settings
        }
        order = list(self.notes)  # the layers, in merge order
        return max(inside, key=order.index) if inside else "profiles/base.yaml"


def discover(profiles_dir: Path) -> dict[str, ProfileInfo]:
    """All profiles but base, by canonical name."""
    found: dict[str, ProfileInfo] = {}
    for path in sorted(profiles_dir.glob("*.yaml")):
        if path.stem == BASE:
            continue
        data = load_yaml_mapping(path, f"profiles/{path.name}")
        aliases = data.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise ProfileError(f"profiles/{path.name}: aliases: expected a list of names")
        found[path.stem] = ProfileInfo(path.stem, tuple(aliases), str(data.get("summary", "")), path)
    return found


def resolve_names(spec: str, known: Mapping[str, ProfileInfo]) -> tuple[str, ...]:
    """'ha,throughput' -> ('high-availability', 'throughput'); unknown names list the known ones."""
    lookup = {info.name: info.name for info in known.values()}
    for info in known.values():
        lookup.update({alias: info.name for alias in info.aliases})
    names: list[str] = []
    for raw in spec.split(","):
        word = raw.strip()
        if word not in lookup:
            choices = ", ".join(f"{i.name} ({', '.join(i.aliases)})" if i.aliases else i.name for i in known.values())
            shown = repr(word) if word else "an empty name"
            raise ProfileError(f"unknown profile {shown} in PROFILE={spec!r}; known: {choices}")
        if lookup[word] in names:
            raise ProfileError(f"profile {lookup[word]!r} is listed twice in PROFILE={spec!r}")
        names.append(lookup[word])
    return tuple(names)


def target_name(profiles: Sequence[str]) -> str:
    return "+".join(profiles)


def profile_layers(profiles_dir: Path, names: Iterable[str]) -> list[Layer]:
    layers = [Layer("profiles/base.yaml", "base", _strip_meta(_load(profiles_dir, BASE)), _notes(profiles_dir, BASE))]
    for name in names:
        data = _strip_meta(_load(profiles_dir, name))
        layers.append(Layer(f"profiles/{name}.yaml", "profile", data, _notes(profiles_dir, name)))
    return layers


def _notes(profiles_dir: Path, name: str) -> Mapping[str, Note]:
    return notes_for(profiles_dir / f"{name}.yaml")


def site_layer(path: Path) -> Layer:
    source = shown(str(path))  # sources are quoted on one line in messages and params.yaml comments
    data = load_yaml_mapping(path, source)
    for meta in META_KEYS:
        if meta in data:
            raise ProfileError(f"{source}: {meta}: only profiles have a {meta}; remove it from the site file")
    return Layer(source, "site", data, notes_for(path))


def set_layer(assignment: str, current: Mapping[str, Any], free_maps: frozenset[str] = frozenset()) -> Layer:
    """`kafka.config.min.insync.replicas=2` -> a layer; Kafka keys contain dots, so match the
    longest existing key at each level and keep the rest of the path as one key. Below a map whose keys
    are free (`free_maps`: config maps, node selectors) the rest is always one key."""
    source = f"--set {shown(assignment)}"
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ProfileError(f"{source}: expected KEY=VALUE, for example kafka.replicas=5")
    value = load_set_value(key.strip(), raw, source) if raw.strip() else ""
    path = _split_dotted(key.strip(), current, free_maps)
    data: dict[str, Any] = {path[-1]: value}
    for part in reversed(path[:-1]):
        data = {part: data}
    return Layer(source, "set", data)


def apply(params: Mapping[str, Any], layer: Layer) -> dict[str, Any]:
    """`params` with one more layer merged on top, as new objects: what the next --set is split against."""
    merged: dict[str, Any] = _merger(layer.source).merge(plain_copy(dict(params)), plain_copy(dict(layer.data)))
    return merged


def merge(layers: Sequence[Layer]) -> Merged:
    """Merge layers in order into new objects; the layers themselves are never changed."""
    params: dict[str, Any] = {}
    provenance: dict[str, list[tuple[str, Any]]] = {}
    for layer in layers:
        params = _merger(layer.source).merge(params, plain_copy(dict(layer.data)))
        for key, value in _leaves(layer.data):
            provenance.setdefault(key, []).append((layer.source, value))
    kinds = {layer.source: layer.kind for layer in layers}
    return Merged(
        params, provenance, _conflicts(provenance, kinds), notes={layer.source: layer.notes for layer in layers}
    )


def _merger(source: str) -> Merger:
    def clash(_config: Merger, path: list[str], base: Any, nxt: Any) -> Any:
        if isinstance(base, dict) or isinstance(nxt, dict):
            dotted = ".".join(str(p) for p in path)
            was, now = _kind(base), _kind(nxt)
            raise ProfileError(f"{dotted}: {source} sets a {now} where the parameter is a {was}")
        return nxt

    return Merger([(dict, ["merge"]), (list, ["override"])], ["override"], [clash])


def _kind(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "value"


def _leaves(data: Mapping[str, Any], prefix: Path_ = ()) -> Iterable[tuple[str, Any]]:
    for key, value in data.items():
        path = (*prefix, str(key))
        if isinstance(value, dict) and value:
            yield from _leaves(value, path)
        else:
            yield ".".join(path), value


def _conflicts(provenance: Mapping[str, list[tuple[str, Any]]], kinds: Mapping[str, str]) -> list[Conflict]:
    found = []
    for key, settings in sorted(provenance.items()):
        chosen = [(src, val) for src, val in settings if kinds[src] == "profile"]
        if len({repr(val) for _, val in chosen}) > 1:
            found.append(Conflict(key, tuple(chosen)))
    return found


def _split_dotted(key: str, current: Mapping[str, Any], free_maps: frozenset[str] = frozenset()) -> list[str]:
    """Walk existing keys, longest match first. Where nothing matches, the rest is one key inside a
    map of dotted config keys (kafka.config, clients.producer, ...) and dotted levels elsewhere."""
    parts = key.split(".")
    path: list[str] = []
    node: Any = current
    while parts:
        if ".".join(path) in free_maps:
            return [*path, ".".join(parts)]
        if not isinstance(node, dict):
            return path + parts
        for size in range(len(parts), 0, -1):
            candidate = ".".join(parts[:size])
            if candidate in node:
                path.append(candidate)
                parts = parts[size:]
                node = node[candidate]
                break
        else:
            holds_dotted_keys = any("." in str(name) for name in node)
            return path + ([".".join(parts)] if holds_dotted_keys else parts)
    return path


def _load(profiles_dir: Path, name: str) -> dict[str, Any]:
    return load_yaml_mapping(profiles_dir / f"{name}.yaml", f"profiles/{name}.yaml")


def _strip_meta(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in META_KEYS}
