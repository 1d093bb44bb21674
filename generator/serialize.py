"""Canonical text forms: the same data always gives the same bytes (sorted, LF, final newline).

Over 300 lines on purpose: YAML, properties and JSON are one promise (determinism), and the fast YAML
path sits beside the PyYAML definition it is held to byte for byte (tests/engine/test_serialize.py).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

import yaml

from generator.errors import GeneratorError
from generator.memo import BoundedMemo


class _CanonicalDumper(yaml.SafeDumper):
    """Block style, list items indented under their key, multi-line strings as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML writes NEL, LS and PS raw in plain, single-quoted and literal scalars, where a reader
    # takes them for line breaks and folds them away; only the double-quoted form escapes them.
    if any(c in value for c in "\x85\u2028\u2029"):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CanonicalDumper.add_representer(str, _represent_str)


def canonical_yaml(data: Any, header: str | None = None) -> str:
    body = _fast_canonical_yaml(data)
    if body is None:
        body = _pyyaml_canonical_yaml(data)
    return f"{header}\n{body}" if header else body


def _pyyaml_canonical_yaml(data: Any) -> str:
    """The definition of the canonical form; the fast path below must give the same bytes."""
    return yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )


# --- fast path ---------------------------------------------------------------------------------
# PyYAML's pure-Python emitter was the largest cost of a render (about 1 ms per object) and grew
# with the broker count. The layout of the canonical form is simple: block style, two spaces per
# level, list items indented under their key, sorted string keys. Only how one scalar is written
# is subtle (plain or quoted, literal blocks), so a scalar is written exactly as PyYAML writes it:
# asked of PyYAML once and cached, except for the common plain words checked by PyYAML's own
# resolver. Anything else (non-string keys, shared objects that PyYAML would alias, other types,
# `|+` blocks, very long strings) makes the whole document fall back to PyYAML.

_STR_TAG = "tag:yaml.org,2002:str"
# No indicator, space or quote; short enough to stay a simple key (PyYAML: key and tag < 128).
_PLAIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_./-]{0,99}")
_RESOLVER: Any = yaml.resolver.Resolver()  # untyped in types-PyYAML
_MAX_SCALAR = 100_000  # PyYAML wraps lines at width=1_000_000 columns; stay far below
_INDENT = "  "


class _Fallback(Exception):
    """The fast path cannot promise PyYAML's exact bytes for this document."""


def _fast_canonical_yaml(data: Any) -> str | None:
    if type(data) is not dict or not data:
        return None
    lines: list[str] = []
    try:
        _mapping(data, "", "", lines, set())
    except _Fallback:
        return None
    lines.append("")
    return "\n".join(lines)


def _mapping(node: dict[Any, Any], pad: str, first: str, lines: list[str], seen: set[int]) -> None:
    """Keys at column len(pad); the first key continues `first` (a "- " of a list item)."""
    _once(node, seen)
    prefix = first or pad
    for key in sorted(node):
        if type(key) is not str:
            raise _Fallback
        _entry(node[key], f"{prefix}{_key_text(key)}:", pad, lines, seen)
        prefix = pad


def _sequence(items: list[Any], pad: str, first: str, lines: list[str], seen: set[int]) -> None:
    """Dashes at column len(pad); the first item continues `first` (a "- " of a list item)."""
    _once(items, seen)
    prefix = first or pad
    for item in items:
        if type(item) is dict and item:
            _mapping(item, pad + _INDENT, f"{prefix}- ", lines, seen)
        elif type(item) is list and item:
            _sequence(item, pad + _INDENT, f"{prefix}- ", lines, seen)
        else:
            _entry(item, f"{prefix}-", pad, lines, seen)
        prefix = pad


def _entry(value: Any, head: str, pad: str, lines: list[str], seen: set[int]) -> None:
    """A mapping value after "key:" or a list item after "-"; `pad` is the column of either."""
    if type(value) is dict and value:
        lines.append(head)
        _mapping(value, pad + _INDENT, "", lines, seen)
    elif type(value) is list and value:
        lines.append(head)
        _sequence(value, pad + _INDENT, "", lines, seen)
    else:
        if type(value) in (dict, list):
            _once(value, seen)  # an empty {} or [] is still aliased by PyYAML when shared
        text, *block = _value_text(value)
        lines.append(f"{head} {text}")
        lines.extend(pad + line if line else line for line in block)


def _once(node: object, seen: set[int]) -> None:
    if id(node) in seen:
        raise _Fallback  # PyYAML would write an anchor and an alias
    seen.add(id(node))


