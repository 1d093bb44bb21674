"""The committed output/ is the golden copy: a fresh render of every target must match it byte for byte."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.target import build
from tests.conftest import COMMITTED_TARGETS, KRAFT_CLUSTER_ID, REPO, committed_request


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
    result = build(committed_request(spec))
    committed = tree(REPO / "output" / result.target)
    assert committed == result.files, explain_difference(committed, result.files)


def test_output_holds_exactly_the_committed_targets() -> None:
    names = sorted(p.name for p in (REPO / "output").iterdir())
    assert names == sorted(build(committed_request(spec)).target for spec in COMMITTED_TARGETS)


def _make_variable(name: str) -> str:
    """A variable of the Makefile, its continuation lines joined."""
    text = (REPO / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    (value,) = [line.split(":=", 1)[1].split() for line in text.splitlines() if line.startswith(f"{name} :=")]
    return " ".join(value)


def test_make_render_all_renders_the_committed_targets_with_the_kraft_cluster_id() -> None:
    """`make render-all` renders what the tests hold golden: the same targets, the same fixed cluster id."""
    assert _make_variable("TARGETS").split() == list(COMMITTED_TARGETS)
    assert _make_variable("KRAFT_CLUSTER_ID") == KRAFT_CLUSTER_ID
    make = subprocess.run(
        ["make", "-n", "render-all"], cwd=REPO, capture_output=True, text=True, check=True, timeout=60
    )
    assert f"--set kafka.clusterId={KRAFT_CLUSTER_ID}" in make.stdout


@pytest.mark.parametrize("spec", [s for s in COMMITTED_TARGETS if "kraft" in s.split(",")])
def test_kraft_targets_record_their_cluster_id_for_check_to_replay(spec: str) -> None:
    target = build(committed_request(spec)).target
    first = (REPO / "output" / target / "params.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert f"kafka-profiles render {spec} --set kafka.clusterId={KRAFT_CLUSTER_ID};" in first, first
    assert f"clusterId: {KRAFT_CLUSTER_ID}  # --set kafka.clusterId={KRAFT_CLUSTER_ID}" in (
        REPO / "output" / target / "params.yaml"
    ).read_text(encoding="utf-8")


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


def _rendered_components(folder: Path) -> set[str]:
    """The components a target has, asked of its manifests (their app.kubernetes.io/name label)."""
    names = set()
    for path in (folder / "kubernetes").rglob("*.yaml"):
        labels = yaml.safe_load(path.read_text(encoding="utf-8"))["metadata"].get("labels", {})
        names.add(labels.get("app.kubernetes.io/name", ""))
    return names


# A component's parameter section and the app.kubernetes.io/name its objects carry.
SECTION_OBJECTS = {"zookeeper": "zookeeper", "controllers": "kafka-controller"}


@pytest.mark.parametrize("spec", COMMITTED_TARGETS)
def test_params_and_readme_list_no_parameter_of_a_component_the_target_lacks(spec: str) -> None:
    """A KRaft target has no ZooKeeper and a ZooKeeper-mode target no controllers: their parameters change
    nothing there, so params.yaml and README.md leave them out and say so (docs/design.md, Components)."""
    folder = REPO / "output" / build(committed_request(spec)).target
    has = _rendered_components(folder)
    params_text = (folder / "params.yaml").read_text(encoding="utf-8")
    params, readme = yaml.safe_load(params_text), (folder / "README.md").read_text(encoding="utf-8")
    lacking = sorted(section for section, name in SECTION_OBJECTS.items() if name not in has)
    assert lacking, f"{spec}: has both ZooKeeper and controllers: {sorted(has)}"
    for section, name in SECTION_OBJECTS.items():
        assert (section in params) == (name in has), (
            f"{spec}: params.yaml sections {sorted(params)}, objects {sorted(has)}"
        )
        assert (f"| `{section}." in readme) == (name in has), f"{spec}: README.md rows of {section}"
    line = f"Not listed: {', '.join(lacking)} (the parameters of a component this target does not have"
    assert f"# {line}" in params_text.splitlines()[3]
    assert line in readme


@pytest.mark.parametrize(
    ("spec", "assignment"),
    [("high-availability,kraft", "zookeeper.replicas=3"), ("durability", "controllers.replicas=3")],
)
def test_the_parameters_of_a_component_the_target_lacks_change_no_file(spec: str, assignment: str) -> None:
    """What leaving them out rests on: setting one changes no file but the recorded command."""
    request = committed_request(spec)
    plain, changed = build(request), build(type(request)(request.profiles, sets=(*request.sets, assignment)))
    differ = sorted(p for p in {*plain.files, *changed.files} if plain.files.get(p) != changed.files.get(p))
    assert differ == ["README.md", "params.yaml"]
    for path in differ:
        before, after = plain.files[path].splitlines(), changed.files[path].splitlines()
        assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [
            0 if path == "params.yaml" else 3
        ], path
