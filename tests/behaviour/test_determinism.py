"""Byte-identical output, with identical file modes, whatever the hash seed, working directory, locale
or umask of the process that renders; and identical to the committed output/."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SPEC, TARGET = "ha,throughput", "high-availability+throughput"

Tree = dict[str, tuple[int, bytes | None]]


def tree(root: Path) -> Tree:
    found: Tree = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for name in dirs:
            found[str((base / name).relative_to(root))] = ((base / name).stat().st_mode & 0o7777, None)
        for name in files:
            path = base / name
            found[str(path.relative_to(root))] = (path.stat().st_mode & 0o7777, path.read_bytes())
    return found


def render(out: Path, cwd: Path, umask: int = 0o022, **env: str) -> Tree:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONHASH"))}
    environment["PYTHONPATH"] = str(REPO)  # the generator from this checkout, wherever the process starts
    result = subprocess.run(
        [sys.executable, "-m", "generator", "render", SPEC, "--out", str(out)],
        env={**environment, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.umask(umask),  # the test process runs no threads
    )
    assert result.returncode == 0, result.stderr
    return tree(out / TARGET)


VARIANTS = {
    "hash seed 0": {"env": {"PYTHONHASHSEED": "0"}},
    "hash seed 4242": {"env": {"PYTHONHASHSEED": "4242"}},
    "random hash seed": {"env": {"PYTHONHASHSEED": "random"}},
    "C locale": {"env": {"LC_ALL": "C"}},
    "POSIX locale, no UTF-8 mode": {"env": {"LC_ALL": "POSIX", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}},
    "C.UTF-8 locale": {"env": {"LC_ALL": "C.UTF-8"}},
    "Turkish locale (dotless i)": {"env": {"LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8"}},
    "umask 077": {"umask": 0o077},
    "umask 000": {"umask": 0o000},
    "working directory elsewhere": {"cwd": "elsewhere"},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Tree:
    return render(tmp_path_factory.mktemp("reference"), REPO, PYTHONHASHSEED="1")


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_is_byte_identical_under(variant: str, reference: Tree, tmp_path: Path) -> None:
    settings = VARIANTS[variant]
    cwd = tmp_path / "elsewhere" if settings.get("cwd") else REPO
    cwd.mkdir(exist_ok=True)
    got = render(tmp_path / "out", cwd, int(settings.get("umask", 0o022)), **dict(settings.get("env", {})))
    differing = sorted(p for p in set(got) | set(reference) if got.get(p) != reference.get(p))
    assert not differing, f"{variant}: differs in {differing[:10]}"


def test_repeated_renders_into_the_same_folder_change_nothing(reference: Tree, tmp_path: Path) -> None:
    first = render(tmp_path, REPO)
    second = render(tmp_path, REPO)
    assert first == second == reference


def test_reference_matches_the_committed_output(reference: Tree) -> None:
    committed = tree(REPO / "output" / TARGET)
    assert {p: content for p, (_, content) in committed.items()} == {
        p: content for p, (_, content) in reference.items()
    }
