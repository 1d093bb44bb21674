"""Tests of generator.catalog: the checker, base.yaml against the catalog, and the catalog against upstream.

The upstream cross-check reads the reference data in ../shared/reference/configs (beside the checkout),
which was extracted from the Kafka, ZooKeeper and librdkafka documentation. The project never reads it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import generator.catalog as catalog_module
from generator.catalog import Catalog, KeySpec, catalog_files, load_catalog
from tests.conftest import SHARED, shared, write

REPO = Path(__file__).resolve().parents[2]
REFERENCE = SHARED / "reference" / "configs"

# Every catalog file, by the (component, version) it declares at its top; test_catalog_files_* checks this
# against the folder.
CATALOGS = {
    ("kafka-broker", "3.9"): "kafka-3.9-broker.yaml",
    ("kafka-producer", "3.9"): "kafka-3.9-producer.yaml",
    ("kafka-consumer", "3.9"): "kafka-3.9-consumer.yaml",
    ("kafka-broker", "4.1"): "kafka-4.1-broker.yaml",
    ("kafka-producer", "4.1"): "kafka-4.1-producer.yaml",
    ("kafka-consumer", "4.1"): "kafka-4.1-consumer.yaml",
    ("zookeeper", "3.8"): "zookeeper-3.8.yaml",
    ("librdkafka", "2"): "librdkafka-2.yaml",
}
# The lines the check() tests below use, one per component: those of the committed targets.
VERSIONS = {
    "kafka-broker": "3.9",
    "kafka-producer": "3.9",
    "kafka-consumer": "3.9",
    "zookeeper": "3.8",
    "librdkafka": "2",
}
# Where base.yaml keeps the config map of each component, and the section whose `version` picks its catalog.
BASE_SECTIONS = {
    "kafka-broker": ("kafka", "config"),
    "zookeeper": ("zookeeper", "config"),
    "kafka-producer": ("clients", "producer"),
    "kafka-consumer": ("clients", "consumer"),
}
BASE_VERSION_FROM = {
    "kafka-broker": "kafka",
    "zookeeper": "zookeeper",
    "kafka-producer": "kafka",
    "kafka-consumer": "kafka",
}
# Kafka catalogs -> the reference file of the same component (kafka-<version>-<suffix>.json).
KAFKA_SUFFIX = {"kafka-broker": "broker", "kafka-producer": "producer", "kafka-consumer": "consumer"}
# Catalogs that hold every key their docs list (the 3.9 ones are a curated selection).
COMPLETE = [("kafka-broker", "4.1"), ("kafka-producer", "4.1"), ("kafka-consumer", "4.1")]
RDK_TYPES = {"enum": "enum value"}  # our librdkafka type name -> CONFIGURATION.md's, where they differ
# A placeholder in upstream's Valid Values -> ours in `choices` (the consumer's auto.offset.reset, 4.x).
UPSTREAM_FORMS = {"PnDTnHnMn.nS": "<duration>"}
NUMERIC_TYPES = {"int", "long", "short", "integer", "double", "float"}
# Where a numeric key's range comes from when it is not the upstream range column (Kafka's "Valid Values",
# librdkafka's "Range"): the topic-level twin's Valid Values, the description's words, or our own choice.
RANGE_SOURCES = {"topic", "prose", "inferred"}


def kafka_reference(component: str, version: str) -> str:
    return f"kafka-{version}-{KAFKA_SUFFIX[component]}.json"


def base_yaml() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "profiles" / "base.yaml").read_text(encoding="utf-8"))
    return data


def base_config(component: str) -> dict[str, Any]:
    section, name = BASE_SECTIONS[component]
    return dict(base_yaml()[section][name])


def base_version(component: str) -> str:
    """The catalog line base.yaml's own version picks for `component` (3.9.2 -> 3.9), as the generator does."""
    return ".".join(str(base_yaml()[BASE_VERSION_FROM[component]]["version"]).split(".")[:2])


def base_entries() -> list[Any]:
    return [
        pytest.param(component, key, value, id=f"{component}/{key}")
        for component in BASE_SECTIONS
        for key, value in base_config(component).items()
        if value is not None  # null means "derived by the generator"
    ]


