"""The parameter schema, assembled from the components' fragments, and its findings.

Each component's schema.json maps the top-level parameter sections it owns to their JSON Schema; the
whole set is an object with exactly those sections, each required. Valid input is accepted by a
compiled validator; refused input is explained, every problem sorted by key, by the reference one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from generator.core.component import Component
from generator.core.findings import Finding

SCHEMA_ID = "https://kafka-profiles.invalid/params.schema.json"


def assembled(components: Sequence[Component]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for component in components:
        for key, fragment in component.schema.items():
            if key in properties:
                raise ValueError(f"components/{component.name}: parameter section {key} has another owner")
            properties[key] = fragment
    return {
        "$id": SCHEMA_ID,
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "kafka-profiles parameter set",
        "description": "The merged parameters of a target: profiles/base.yaml, the chosen profiles, a site file "
        "and --set values.",
        "type": "object",
        "additionalProperties": False,
        "required": sorted(properties),
        "properties": dict(sorted(properties.items())),
    }


def schema_text(components: Sequence[Component]) -> str:
    return _schema_text(tuple(components))


@cache
def _schema_text(components: tuple[Component, ...]) -> str:
    """Once per set of components and process: `check` builds many targets with the same schema."""
    return json.dumps(assembled(components), indent=2, sort_keys=True, ensure_ascii=False)


def free_maps(components: Sequence[Component]) -> frozenset[str]:
    """Dotted paths of the maps whose keys are free (config maps, node selectors): a --set below one of
    them names one key there, dots and all (`<section>.config.some.dotted.key`)."""
    return _free_maps(tuple(components))


@cache
def _free_maps(components: tuple[Component, ...]) -> frozenset[str]:
    found: set[str] = set()

    def walk(schema: Any, path: str) -> None:
        if not isinstance(schema, dict):
            return
        properties = schema.get("properties")
        if schema.get("type") == "object" and not properties and schema.get("additionalProperties") is not False:
            found.add(path)
        for name, child in (properties or {}).items():
            walk(child, f"{path}.{name}" if path else name)

    walk(assembled(components), "")
    return frozenset(found)


def schema_findings(params: dict[str, Any], components: Sequence[Component], source_of: Any) -> list[Finding]:
    from generator.schemacode import Refused, compiled_validator_for

    try:
        compiled_validator_for("params", fragment_stamps(components), lambda: schema_text(components))(params)
        return []
    except Refused:
        pass  # the reference validator below names every problem
    return list(_reference_findings(params, schema_text(components), source_of))


def fragment_stamps(components: Sequence[Component]) -> tuple[str, ...]:
    """What the assembled schema is made of, without reading it: each fragment file's stamp, in order
    (a component without one adds its name, so the set of components counts too)."""
    from generator.compiled import file_stamp

    return (
        file_stamp(Path(__file__)),  # the wrapper `assembled` puts around the fragments
        *(
            file_stamp(c.folder / "schema.json") if (c.folder / "schema.json").is_file() else f"{c.name}:-"
            for c in components
        ),
    )


def _reference_findings(params: dict[str, Any], text: str, source_of: Any) -> Iterator[Finding]:
    import jsonschema

    from generator.suggest import did_you_mean

    validator = _validator_class(text)(json.loads(text))
    for error in sorted(validator.iter_errors(params), key=lambda e: [str(p) for p in e.path]):
        key = ".".join(str(p) for p in error.path)
        if error.validator == "additionalProperties":
            known = sorted(error.schema.get("properties", {}))
            for name in sorted(set(error.instance) - set(known)):
                child = f"{key}.{name}" if key else name
                hint = did_you_mean(name, known)
                message = f"unknown parameter{hint}; known here: {', '.join(known)}"
                yield Finding("error", child, message, source_of(child))
            continue
        assert isinstance(error, jsonschema.ValidationError)
        if "propertyNames" in error.relative_schema_path:  # a bad name inside a map: the layer that wrote it
            child = f"{key}.{error.instance}"
            yield Finding("error", child, _message(error), source_of(child))
            continue
        yield Finding("error", key or "(top level)", _message(error), source_of(key))


@cache
def _validator_class(text: str) -> Any:
    import jsonschema

    base = jsonschema.validators.validator_for(json.loads(text))
    return jsonschema.validators.extend(base, {"pattern": _pattern_keyword})  # type: ignore[no-untyped-call]


def _pattern_keyword(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    """`pattern` as JSON Schema (ECMA-262) means it: Python's `$` also matches before a final line
    break, so "name\n" would pass ^[a-z]...$ and put a line break into every object name."""
    import jsonschema

    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def _message(error: Any) -> str:
    value, expected = error.instance, error.validator_value
    if error.validator == "enum":
        return f"{value!r} is not allowed; allowed: {', '.join(map(str, expected))}"
    if error.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"expected {' or '.join(kinds)}, got {type(value).__name__} {value!r}"
    if error.validator == "minimum":
        return f"must be >= {expected}, got {value!r}"
    if error.validator == "maximum":
        return f"must be <= {expected}, got {value!r}"
    if error.validator == "exclusiveMinimum":
        return f"must be > {expected}, got {value!r}"
    if error.validator == "pattern":
        described = error.schema.get("description")
        return f"{value!r} is not valid; expected {described or 'a value matching ' + expected}"
    if error.validator == "required":
        return f"missing required parameter(s): {', '.join(sorted(set(expected) - set(value)))}"
    return str(error.message)
