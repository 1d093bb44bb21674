"""The project's own catalog of configuration keys, with type and range checks.

Each YAML file beside this module lists the keys one component version accepts, curated by hand: type,
default (as upstream documents it), documented range or allowed values, and a one-line description. Each
file says at its top which `component:` and `version:` it describes; load_catalog finds the files by that.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from generator.compiled import file_stamp, load_data
from generator.suggest import closest

__all__ = ["Catalog", "KeySpec", "catalog_files", "load_catalog"]

# Bit width of the integer types: values must also fit the Java (or C int) type the software parses into.
_INT_BITS = {"short": 16, "int": 32, "long": 64, "integer": 32}
_FLOAT_TYPES = {"double", "float"}
_STR_TYPES = {"string", "class", "password"}
_LIST_TYPES = {"list", "CSV flags"}
_TYPES = {"boolean", "enum", *_INT_BITS, *_FLOAT_TYPES, *_STR_TYPES, *_LIST_TYPES}


@dataclass(frozen=True)
class KeySpec:
    """One configuration key. `alias_of` names the key an alias stands for; a `pattern` key's name ends
    in `.x` and matches `<prefix>.<digits>` (e.g. ZooKeeper's server.x)."""

    name: str
    type: str
    default: str | None
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...] | None
    doc: str
    alias_of: str | None = None
    pattern: bool = False
    unset: float | None = None  # a value outside [minimum, maximum] that means "none" (e.g. -1 = no limit)


class Catalog:
    """The keys of one component version. Look up with get()/check(); alias names are accepted."""

    def __init__(self, component: str, version: str, specs: Iterable[KeySpec]) -> None:
        self.component = component
        self.version = version
        self._specs = {s.name: s for s in specs}
        self._patterns = [(re.compile(re.escape(s.name[:-1]) + r"\d+"), s) for s in self._specs.values() if s.pattern]

    def get(self, name: str) -> KeySpec | None:
        spec = self._specs.get(name)
        if spec is not None:
            return None if spec.pattern else spec  # `server.x` itself is not a valid key
        return next((s for rx, s in self._patterns if rx.fullmatch(name)), None)

    def canonical(self, name: str) -> str:
        """The name an alias points to; any other name is returned unchanged."""
        spec = self.get(name)
        return spec.alias_of if spec is not None and spec.alias_of else name

    def check(self, name: str, value: object) -> str | None:
        """None when `value` (parsed from YAML) is valid for key `name`, else a short reason."""
        spec = self.get(name)
        if spec is None:
            close = closest(name, (n for n, s in self._specs.items() if not s.pattern))
            hint = f"; did you mean {close}?" if close else ""
            return f"unknown key for {self.component} {self.version}{hint}"
        return _check_value(spec, value)

    def keys(self) -> list[str]:
        """Sorted names of every entry, aliases included; pattern entries appear as e.g. `server.x`."""
        return sorted(self._specs)

    def specs(self) -> list[KeySpec]:
        """Every entry sorted by name, aliases and patterns included."""
        return [self._specs[n] for n in self.keys()]


def _check_value(spec: KeySpec, value: object) -> str | None:
    """None when `value` fits the spec's type, range and choices, else a short reason."""
    if spec.type == "boolean":
        return None if isinstance(value, bool) else _expected(spec, value)
    if spec.type in _INT_BITS:
        if not isinstance(value, int) or isinstance(value, bool):
            return _expected(spec, value)
        return _check_range(spec, value) or _check_int_width(spec.type, value) or _check_choices(spec, [str(value)])
    if spec.type in _FLOAT_TYPES:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return _expected(spec, value)
        return _check_range(spec, value) or _check_choices(spec, [str(value)])
    if spec.type in _STR_TYPES:
        # A number is its own text in a properties file: YAML `acks: 1` means the string "1".
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = _render(value)
        return _check_choices(spec, [value]) if isinstance(value, str) else _expected(spec, value)
    if spec.type in _LIST_TYPES:
        items = _list_items(value)
        if items is None:
            return f"expected {spec.type} as str or list of str, got {type(value).__name__} {value!r}"
        return _check_choices(spec, items)
    if isinstance(value, str | int | float):  # enum: compare the string form
        return _check_choices(spec, [_render(value)])
    return _expected(spec, value)


def _expected(spec: KeySpec, value: object) -> str:
    return f"expected {spec.type}, got {type(value).__name__} {value!r}"


def _check_range(spec: KeySpec, value: float) -> str | None:
    below = spec.minimum is not None and value < spec.minimum
    above = spec.maximum is not None and value > spec.maximum
    if not (below or above) or (spec.unset is not None and value == spec.unset):
        return None
    if spec.minimum is not None and spec.maximum is not None:
        allowed = f"between {_num(spec.minimum)} and {_num(spec.maximum)}"
    elif spec.minimum is not None:
        allowed = f">= {_num(spec.minimum)}"
    else:
        assert spec.maximum is not None  # neither below nor unbounded above: above the maximum
        allowed = f"<= {_num(spec.maximum)}"
    unset = "" if spec.unset is None else f"{_num(spec.unset)} or "
    return f"must be {unset}{allowed}, got {value}"


