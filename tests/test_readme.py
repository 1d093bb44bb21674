"""The README's two commands work on a clean copy of the repository (as CI's fresh clone would)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

INNER_RUN = "KAFKA_PROFILES_README_RUN"  # set for the nested `make test`, which must not recurse


def readme_commands() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", (REPO / "README.md").read_text(encoding="utf-8"), re.S)
    assert block, "README.md has no ```sh block on its first screen"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_first_screen_gives_exactly_the_two_commands() -> None:
    head = "\n".join((REPO / "README.md").read_text(encoding="utf-8").splitlines()[:25])
    assert "make render PROFILE=ha" in head and "make test" in head
    assert readme_commands() == ["make render PROFILE=ha", "make test"]


def clean_copy(destination: Path) -> Path:
    """What a clone of the next commit holds: tracked files plus new files git does not ignore."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get(INNER_RUN) == "1", reason="already inside the README smoke test")
def test_readme_commands_work_on_a_clean_copy(tmp_path: Path) -> None:
    repo = clean_copy(tmp_path / "repo")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CI", "PYTHONPATH")}
    env[INNER_RUN] = "1"
    render, test = readme_commands()

    rendered = subprocess.run(render.split(), cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert rendered.returncode == 0, rendered.stdout[-2000:] + rendered.stderr[-2000:]
    assert "high-availability: 0 created, 0 updated, 31 identical, 0 removed" in rendered.stdout

    tested = subprocess.run(test.split(), cwd=repo, env=env, capture_output=True, text=True, timeout=1800)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-2000:]
    assert re.search(r"\d+ passed", tested.stdout), tested.stdout[-2000:]
