"""The README's two commands work on a clean copy of the repository (as CI's fresh clone would)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.conftest import README_RUN, README_SMOKE, REPO, skip_or_fail

INNER_RUN = README_RUN  # set for the nested `make test`, which must not recurse


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


def smoke_selection(python: str | Path, cwd: Path) -> list[str]:
    """The node ids marked readme_smoke, as pytest collects them in `cwd`."""
    listed = subprocess.run(
        [str(python), "-m", "pytest", "--collect-only", "-q", "-m", "readme_smoke", "-p", "no:cacheprovider"],
        cwd=cwd,
        env={k: v for k, v in os.environ.items() if k != README_RUN},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert listed.returncode == 0, listed.stdout[-3000:] + listed.stderr[-2000:]
    return [line for line in listed.stdout.splitlines() if "::" in line and not line.startswith(" ")]


def junit_outcomes(report: Path) -> dict[str, str]:
    """Per test of a --junitxml report, "passed" or what happened instead (failure, error, skipped)."""
    outcomes = {}
    for case in ElementTree.parse(report).iter("testcase"):
        # classname is tests.test_x[.TestClass]; the node id is tests/test_x.py[::TestClass]::name
        parts = case.get("classname", "").split(".")
        path_parts = [p for p in parts if not p[:1].isupper()]
        class_parts = [p for p in parts if p[:1].isupper()]
        node = "/".join(path_parts) + ".py::" + "::".join([*class_parts, case.get("name", "")])
        outcome = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        outcomes[node] = outcome
    return outcomes


def test_the_smoke_selection_names_tests_that_exist() -> None:
    """A renamed test would drop out of README_SMOKE unseen; this says so in every `make test`."""
    selected = smoke_selection(sys.executable, REPO)
    names = {node.rpartition("/")[2] for node in selected}
    assert set(README_SMOKE) <= names, sorted(set(README_SMOKE) - names)
    own = [node for node in selected if node.rpartition("/")[2].startswith("test_readme.py::")]
    assert len(own) == 3, own  # the bootstrap checks below


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get(INNER_RUN) == "1", reason="already inside the README smoke test")
def test_readme_commands_work_on_a_clean_copy(tmp_path: Path) -> None:
    """`make render PROFILE=ha`, then `make test`, in a clean copy, exactly as README's first screen says.

    The nested `make test` goes through its whole bootstrap: every make prerequisite (the virtualenv
    from pyproject.toml, the scanners, the control-plane build, Debian's packages) runs as on a fresh
    clone. What it then collects is the readme_smoke selection only (tests/conftest.py, with
    KAFKA_PROFILES_README_RUN=1): a few tests that use what the bootstrap made (the installed generator,
    kube-score, checkov, the control-plane binaries, busybox and the other packages). Running the whole
    suite again would double `make test` (the outer run already runs every test against the same
    files, 30+ minutes with real clusters) and prove nothing more about the bootstrap; a fixed short
    list would not say why each test is there, nor stay right when tests are renamed, so the
    selection is a marker (registered in pyproject.toml) and the list of other files' tests it marks
    is checked to exist in every run (test_the_smoke_selection_names_tests_that_exist). The nested
    run writes a JUnit report; this test asserts every selected test passed (a skip, such as a scanner
    the bootstrap did not build, fails it) and nothing else ran.
    """
    repo = clean_copy(tmp_path / "repo")
    report = tmp_path / "nested-junit.xml"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CI", "PYTHONPATH", "PYTEST_ADDOPTS")}
    env[INNER_RUN] = "1"
    env["PYTEST_ADDOPTS"] = f"-p no:cacheprovider --junitxml={report}"
    render, test = readme_commands()

    rendered = subprocess.run(render.split(), cwd=repo, env=env, capture_output=True, text=True, timeout=900)
    assert rendered.returncode == 0, rendered.stdout[-2000:] + rendered.stderr[-2000:]
    assert "high-availability: 0 created, 0 updated, 31 identical, 0 removed" in rendered.stdout

    tested = subprocess.run(test.split(), cwd=repo, env=env, capture_output=True, text=True, timeout=3600)
    assert tested.returncode == 0, tested.stdout[-3000:] + tested.stderr[-2000:]
    for made in (
        ".venv/.installed",
        ".cache/controlplane-*/.built",
        ".cache/checkov-*/bin/checkov",
        ".cache/bin/kube-score-*",
    ):
        assert list(repo.glob(made)), f"make test did not make {made}"

    expected = smoke_selection(repo / ".venv" / "bin" / "python", repo)
    outcomes = junit_outcomes(report)
    assert sorted(outcomes) == sorted(expected), tested.stdout[-3000:]
    assert {node: outcome for node, outcome in outcomes.items() if outcome != "passed"} == {}, tested.stdout[-3000:]


# --- what the bootstrap of `make test` made: the readme_smoke tests of this file ---------------------


def _built(variable: str, pattern: str, what: str) -> Path:
    configured = os.environ.get(variable)  # set by `make test`, relative to the repository
    found = [REPO / configured] if configured else sorted(REPO.glob(pattern))
    if not found or not os.access(found[-1], os.X_OK):
        skip_or_fail(f"{what} not built; `make test` builds it with `make scanners`")
    return found[-1]


def _runs(command: list[str], expect: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and expect in result.stdout + result.stderr, (command, result.stdout, result.stderr)


@pytest.mark.readme_smoke
def test_make_test_built_the_scanners() -> None:
    _runs([str(_built("CHECKOV", ".cache/checkov-*/bin/checkov", "checkov")), "--version"], ".")
    _runs([str(_built("KUBE_SCORE", ".cache/bin/kube-score-*", "kube-score")), "version"], "kube-score")


@pytest.mark.readme_smoke
def test_make_test_built_the_control_plane() -> None:
    from tests.controlplane import binaries

    where = binaries.folder()
    if binaries.missing(where):
        skip_or_fail(f"{', '.join(binaries.missing(where))} not built in {where}; `make test` builds them")
    _runs([str(where / "kube-apiserver"), "--version"], "Kubernetes v")
    _runs([str(where / "etcd"), "--version"], "etcd Version")
    _runs([str(where / "kubectl"), "version", "--client"], "Client Version")
    _runs([str(where / "kwok"), "--version"], "kwok")


@pytest.mark.readme_smoke
def test_make_test_installed_the_debian_packages() -> None:
    """Every tool scripts/ensure-packages.sh installs is on PATH."""
    script = (REPO / "scripts" / "ensure-packages.sh").read_text(encoding="utf-8")
    tools = re.findall(r"\[([\w-]+)\]=[\w.+-]+", script)
    assert {"java", "mvn", "bwrap", "busybox"} <= set(tools), tools
    missing = [tool for tool in tools if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists()]
    if missing:
        skip_or_fail(f"{', '.join(missing)} not installed; `make test` installs them (scripts/ensure-packages.sh)")
