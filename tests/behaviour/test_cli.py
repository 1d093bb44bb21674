"""The command line as a user meets it: exit codes, one-line errors, per-file reporting."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, write

Run = Any


def test_render_reports_each_file_and_a_summary(run: Run, tmp_path: Path) -> None:
    result = run("render", "ha", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert f"created   {tmp_path}/high-availability/kubernetes/kafka/statefulset.yaml" in lines
    assert lines[-1] == (
        "high-availability: 31 created, 0 updated, 0 identical, 0 removed; 17 Kubernetes resources valid "
        "against 1.35 and 1.37 (strict); 6 config files valid against the key catalog"
    )
    assert "warning: kafka.config.unclean.leader.election.enable" in result.stderr  # C10 is shown, not fatal
    again = run("render", "high-availability", "--out", str(tmp_path))
    assert again.stdout.splitlines()[-1].startswith("high-availability: 0 created, 0 updated, 31 identical")


def test_combined_profiles_go_to_a_plus_joined_folder(run: Run, tmp_path: Path) -> None:
    assert run("render", "ha,tp", "--out", str(tmp_path)).exit_code == 0
    assert (tmp_path / "high-availability+throughput/params.yaml").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("render", "nope"), "error: unknown profile 'nope' in PROFILE='nope'; known: "),
        (
            ("render", "ha", "--set", "kafka.replicas=0"),
            "error: kafka.replicas: must be >= 1, got 0 (set by --set kafka.replicas=0)",
        ),
        (("render", "ha", "--set", "oops"), "error: --set oops: expected KEY=VALUE, for example kafka.replicas=5"),
        (("render", "ha", "-f", "missing.yaml"), "error: missing.yaml: file not found"),
        (("explain", "ha", "--set", "zookeeper.replicas=4"), "error: zookeeper.replicas: must be odd and >= 3"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    run: Run, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    out = tmp_path / "out"
    result = run(*args, *(["--out", str(out)] if args[0] == "render" else []))
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.output
    assert not out.exists()


def test_failed_render_leaves_existing_output_untouched(run: Run, tmp_path: Path) -> None:
    assert run("render", "durability", "--out", str(tmp_path)).exit_code == 0
    before = {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()}
    result = run("render", "durability", "--out", str(tmp_path), "--set", "kafka.replicas=2")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 3  # one line per broken replication factor
    assert {p: p.read_bytes() for p in sorted(tmp_path.rglob("*")) if p.is_file()} == before


def test_check_passes_then_finds_drift_and_exits_1(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no git work tree above: site paths are relative to the current directory
    write(tmp_path / "site.yaml", "cluster:\n  namespace: payments\n")
    assert run("render", "durability", "-f", "site.yaml", "--out", "out").exit_code == 0
    assert run("render", "low-latency", "--out", "out").exit_code == 0
    clean = run("check", "--out", "out")
    assert clean.exit_code == 0, clean.output
    assert clean.stdout.splitlines() == ["durability: up to date", "low-latency: up to date"]

    statefulset = tmp_path / "out/durability/kubernetes/kafka/statefulset.yaml"
    rendered = statefulset.read_text()
    assert "\n  replicas: 6\n" in rendered  # the one broker StatefulSet holds all six brokers
    statefulset.write_text(rendered.replace("\n  replicas: 6\n", "\n  replicas: 7\n"))
    (tmp_path / "out/durability/config/zoo.cfg").unlink()
    (tmp_path / "out/durability/extra.yaml").write_text("x: 1\n")
    drift = run("check", "--out", "out")
    assert drift.exit_code == 1
    assert drift.stdout.splitlines() == [
        "missing   out/durability/config/zoo.cfg",
        "extra     out/durability/extra.yaml",
        "changed   out/durability/kubernetes/kafka/statefulset.yaml",
        "durability: stale, render it again with: kafka-profiles render durability -f site.yaml --out out",
        "low-latency: up to date",
    ]
    assert drift.stderr == ""


def test_check_of_many_targets_reports_in_order_like_one_by_one(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Five targets are checked by a pool of processes (generator/drift.py): the report keeps the
    targets' order, drift in a target a worker checked is found, and so is bad input."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "site.yaml", "cluster:\n  namespace: payments\n")
    last_site = write(tmp_path / "last.yaml", "cluster:\n  namespace: payments\n")
    for spec in ("durability", "low-latency", "high-availability", "development"):
        assert run("render", spec, "-f", "site.yaml", "--out", "out").exit_code == 0
    assert run("render", "throughput", "-f", "last.yaml", "--out", "out").exit_code == 0
    pdb = tmp_path / "out/low-latency/kubernetes/kafka/pdb.yaml"
    pdb.write_text(pdb.read_text() + "# edited\n")
    drift = run("check", "--out", "out")
    assert drift.exit_code == 1
    one_by_one = run("check", "--jobs", "1", "--out", "out")
    assert (one_by_one.exit_code, one_by_one.stdout) == (1, drift.stdout)
    no_jobs = run("check", "--jobs", "0", "--out", "out")
    assert (no_jobs.exit_code, no_jobs.stdout) == (2, "")
    assert no_jobs.stderr.startswith("error: Invalid value for '-j' / '--jobs': 0 is not in the range x>=1.")
    assert drift.stdout.splitlines() == [
        "development: up to date",
        "durability: up to date",
        "high-availability: up to date",
        "changed   out/low-latency/kubernetes/kafka/pdb.yaml",
        "low-latency: stale, render it again with: kafka-profiles render low-latency -f site.yaml --out out",
        "throughput: up to date",
    ]
    last_site.write_text("cluster:\n  namespace: Payments\n")  # the last target's replay fails the schema
    bad = run("check", "--out", "out")
    assert bad.exit_code == 2  # bad input outranks drift
    assert bad.stdout.splitlines()[-2:] == [
        "low-latency: stale, render it again with: kafka-profiles render low-latency -f site.yaml --out out",
        "throughput: replay failed, left as it is (errors on stderr): "
        "kafka-profiles render throughput -f last.yaml --out out",
    ]
    assert bad.stderr.splitlines() == [
        "error: throughput: cluster.namespace: 'Payments' is not valid; expected namespace of every object "
        "(DNS label) (set by last.yaml)"
    ]


def test_check_with_nothing_to_check_is_bad_input(run: Run, tmp_path: Path) -> None:
    result = run("check", "--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {tmp_path}: no targets to check (no folder in it holds a params.yaml); render one first: "
        f"kafka-profiles render PROFILES --out {tmp_path}\n"
    )


def test_profiles_lists_names_aliases_and_summaries(run: Run) -> None:
    result = run("profiles")
    assert result.exit_code == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    assert names == ["development", "durability", "high-availability", "kraft", "low-latency", "throughput"]
    assert "(alias: ha)" in result.stdout and "(aliases: ll, latency)" in result.stdout


@pytest.mark.parametrize("command", [[], ["render"], ["check"], ["explain"], ["profiles"], ["schema"]])
def test_help_works_for_every_command(run: Run, command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: kafka-profiles")


def test_command_list_shows_each_summary_whole(run: Run) -> None:
    result = run("--help")
    assert result.exit_code == 0
    commands = result.stdout.split("Commands:\n")[1]
    assert "..." not in commands  # click cuts a long docstring's first line short
    text = " ".join(result.stdout.split())
    assert "check Exit 1 if a target differs from a render of its recorded command; --fix writes it." in text


def test_python_dash_m_and_console_script_agree() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "generator", "profiles"], capture_output=True, text=True, cwd=REPO, check=True
    )
    script = subprocess.run(
        [str(Path(sys.executable).parent / "kafka-profiles"), "profiles"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert module.stdout == script.stdout and "durability" in module.stdout
