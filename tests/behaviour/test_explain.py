"""explain: every setting with value, layer, what it overrode, IDs and reason; conflicts; budget."""

from __future__ import annotations

import json
from typing import Any

Run = Any


def test_c01_shows_in_either_order(run: Run) -> None:
    """C01: the min.insync.replicas contradiction is a named conflict whichever profile comes last."""
    for spec, winner, loser in (
        ("ha,durability", "durability", "high-availability"),
        ("durability,ha", "high-availability", "durability"),
    ):
        result = run("explain", spec)
        assert result.exit_code == 0
        line = next(
            ln for ln in result.stdout.splitlines() if ln.strip().startswith("kafka.config.min.insync.replicas:")
        )
        assert (
            f"profiles/{loser}.yaml) vs" in line
            and f"profiles/{winner}.yaml wins" in line
            and "C01" in line.rsplit("[", 1)[1]
        )


def test_text_names_value_layer_overrides_ids_and_reason(run: Run) -> None:
    result = run("explain", "ha,durability")
    lines = result.stdout.splitlines()
    index = next(i for i, ln in enumerate(lines) if ln.startswith("kafka.config.min.insync.replicas "))
    assert lines[index].split() == [
        "kafka.config.min.insync.replicas",
        "2",
        "<-",
        "profiles/durability.yaml",
        "over",
        "2",
        "(profiles/base.yaml);",
        "1",
        "(profiles/high-availability.yaml)",
        "[R25,",
        "R43,",
        "C01]",
    ]
    assert lines[index + 1].strip() == "two in-sync copies with replication factor 3"
    assert "failure budget:" in lines
    assert any(ln.strip().startswith("One planned + one unplanned failure (R10, R22): NO") for ln in lines)


def test_markdown_is_what_the_target_readme_holds(run: Run) -> None:
    result = run("explain", "durability", "--format", "md")
    assert result.stdout.startswith("# Target `durability`")
    assert "## Failure budget" in result.stdout and "| `kafka.config.min.insync.replicas` | `2` |" in result.stdout


def test_json_for_machines(run: Run) -> None:
    data = json.loads(run("explain", "ha,durability", "--format", "json").stdout)
    assert data["target"] == "high-availability+durability"
    assert data["failureBudget"]["broker_losses_keeping_writes"] == 1
    assert data["conflicts"][0]["key"] == "kafka.config.min.insync.replicas"
    setting = next(s for s in data["settings"] if s["key"] == "clients.producer.linger.ms")
    assert setting["value"] == "5" and setting["source"] == "profiles/base.yaml" and "R37" in setting["ids"]


def test_strict_turns_warnings_into_errors(run: Run, tmp_path: Any) -> None:
    """C10: a team that wants trade-offs gated in CI uses --strict."""
    relaxed = run("render", "ha", "--out", str(tmp_path))
    assert relaxed.exit_code == 0 and "[C10, R27]" in relaxed.stderr
    strict = run("render", "ha", "--strict", "--out", str(tmp_path / "strict"))
    assert strict.exit_code == 2
    assert any(ln.endswith("[C10, R27] (a warning, refused by --strict)") for ln in strict.stderr.splitlines())
    assert not (tmp_path / "strict").exists()


def test_params_yaml_and_explain_tell_the_same_provenance(run: Run, tmp_path: Any) -> None:
    """Issue #11: a layer that re-sets an earlier value is "over" in both; a value from a layer without a
    comment shows no reason borrowed from base.yaml (whose "need 2 in-sync copies" would be false for 1)."""
    site = tmp_path / "site.yaml"
    site.write_text("kafka:\n  config:\n    min.insync.replicas: 1\n", encoding="utf-8")
    out = tmp_path / "out"
    assert run("render", "durability", "-f", str(site), "--out", str(out)).exit_code == 0
    params = (out / "durability" / "params.yaml").read_text(encoding="utf-8")
    assert "    acks: all  # profiles/durability.yaml (over all from profiles/base.yaml)\n" in params
    explained = run("explain", "durability", "-f", str(site)).stdout
    acks = next(line for line in explained.splitlines() if line.startswith("clients.producer.acks "))
    assert acks.split("<- ", 1)[1] == "profiles/durability.yaml  over all (profiles/base.yaml)  [R43]"
    lines = explained.splitlines()
    isr = next(i for i, line in enumerate(lines) if line.startswith("kafka.config.min.insync.replicas "))
    assert lines[isr].endswith("over 2 (profiles/base.yaml); 2 (profiles/durability.yaml)  [R25, R43]")
    assert lines[isr + 1].startswith("kafka.config."), "no reason line: the site file gave none"
    assert "need 2 in-sync copies" not in "\n".join(lines[isr : isr + 2])