def all_specs() -> list[Any]:
    return [
        pytest.param(component, version, spec, id=f"{component}-{version}/{spec.name}")
        for component, version in CATALOGS
        for spec in load_catalog(component, version).specs()
    ]


def numeric_specs() -> list[Any]:
    """Every numeric key but aliases (an alias shares its target's range)."""
    return [
        pytest.param(component, version, spec, id=f"{component}-{version}/{spec.name}")
        for component, version in CATALOGS
        for spec in load_catalog(component, version).specs()
        if spec.type in NUMERIC_TYPES and spec.alias_of is None
    ]


@functools.cache
def catalog_entries(component: str, version: str) -> dict[str, dict[str, Any]]:
    """The catalog file's raw entries, with the fields the loader does not keep (range_source)."""
    text = (REPO / "generator" / "catalog" / CATALOGS[component, version]).read_text(encoding="utf-8")
    entries: dict[str, dict[str, Any]] = yaml.safe_load(text)["keys"]
    return entries


def range_source(component: str, version: str, spec: KeySpec) -> str | None:
    source: str | None = catalog_entries(component, version)[spec.name].get("range_source")
    return source


# --- check() -------------------------------------------------------------------------------------------


def test_valid_value_passes() -> None:
    assert load_catalog("kafka-broker", "3.9").check("min.insync.replicas", 2) is None


def test_unknown_key() -> None:
    assert load_catalog("kafka-broker", "3.9").check("min.insync.replica", 2) == (
        "unknown key for kafka-broker 3.9; did you mean min.insync.replicas?"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("x", "expected int, got str 'x'"),
        (True, "expected int, got bool True"),
        (2.0, "expected int, got float 2.0"),
    ],
)
def test_int_key_refuses_other_types(value: object, reason: str) -> None:
    assert load_catalog("kafka-broker", "3.9").check("min.insync.replicas", value) == reason


@pytest.mark.parametrize(
    ("component", "version", "key"),
    [
        ("kafka-broker", "3.9", "log.retention.ms"),
        ("kafka-broker", "4.1", "log.retention.hours"),
        ("zookeeper", "3.8", "maxSessionTimeout"),
    ],
)
def test_a_value_that_means_none_is_allowed_but_not_the_gap_before_the_minimum(
    component: str, version: str, key: str
) -> None:
    """-1 means no limit (or ZooKeeper's own default), 1 and up are limits; 0 would stop the broker from
    starting (Kafka refuses 0 ms retention) or give every ZooKeeper session a 0 ms timeout."""
    catalog = load_catalog(component, version)
    assert catalog.check(key, -1) is None
    assert catalog.check(key, 1) is None
    assert catalog.check(key, 0) == "must be -1 or >= 1, got 0"
    assert catalog.check(key, -2) == "must be -1 or >= 1, got -2"


def test_below_minimum() -> None:
    assert load_catalog("kafka-broker", "3.9").check("min.insync.replicas", 0) == "must be >= 1, got 0"


@pytest.mark.parametrize(
    ("component", "key", "value", "reason"),
    [
        ("kafka-broker", "message.max.bytes", 2**31, "must be <= 2147483647 (int range), got 2147483648"),
        ("kafka-broker", "offsets.topic.replication.factor", 2**15, "must be <= 32767 (short range)"),
        ("kafka-broker", "log.retention.bytes", 2**63, "must be <= 9223372036854775807 (long range)"),
        ("kafka-broker", "log.retention.bytes", -2, "must be >= -1, got -2"),
        ("librdkafka", "statistics.interval.ms", 86400001, "must be between 0 and 86400000, got 86400001"),
    ],
)
def test_out_of_range(component: str, key: str, value: int, reason: str) -> None:
    result = load_catalog(component, VERSIONS[component]).check(key, value)
    assert result is not None
    assert result.startswith(reason)


def test_long_limits_are_exact() -> None:
    cat = load_catalog("kafka-broker", "3.9")
    assert cat.check("log.retention.bytes", 2**63 - 1) is None
    assert cat.check("log.flush.interval.messages", 2**63 - 1) is None  # its documented default
    # Every catalog key has a minimum of its own, so the lower end of the type is checked on a made-up key.
    unbounded = Catalog("test", "0", [KeySpec("any.long", "long", None, None, None, None, "A long with no range.")])
    assert unbounded.check("any.long", -(2**63)) is None
    assert unbounded.check("any.long", -(2**63) - 1) == (
        "must be >= -9223372036854775808 (long range), got -9223372036854775809"
    )


