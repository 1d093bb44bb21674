"""Just enough of the Java properties format for the generated zoo.cfg and server.properties.

Lines are kept as they are so a rewrite can change one value and leave every other byte alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Java accepts `=`, `:` or whitespace between key and value; the generator writes `key=value`.
_ENTRY = re.compile(r"^(?P<indent>[ \t\f]*)(?P<key>[^=:\s]+)(?P<sep>[ \t\f]*[=:][ \t\f]*|[ \t\f]+)(?P<value>.*)$")


@dataclass(frozen=True)
class Line:
    """One physical line: an entry (key set) or a comment/blank line (key None)."""

    text: str
    key: str | None = None
    prefix: str = ""  # indentation, key and separator, kept when the value changes
    value: str = ""

    def with_value(self, value: str) -> Line:
        return Line(text=self.prefix + value, key=self.key, prefix=self.prefix, value=value)


def parse_lines(text: str) -> list[Line]:
    lines = []
    for raw in text.splitlines():
        stripped = raw.lstrip(" \t\f")
        if not stripped or stripped[0] in "#!":
            lines.append(Line(text=raw))
            continue
        if raw.endswith("\\"):
            # Continuation lines and escapes are legal Java but never generated; refuse rather than misread.
            raise ValueError(f"line continuation is not supported: {raw!r}")
        match = _ENTRY.match(raw)
        if match is None:
            raise ValueError(f"not a key/value line: {raw!r}")
        prefix = match["indent"] + match["key"] + match["sep"]
        lines.append(Line(text=raw, key=match["key"], prefix=prefix, value=match["value"]))
    return lines


def to_dict(text: str) -> dict[str, str]:
    """Key -> value as written; a repeated key is an error (Java would silently keep the last one)."""
    result: dict[str, str] = {}
    for line in parse_lines(text):
        if line.key is None:
            continue
        if line.key in result:
            raise ValueError(f"key {line.key!r} appears twice")
        result[line.key] = line.value
    return result


def join_lines(lines: list[Line]) -> str:
    return "".join(line.text + "\n" for line in lines)
