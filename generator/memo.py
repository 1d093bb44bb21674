"""One bounded, per-process memo for values that are costly to compute and come back again and again.

`check` over many targets parses the same files, re-dumps the same manifests and validates the same
objects once per target. A memo keyed by the full input (file text, manifest text, object as JSON)
turns that into once per process.

When full, the memo is cleared, not trimmed (no LRU): the inputs that repeat are a small, fixed set
(the files and the objects of one site), far below every limit, so a clear is rare and costs one
recomputation of each; a lookup stays a single dict access with no bookkeeping on a hit. The limit
only keeps a long run over very many distinct inputs from growing without end.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedMemo(Generic[K, V]):
    """At most `limit` entries; when a new key would exceed it, every entry is dropped first.

    `get(key, compute)` returns the stored value for `key`, or calls `compute()` and stores what it
    returns. If `compute()` raises, nothing is stored: the same key computes (and raises) again.
    Stored values are handed out as they are; a caller that lets them be changed copies them.
    """

    __slots__ = ("_entries", "limit")

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"limit must be at least 1, got {limit}")
        self.limit = limit
        self._entries: dict[K, V] = {}

    def get(self, key: K, compute: Callable[[], V]) -> V:
        try:
            return self._entries[key]
        except KeyError:
            pass
        value = compute()  # raises before anything is stored
        if len(self._entries) >= self.limit:
            self._entries.clear()
        self._entries[key] = value
        return value

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def clear(self) -> None:
        self._entries.clear()