def test_enum_violation() -> None:
    producer = load_catalog("kafka-producer", "3.9")
    assert producer.check("compression.type", "brotli") == (
        "must be one of none, gzip, snappy, lz4, zstd; got 'brotli'"
    )
    assert producer.check("compression.type", "ZSTD") is not None  # case-sensitive
    assert producer.check("acks", "all") is None
    rdk = load_catalog("librdkafka", "2")
    assert rdk.check("auto.offset.reset", "earliest") is None
    assert rdk.check("auto.offset.reset", True) is not None  # YAML `yes` would render as true


def test_double_accepts_int_and_float() -> None:
    cat = load_catalog("kafka-broker", "3.9")
    assert cat.check("log.cleaner.min.cleanable.ratio", 0.3) is None
    assert cat.check("log.cleaner.min.cleanable.ratio", 1) is None
    assert cat.check("log.cleaner.min.cleanable.ratio", 1.5) == "must be between 0 and 1, got 1.5"
    assert cat.check("log.cleaner.min.cleanable.ratio", "0.3") is not None


def test_boolean_needs_bool() -> None:
    cat = load_catalog("kafka-broker", "3.9")
    assert cat.check("unclean.leader.election.enable", False) is None
    assert cat.check("unclean.leader.election.enable", "false") == "expected boolean, got str 'false'"
    assert cat.check("unclean.leader.election.enable", 0) is not None


def test_string_takes_text_and_numbers_as_their_text() -> None:
    cat = load_catalog("kafka-broker", "3.9")
    assert cat.check("zookeeper.connect", "zk-0:2181/kafka") is None
    assert cat.check("zookeeper.connect", True) == "expected string, got bool True"
    assert cat.check("zookeeper.connect", ["a"]) == "expected string, got list ['a']"
    producer = load_catalog("kafka-producer", "3.9")
    assert producer.check("acks", 1) is None  # YAML `acks: 1` is the text "1" in producer.properties
    assert producer.check("acks", 2) == "must be one of all, -1, 0, 1; got '2'"


def test_list_accepts_str_and_list() -> None:
    cat = load_catalog("kafka-broker", "3.9")
    assert cat.check("log.cleanup.policy", "compact,delete") is None
    assert cat.check("log.cleanup.policy", ["compact", "delete"]) is None
    assert cat.check("log.cleanup.policy", "compact,archive") is not None
    assert cat.check("log.cleanup.policy", [1]) is not None
    assert load_catalog("zookeeper", "3.8").check("4lw.commands.whitelist", ["srvr", "ruok"]) is None
    assert load_catalog("librdkafka", "2").check("debug", "broker,topic,msg") is None


def test_librdkafka_alias() -> None:
    cat = load_catalog("librdkafka", "2")
    assert cat.check("linger.ms", 5) is None
    assert cat.check("queue.buffering.max.ms", 0.5) is None
    assert cat.check("linger.ms", -1) == "must be between 0 and 900000, got -1"
    assert cat.canonical("linger.ms") == "queue.buffering.max.ms"
    assert cat.canonical("acks") == "request.required.acks"
    assert cat.canonical("queue.buffering.max.ms") == "queue.buffering.max.ms"
    alias = cat.get("compression.type")
    assert alias is not None and alias.alias_of == "compression.codec"
    assert cat.check("compression.type", "zstd") is None


def test_librdkafka_topic_level_keys_are_known() -> None:
    cat = load_catalog("librdkafka", "2")
    for key in ("acks", "request.required.acks", "message.timeout.ms", "partitioner", "auto.offset.reset"):
        assert cat.get(key) is not None, key


def test_zookeeper_pattern_key() -> None:
    cat = load_catalog("zookeeper", "3.8")
    assert cat.check("server.3", "kafka-zookeeper-2.kafka-zookeeper:2888:3888;2181") is None
    spec = cat.get("server.12")
    assert spec is not None and spec.name == "server.x" and spec.pattern
    assert cat.check("server.x", "host:2888:3888") == "unknown key for zookeeper 3.8"
    assert cat.check("server.", "host:2888:3888") is not None
    assert cat.check("server.1a", "host:2888:3888") is not None


