"""Property-based bad input: every case renders valid output or exits 2 with one `error: ...` line per
problem, never a traceback, and a failed run leaves the output folder byte for byte as it was.

`make test` runs a small share with a fixed seed; `make fuzz` sets FUZZ_EXAMPLES (the total over the
tests below, split by weight) and a fresh seed per run (reproduce one with SEED=...).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from generator.catalog import load_catalog
from generator.cli import cli
from generator.core.schema import assembled
from generator.errors import GeneratorError
from generator.paramsfile import scalar
from generator.profiles import discover
from generator.serialize import canonical_yaml, json_text, parse_properties, properties_text, properties_value
from generator.target import Request, Sources, derived, load, parse_render_command, render_command, render_header
from tests.conftest import REPO

FUZZ_TOTAL = int(os.environ.get("FUZZ_EXAMPLES", "0"))  # 0: the fixed-seed share of `make test`
T = TypeVar("T")


def fuzz(weight: float, default: int) -> Callable[[T], T]:
    """Settings of one property: `default` examples under `make test`, else its share of FUZZ_TOTAL."""
    return settings(  # type: ignore[return-value]
        max_examples=max(1, round(FUZZ_TOTAL * weight)) if FUZZ_TOTAL else default,
        derandomize=not FUZZ_TOTAL,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    )


# --- the output folder every CLI run starts from -----------------------------------------------------

Snapshot = dict[str, bytes | None]  # relative path -> file bytes, None for a folder


def snapshot(root: Path) -> Snapshot:
    found: Snapshot = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for name in dirs:
            found[str((base / name).relative_to(root))] = None
        for name in files:
            found[str((base / name).relative_to(root))] = (base / name).read_bytes()
    return found


@cache
def pristine() -> tuple[Path, Snapshot]:
    """A private copy of the committed output/ (never the repository's own), made once."""
    root = Path(tempfile.mkdtemp(prefix="fuzz-pristine-")) / "output"
    atexit.register(shutil.rmtree, root.parent, True)
    shutil.copytree(REPO / "output", root)
    return root, snapshot(root)


@contextmanager
def output_copy() -> Iterator[tuple[Path, Snapshot]]:
    """A fresh output folder per example, hard-linked from the pristine copy: the writer never changes
    a file in place, and the snapshot to compare with is held in memory anyway."""
    source, state = pristine()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        out = Path(scratch) / "output"
        shutil.copytree(source, out, copy_function=os.link)
        yield out, state


RUNNER = CliRunner()


def invoke(*args: str) -> Any:
    # catch_exceptions=False: any exception but SystemExit fails the property, so Hypothesis shrinks it
    return RUNNER.invoke(cli, list(args), prog_name="kafka-profiles", catch_exceptions=False)


def _without_details(lines: list[str]) -> list[str]:
    """The lines but an error's indented details (the pods and PVCs a refused identity change lists)."""
    kept: list[str] = []
    for line in lines:
        if line.startswith("  ") and kept and kept[-1].startswith("error: "):
            continue
        kept.append(line)
    return kept


def render_or_refuse(args: list[str]) -> tuple[int, str]:
    """Run `render ARGS`; assert the contract; return (exit code, stderr)."""
    with output_copy() as (out, before):
        result = invoke("render", *args, "--out", str(out))
        assert result.exit_code in (0, 2), (result.exit_code, result.output)
        if currently_in_test_context():
            event(f"exit {result.exit_code}")  # --hypothesis-show-statistics: how many got all the way through
        lines = result.stderr.splitlines()
        assert "Traceback" not in result.output
        assert all(line.startswith(("error: ", "warning: ")) for line in _without_details(lines)), lines
        assert not any(".tmp-" in p or ".old-" in p for p in snapshot(out)), "staging folder left behind"
        if result.exit_code == 2:
            errors = [line for line in lines if line.startswith("error: ")]
            assert errors and all(len(line) > len("error: ") + 5 for line in errors), lines
            assert snapshot(out) == before, "a failed render changed the output folder"
        else:
            assert not any(line.startswith("error: ") for line in lines), lines
        return result.exit_code, result.stderr


# --- what to throw at it -------------------------------------------------------------------------

YAML_TRAPS = [
    "on",
    "off",
    "yes",
    "no",
    "y",
    "n",
    "~",
    "null",
    "Null",
    "NULL",
    "true",
    "False",
    "0x10",
    "0o17",
    "017",
    "0b101",
    "1e3",
    "1E3",
    "1_000",
    "1:20",
    "190:20:30",
    ".inf",
    "-.inf",
    ".nan",
    ".NaN",
    "2024-01-01",
    "2024-13-01",
    "2001-12-14t21:59:43.10-05:00",
    "12:30:45",
    "''",
    '""',
    "[]",
    "{}",
    "- a",
    "a: b",
    "#c",
    "a #b",
    "a: b: c",
    "&a x",
    "*a",
    "*nope",
    "!!binary aGVsbG8=",
    "!!binary not base64!",
    "!!float abc",
    "!!int x",
    "!!timestamp x",
    "!!set {a, b}",
    "!!omap [{a: 1}, {b: 2}]",
    "!!python/object:os.system ls",
    "!foo x",
    "|\n  a\n  b",
    ">\n  folded\n  text",
    "? x",
    "%TAG ! x",
    "---",
    "...",
    "--- a\n--- b",
    "@x",
    "`x",
    "\t",
    "\ufeffx",
    "a\nb",
    "a\rb",
    "a\x00b",
    "\x7f",
    "\x85",
    "\u2028",
    "\udcff",
    "\U0001f600",
    "9" * 5000,
    "-" + "9" * 30,
    "9" * 30,
    "1e400",
    "-0",
    "0.0000001",
    "[" * 40 + "]" * 40,
    "{a: " * 40 + "1" + "}" * 40,
    "[*a]",
    "&a [*a]",
    "&a {b: *a}",
    "[&a [x, x, x, x, x, x, x, x], &b [*a, *a, *a, *a, *a, *a, *a, *a], "
    "&c [*b, *b, *b, *b, *b, *b, *b, *b], &d [*c, *c, *c, *c, *c, *c, *c, *c], [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]]",
    "x" * 100_000,
    " leading",
    "trailing ",
    "with: colon",
    "with # hash",
    "quote'inside",
    'dq"inside',
    "back\\slash",
    "${HOME}",
    "$(id)",
    "`id`",
    "a,b",
    "[a, ' b', '']",
    "[[1]]",
    "[{a: 1}]",
    "{a: 1}",
    "[null]",
    "-1",
    "0",
    "1000",
    "1001",
    "65536",
    "2147483648",
    "9223372036854775808",
    "-9223372036854775809",
    "1.5",
    "3.0",
    "1e-3",
]
DEEP_NESTING = ["[" * n + "]" * n for n in (31, 32, 33, 100, 5000)]
ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]\n" for i in range(8))
    + "kafka: {config: {sasl.enabled.mechanisms: *i}}\n"
)


