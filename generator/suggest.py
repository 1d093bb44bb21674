"""'Did you mean': the closest known name to a mistyped one, for one-line error messages."""

from __future__ import annotations

from collections.abc import Iterable

CUTOFF = 0.75  # difflib's similarity ratio: a dropped, doubled or swapped letter passes; another word does not


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice most like `name` (letter case aside), or None when none is close enough to help."""
    import difflib  # only a refusal needs it; every render imports this module

    by_folded: dict[str, str] = {}
    for choice in choices:
        by_folded.setdefault(choice.casefold(), choice)
    close = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=CUTOFF)
    return by_folded[close[0]] if close else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """' (did you mean X?)' for the closest choice, or '' when none is close enough to help."""
    found = closest(name, choices)
    return f" (did you mean {found}?)" if found else ""