def test_zookeeper_names_are_case_sensitive() -> None:
    cat = load_catalog("zookeeper", "3.8")
    assert cat.check("autopurge.snapRetainCount", 3) is None
    assert cat.check("autopurge.snapretaincount", 3) is not None
    assert cat.check("autopurge.snapRetainCount", 2) == "must be >= 3, got 2"


def test_catalog_metadata_and_cache() -> None:
    cat = load_catalog("kafka-broker", "3.9")
    assert (cat.component, cat.version) == ("kafka-broker", "3.9")
    assert load_catalog("kafka-broker", "3.9") is cat
    assert cat.keys() == sorted(cat.keys())
    with pytest.raises(ValueError, match="no catalog"):
        load_catalog("kafka-broker", "4.0")


# --- finding the catalog files ---------------------------------------------------------------------------


@pytest.fixture
def catalog_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty catalog folder of the test's own; the files are found afresh in it, and after the test."""
    monkeypatch.setattr(catalog_module, "_FOLDER", tmp_path)
    catalog_files.cache_clear()
    load_catalog.cache_clear()
    yield tmp_path
    catalog_files.cache_clear()
    load_catalog.cache_clear()


GREETER = 'component: greeter\nversion: 1\nkeys:\n  name: {type: string, doc: "Who to greet."}\n'


def test_catalog_files_are_the_yaml_files_of_the_folder() -> None:
    folder = REPO / "generator" / "catalog"
    assert dict(catalog_files()) == CATALOGS
    assert sorted(catalog_files().values()) == sorted(path.name for path in folder.glob("*.yaml"))


def test_a_file_is_found_by_the_component_and_version_at_its_top(catalog_folder: Path) -> None:
    write(catalog_folder / "anything.yaml", GREETER)
    write(catalog_folder / "README.md", "component: other\nversion: 2\n")  # not a catalog file
    assert dict(catalog_files()) == {("greeter", "1"): "anything.yaml"}
    cat = load_catalog("greeter", "1")
    assert cat.check("name", "world") is None
    assert load_catalog("greeter", "1") is cat
    with pytest.raises(ValueError, match=r"^no catalog for greeter 2 \(known: greeter 1\)$"):
        load_catalog("greeter", "2")


def test_two_files_for_one_component_version_are_refused(catalog_folder: Path) -> None:
    write(catalog_folder / "greeter-a.yaml", GREETER)
    write(catalog_folder / "greeter-b.yaml", GREETER.replace("version: 1", 'version: "1"'))
    message = "^greeter-a.yaml and greeter-b.yaml both describe greeter 1$"
    with pytest.raises(ValueError, match=message):
        catalog_files()
    with pytest.raises(ValueError, match=message):
        load_catalog("greeter", "1")


def test_a_file_without_component_and_version_is_refused(catalog_folder: Path) -> None:
    write(catalog_folder / "greeter.yaml", GREETER.replace("component: greeter\n", ""))
    with pytest.raises(ValueError, match=r"^greeter.yaml: no `component:` and `version:` at its top$"):
        catalog_files()


def test_unknown_catalog_names_the_known_ones() -> None:
    known = ", ".join(f"{component} {version}" for component, version in sorted(CATALOGS))
    with pytest.raises(ValueError) as raised:
        load_catalog("kafka-broker", "4.0")
    assert str(raised.value) == f"no catalog for kafka-broker 4.0 (known: {known})"


# --- Kafka 4.1 (KRaft only) ----------------------------------------------------------------------------


def test_4_1_broker_has_no_zookeeper_keys() -> None:
    broker = load_catalog("kafka-broker", "4.1")
    assert [spec.name for spec in broker.specs() if spec.name.startswith("zookeeper.")] == []
    reason = broker.check("zookeeper.connect", "zk-0:2181/kafka")
    assert reason is not None and reason.startswith("unknown key for kafka-broker 4.1")
    assert load_catalog("kafka-broker", "3.9").check("zookeeper.connect", "zk-0:2181/kafka") is None