@cache
def known_keys() -> list[str]:
    """Every dotted parameter of base.yaml, and the catalog keys of each config map."""
    base = yaml.safe_load((REPO / "profiles/base.yaml").read_text(encoding="utf-8"))
    keys: list[str] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        for key, value in node.items():
            dotted = f"{prefix}{key}"
            if isinstance(value, dict) and value and not dotted.endswith(("config", "producer", "consumer")):
                walk(value, dotted + ".")
            else:
                keys.append(dotted)

    walk({k: v for k, v in base.items() if k not in ("summary", "aliases")}, "")
    for section, component, version in (
        ("kafka.config", "kafka-broker", "3.9"),
        ("zookeeper.config", "zookeeper", "3.8"),
        ("clients.producer", "kafka-producer", "3.9"),
        ("clients.consumer", "kafka-consumer", "3.9"),
    ):
        keys += [f"{section}.{spec.name}" for spec in load_catalog(component, version).specs()]
    return sorted(set(keys))


@cache
def known_profiles() -> list[str]:
    found = discover(Sources().profiles_dir)
    return sorted({*found, *(alias for info in found.values() for alias in info.aliases)})


texts = st.text(st.characters(codec="utf-8"), max_size=30)
any_text = st.text(max_size=30)  # lone surrogates too, as undecodable bytes in argv become
numbers = st.one_of(st.integers(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True, allow_infinity=True))
scalars = st.one_of(st.none(), st.booleans(), numbers, texts, st.sampled_from(YAML_TRAPS))
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=12
)
keys = st.one_of(
    st.sampled_from(known_keys()),
    st.sampled_from(known_keys()).map(lambda k: k.upper()),
    st.sampled_from(known_keys()).flatmap(lambda k: st.sampled_from([k + ".x", k.rsplit(".", 1)[0], k + ".", "." + k])),
    st.sampled_from(
        [
            "",
            ".",
            "..",
            "../x",
            "/etc",
            "kafka..replicas",
            "=",
            "a=b",
            " kafka.replicas",
            "kafka.replicas ",
            "kafka.config.",
            "kafka.config.\n",
            "zookeeper.config.server.1",
            "kafka.config.broker.id",
        ]
    ),
    any_text,
)