def plain_scalar(value: Any) -> str | None:
    """The text PyYAML writes for a null, a bool, an int or a plain word, in block or flow style;
    None for any other value (PyYAML itself must decide how to quote it)."""
    kind = type(value)
    if kind is str and _PLAIN_WORD.fullmatch(value) and _is_plain_str(value):
        return str(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    return None


def _value_text(value: Any) -> tuple[str, ...]:
    """A value's first line and, for a literal block, its further lines indented for column 0."""
    plain = plain_scalar(value)
    if plain is not None:
        return (plain,)
    kind = type(value)
    if kind is dict or kind is list:  # empty, in flow style
        return ("{}" if kind is dict else "[]",)
    if kind is str or kind is float:
        return _pyyaml_value_text(value)
    raise _Fallback


def _key_text(key: str) -> str:
    if _PLAIN_WORD.fullmatch(key) and _is_plain_str(key):
        return key
    return _pyyaml_key_text(key)


def _is_plain_str(text: str) -> bool:
    """True when PyYAML's resolver reads `text` back as a string (not a bool, number, null, ...)."""
    return bool(_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG)


# Keyed by type and repr, not by value: 0.0 == -0.0 (and hash alike) but are written differently,
# and so are 1.0 and "1.0". Distinct floats have distinct reprs; a str's repr is the str, quoted.
_VALUE_TEXT: BoundedMemo[tuple[type, str], tuple[str, ...]] = BoundedMemo(4096)


def _pyyaml_value_text(value: str | float) -> tuple[str, ...]:
    return _VALUE_TEXT.get((type(value), repr(value)), lambda: _pyyaml_value_text_uncached(value))


def _pyyaml_value_text_uncached(value: str | float) -> tuple[str, ...]:
    if isinstance(value, str) and len(value) > _MAX_SCALAR:
        raise _Fallback
    if isinstance(value, str):
        literal = _literal_block(value)
        if literal is not None:
            return literal
    sample = _pyyaml_canonical_yaml({"k": value})
    if not sample.startswith("k: ") or any(c in sample for c in "\r\x85\u2028\u2029"):
        raise _Fallback
    first, *block = sample[3:-1].split("\n")
    if first.startswith("|+") or sample.endswith("\n...\n"):
        raise _Fallback  # a kept final line break marks the document end
    return (first, *block)


# What PyYAML's analyze_scalar lets a literal block hold with allow_unicode: line feeds and printable
# characters. A tab, a control character, a lone surrogate or U+FEFF makes it a quoted scalar.
_LITERAL_TEXT = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe]*")


def _literal_block(text: str) -> tuple[str, ...] | None:
    """A multi-line string as PyYAML writes it in a `|` block (emitter.write_literal), or None when
    PyYAML would choose otherwise or keep its final line breaks (`|+`): the config files in every
    ConfigMap, which PyYAML's pure-Python analysis made the largest cost of a render."""
    if "\n" not in text or text.endswith(("\n\n", " ")) or text == "\n" or " \n" in text:
        return None  # a kept break (|+); a space before a break or at the end: quoted
    if not _LITERAL_TEXT.fullmatch(text):
        return None
    hints = ("2" if text[0] in " \n" else "") + ("" if text.endswith("\n") else "-")
    body = text[:-1] if text.endswith("\n") else text
    return (f"|{hints}", *(_INDENT + line if line else "" for line in body.split("\n")))


@lru_cache(maxsize=4096)
def _pyyaml_key_text(key: str) -> str:
    if len(key) > _MAX_SCALAR:
        raise _Fallback
    sample = _pyyaml_canonical_yaml({key: 0})
    if sample.startswith("? ") or not sample.endswith(": 0\n") or sample.count("\n") != 1:
        raise _Fallback  # a complex key (too long or multi-line)
    return sample[: -len(": 0\n")]


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def properties_problem(value: Any) -> str | None:
    """Why `value` cannot be written as a properties value that reads back as itself; None if it can.
    A list is written comma-separated and read back split at commas, with spaces trimmed."""
    if isinstance(value, str | int | float | bool):
        return None
    if not isinstance(value, list):
        return f"a {type(value).__name__} has no properties form"
    for item in value:
        if not isinstance(item, str | int | float | bool):
            return f"list item {item!r} is not a single value"
        text = properties_value(item)
        if not text or "," in text or text != text.strip():
            return f"list item {text!r} would not read back from a comma-separated list (empty, a comma or edge spaces)"
    return None


def properties_value(value: Any) -> str:
    """The text Java's Properties.load reads back as `value` (booleans lower-case, lists comma-joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(properties_value(v) for v in value)
    return str(value)


def _escape(text: str, is_key: bool) -> str:
    out = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif char in "=: #!" and (is_key or (index == 0 and char in " #!")):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) > 0x7E:
            # Kafka and ZooKeeper read these files as ISO-8859-1: escape everything outside ASCII.
            out.append("".join(f"\\u{unit:04x}" for unit in _utf16_units(char)))
        else:
            out.append(char)
    return "".join(out)


def _utf16_units(char: str) -> list[int]:
    encoded = char.encode("utf-16-be")
    return [int.from_bytes(encoded[i : i + 2], "big") for i in range(0, len(encoded), 2)]


def properties_text(values: dict[str, Any], header: str | None = None) -> str:
    lines = [header] if header else []
    for key in sorted(values):
        problem = properties_problem(values[key])
        if problem:  # params.check refuses these first, naming the parameter; this is the last guard
            raise GeneratorError(f"{key}: cannot be written to a properties file: {problem}")
        lines.append(f"{_escape(key, True)}={_escape(properties_value(values[key]), False)}")
    return "\n".join(lines) + "\n"


_SEPARATOR = re.compile("[=:]")


def parse_properties(text: str) -> dict[str, str]:
    """Read back what properties_text wrote (one logical line per entry; no continuation lines)."""
    result: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line[0] in "#!":
            continue
        key, value = _split_plain_line(line) if "\\" not in line else _split_escaped_line(line)
        result[key.rstrip()] = _join_surrogates(value)
    return result


def _split_plain_line(line: str) -> tuple[str, str]:
    """A line with no escape (almost every line): key and value either side of the first separator."""
    found = _SEPARATOR.search(line)
    return (line[: found.start()], line[found.end() :]) if found else (line, "")


def _split_escaped_line(line: str) -> tuple[str, str]:
    key: list[str] = []
    value: list[str] = []
    index, escaped = 0, False
    current = key
    while index < len(line):
        char = line[index]
        if escaped:
            if char == "u":
                current.append(chr(int(line[index + 1 : index + 5], 16)))
                index += 4
            else:
                current.append({"n": "\n", "r": "\r", "t": "\t"}.get(char, char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif current is key and char in "=:":
            current = value
        else:
            current.append(char)
        index += 1
    return "".join(key), "".join(value)


def _join_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16")