def test_4_1_broker_has_the_kraft_keys_and_none_of_those_gone_in_4x() -> None:
    path = shared("reference/configs/kafka-version-diff.json", "the keys gone in 4.x are not checked")
    diff = json.loads(path.read_text(encoding="utf-8"))
    keys = set(load_catalog("kafka-broker", "4.1").keys())
    gone = {name for names in diff["broker_keys_gone_in_4x"].values() for name in names}
    assert gone and gone & keys == set()
    assert set(diff["broker_kraft_mode_keys"]["in_4.1"]) - keys == set()


@pytest.mark.parametrize(("component", "version"), COMPLETE)
def test_4_1_catalog_lists_every_documented_key(component: str, version: str) -> None:
    shared("reference/configs", "completeness of the 4.1 catalogs not checked")
    ours = set(load_catalog(component, version).keys())
    theirs = set(reference(kafka_reference(component, version)))
    assert (sorted(theirs - ours), sorted(ours - theirs)) == ([], [])


@pytest.mark.parametrize(
    ("component", "key", "in_3_9", "in_4_1"),
    [
        ("kafka-producer", "linger.ms", "0", "5"),  # KIP-1030
        ("kafka-broker", "num.recovery.threads.per.data.dir", "1", "2"),  # KIP-1030
        ("kafka-broker", "log.message.timestamp.after.max.ms", None, "3600000"),  # KIP-1030; Long.MAX in 3.9
        ("kafka-producer", "metadata.recovery.strategy", "none", "rebootstrap"),
        ("kafka-consumer", "metadata.recovery.strategy", "none", "rebootstrap"),
        ("kafka-producer", "batch.size", "16384", "16384"),
        ("kafka-consumer", "session.timeout.ms", "45000", "45000"),
    ],
)
def test_defaults_kafka_4_changed(component: str, key: str, in_3_9: str | None, in_4_1: str) -> None:
    """None for 3.9: our curated 3.9 catalog does not list the key."""
    spec = load_catalog(component, "4.1").get(key)
    assert spec is not None and spec.default == in_4_1
    old = load_catalog(component, "3.9").get(key)
    assert (None if old is None else old.default) == in_3_9


def test_4_1_ranges_and_required_keys() -> None:
    broker = load_catalog("kafka-broker", "4.1")
    assert broker.check("log.segment.bytes", 1048575) == "must be >= 1048576, got 1048575"  # KIP-1030; 14 in 3.9
    assert load_catalog("kafka-broker", "3.9").check("log.segment.bytes", 1048575) is None
    for name in ("process.roles", "node.id"):  # no default in 4.x: the generator must set them
        spec = broker.get(name)
        assert spec is not None and spec.default is None, name
    assert broker.check("process.roles", "broker,controller") is None
    assert broker.check("process.roles", ["controller"]) is None
    assert broker.check("process.roles", "broker,zookeeper") == "must be one of broker, controller; got 'zookeeper'"
    assert broker.check("node.id", -1) == "must be >= 0, got -1"


@pytest.mark.parametrize("component", ["kafka-broker", "kafka-producer"])
def test_gzip_level_is_1_to_9_or_minus_1(component: str) -> None:
    cat = load_catalog(component, "4.1")
    assert [cat.check("compression.gzip.level", level) for level in (-1, 1, 9)] == [None, None, None]
    assert cat.check("compression.gzip.level", 0) == "must be one of -1, 1, 2, 3, 4, 5, 6, 7, 8, 9; got '0'"
    assert cat.check("compression.gzip.level", 10) == "must be between -1 and 9, got 10"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("latest", True),
        ("by_duration:P1D", True),
        ("by_duration:PT1H30M", True),
        ("by_duration:P2DT0.5S", True),
        ("by_duration:PT0S", True),
        ("by_duration:", False),
        ("by_duration:P", False),
        ("by_duration:PT", False),
        ("by_duration:P1DT", False),
        ("by_duration:-P1D", False),  # Kafka refuses a negative duration
        ("by_duration:1d", False),
        ("by_duration:<duration>", False),
        ("duration:P1D", False),
    ],
)
def test_auto_offset_reset_takes_a_duration_in_4_1(value: str, valid: bool) -> None:
    reason = load_catalog("kafka-consumer", "4.1").check("auto.offset.reset", value)
    expected = f"must be one of latest, earliest, none, by_duration:<duration>; got {value!r}"
    assert reason == (None if valid else expected)
    assert (load_catalog("kafka-consumer", "3.9").check("auto.offset.reset", value) is None) == (value == "latest")


