"""Canonical text forms: the same data always gives the same bytes (sorted, LF, final newline)."""

from __future__ import annotations

import json
from typing import Any

import yaml


class _CanonicalDumper(yaml.SafeDumper):
    """Block style, list items indented under their key, multi-line strings as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_CanonicalDumper.add_representer(str, _represent_str)


def canonical_yaml(data: Any, header: str | None = None) -> str:
    body = yaml.dump(
        data,
        Dumper=_CanonicalDumper,
        sort_keys=True,
        default_flow_style=False,
        allow_unicode=True,
        width=1_000_000,
    )
    return f"{header}\n{body}" if header else body


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


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
        lines.append(f"{_escape(key, True)}={_escape(properties_value(values[key]), False)}")
    return "\n".join(lines) + "\n"


def parse_properties(text: str) -> dict[str, str]:
    """Read back what properties_text wrote (one logical line per entry; no continuation lines)."""
    result: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.lstrip()
        if not line or line[0] in "#!":
            continue
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
        result["".join(key).rstrip()] = _join_surrogates("".join(value))
    return result


def _join_surrogates(text: str) -> str:
    return text.encode("utf-16", "surrogatepass").decode("utf-16")
