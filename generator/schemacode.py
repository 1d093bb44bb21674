"""JSON Schemas compiled to plain Python functions (fastjsonschema), for the common case: valid input.

A compiled validator only answers "valid" or raises at the first problem. Callers use it to accept
input quickly and ask the jsonschema library (the reference) for the full, sorted list of problems
when it refuses. tests/engine/test_compiled.py holds the two to the same verdict on valid and broken objects.

fastjsonschema reads these draft 2020-12 schemas with draft-07 rules: keywords beside a `$ref` are
ignored. In the pinned Kubernetes schemas and ours those are only descriptions and `x-kubernetes-*`
annotations; a schema that puts a rule there would make the two disagree, and the tests fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from generator.compiled import file_stamp, load_code, run_module

Validator = Callable[[Any], Any]
Refused = fastjsonschema.JsonSchemaValueException
# Formats are annotations only, as for the jsonschema validators this stands in for (no format
# checker); defaults must never be written into the object being checked.
_OPTIONS: dict[str, Any] = {"use_formats": False, "use_default": False, "detailed_exceptions": False}


def compiled_validator(kind: str, schema_file: Path, referenced: Mapping[str, Path] | None = None) -> Validator:
    """`referenced`: absolute URI (no fragment) -> file, for every document the schema's $refs reach."""
    return _compiled(kind, schema_file, tuple(sorted((referenced or {}).items())))


@cache
def _compiled(kind: str, schema_file: Path, referenced: tuple[tuple[str, Path], ...]) -> Validator:
    documents = dict(referenced)
    stamps = [fastjsonschema.VERSION, repr(sorted(_OPTIONS.items())), file_stamp(schema_file)]
    stamps += [f"{uri}={file_stamp(path)}" for uri, path in referenced]

    def source() -> str:
        def fetch(uri: str) -> Any:
            if uri not in documents:
                raise ValueError(f"{schema_file}: $ref to an unknown document {uri}")
            return _read_json(documents[uri])

        handlers = {"https": fetch, "http": fetch}
        return str(fastjsonschema.compile_to_code(_read_json(schema_file), handlers=handlers, **_OPTIONS))

    namespace = run_module(load_code(kind, stamps, source))
    # The root schema's function comes first; it is named after the schema's $id, if it has one.
    validate: Validator = next(v for k, v in namespace.items() if k.startswith("validate") and callable(v))
    return validate


def compiled_validator_for(kind: str, stamps: tuple[str, ...], schema_text: Callable[[], str]) -> Validator:
    """A validator of a schema assembled in memory (no $refs to other documents), kept by `stamps` (what
    the schema is made from, e.g. its fragments' file stamps): the text is only made when compiling."""
    found = _ASSEMBLED.get((kind, stamps))
    if found is None:
        found = _ASSEMBLED[(kind, stamps)] = _compiled_text(kind, stamps, schema_text)
    return found


_ASSEMBLED: dict[tuple[str, tuple[str, ...]], Validator] = {}  # once per process, like _compiled


def _compiled_text(kind: str, stamps: tuple[str, ...], schema_text: Callable[[], str]) -> Validator:
    def source() -> str:
        return str(fastjsonschema.compile_to_code(json.loads(schema_text()), **_OPTIONS))

    code = load_code(kind, [fastjsonschema.VERSION, repr(sorted(_OPTIONS.items())), *stamps], source)
    namespace = run_module(code)
    validate: Validator = next(v for k, v in namespace.items() if k.startswith("validate") and callable(v))
    return validate


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