@pytest.mark.parametrize(("component", "version", "spec"), all_specs())
def test_spec_is_well_formed(component: str, version: str, spec: KeySpec) -> None:
    assert spec.doc.strip() and "\n" not in spec.doc
    if spec.default is not None:  # the documented default must pass our own check
        cat = load_catalog(component, version)
        name = spec.name.removesuffix("x") + "1" if spec.pattern else spec.name
        assert cat.check(name, parse_default(spec)) is None


def parse_default(spec: KeySpec) -> object:
    assert spec.default is not None
    if spec.type == "boolean":
        return {"true": True, "false": False}[spec.default]
    if spec.type in ("int", "short", "long", "integer"):
        return int(spec.default)
    if spec.type in ("double", "float"):
        return float(spec.default)
    return spec.default


# --- ranges (issue #11: every numeric key has the range upstream documents; negative sizes and counts refused)


@pytest.mark.parametrize(("component", "version", "spec"), numeric_specs())
def test_numeric_key_has_a_minimum(component: str, version: str, spec: KeySpec) -> None:
    where = f"{component} {version} {spec.name}"
    assert spec.minimum is not None, f"{where}: no min (upstream's range, or range_source: inferred)"
    assert spec.maximum is None or spec.minimum <= spec.maximum
    if spec.minimum < 0 and range_source(component, version, spec) is not None:
        # Below upstream's own ranges (e.g. compression.zstd.level) only -1 is allowed: "none" or "default".
        assert spec.minimum == -1, f"{spec.name}: an inferred minimum below -1"


def test_range_source_only_on_numeric_keys_with_a_minimum() -> None:
    for component, version in CATALOGS:
        for name, entry in catalog_entries(component, version).items():
            if "range_source" in entry:
                assert entry["range_source"] in RANGE_SOURCES, (component, version, name)
                assert entry["type"] in NUMERIC_TYPES and "min" in entry, (component, version, name)


@pytest.mark.parametrize(("component", "version", "spec"), numeric_specs())
def test_range_source_matches_upstream(component: str, version: str, spec: KeySpec) -> None:
    """A key without range_source has upstream's range (test_matches_upstream compares the bounds); one
    with range_source has none upstream, and `topic` names the topic-level key whose range it copies."""
    shared("reference/configs", "where the catalog's numeric ranges come from is not checked")
    source = range_source(component, version, spec)
    if component in KAFKA_SUFFIX:
        own = kafka_bounds(reference(kafka_reference(component, version))[spec.name]["valid_values"])
        if source is None:
            assert own is not None, f"{spec.name}: the {version} docs give no range; set range_source"
            return
        assert own is None, f"{spec.name}: the {version} docs give {own}; use it and drop range_source"
        twin = topic_twin(version, spec.name) if component == "kafka-broker" else None
        theirs = None if twin is None else kafka_bounds(twin["valid_values"])
        if source == "topic":
            # `unset` below the minimum: the topic's range less the gap the broker itself refuses (0 ms retention)
            low = (
                spec.unset
                if spec.unset is not None and spec.minimum is not None and spec.unset < spec.minimum
                else spec.minimum
            )
            assert theirs == (low, spec.maximum), f"{spec.name}: not the range of its topic-level key"
        else:
            assert theirs is None, f"{spec.name}: its topic-level key documents {theirs}; use range_source: topic"
    elif component == "librdkafka":
        up = (
            reference("librdkafka-2.15.0-global.json").get(spec.name)
            or reference("librdkafka-2.15.0-topic.json")[spec.name]
        )
        documented = re.fullmatch(r"(-?[\d.]+) \.\. (-?[\d.]+)", up["range"]) is not None
        assert (source is None) == documented, f"{spec.name}: range_source {source!r}, Range {up['range']!r}"
        assert source != "topic"
    else:  # the ZooKeeper guide has no range column: every bound comes from its words or from us
        assert source in ("prose", "inferred"), f"{spec.name}: range_source {source!r}"


