"""Strict YAML reading shared by profiles, site files and --set values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from generator.errors import ProfileError

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


def load_yaml_text(text: str, source: str) -> Any:
    """Parse one YAML document; any problem becomes a one-line ProfileError naming `source`."""
    try:
        return yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{source}:{mark.line + 1}" if mark is not None else source
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ProfileError(f"{where}: invalid YAML: {problem}") from None


def load_yaml_mapping(path: Path, source: str) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (an empty file is an empty mapping)."""
    try:
        text = path.read_text(encoding="utf-8")
    except IsADirectoryError:
        raise ProfileError(f"{source}: is a folder, expected a YAML file") from None
    except FileNotFoundError:
        raise ProfileError(f"{source}: file not found") from None
    except UnicodeDecodeError:
        raise ProfileError(f"{source}: not UTF-8 text") from None
    except OSError as error:
        raise ProfileError(f"{source}: cannot read: {error.strerror}") from None
    data = load_yaml_text(text, source)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProfileError(
            f"{source}: expected a mapping of parameters at the top, got {type(data).__name__}"
        )
    return data