def yaml_text(value: Any) -> str:
    """`value` as one YAML document on one line, or a raw trap string."""
    if isinstance(value, str) and value in YAML_TRAPS:
        return value
    try:
        return (
            yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
            .removesuffix("\n...\n")
            .strip()
        )
    except (yaml.YAMLError, ValueError):
        return str(value)


@cache
def leaf_schemas() -> dict[str, dict[str, Any]]:
    """Dotted parameter -> its JSON Schema, down to the config maps (whose keys the catalog knows)."""
    found: dict[str, dict[str, Any]] = {}

    def walk(node: dict[str, Any], prefix: str) -> None:
        if node.get("type") == "object" and "properties" in node:
            for key, child in node["properties"].items():
                walk(child, f"{prefix}{key}.")
        elif "additionalProperties" not in node:
            found[prefix[:-1]] = node

    walk(assembled(Sources().components()), "")
    return found


def from_schema(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the schema allows (the rules may still refuse them): deeper runs than random junk."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    if "oneOf" in node:
        rest = {k: v for k, v in node.items() if k != "oneOf"}
        return st.one_of(*(from_schema(rest | branch) for branch in node["oneOf"]))
    kind = node.get("type")
    if kind == "integer":
        return st.integers(node.get("minimum"), node.get("maximum"))
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        return st.from_regex(node["pattern"], fullmatch=True) if "pattern" in node else texts
    if kind == "array":
        items = from_schema(node.get("items", {}))
        return st.lists(items, min_size=node.get("minItems", 0), max_size=4, unique=node.get("uniqueItems", False))
    if isinstance(kind, list):
        return st.one_of(*(from_schema({**node, "type": k}) for k in kind if k != "object"))
    if kind == "null":
        return st.none()
    return scalars


def from_spec(spec: Any) -> st.SearchStrategy[Any]:
    """Values a catalog key allows."""
    ints = {"short": 16, "int": 32, "long": 64, "integer": 32}
    if spec.type in ints:
        bits = ints[spec.type] - 1
        low = int(spec.minimum) if spec.minimum is not None else -(1 << bits)
        high = int(spec.maximum) if spec.maximum is not None else (1 << bits) - 1
        return st.sampled_from([int(c) for c in spec.choices]) if spec.choices else st.integers(low, high)
    if spec.type in ("double", "float"):
        return st.floats(spec.minimum, spec.maximum, allow_nan=False, allow_infinity=False)
    if spec.type == "boolean":
        return st.booleans()
    item = st.sampled_from(spec.choices) if spec.choices else texts
    if spec.type in ("list", "CSV flags"):
        return st.lists(item, max_size=3, unique=True)
    return item


@cache
def plausible_pairs() -> list[tuple[str, st.SearchStrategy[Any]]]:
    pairs = [(key, from_schema(node)) for key, node in sorted(leaf_schemas().items())]
    for section, component, version in (
        ("kafka.config", "kafka-broker", "3.9"),
        ("zookeeper.config", "zookeeper", "3.8"),
        ("clients.producer", "kafka-producer", "3.9"),
        ("clients.consumer", "kafka-consumer", "3.9"),
    ):
        catalog = load_catalog(component, version)
        pairs += [(f"{section}.{spec.name}", from_spec(spec)) for spec in catalog.specs() if not spec.pattern]
    return pairs


plausible_settings = st.sampled_from(range(len(plausible_pairs()))).flatmap(
    lambda i: st.tuples(st.just(plausible_pairs()[i][0]), plausible_pairs()[i][1])
)
plausible_assignments = plausible_settings.map(lambda kv: f"{kv[0]}={yaml_text(kv[1])}")

assignments = st.one_of(
    plausible_assignments,
    plausible_assignments,
    plausible_assignments,
    st.tuples(keys, values).map(lambda kv: f"{kv[0]}={yaml_text(kv[1])}"),
    st.tuples(keys, st.sampled_from(YAML_TRAPS + DEEP_NESTING)).map(lambda kv: f"{kv[0]}={kv[1]}"),
    any_text,
)
profile_specs = st.one_of(
    st.lists(st.sampled_from(known_profiles()), min_size=1, max_size=4).map(",".join),
    st.lists(
        st.one_of(
            st.sampled_from(known_profiles()),
            st.sampled_from(
                [
                    "",
                    " ",
                    "base",
                    ".",
                    "..",
                    "../x",
                    "../profiles/ha",
                    "/etc",
                    "/etc/passwd",
                    "HA",
                    "ha ",
                    " ha",
                    "ha\n",
                    "high-availability.yaml",
                    "nope",
                    "ha;rm -rf /",
                    "$(id)",
                    "*",
                    "ha,ha",
                    "\x00",
                ]
            ),
            any_text,
        ),
        max_size=4,
    ).map(lambda words: ",".join(words)),
)


SECTIONS = ("kafka.config.", "zookeeper.config.", "clients.producer.", "clients.consumer.")


def nest(dotted: str, value: Any) -> dict[str, Any]:
    """`kafka.config.a.b` -> {"kafka": {"config": {"a.b": value}}}; other keys split at every dot."""
    section = next((s for s in SECTIONS if dotted.startswith(s)), None)
    parts = [*section[:-1].split("."), dotted[len(section) :]] if section else dotted.split(".")
    node: Any = value
    for part in reversed(parts):
        node = {part: node}
    return node  # type: ignore[no-any-return]


def deep_merge(documents: list[dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for document in documents:
        _merge_into(merged, document)
    return merged


def _merge_into(node: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(node.get(key), dict) and isinstance(value, dict):
            _merge_into(node[key], value)
        else:
            node[key] = value


site_documents = st.one_of(
    st.lists(plausible_settings, max_size=6).map(
        lambda kvs: yaml.safe_dump(deep_merge([nest(k, v) for k, v in kvs]), allow_unicode=True)
    ),
    st.lists(plausible_settings, max_size=6).map(
        lambda kvs: yaml.safe_dump(deep_merge([nest(k, v) for k, v in kvs]), allow_unicode=True)
    ),
    st.dictionaries(keys, values, max_size=6).map(
        lambda d: yaml.safe_dump(deep_merge([nest(k, v) for k, v in d.items()]), allow_unicode=True)
    ),
    st.lists(st.tuples(keys, st.sampled_from(YAML_TRAPS + DEEP_NESTING)), max_size=4).map(
        lambda pairs: "".join(f"{k}: {v}\n" for k, v in pairs)
    ),
    st.sampled_from(
        [
            "",
            "\n",
            "# only a comment\n",
            "\ufeffcluster: {name: a}\n",
            "cluster:\n  name: a\ncluster:\n  name: b\n",
            "cluster: {name: a, name: b}\n",
            "- a\n- b\n",
            "just a string\n",
            "42\n",
            "null\n",
            "---\n---\n",
            "cluster:\n\tname: a\n",
            "cluster: {name: a}\r\n",
            "kafka: {replicas: 3}\x00\n",
            ALIAS_BOMB,
            "a: &a [*a]\n",
            "summary: x\n",
            "aliases: [y]\n",
            "{? [a, b] : c}\n",
            "1: one\n",
            "null: x\n",
            "kafka:\n  config:\n    min.insync.replicas: 2\n    min.insync.replicas: 3\n",
            "<<: {cluster: {name: x}}\n",
            "cluster: {<<: [{name: a}, {name: b}]}\n",
            "kafka: " + "[" * 5000 + "]" * 5000 + "\n",
            "clients: {producer: {client.id: " + "x" * 200_000 + "}}\n",
        ]
    ),
    texts,
)


# --- the properties ----------------------------------------------------------------------------------


@fuzz(weight=0.25, default=80)
@given(spec=st.one_of(st.just("ha"), st.just("dev"), profile_specs), sets=st.lists(assignments, max_size=3))
# Found by this test: a 29-digit CPU limit made the recovery-thread default (whole cores) divide a Decimal
# past its context's 28 digits (DivisionImpossible, a traceback) instead of reaching the catalog's int range.
@example(spec="ha", sets=["kafka.resources.limits.cpu='10000000000000000000000000000'"])
def test_random_set_values_render_or_exit_2(spec: str, sets: list[str]) -> None:
    render_or_refuse([spec, *(word for s in sets for word in ("--set", s))])


@fuzz(weight=0.05, default=30)
@given(sets=st.lists(assignments, max_size=3), output_format=st.sampled_from(["text", "md", "json"]))
def test_random_set_values_explain_or_exit_2(sets: list[str], output_format: str) -> None:
    result = invoke("explain", "ha", "--format", output_format, *(word for s in sets for word in ("--set", s)))
    assert result.exit_code in (0, 2), result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith(("error: ", "warning: ")) for line in lines), lines
    assert (result.exit_code == 2) == any(line.startswith("error: ") for line in lines), lines


@fuzz(weight=0.3, default=80)
@given(document=st.one_of(site_documents, st.binary(max_size=64)), spec=st.sampled_from(["ha", "dev", "durability"]))
def test_random_site_files_render_or_exit_2(document: str | bytes, spec: str) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-site-") as folder:
        site = Path(folder) / "site.yaml"
        site.write_bytes(document if isinstance(document, bytes) else document.encode("utf-8", "surrogatepass"))
        render_or_refuse([spec, "-f", str(site)])


@pytest.mark.parametrize("where", ["folder", "missing", "empty", "not-utf8", "device", "path-like", "no-name"])
def test_site_file_that_is_not_a_file_exits_2_or_renders(where: str, tmp_path: Path) -> None:
    paths = {
        "folder": str(tmp_path),
        "missing": str(tmp_path / "absent.yaml"),
        "empty": str(tmp_path / "empty.yaml"),
        "not-utf8": str(tmp_path / "latin1.yaml"),
        "device": "/dev/zero",
        "path-like": "../../../../../../etc",
        "no-name": "",
    }
    (tmp_path / "empty.yaml").write_bytes(b"")
    (tmp_path / "latin1.yaml").write_bytes("cluster: {name: caf\u00e9}\n".encode("latin-1"))
    code, stderr = render_or_refuse(["ha", "-f", paths[where]])
    assert code == (0 if where == "empty" else 2), stderr
    if where == "not-utf8":
        assert "not UTF-8 text" in stderr


@fuzz(weight=0.1, default=40)
@given(spec=profile_specs)
def test_random_profile_lists_render_or_exit_2(spec: str) -> None:
    render_or_refuse([spec])


@fuzz(weight=0.05, default=20)
@given(
    names=st.lists(
        st.one_of(
            st.sampled_from(["high-availability", "..", ".", "", "/etc", "../x", "a/b", ".hidden", "x\x00", "nope"]),
            any_text,
        ),
        max_size=3,
    )
)
def test_random_check_targets_exit_0_1_or_2(names: list[str]) -> None:
    with output_copy() as (out, before):
        result = invoke("check", *names, "--out", str(out))
        assert result.exit_code in (0, 1, 2), result.output
        assert snapshot(out) == before  # check never writes


# --- faithful values -------------------------------------------------------------------------------


@cache
def free_text_broker_key() -> str:
    """A server.properties key that takes any string, so its value lands in the Kafka ConfigMap."""
    merged, _, _ = load(Request("durability"), Sources())
    server = next(f for f in derived(merged, Sources())[0].config_files if f.path == "config/server.properties")
    specs = load_catalog("kafka-broker", "3.9").specs()
    set_by_derive = {s.name for s in specs if server.owner_of(s.name) is not None}
    return next(
        s.name
        for s in specs
        if s.type == "string" and s.choices is None and not s.alias_of and s.name not in set_by_derive
    )


def yaml_quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as `text` (a --set value is YAML)."""
    return yaml.safe_dump(text, default_style='"', width=1 << 30, allow_unicode=True).removesuffix("\n...\n").strip()


@fuzz(weight=0.1, default=25)
@given(value=st.text(st.characters(codec="utf-8"), max_size=60), via_site=st.booleans())
def test_any_string_round_trips_into_yaml_properties_and_json(value: str, via_site: bool) -> None:
    broker_key = free_text_broker_key()
    with tempfile.TemporaryDirectory(prefix="fuzz-faithful-") as folder:
        out = Path(folder) / "output"
        if via_site:
            site = Path(folder) / "site.yaml"
            document = {
                "clients": {"producer": {"client.id": value}, "consumer": {"group.id": value}},
                "kafka": {"config": {broker_key: value}},
            }
            # double-quoted: PyYAML writes NEL/LS/PS raw in other styles, and reads them back as line breaks
            site.write_text(yaml.safe_dump(document, default_style='"', allow_unicode=True), encoding="utf-8")
            args = ["-f", str(site)]
        else:
            args = [
                word
                for key in ("clients.producer.client.id", "clients.consumer.group.id", f"kafka.config.{broker_key}")
                for word in ("--set", f"{key}={yaml_quoted(value)}")
            ]
        result = invoke("render", "ha", *args, "--out", str(out))
        assert result.exit_code == 0, result.output
        target = out / "high-availability"

        def text(name: str) -> str:
            return (target / name).read_text(encoding="utf-8")

        assert parse_properties(text("config/producer.properties"))["client.id"] == value
        assert parse_properties(text("config/consumer.properties"))["group.id"] == value
        assert parse_properties(text("config/server.properties"))[broker_key] == value
        assert json.loads(text("config/producer.json"))["client.id"] == value
        assert json.loads(text("config/consumer.json"))["group.id"] == value
        configmap = yaml.safe_load(text("kubernetes/kafka/configmap.yaml"))
        assert configmap["data"]["server.properties"] == text("config/server.properties")
        params = yaml.safe_load(text("params.yaml"))
        assert params["clients"]["producer"]["client.id"] == value
        assert params["kafka"]["config"][broker_key] == value
        for name in ("params.yaml", "config/server.properties", "config/producer.properties"):
            assert text(name).splitlines() == text(name).split("\n")[:-1], f"{name}: a line break inside a line"
        # `check` replays the command in the header and finds nothing to change
        replay = invoke("check", "high-availability", "--out", str(out))
        assert replay.exit_code == 0, replay.output


@fuzz(weight=0.05, default=60)
@given(sets=st.lists(any_text, max_size=4), site=st.one_of(st.none(), any_text.filter(bool)))
def test_header_round_trips_any_command(sets: list[str], site: str | None) -> None:
    request = Request("high-availability", Path(site) if site is not None else None, tuple(sets))
    header = render_header(render_command(("high-availability",), request))
    assert "\n" not in header and header.isprintable()
    assert parse_render_command(header) == request


@fuzz(weight=0.05, default=60)
@given(data=st.dictionaries(texts, values, max_size=5))
def test_canonical_yaml_and_json_read_back_as_written(data: dict[str, Any]) -> None:
    assume(all(not isinstance(v, float) or v == v for v in _leaves(data)))  # nan != nan
    assume(_encodable(data))
    assert yaml.safe_load(canonical_yaml(data, "# header")) == data
    assert json.loads(json_text(data)) == data
    assert yaml.safe_load(f"k: {scalar(data)}") == {"k": data}


@fuzz(weight=0.05, default=60)
@given(
    key=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,20}", fullmatch=True),
    value=st.one_of(texts, st.lists(texts, max_size=4), st.integers(), st.booleans()),
)
def test_properties_carry_a_value_exactly_or_refuse_it(key: str, value: Any) -> None:
    try:
        text = properties_text({key: value}, "# header")
    except GeneratorError:
        assert isinstance(value, list)  # only a list item with a comma, edge spaces or nothing is refused
        return
    assert text.isascii()
    read = parse_properties(text)[key]
    if isinstance(value, list):
        assert (read.split(",") if read else []) == [properties_value(v) for v in value]
    else:
        assert read == properties_value(value)


def _leaves(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node


def _encodable(node: Any) -> bool:
    try:
        json.dumps(node, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError):
        return False
    return True
