"""One-line hints on bad input: how to quote a --set value that is not YAML text, and "did you mean"."""

from __future__ import annotations

import pickle
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from generator.errors import ProfileError
from generator.profiles import set_layer
from generator.suggest import closest, did_you_mean
from generator.yamlio import load_yaml_mapping

Run = Callable[..., Result]


def refused(run: Run, tmp_path: Path, *sets: str) -> str:
    """The one line `render ha --set ...` exits 2 with."""
    result = run("render", "ha", *(word for s in sets for word in ("--set", s)), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    lines = result.output.splitlines()
    assert len(lines) == 1, lines
    assert not (tmp_path / "out").exists()
    return lines[0]


# --- a --set value that YAML does not read as the text it looks like ---------------------------------


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            "clients.producer.client.id=a: b",
            "error: --set clients.producer.client.id=a: b: the value reads as a YAML mapping (on the command line "
            "a mapping is written {...}); to set it as text, quote it: --set 'clients.producer.client.id=\"a: b\"'",
        ),
        (
            "x=[1,",
            "error: --set x=[1,: not a YAML value (did not find expected node content); to set it as text, quote it: "
            "--set 'x=\"[1,\"'",
        ),
        (
            "kafka.replicas={a",
            "error: --set kafka.replicas={a: not a YAML value (did not find expected ',' or '}'); to set it as text, "
            "quote it: --set 'kafka.replicas=\"{a\"'",
        ),
        (
            "clients.producer.client.id=- a",
            "error: --set clients.producer.client.id=- a: the value reads as a YAML list (on the command line a list "
            "is written [...]); to set it as text, quote it: --set 'clients.producer.client.id=\"- a\"'",
        ),
        (
            "clients.producer.client.id=!!int abc",
            "error: --set clients.producer.client.id=!!int abc: not a YAML value (invalid literal for int() with "
            "base 10: 'abc'); to set it as text, quote it: --set 'clients.producer.client.id=\"!!int abc\"'",
        ),
        (
            "clients.producer.client.id=it's: x",
            "error: --set clients.producer.client.id=it's: x: the value reads as a YAML mapping (on the command line "
            "a mapping is written {...}); to set it as text, quote it: "
            "--set 'clients.producer.client.id=\"it'\"'\"'s: x\"'",
        ),
    ],
)
def test_a_set_value_that_is_not_yaml_text_says_how_to_quote_it(
    run: Run, tmp_path: Path, assignment: str, message: str
) -> None:
    assert refused(run, tmp_path, assignment) == message


@pytest.mark.parametrize(
    ("assignment", "text"),
    [
        ("clients.producer.client.id=a: b", "a: b"),
        ("x=[1,", "[1,"),
        ("x=- a", "- a"),
        ("x=it's: x", "it's: x"),
        ('x=a: "b" \\ c', 'a: "b" \\ c'),
        ("x=!!int abc", "!!int abc"),
        ("x=%x ünïcode", "%x ünïcode"),
    ],
)
def test_the_quoted_form_shown_sets_the_text(assignment: str, text: str) -> None:
    current = {"clients": {"producer": {"client.id": "p"}}}
    with pytest.raises(ProfileError) as caught:
        set_layer(assignment, current)
    words = shlex.split(caught.value.message.rpartition("quote it: ")[2])
    assert words[0] == "--set" and len(words) == 2
    key = assignment.partition("=")[0]
    expected = {"x": text} if key == "x" else {"clients": {"producer": {"client.id": text}}}
    assert set_layer(words[1], current).data == expected


@pytest.mark.parametrize(
    ("assignment", "value"),
    [
        ("cluster.zones=[a, b]", ["a", "b"]),
        ("kafka.config={a: 1}", {"a": 1}),
        ("x=a:b", "a:b"),
        ("x=host:9092", "host:9092"),
        ("x='a: b'", "a: b"),
        ('x="[1,"', "[1,"),
        ("x=a-b", "a-b"),
        ("x=-1", -1),
    ],
)
def test_flow_collections_and_plain_text_still_parse(assignment: str, value: object) -> None:
    key, _, _ = assignment.partition("=")
    layer = set_layer(assignment, {})
    node: object = layer.data
    for part in key.split("."):
        assert isinstance(node, dict)
        node = node[part]
    assert node == value