def kafka_bounds(text: str) -> tuple[float | None, float | None] | None:
    parsed = kafka_valid_values(text)
    return None if parsed is None or parsed[0] is None else (parsed[0], parsed[1])


def topic_twin(version: str, broker_key: str) -> dict[str, Any] | None:
    """The topic-level key whose server default `broker_key` is (log.retention.ms -> retention.ms)."""
    topics = reference(f"kafka-{version}-topic.json").values()
    return next((up for up in topics if up.get("server_default_property") == broker_key), None)


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("kafka.config.num.io.threads=-1", "must be >= 1, got -1"),  # upstream [1,...]
        ("kafka.config.num.replica.fetchers=0", "must be >= 1, got 0"),  # inferred: a thread count
        ("kafka.config.log.retention.bytes=-2", "must be >= -1, got -2"),  # -1 (no limit) stays allowed
        ("kafka.config.log.cleaner.dedupe.buffer.size=1048576", "must be >= 1048577, got 1048576"),
        (
            "clients.producer.compression.zstd.level=23",
            "must be between -131072 and 22, got 23",
        ),  # upstream [-131072,...,22]
        ("clients.consumer.session.timeout.ms=0", "must be >= 1, got 0"),
        ("zookeeper.config.snapCount=1", "must be >= 2, got 1"),
        ("zookeeper.config.admin.serverPort=70000", "must be between 1 and 65535, got 70000"),
    ],
)
def test_out_of_range_setting_is_one_line_naming_key_layer_and_range(
    run: Any, tmp_path: Path, setting: str, message: str
) -> None:
    out = tmp_path / "out"
    result = run("render", "ha", "--set", setting, "--out", str(out))
    key = setting.split("=")[0]
    assert result.exit_code == 2
    assert result.stderr == f"error: {key}: {message} (set by --set {setting})\n"
    assert not out.exists()


def test_out_of_range_site_value_names_the_site_file(run: Any, tmp_path: Path, monkeypatch: Any) -> None:
    write(tmp_path / "site.yaml", "kafka:\n  config:\n    num.io.threads: 0\n")
    monkeypatch.chdir(tmp_path)
    result = run("render", "ha", "-f", "site.yaml", "--set", "zookeeper.config.tickTime=0", "--out", "out")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: zookeeper.config.tickTime: must be >= 1, got 0 (set by --set zookeeper.config.tickTime=0)",
        "error: kafka.config.num.io.threads: must be >= 1, got 0 (set by site.yaml)",
    ]
    assert not (tmp_path / "out").exists()


# --- base.yaml -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("component", "key", "value"), base_entries())
def test_base_value_passes_check(component: str, key: str, value: object) -> None:
    assert load_catalog(component, base_version(component)).check(key, value) is None


@pytest.mark.parametrize("component", list(BASE_SECTIONS))
def test_base_keys_are_known(component: str) -> None:
    known = set(load_catalog(component, base_version(component)).keys())
    assert set(base_config(component)) - known == set()


# --- upstream cross-check ------------------------------------------------------------------------------


