"""Loading and merging layers: order, provenance, conflicts, and refusing what cannot be merged."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from generator import profiles
from generator.errors import ProfileError
from generator.profiles import Layer, merge, resolve_names, set_layer
from generator.target import Request, Sources, load
from tests.conftest import write


def test_aliases_resolve_to_canonical_names_in_order(sources: Sources) -> None:
    known = profiles.discover(sources.profiles_dir)
    assert resolve_names("ha,throughput", known) == ("high-availability", "throughput")
    assert resolve_names("low-latency", known) == ("low-latency",)


@pytest.mark.parametrize("spec", ["nope", "ha,../x", "", "ha,", "/etc"])
def test_unknown_profile_lists_the_known_ones(sources: Sources, spec: str) -> None:
    known = profiles.discover(sources.profiles_dir)
    with pytest.raises(ProfileError) as caught:
        resolve_names(spec, known)
    message = caught.value.message
    assert message.startswith("unknown profile")
    assert "known: " in message and "high-availability (ha)" in message and "throughput" in message
    assert "\n" not in message


def test_profile_listed_twice_is_refused(sources: Sources) -> None:
    with pytest.raises(ProfileError, match="listed twice"):
        resolve_names("ha,high-availability", profiles.discover(sources.profiles_dir))


def test_later_layer_wins_and_provenance_keeps_every_setter() -> None:
    base = Layer("base", "base", {"a": {"x": 1, "y": [1, 2]}, "b": 1})
    first = Layer("p1", "profile", {"a": {"x": 2}})
    second = Layer("p2", "profile", {"a": {"x": 3, "y": [9]}})
    merged = merge([base, first, second])
    assert merged.params == {"a": {"x": 3, "y": [9]}, "b": 1}  # lists replace, never append
    assert merged.provenance["a.x"] == [("base", 1), ("p1", 2), ("p2", 3)]
    assert merged.source_of("b") == "base"


def test_inputs_are_never_mutated() -> None:
    data = {"a": {"x": 1, "l": [1]}}
    snapshot = copy.deepcopy(data)
    merge([Layer("base", "base", data), Layer("p", "profile", {"a": {"x": 2, "l": [3]}})])
    assert data == snapshot


def test_conflicts_between_chosen_profiles_are_recorded_not_base_overrides() -> None:
    merged = merge(
        [
            Layer("base", "base", {"k": 0, "same": 1}),
            Layer("p1", "profile", {"k": 1, "same": 2}),
            Layer("p2", "profile", {"k": 2, "same": 2}),
        ]
    )
    assert [(c.key, c.winner) for c in merged.conflicts] == [("k", "p2")]


def test_dict_against_scalar_is_an_error_naming_path_and_layer() -> None:
    with pytest.raises(ProfileError) as caught:
        merge(
            [
                Layer("base", "base", {"kafka": {"heap": {"size": "2G"}}}),
                Layer("site.yaml", "site", {"kafka": {"heap": 3}}),
            ]
        )
    assert caught.value.message == "kafka.heap: site.yaml sets a value where the parameter is a mapping"


def test_set_matches_dotted_kafka_keys_and_parses_yaml_values() -> None:
    current = {"kafka": {"config": {"min.insync.replicas": 2}, "replicas": 3}}
    layer = set_layer("kafka.config.min.insync.replicas=1", current)
    assert layer.data == {"kafka": {"config": {"min.insync.replicas": 1}}}
    assert set_layer("kafka.config.new.key=true", current).data == {"kafka": {"config": {"new.key": True}}}
    assert set_layer("cluster.zones=[a, b]", current).data == {"cluster": {"zones": ["a", "b"]}}
    assert layer.source == "--set kafka.config.min.insync.replicas=1"


@pytest.mark.parametrize("assignment", ["novalue", "=3", ""])
def test_set_without_key_or_equals_is_refused(assignment: str) -> None:
    with pytest.raises(ProfileError, match="expected KEY=VALUE"):
        set_layer(assignment, {})


def test_site_file_then_set_come_last_in_that_order(sources: Sources, tmp_path: Path) -> None:
    site = write(tmp_path / "site.yaml", "kafka:\n  replicas: 7\ncluster:\n  namespace: payments\n")
    merged, target, command = load(Request("ha", site, ("kafka.replicas=9",)), sources)
    assert merged.params["kafka"]["replicas"] == 9
    assert merged.params["cluster"]["namespace"] == "payments"
    assert [s for s, _ in merged.provenance["kafka.replicas"]] == [
        "profiles/base.yaml",
        str(site),
        "--set kafka.replicas=9",
    ]
    assert target == "high-availability"
    assert command == f"render high-availability -f {site} --set kafka.replicas=9"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kafka:\n  replicas: 3\nkafka:\n  replicas: 4\n", "duplicate key 'kafka'"),
        ("kafka: [1\n", "invalid YAML"),
        ("- a\n- b\n", "expected a mapping of parameters at the top, got list"),
        ("summary: x\n", "only profiles have a summary"),
    ],
)
def test_bad_site_files_give_one_line_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    site = write(tmp_path / "site.yaml", text)
    with pytest.raises(ProfileError) as caught:
        profiles.site_layer(site)
    assert expected in caught.value.message
    assert caught.value.message.startswith(str(site))
    assert "\n" not in caught.value.message


def test_missing_site_file_and_folder_in_its_place(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="file not found"):
        profiles.site_layer(tmp_path / "absent.yaml")
    with pytest.raises(ProfileError, match="is a folder"):
        profiles.site_layer(tmp_path)


def test_set_below_a_free_map_keeps_the_rest_as_one_key(tmp_path: Path) -> None:
    """A label key has dots and slashes (kubernetes.io/arch); below a map whose keys are free, the rest of
    the --set path is one key, even when the map is empty or holds no dotted key yet."""
    from generator.target import build

    result = build(Request("ha", sets=("kafka.nodeSelector.kubernetes.io/arch=amd64",)))
    assert (
        "      nodeSelector:\n        kubernetes.io/arch: amd64\n" in result.files["kubernetes/kafka/statefulset.yaml"]
    )
    assert result.merged.provenance["kafka.nodeSelector.kubernetes.io/arch"] == [
        ("--set kafka.nodeSelector.kubernetes.io/arch=amd64", "amd64")
    ]
