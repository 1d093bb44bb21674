"""The client benchmark's section of docs/benchmarks.md, between two markers.

bench/run.py writes the rest of the file and keeps this section (`kept`); bench/clients.py writes only
the section (`replace`). No imports beyond the standard library: run.py imports this too.
"""

from __future__ import annotations

from pathlib import Path

BEGIN = "<!-- bench/clients.py: begin -->"
END = "<!-- bench/clients.py: end -->"


def kept(doc: Path) -> str:
    """The section as it is in `doc` (with its markers and a leading blank line), or ''."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    if BEGIN not in text or END not in text:
        return ""
    return "\n" + BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END + "\n"


def replace(doc: Path, body: str) -> None:
    """Put `body` between the markers of `doc`, appending the section when it is not there yet."""
    text = doc.read_text(encoding="utf-8") if doc.is_file() else ""
    section = f"{BEGIN}\n{body.strip()}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1].lstrip("\n")
    else:
        text = text.rstrip("\n") + ("\n\n" if text else "") + section
    doc.write_text(text, encoding="utf-8")