@functools.cache
def reference(file_name: str) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads((REFERENCE / file_name).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(("component", "version", "spec"), all_specs())
def test_matches_upstream(component: str, version: str, spec: KeySpec) -> None:
    shared("reference/configs", "upstream cross-check not run")
    if component in KAFKA_SUFFIX:
        check_kafka(spec, reference(kafka_reference(component, version)), version)
    elif component == "zookeeper":
        check_zookeeper(spec, reference("zookeeper-3.8.json"))
    else:
        check_librdkafka(spec)


def check_kafka(spec: KeySpec, ref: dict[str, dict[str, Any]], version: str) -> None:
    up = ref.get(spec.name)
    assert up is not None, f"{spec.name} is not in the Kafka {version} docs"
    assert spec.type == up["type"]
    assert spec.default == kafka_default(up)
    rng = kafka_valid_values(up["valid_values"])
    if rng is None:
        return  # upstream states no range, or states it in prose
    minimum, maximum, choices = rng
    ours = None if spec.choices is None else set(spec.choices)
    if choices is not None and spec.name == "inter.broker.protocol.version":
        choices |= {v.split("-")[0] for v in choices}  # Kafka also takes the bare release, e.g. 3.8
    if choices is not None and up["valid_values"].startswith("(case insensitive)"):
        ours = None if ours is None else {c.casefold() for c in ours}
        choices = {c.casefold() for c in choices}
    assert (spec.minimum, spec.maximum, ours) == (minimum, maximum, choices)


def kafka_default(up: dict[str, Any]) -> str | None:
    text: str = up["default"]
    if up.get("no_default") or text == "null":
        return None
    if text == '""':
        return ""
    # A class list default prints as "class a.B,class c.D" (Class.toString); the value to set is a.B,c.D.
    return ",".join(item.removeprefix("class ") for item in text.split(","))


def kafka_valid_values(text: str) -> tuple[float | None, float | None, set[str] | None] | None:
    """(min, max, choices) as the docs state them; None when they state none or only prose. A range with
    one more value ("[1,...,9] or -1") is its integers plus that value, bounds included."""
    bounds = re.fullmatch(r"\[(-?[\d.]+),\.\.\.(?:,(-?[\d.]+))?\]", text)
    if bounds:
        return float(bounds[1]), None if bounds[2] is None else float(bounds[2]), None
    plus_one = re.fullmatch(r"\[(-?\d+),\.\.\.,(-?\d+)\] or (-?\d+)", text)
    if plus_one:
        values = {int(plus_one[3]), *range(int(plus_one[1]), int(plus_one[2]) + 1)}
        return float(min(values)), float(max(values)), {str(v) for v in values}
    listed = re.fullmatch(r"(?:\(case insensitive\) )?\[([^\]]*)\]", text)
    if listed:
        return None, None, {upstream_form(item.strip()) for item in listed[1].split(",")}
    return None


def upstream_form(item: str) -> str:
    for theirs, ours in UPSTREAM_FORMS.items():
        item = item.replace(theirs, ours)
    return item


def check_zookeeper(spec: KeySpec, ref: dict[str, dict[str, Any]]) -> None:
    up = ref.get(spec.name)
    assert up is not None, f"{spec.name} is not in the ZooKeeper 3.8 admin guide"
    assert up["settable_in"] != "java system property only", f"{spec.name} cannot be set in zoo.cfg"
    assert spec.pattern == ("syntax" in up)
    theirs = zookeeper_plain_default(up.get("default"), spec.type)
    if theirs is not None and spec.default is not None and is_plain(spec.default):
        assert spec.default == theirs


def zookeeper_plain_default(text: str | None, type_name: str) -> str | None:
    """The guide's prose default as a plain number or boolean, or None when it is not one."""
    if text is None:
        return None
    if type_name == "boolean":
        text = {"(enabled by default)": "true", "(disabled by default)": "false"}.get(text, text)
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 100,000 -> 100000
    text = re.sub(r"\s*\([^)]*\)$", "", text)  # 4194304 (4GB) -> 4194304
    return text if is_plain(text) else None


def is_plain(text: str) -> bool:
    return re.fullmatch(r"-?\d+(\.\d+)?|true|false", text) is not None


def check_librdkafka(spec: KeySpec) -> None:
    glob, topic = reference("librdkafka-2.15.0-global.json"), reference("librdkafka-2.15.0-topic.json")
    up = glob.get(spec.name) or topic.get(spec.name)  # a key in both tables is set globally here
    assert up is not None, f"{spec.name} is not in librdkafka's CONFIGURATION.md"
    assert spec.alias_of == up.get("alias_of")
    assert RDK_TYPES.get(spec.type, spec.type) == up["type"]
    assert spec.default == (up["default"] or None)
    text: str = up["range"]
    bounds = re.fullmatch(r"(-?[\d.]+) \.\. (-?[\d.]+)", text)
    if bounds:
        assert (spec.minimum, spec.maximum, spec.choices) == (float(bounds[1]), float(bounds[2]), None)
    elif text and spec.type in ("enum", "CSV flags"):
        assert spec.choices is not None
        assert sorted(spec.choices) == sorted(item.strip() for item in text.split(","))
