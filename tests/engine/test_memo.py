"""generator.memo.BoundedMemo and the three memos built on it (render, validate, yamlio)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import yamlio
from generator.core import render
from generator.errors import ProfileError
from generator.k8s import schemas as validate
from generator.memo import BoundedMemo


def test_hit_returns_the_stored_value_without_computing_again() -> None:
    memo: BoundedMemo[str, list[int]] = BoundedMemo(4)
    calls: list[str] = []

    def compute() -> list[int]:
        calls.append("x")
        return [1]

    first = memo.get("a", compute)
    second = memo.get("a", compute)
    assert second is first
    assert calls == ["x"]
    assert "a" in memo and len(memo) == 1


def test_bound_is_respected_and_a_full_memo_is_cleared() -> None:
    memo: BoundedMemo[int, int] = BoundedMemo(3)
    for key in range(10):
        assert memo.get(key, lambda key=key: key * 2) == key * 2
        assert len(memo) <= 3
    # Cleared when full (not an LRU): after 0..9 with limit 3, only the keys since the last clear.
    assert len(memo) == 1 and 9 in memo


def test_an_error_is_not_stored() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    attempts: list[int] = []

    def failing() -> int:
        attempts.append(1)
        raise ValueError("boom")

    for _ in range(2):
        with pytest.raises(ValueError, match="boom"):
            memo.get("k", failing)
    assert attempts == [1, 1]
    assert "k" not in memo and len(memo) == 0
    assert memo.get("k", lambda: 7) == 7


def test_a_raised_error_does_not_clear_a_full_memo() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(1)
    memo.get("a", lambda: 1)

    def failing() -> int:
        raise RuntimeError

    with pytest.raises(RuntimeError):
        memo.get("b", failing)
    assert "a" in memo


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        BoundedMemo(0)


def test_clear() -> None:
    memo: BoundedMemo[str, int] = BoundedMemo(2)
    memo.get("a", lambda: 1)
    memo.clear()
    assert len(memo) == 0


def test_the_callers_use_bounded_memos() -> None:
    assert isinstance(render._CANONICAL, BoundedMemo) and render._CANONICAL.limit == 5_000
    assert isinstance(validate._SEEN, BoundedMemo) and validate._SEEN.limit == 20_000
    assert isinstance(yamlio._PARSED, BoundedMemo) and yamlio._PARSED.limit == 256


def test_yamlio_hands_out_deep_copies(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("memo-copy-test:\n  a: [1, 2]\n", encoding="utf-8")
    first = yamlio.load_yaml_mapping(path, "p.yaml")
    first["memo-copy-test"]["a"].append(3)
    second = yamlio.load_yaml_mapping(path, "p.yaml")
    assert second == {"memo-copy-test": {"a": [1, 2]}}
    assert second["memo-copy-test"] is not first["memo-copy-test"]


def test_yamlio_does_not_keep_a_parse_error_and_names_each_source(tmp_path: Path) -> None:
    text = "memo-error-test: [1,\n"
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError, match=r"^one\.yaml:"):
        yamlio.load_yaml_mapping(path, "one.yaml")
    assert text not in yamlio._PARSED
    with pytest.raises(ProfileError, match=r"^two\.yaml:"):
        yamlio.load_yaml_mapping(path, "two.yaml")
