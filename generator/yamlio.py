"""Strict YAML reading shared by profiles, site files and --set values."""

from __future__ import annotations

import copy
import datetime
import hashlib
import json
import math
import shlex
from pathlib import Path
from typing import Any

import yaml

from generator.errors import ProfileError, shown
from generator.memo import BoundedMemo

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses duplicate keys: a silent last-one-wins hides typos in reviews."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is not a string (quote it)", key_node.start_mark
            )
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


# Limits far above any real parameter file, far below what could exhaust the stack or the memory:
# an alias expands to a copy of what it names, so a few lines can stand for billions of values.
MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32  # mappings and lists inside each other, counting what aliases expand to
MAX_VALUES = 100_000  # scalars, mappings and lists, counting what aliases expand to


def load_yaml_text(text: str, source: str) -> Any:
    """Parse one YAML document; any problem becomes a one-line ProfileError naming `source`."""
    if len(text) > MAX_BYTES:
        raise ProfileError(f"{source}: larger than {MAX_BYTES // 1024} KiB; parameter files are a few KiB")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ProfileError(f"{source}: not UTF-8 text") from None
    try:
        _check_nesting(text, source)
        loader = StrictLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_expansion(node, source)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = shown(getattr(error, "problem", None) or str(error).splitlines()[0])
        raise _NotYaml(f"{where}: invalid YAML: {problem}", problem) from None
    except (ValueError, TypeError, AttributeError, OverflowError) as error:
        # PyYAML's constructors raise these for values that only look like their type:
        # 2024-13-01 (no such date), a 5000-digit integer, `!!float abc`, `!!timestamp x`.
        problem = shown(str(error) or type(error).__name__)
        raise _NotYaml(f"{source}: invalid value: {problem}", problem) from None
    _check_values(data, source)
    return data


class _NotYaml(ProfileError):
    """The text is not YAML, or a value in it only looks like its type; `problem` says how."""

    def __init__(self, message: str, problem: str) -> None:
        super().__init__(message)
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[str]]:  # `check` sends errors between processes
        return ProfileError, (self.message,)


def load_set_value(key: str, text: str, source: str) -> Any:
    """The YAML value of `--set key=text`. Text that is not YAML (`[1,`), or that YAML reads as a
    block mapping or list (`a: b`, `- a`: on a command line these are text with a colon or a dash,
    and a mapping or list is written {a: b} or [a]), is refused in one line that shows how to quote it."""
    try:
        value = load_yaml_text(text, source)
    except _NotYaml as error:
        raise ProfileError(f"{source}: not a YAML value ({error.problem}); {_quote_hint(key, text)}") from None
    if isinstance(value, dict | list):
        node = yaml.compose(text, Loader=StrictLoader)
        if isinstance(node, yaml.CollectionNode) and not node.flow_style:
            kind, flow = ("mapping", "{...}") if isinstance(value, dict) else ("list", "[...]")
            raise ProfileError(
                f"{source}: the value reads as a YAML {kind} (on the command line a {kind} is written {flow}); "
                f"{_quote_hint(key, text)}"
            )
    return value


def _quote_hint(key: str, text: str) -> str:
    """How to pass `text` as a string: YAML double quotes (a JSON string is one), shell-quoted."""
    assignment = f"{key}={json.dumps(text.strip(), ensure_ascii=False)}"
    return f"to set it as text, quote it: --set {shlex.quote(assignment)}"


def _check_nesting(text: str, source: str) -> None:
    """Refuse deep nesting from the event stream, before the recursive composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=StrictLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                line = event.start_mark.line + 1 if event.start_mark is not None else "?"
                raise ProfileError(f"{source}:{line}: nested deeper than {MAX_DEPTH} levels")
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Count values and depth as aliases expand (an alias bomb), and refuse an alias inside itself."""
    done: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) once expanded
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in done:
            continue
        children = _children(node)
        if not children_done:
            if key in open_nodes:
                line = node.start_mark.line + 1 if node.start_mark is not None else "?"
                raise ProfileError(f"{source}:{line}: an alias refers to a value that contains it")
            open_nodes.add(key)
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    line = child.start_mark.line + 1 if child.start_mark is not None else "?"
                    raise ProfileError(f"{source}:{line}: an alias refers to a value that contains it")
                stack.append((child, False))
            continue
        open_nodes.discard(key)
        values = 1 + sum(done[id(c)][0] for c in children)
        depth = (1 + max((done[id(c)][1] for c in children), default=0)) if children else 0
        if values > MAX_VALUES:
            raise ProfileError(f"{source}: more than {MAX_VALUES} values once aliases are expanded")
        if depth > MAX_DEPTH:
            raise ProfileError(f"{source}: nested deeper than {MAX_DEPTH} levels once aliases are expanded")
        done[key] = (values, depth)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_values(data: Any, source: str) -> None:
    """Values every output format can carry: finite numbers and text that is valid Unicode."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list | tuple | set):
            stack.extend(value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise ProfileError(f"{source}: {value!r} is not a finite number; no output format carries it")
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ProfileError(f"{source}: {shown(value[:40])}: not Unicode text (a lone surrogate)") from None


# Parsed files by content: `check` merges base.yaml and reads every profile again for each target.
# An edited file has new text and is parsed anew; every caller gets its own copy to change.
_PARSED: BoundedMemo[str, Any] = BoundedMemo(256)


def _parsed(text: str, source: str) -> Any:
    # A problem raises in load_yaml_text and is not kept: the next read names its own source.
    return plain_copy(_PARSED.get(text, lambda: _parsed_between_runs(text, source)))


def plain_copy(value: Any) -> Any:
    """A copy of parsed YAML data (mappings, lists and sets new; scalars, which cannot change, shared),
    several times faster than copy.deepcopy, which `check` ran on every profile of every target."""
    kind = type(value)
    if kind is dict:
        return {key: plain_copy(item) for key, item in value.items()}
    if kind is list:
        return [plain_copy(item) for item in value]
    if kind is set:
        return set(value)  # YAML !!set members are keys: scalars
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)  # anything else: no promise it cannot change


_SCALARS = frozenset({str, int, float, bool, type(None), bytes, datetime.date, datetime.datetime})


def _parsed_between_runs(text: str, source: str) -> Any:
    """The parse is a function of the text alone, so it is kept in the compiled cache by the text's digest
    (PyYAML's pure-Python loader, which the checks above need, costs a few ms per profile every run)."""
    from generator.compiled import load_data

    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return load_data("yaml", [digest], lambda: {"value": load_yaml_text(text, source)})["value"]


def load_yaml_mapping(path: Path, source: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (an empty file is an empty mapping)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)  # a device such as /dev/zero never ends
        if len(raw) > MAX_BYTES:
            raise ProfileError(f"{source}: larger than {MAX_BYTES // 1024} KiB; parameter files are a few KiB")
        text = raw.decode("utf-8")
    except IsADirectoryError:
        raise ProfileError(f"{source}: is a folder, expected a YAML file") from None
    except FileNotFoundError:
        raise ProfileError(f"{source}: file not found") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{source}: not UTF-8 text") from None
    except OSError as error:
        raise ProfileError(f"{source}: cannot read: {error.strerror}") from None
    except ValueError:  # a NUL in the name
        raise ProfileError(f"{source}: cannot read: not a valid file name") from None
    data = _parsed(text, source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProfileError(f"{source}: expected a mapping of parameters at the top, got {type(data).__name__}")
    return data
