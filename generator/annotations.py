"""The comment beside each key in a profile: its one-line reason and the runbook IDs it cites.

Profiles are the single place where a value's reason is written; `explain` reads it back from the
YAML node positions, so the reason shown is always the one next to the value that won.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

RUNBOOK_ID = re.compile(r"\b[RC]\d{2}\b")
_ID_PREFIX = re.compile(r"^((?:[RC]\d{2}(?:-[RC]?\d{2})?[, ]*)+):?\s*")


@dataclass(frozen=True)
class Note:
    ids: tuple[str, ...]
    text: str  # the comment without its leading list of IDs


def runbook_ids(text: str) -> tuple[str, ...]:
    """IDs cited in a comment, with ranges such as R36-R39 expanded."""
    found: list[str] = []
    for start, end in re.findall(r"\b([RC]\d{2})-([RC]?\d{2})\b", text):
        prefix, first, last = start[0], int(start[1:]), int(end.lstrip("RC"))
        found += [f"{prefix}{n:02d}" for n in range(first, last + 1)]
    found += RUNBOOK_ID.findall(text)
    return tuple(dict.fromkeys(found))


def notes_for(path: Path) -> dict[str, Note]:
    """Dotted key -> the comment on that key's line, for every key of a profile file."""
    return _notes(str(path), path.stat().st_mtime_ns)


@cache
def _notes(path: str, _mtime: int) -> dict[str, Note]:
    text = Path(path).read_text(encoding="utf-8")
    lines = text.splitlines()
    notes: dict[str, Note] = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if not isinstance(node, yaml.MappingNode):
            return
        for key_node, value_node in node.value:
            dotted = (*prefix, str(key_node.value))
            comment = _comment(lines[key_node.start_mark.line])
            if comment:
                ids = runbook_ids(comment)
                notes[".".join(dotted)] = Note(ids, _ID_PREFIX.sub("", comment).strip() or comment)
            walk(value_node, dotted)

    root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 10x faster
    if root is not None:
        walk(root, ())
    return notes


def _comment(line: str) -> str:
    """The text after ` # ` outside quotes; profile comments never hold quotes themselves."""
    quote = None
    for index, char in enumerate(line):
        if char in "'\"" and quote in (None, char):
            quote = None if quote else char
        elif char == "#" and quote is None and (index == 0 or line[index - 1] in " \t"):
            return line[index + 1 :].strip()
    return ""