def _check_int_width(type_name: str, value: int) -> str | None:
    # Compared as Python ints: float bounds would lose precision near the 64-bit limits.
    limit = 1 << (_INT_BITS[type_name] - 1)
    if value < -limit:
        return f"must be >= {-limit} ({type_name} range), got {value}"
    if value > limit - 1:
        return f"must be <= {limit - 1} ({type_name} range), got {value}"
    return None


def _check_choices(spec: KeySpec, items: list[str]) -> str | None:
    if spec.choices is None:
        return None
    bad = next((item for item in items if not _is_choice(spec.choices, item)), None)
    return None if bad is None else f"must be one of {', '.join(spec.choices)}; got {bad!r}"


# A choice may hold a placeholder for a family of values, e.g. the consumer's by_duration:<duration>.
# <duration>: an ISO-8601 duration as java.time.Duration parses it (days to seconds), without a sign.
_FORMS = {"<duration>": r"P(?=\d|T\d)(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d{0,9})?S)?)?"}


def _is_choice(choices: tuple[str, ...], item: str) -> bool:
    """`item` is a plain choice, or fits one holding a placeholder (which is no value itself)."""
    return any(item == choice if (rx := _form(choice)) is None else rx.fullmatch(item) for choice in choices)


@functools.cache
def _form(choice: str) -> re.Pattern[str] | None:
    if not any(placeholder in choice for placeholder in _FORMS):
        return None
    pattern = re.escape(choice)
    for placeholder, rx in _FORMS.items():
        pattern = pattern.replace(re.escape(placeholder), rx)
    return re.compile(pattern)


def _list_items(value: object) -> list[str] | None:
    """Items of a comma-separated string or a list of strings; None for anything else."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    return None


def _render(value: str | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _num(x: float) -> str:
    return str(int(x)) if x.is_integer() else str(x)


@functools.cache
def load_catalog(component: str, version: str) -> Catalog:
    """Load (once per process) the catalog of `component` at `version`, e.g. ("kafka-broker", "3.9")."""
    files = catalog_files()
    file_name = files.get((component, version))
    if file_name is None:
        known = ", ".join(f"{c} {v}" for c, v in files)
        raise ValueError(f"no catalog for {component} {version} (known: {known})")
    data = load_data(f"catalog-{component}-{version}", [file_stamp(_FOLDER / file_name)], lambda: _parse(file_name))
    if data.get("component") != component or str(data.get("version")) != version:
        raise ValueError(f"{file_name} does not describe {component} {version}")
    return Catalog(component, version, _parse_specs(file_name, data["keys"]))


_FOLDER = Path(__file__).parent


@functools.cache
def catalog_files() -> Mapping[tuple[str, str], str]:
    """(component, version) -> file name, for every *.yaml beside this module, sorted; read once per process
    (from the compiled cache while no file changed). Two files describing the same pair are refused."""
    paths = sorted(_FOLDER.glob("*.yaml"))
    found = load_data("catalog-files", [file_stamp(p) for p in paths], lambda: {"files": [_header(p) for p in paths]})
    files: dict[tuple[str, str], str] = {}
    for component, version, file_name in sorted(found["files"]):
        if (component, version) in files:
            raise ValueError(f"{files[component, version]} and {file_name} both describe {component} {version}")
        files[component, version] = file_name
    return MappingProxyType(files)


def _header(path: Path) -> list[str]:
    """[component, version, file name] from the lines above the file's `keys:`, without parsing the keys."""
    import yaml

    with path.open(encoding="utf-8") as lines:
        head = "".join(itertools.takewhile(lambda line: not line.startswith("keys:"), lines))
    data = yaml.safe_load(head)
    if not isinstance(data, dict) or not data.get("component") or data.get("version") is None:
        raise ValueError(f"{path.name}: no `component:` and `version:` at its top")
    return [str(data["component"]), str(data["version"]), path.name]


def _parse(file_name: str) -> dict[str, Any]:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml is much faster, when PyYAML has it
    data = yaml.load((_FOLDER / file_name).read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(data, dict):
        raise ValueError(f"{file_name}: expected a mapping at the top")
    return data


def _parse_specs(source: str, entries: Mapping[str, Mapping[str, Any]]) -> list[KeySpec]:
    specs = {name: _parse_spec(source, name, e) for name, e in entries.items() if "alias_of" not in e}
    for name, entry in entries.items():
        if "alias_of" in entry:  # an alias shares everything but its name and doc with its target
            target = specs.get(entry["alias_of"])
            if target is None:
                raise ValueError(f"{source}: {name} is an alias of unknown key {entry['alias_of']}")
            specs[name] = dataclasses.replace(target, name=name, doc=entry["doc"], alias_of=target.name)
    return list(specs.values())


def _parse_spec(source: str, name: str, entry: Mapping[str, Any]) -> KeySpec:
    if entry.get("type") not in _TYPES:
        raise ValueError(f"{source}: {name} has unknown type {entry.get('type')!r}")
    choices = entry.get("choices")
    return KeySpec(
        name=name,
        type=entry["type"],
        default=None if entry.get("default") is None else _render(entry["default"]),
        minimum=None if entry.get("min") is None else float(entry["min"]),
        maximum=None if entry.get("max") is None else float(entry["max"]),
        choices=None if choices is None else tuple(str(c) for c in choices),
        doc=entry["doc"],
        pattern=bool(entry.get("pattern", False)),
        unset=None if entry.get("unset") is None else float(entry["unset"]),
    )
