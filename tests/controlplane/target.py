"""A committed target as the tests read it at run time: its folder, parameters, objects and failure budget."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from generator.target import Request, parse_render_command

from .binaries import REPO

OUTPUT = REPO / "output"
CLI = REPO / ".venv" / "bin" / "kafka-profiles"
Obj = dict[str, Any]
BROKERS = "kafka"  # the brokers' app.kubernetes.io/name; the quorum is one of QUORUM_NAMES
QUORUM_NAMES = {"zookeeper": "ZooKeeper servers", "kafka-controller": "KRaft controllers"}


def committed_targets() -> list[str]:
    """Every folder under output/ that a user can `kubectl apply -k` (staging folders start with a dot)."""
    return sorted(
        p.name for p in OUTPUT.iterdir() if not p.name.startswith(".") and (p / "kustomization.yaml").is_file()
    )


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Target:
    name: str
    folder: Path

    @cached_property
    def params(self) -> Obj:
        params: Obj = _load(self.folder / "params.yaml")
        return params

    @cached_property
    def request(self) -> Request:
        """The render command in params.yaml's first line: the same one `check` replays."""
        first = (self.folder / "params.yaml").read_text(encoding="utf-8").splitlines()[0]
        request = parse_render_command(first)
        assert request is not None, f"{self.folder}/params.yaml: no render command in {first!r}"
        return request

    def cli_args(self, *extra_sets: str) -> list[str]:
        args = [self.request.profiles]
        if self.request.site is not None:
            args += ["-f", str(self.request.site)]
        for assignment in (*self.request.sets, *extra_sets):
            args += ["--set", assignment]
        return args

    @cached_property
    def budget(self) -> Obj:
        """The failure budget `explain` states for this target (the README's "Failure budget" section)."""
        out = subprocess.run(
            [str(CLI), "explain", *self.cli_args(), "--format", "json"],
            cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
        ).stdout  # fmt: skip
        budget: Obj = json.loads(out)["failureBudget"]
        return budget

    def voluntary_disruption(self, member: str) -> int:
        """The voluntary disruptions `explain` states for the brokers or the quorum (the budget's zookeeper_*
        numbers count whichever quorum `metadata_quorum` names: ZooKeeper's servers or the controllers)."""
        if member == BROKERS:
            return int(self.budget["broker_voluntary_disruption"])
        quorum = {"zookeeper": "zookeeper", "kafka-controller": "controllers"}[member]
        assert self.budget["metadata_quorum"] == quorum, f"the budget counts {self.budget['metadata_quorum']}"
        return int(self.budget["zookeeper_voluntary_disruption"])

    @cached_property
    def namespace(self) -> str:
        namespace: str = _load(self.folder / "kustomization.yaml")["namespace"]
        return namespace

    def objects(self, kubectl: Path) -> list[Obj]:
        return build_objects(kubectl, self.folder)

    @cached_property
    def statefulsets(self) -> list[Obj]:
        """The StatefulSets as committed (read from the files, no kubectl): what the layout is planned for."""
        found = [_load(p) for p in sorted((self.folder / "kubernetes").rglob("*.yaml"))]
        return of_kind([o for o in found if isinstance(o, dict)], "StatefulSet")

    def rerender(self, workdir: Path, *sets: str) -> Target:
        """The same render command with more --set, into a folder of the test's own (never output/)."""
        workdir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [str(CLI), "render", *self.cli_args(*sets), "--out", str(workdir)],
            cwd=REPO, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert result.returncode == 0, f"render {self.cli_args(*sets)}: exit {result.returncode}\n{result.stderr}"
        return Target(self.name, workdir / self.name)

    def copy(self, workdir: Path) -> Target:
        """A private copy the test may break (the committed folder is never changed)."""
        shutil.copytree(self.folder, workdir / self.name)
        return Target(self.name, workdir / self.name)


def build_objects(kubectl: Path, folder: Path) -> list[Obj]:
    """What `kubectl apply -k` sends: kustomize's output, namespace set."""
    result = subprocess.run([str(kubectl), "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"kubectl kustomize {folder}: {result.stderr}"
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(objects: list[Obj], kind: str) -> list[Obj]:
    return [o for o in objects if o["kind"] == kind]


def component(obj: Obj) -> str:
    """'kafka' (brokers), 'zookeeper' or 'kafka-controller': the app.kubernetes.io/name label every rendered
    object carries."""
    name: str = obj["metadata"].get("labels", {}).get("app.kubernetes.io/name", "")
    return name


def broker_sets(objects: list[Obj]) -> list[Obj]:
    return [o for o in of_kind(objects, "StatefulSet") if component(o) == BROKERS]


def quorum_sets(objects: list[Obj]) -> list[Obj]:
    """The metadata quorum's sets: the ZooKeeper ensemble (ZooKeeper mode) or the KRaft controllers."""
    return [o for o in of_kind(objects, "StatefulSet") if component(o) in QUORUM_NAMES]


def quorum_component(objects: list[Obj]) -> str:
    """Which quorum the target has, asked of its objects: exactly one of ZooKeeper and the controllers."""
    found = sorted({component(o) for o in quorum_sets(objects)})
    assert len(found) == 1, f"expected one quorum (ZooKeeper or KRaft controllers), found {found}"
    return found[0]


def spare_members(statefulset: Obj) -> int:
    """Quorum members that can be down with a majority of the set's replicas still up."""
    replicas = int(statefulset["spec"]["replicas"])
    return replicas - (replicas // 2 + 1)


def pdb_of(objects: list[Obj], name: str) -> Obj:
    found = [o for o in of_kind(objects, "PodDisruptionBudget") if component(o) == name]
    assert len(found) == 1, (
        f"expected one PodDisruptionBudget for {name}, found {[o['metadata']['name'] for o in found]}"
    )
    return found[0]


def selector_string(selector: Obj) -> str:
    """A matchLabels selector as a label-selector query (the rendered selectors use matchLabels only)."""
    assert not selector.get("matchExpressions"), f"matchExpressions not handled: {selector}"
    return ",".join(f"{k}={v}" for k, v in sorted(selector["matchLabels"].items()))
