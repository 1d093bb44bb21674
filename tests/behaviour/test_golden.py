"""The committed output/ is the golden copy: a fresh render of every target must match it byte for byte."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from generator.target import Request, build
from tests.conftest import COMMITTED_TARGETS, REPO


def tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*")) if p.is_file()}


def explain_difference(expected: dict[str, str], actual: dict[str, str]) -> str:
    lines = [f"MISSING in output/: {p}" for p in sorted(set(actual) - set(expected))]
    lines += [f"EXTRA in output/: {p}" for p in sorted(set(expected) - set(actual))]
    for path in sorted(set(expected) & set(actual)):
        if expected[path] != actual[path]:
            diff = difflib.unified_diff(
                expected[path].splitlines(), actual[path].splitlines(), f"output/{path}", f"fresh/{path}", lineterm=""
            )
            lines += [f"DIFFER: {path}", *list(diff)[:40]]
    return "\n".join([*lines, "run: make render-all && git diff output/"])


@pytest.mark.parametrize("spec", COMMITTED_TARGETS)
def test_fresh_render_matches_committed_output(spec: str) -> None:
    result = build(Request(spec))
    committed = tree(REPO / "output" / result.target)
    assert committed == result.files, explain_difference(committed, result.files)


def test_output_holds_exactly_the_committed_targets() -> None:
    names = sorted(p.name for p in (REPO / "output").iterdir())
    assert names == sorted(build(Request(spec)).target for spec in COMMITTED_TARGETS)


def test_renders_are_byte_identical_under_different_hash_seeds(tmp_path: Path) -> None:
    trees = []
    for seed in ("0", "12345"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "generator", "render", "ha,throughput", "--out", str(out)],
            env=env,
            check=True,
            capture_output=True,
        )
        trees.append(tree(out))
    assert trees[0] == trees[1]