def test_a_file_keeps_its_invalid_yaml_message_and_it_crosses_processes(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text("kafka: [1\n", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_yaml_mapping(path, "site.yaml")
    assert caught.value.message == "site.yaml:2: invalid YAML: did not find expected ',' or ']'"
    copied = pickle.loads(pickle.dumps(caught.value))  # `check` sends errors between processes
    assert type(copied) is ProfileError and copied.message == caught.value.message


# --- "did you mean" -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (  # a config key the key catalog does not know
            "kafka.config.min.insync.replica=2",
            "error: kafka.config.min.insync.replica: unknown key for kafka-broker 3.9; did you mean "
            "min.insync.replicas? (set by --set kafka.config.min.insync.replica=2)",
        ),
        (
            "kafka.config.min_insync_replicas=2",
            "error: kafka.config.min_insync_replicas: unknown key for kafka-broker 3.9; did you mean "
            "min.insync.replicas? (set by --set kafka.config.min_insync_replicas=2)",
        ),
        (  # letter case aside
            "zookeeper.config.autopurge.purgeinterval=1",
            "error: zookeeper.config.autopurge.purgeinterval: unknown key for zookeeper 3.8; did you mean "
            "autopurge.purgeInterval? (set by --set zookeeper.config.autopurge.purgeinterval=1)",
        ),
        (
            "clients.producer.lingerms=5",
            "error: clients.producer.lingerms: unknown key for kafka-producer 3.9; did you mean linger.ms? "
            "(set by --set clients.producer.lingerms=5)",
        ),
        (  # nothing close: no guess
            "kafka.config.foo=1",
            "error: kafka.config.foo: unknown key for kafka-broker 3.9 (set by --set kafka.config.foo=1)",
        ),
        (  # a parameter the schema does not know (additionalProperties)
            "kafka.heap.sise=1g",
            "error: kafka.heap.sise: unknown parameter (did you mean size?); known here: size "
            "(set by --set kafka.heap.sise=1g)",
        ),
    ],
)
def test_an_unknown_name_gets_the_closest_known_one(run: Run, tmp_path: Path, assignment: str, message: str) -> None:
    assert refused(run, tmp_path, assignment) == message


@pytest.mark.parametrize(
    ("assignment", "head"),
    [
        ("zookeeper.replica=3", "error: zookeeper.replica: unknown parameter (did you mean replicas?); known here: "),
        ("kafka.rackaware=true", "error: kafka.rackaware: unknown parameter (did you mean rackAware?); known here: "),
        ("cluster.nothing=1", "error: cluster.nothing: unknown parameter; known here: "),
    ],
)
def test_an_unknown_parameter_among_many_gets_the_closest(run: Run, tmp_path: Path, assignment: str, head: str) -> None:
    """The same message; the names known here grow with the schema, so only its ends are pinned."""
    line = refused(run, tmp_path, assignment)
    assert line.startswith(head) and line.endswith(f" (set by --set {assignment})"), line
    assert line.count("did you mean") <= 1


@pytest.mark.parametrize(
    ("name", "choices", "expected"),
    [
        ("min.insync.replica", ["min.insync.replicas", "num.partitions"], "min.insync.replicas"),
        ("replicsa", ["replicas", "resources"], "replicas"),
        ("TICKTIME", ["tickTime", "initLimit"], "tickTime"),
        ("foo", ["min.insync.replicas", "num.partitions"], None),
        ("x", [], None),
    ],
)
def test_closest(name: str, choices: list[str], expected: str | None) -> None:
    assert closest(name, choices) == expected
    assert did_you_mean(name, choices) == (f" (did you mean {expected}?)" if expected else "")
