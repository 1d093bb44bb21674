"""Every runbook ID has an implementation and a test, or is pending and says so by name."""

from __future__ import annotations

import ast
import re
import warnings

import pytest

from tests.conftest import REPO, shared

RUNBOOK_IDS = [f"R{n:02d}" for n in range(1, 47)] + [f"C{n:02d}" for n in range(1, 12)]
DEPARTURES = ["D01"]  # where the targets do otherwise than the runbook, with the reason (same rules)
ALL_IDS = RUNBOOK_IDS + DEPARTURES
PENDING = {"R03", "R31", "R32", "R33", "R34", "R35", "R41", "R42", "R44", "R45", "R46", "C08"}


def rows() -> dict[str, list[str]]:
    table = {}
    for line in (REPO / "docs/runbook-coverage.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and re.fullmatch(r"[RCD]\d{2}", cells[0]):
            table[cells[0]] = cells
    return table


def refs(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def test_every_id_has_exactly_one_row() -> None:
    assert sorted(rows()) == sorted(ALL_IDS)


def test_ids_match_the_runbook_when_it_is_beside_the_checkout() -> None:
    runbook = shared("runbook.md", "ID list not cross-checked")
    assert sorted(set(re.findall(r"\*\*([RC]\d{2})\*\*", runbook.read_text(encoding="utf-8")))) == sorted(RUNBOOK_IDS)


def test_pending_ids_are_exactly_the_known_list() -> None:
    pending = {i for i, cells in rows().items() if "**pending**" in cells[4] and not refs(cells[2])}
    warnings.warn(f"runbook IDs pending (no implementation yet): {', '.join(sorted(pending))}", stacklevel=1)
    assert pending == PENDING


@pytest.mark.parametrize("runbook_id", [i for i in ALL_IDS if i not in PENDING])
def test_implementation_files_exist_and_cite_the_id(runbook_id: str) -> None:
    files = refs(rows()[runbook_id][2])
    assert files, f"{runbook_id}: no implementation reference"
    for name in files:
        assert (REPO / name).is_file(), f"{runbook_id}: {name} does not exist"
    assert any(runbook_id in (REPO / name).read_text(encoding="utf-8") for name in files), (
        f"{runbook_id}: none of {files} mentions it"
    )


@pytest.mark.parametrize("runbook_id", [i for i in ALL_IDS if i not in PENDING or refs(rows()[i][3])])
def test_tests_exist_and_cite_the_id(runbook_id: str) -> None:
    tests = refs(rows()[runbook_id][3])
    assert tests, f"{runbook_id}: no test reference"
    for ref in tests:
        path, _, name = ref.partition("::")
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in functions, f"{runbook_id}: {ref} does not exist"
        source = ast.get_source_segment((REPO / path).read_text(encoding="utf-8"), functions[name]) or ""
        assert runbook_id in source, f"{runbook_id}: {ref} does not cite it"
