"""What `render` and `check --fix` refuse to write over an existing KRaft target, and what they say about a
change the files alone do not make (generator/identity.py; docs/kraft.md 1, 2 and 4). Each refusal is one
line, exit 2, nothing written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

Run = Callable[..., Result]
OLD_ID, NEW_ID = "q1Sh-9_ISia_zwGINzRvyQ", "am_kdMYhQTKWSYDReo2TfA"
KRAFT = "high-availability,kraft"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git work tree as the current directory, so targets go to output/ and are named relative to it."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    monkeypatch.chdir(root)
    return root


def render(run: Run, *sets: str, profiles: str = KRAFT, allow: bool = False) -> Result:
    args = ["render", profiles, "--set", f"kafka.clusterId={OLD_ID}"]
    args += [word for s in sets for word in ("--set", s)]
    return run(*args, *(["--allow-identity-change"] if allow else []))


def voters_line(had: int, has: int, layer: str) -> str:
    return (
        f"error: controllers.replicas: {has} on the KRaft target in output/{KRAFT.replace(',', '+')}, whose {had} "
        "controllers are static voters: every node's controller.quorum.voters names them, and changing the voter "
        "set is a quorum reconfiguration, not a render (--allow-identity-change does not lift this; docs/kraft.md "
        f"1); allowed: {had}, or a new cluster in another target (set by {layer})"
    )


@pytest.mark.parametrize(("first", "then"), [(5, 3), (3, 5)])
def test_a_changed_controller_count_is_refused_even_with_the_flag(run: Run, repo: Path, first: int, then: int) -> None:
    """A static voter set is the cluster's for life (controller.quorum.voters in every node's file): shrinking
    it would leave the removed voters' ids in the quorum's state, growing it would start voters the leader
    does not count; the one-way move to a dynamic quorum comes first (docs/kraft.md 1). So neither a plain
    render nor --allow-identity-change writes it."""
    assert render(run, f"controllers.replicas={first}").exit_code == 0
    before = snapshot(repo / "output")
    for allow in (False, True):
        refused = render(run, f"controllers.replicas={then}", allow=allow)
        assert refused.exit_code == 2
        assert refused.stderr.splitlines()[-1:] == [voters_line(first, then, f"--set controllers.replicas={then}")], (
            refused.stderr
        )
        assert not [line for line in refused.stderr.splitlines() if line.startswith("error:")][:-1]
        assert snapshot(repo / "output") == before


@pytest.mark.parametrize(
    ("first", "then", "line"),
    [
        (
            "true",
            "false",
            "error: controllers.combined: false on the KRaft target in output/development+kraft, whose voter is "
            "broker 0 itself: every node's controller.quorum.voters names it, and changing the voter set is a quorum "
            "reconfiguration, not a render (--allow-identity-change does not lift this; docs/kraft.md 1); allowed: "
            "true, or a new cluster in another target (set by --set controllers.combined=false)",
        ),
        (
            "false",
            "true",
            "error: controllers.combined: true on the KRaft target in output/development+kraft, whose voter is its "
            "controller: every node's controller.quorum.voters names it, and changing the voter set is a quorum "
            "reconfiguration, not a render (--allow-identity-change does not lift this; docs/kraft.md 1); allowed: "
            "false, or a new cluster in another target (set by --set controllers.combined=true)",
        ),
    ],
)
def test_the_combined_node_and_a_dedicated_controller_are_not_swapped(
    run: Run, repo: Path, first: str, then: str, line: str
) -> None:
    """Development: broker 0 as the only voter (controllers.combined) and one dedicated controller (node 3000)
    are one voter each, but not the same one: the voter set changes, so neither way is written."""
    assert render(run, f"controllers.combined={first}", profiles="development,kraft").exit_code == 0
    before = snapshot(repo / "output")
    for allow in (False, True):
        refused = render(run, f"controllers.combined={then}", profiles="development,kraft", allow=allow)
        assert refused.exit_code == 2
        assert [text for text in refused.stderr.splitlines() if text.startswith("error:")] == [line]
        assert snapshot(repo / "output") == before


def test_check_fix_refuses_a_changed_controller_count_too(run: Run, repo: Path) -> None:
    """The recorded command now renders 5 controllers over a target of 3 (a profile changed under it)."""
    assert render(run, "controllers.replicas=3").exit_code == 0
    params = repo / "output/high-availability+kraft/params.yaml"
    first, rest = params.read_text(encoding="utf-8").split("\n", 1)
    params.write_text(first.replace(" --set controllers.replicas=3", "") + "\n" + rest, encoding="utf-8")
    before = snapshot(repo / "output")
    for flags in (("--fix",), ("--fix", "--allow-identity-change")):
        refused = run("check", *flags)
        assert refused.exit_code == 2
        assert refused.stderr.splitlines() == [
            voters_line(3, 5, "profiles/base.yaml").replace("error: ", "error: high-availability+kraft: ", 1)
        ]
        assert snapshot(repo / "output") == before


def test_a_changed_cluster_id_is_refused_like_a_renamed_cluster(run: Run, repo: Path) -> None:
    """Every broker's and controller's volume holds the id it was formatted with, and the start script refuses
    a volume of another cluster: with another id no node of the existing cluster would start. As for a
    rename, --allow-identity-change writes it (a new cluster, its PVCs deleted first)."""
    assert render(run).exit_code == 0
    before = snapshot(repo / "output")
    refused = render(run, f"kafka.clusterId={NEW_ID}")
    assert refused.exit_code == 2
    assert [line for line in refused.stderr.splitlines() if line.startswith("error:")] == [
        f"error: kafka.clusterId: {NEW_ID} on the KRaft target in output/high-availability+kraft, formatted as "
        f"cluster {OLD_ID}: every broker and controller would refuse its volume (it belongs to the old cluster) "
        f"and none would start; allowed: {OLD_ID}, or --allow-identity-change for a new cluster whose PVCs are "
        f"deleted first (set by --set kafka.clusterId={NEW_ID})"
    ]
    assert snapshot(repo / "output") == before
    allowed = render(run, f"kafka.clusterId={NEW_ID}", allow=True)
    assert allowed.exit_code == 0, allowed.output
    assert f'cluster_id="{NEW_ID}"' in (repo / "output/high-availability+kraft/config/start-kafka.sh").read_text()


def test_the_same_cluster_id_and_controller_count_render(run: Run, repo: Path) -> None:
    assert render(run).exit_code == 0
    again = render(run, "kafka.replicas=9")  # more brokers: no identity lost, none changed
    assert again.exit_code == 0, again.output
    assert not [line for line in again.stderr.splitlines() if line.startswith("error:")]


MIN_ISR = (
    "warning: kafka.config.min.insync.replicas: 2 (was 1 in output/high-availability+kraft) changes the rendered "
    "files but not the cluster: with eligible leader replicas (Kafka 4.1) min.insync.replicas is a cluster-level "
    "setting the controllers wrote at the first start, and it overrides every server.properties; apply it with: "
    "kafka-configs.sh --bootstrap-server kafka-bootstrap.kafka.svc.cluster.local:9092 --alter --entity-type "
    "brokers --entity-default --add-config min.insync.replicas=2 (set by --set kafka.config.min.insync.replicas=2) "
    "[R25]"
)


def test_a_changed_min_insync_replicas_says_the_files_no_longer_change_it(run: Run, repo: Path) -> None:
    """R25 with ELR (docs/kraft.md 4): the controllers seeded the cluster-level min.insync.replicas from their
    file at the first start, and it overrides every server.properties; a new value in the files changes no
    broker, so the render says so and gives the command that does. It still writes the files (they are what a
    new cluster starts from)."""
    assert render(run).exit_code == 0  # high-availability: 1
    changed = render(run, "kafka.config.min.insync.replicas=2")
    assert changed.exit_code == 0, changed.output
    assert MIN_ISR in changed.stderr.splitlines()
    server = (repo / "output/high-availability+kraft/config/controller/server.properties").read_text()
    assert "min.insync.replicas=2" in server.splitlines()
    again = render(run, "kafka.config.min.insync.replicas=2")
    assert not [line for line in again.stderr.splitlines() if "min.insync.replicas" in line]


def test_check_fix_says_it_too(run: Run, repo: Path) -> None:
    assert render(run).exit_code == 0
    params = repo / "output/high-availability+kraft/params.yaml"
    first, rest = params.read_text(encoding="utf-8").split("\n", 1)
    params.write_text(first.replace(f"{OLD_ID}", f"{OLD_ID} --set kafka.config.min.insync.replicas=2") + "\n" + rest)
    fixed = run("check", "--fix")
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stderr.splitlines() == [MIN_ISR]  # the message names the target's folder


def test_zookeeper_mode_has_no_such_warning(run: Run, repo: Path) -> None:
    """ZooKeeper mode has no ELR: a changed min.insync.replicas in server.properties is the brokers' value."""
    assert run("render", "high-availability").exit_code == 0
    changed = run("render", "high-availability", "--set", "kafka.config.min.insync.replicas=2")
    assert changed.exit_code == 0, changed.output
    assert not [line for line in changed.stderr.splitlines() if "min.insync.replicas" in line]
