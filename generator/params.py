"""Check a merged parameter set: the published JSON Schema first, then cross-field rules.

Every finding names the dotted key, the layer that set it and what is allowed, on one line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from generator.profiles import Merged

SCHEMA_FILE = Path(__file__).parent / "schema" / "params.schema.json"

# Keys the generator derives per pod or from other parameters; a user value would be overwritten.
DERIVED_KEYS = {
    "kafka.config": {
        "broker.id": "derived from the pod ordinal by the start script",
        "advertised.listeners": "derived per broker from its Service (R13)",
        "listeners": "derived from kafka.ports.internal",
        "zookeeper.connect": "derived from the ZooKeeper Services",
        "log.dirs": "derived from the data volume mount",
        "broker.rack": "derived from the pod's zone",
    },
    "zookeeper.config": {
        "dataDir": "derived from the data volume mount",
        "dataLogDir": "derived from the datalog volume mount",
        "clientPort": "set zookeeper.ports.client",
    },
    "clients.producer": {"bootstrap.servers": "derived from the bootstrap Service"},
    "clients.consumer": {"bootstrap.servers": "derived from the bootstrap Service"},
}


@dataclass(frozen=True)
class Finding:
    level: str  # "error" | "warning"
    key: str
    message: str
    source: str
    ids: tuple[str, ...] = ()

    def line(self) -> str:
        cited = f" [{', '.join(self.ids)}]" if self.ids else ""
        return f"{self.key}: {self.message} (set by {self.source}){cited}"


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return loaded


def check(merged: Merged) -> list[Finding]:
    """All findings; rules run only when the schema passed, so they can trust types."""
    findings = list(_schema_findings(merged))
    if findings:
        return findings
    for rule in RULES:
        findings.extend(rule(merged))
        if rule is catalog_keys and findings:
            return findings  # as with the schema: the rules below trust the catalog's types and ranges
    return findings


def _schema_findings(merged: Merged) -> Iterator[Finding]:
    from generator.schemacode import Refused, compiled_validator

    try:
        compiled_validator("params", SCHEMA_FILE)(merged.params)
        return
    except Refused:
        pass  # the reference validator below names every problem
    import jsonschema  # imported here: valid parameters, `--help` and `profiles` never pay for it

    validator = _validator_class()(schema())
    for error in sorted(validator.iter_errors(merged.params), key=lambda e: [str(p) for p in e.path]):
        key = ".".join(str(p) for p in error.path)
        message = _schema_message(error)
        if error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            for name in extra:
                child = f"{key}.{name}" if key else name
                allowed = ", ".join(sorted(error.schema.get("properties", {})))
                yield Finding("error", child, f"unknown parameter; known here: {allowed}", merged.source_of(child))
            continue
        assert isinstance(error, jsonschema.ValidationError)
        yield Finding("error", key or "(top level)", message, merged.source_of(key))


@cache
def _validator_class() -> Any:
    import jsonschema

    base = jsonschema.validators.validator_for(schema())
    return jsonschema.validators.extend(base, {"pattern": _pattern_keyword})  # type: ignore[no-untyped-call]


def _pattern_keyword(validator: Any, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    """`pattern` as JSON Schema (ECMA-262) means it: Python's `$` also matches before a final line
    break, so "kafka\n" would pass ^[a-z]...$ and put a line break into every object name."""
    import jsonschema

    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"(?<!\\)\$$", r"\\Z", pattern))


def _schema_message(error: Any) -> str:
    value, expected = error.instance, error.validator_value
    if error.validator == "enum":
        return f"{value!r} is not allowed; allowed: {', '.join(map(str, expected))}"
    if error.validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        return f"expected {' or '.join(kinds)}, got {type(value).__name__} {value!r}"
    if error.validator == "minimum":
        return f"must be >= {expected}, got {value!r}"
    if error.validator == "maximum":
        return f"must be <= {expected}, got {value!r}"
    if error.validator == "pattern":
        described = error.schema.get("description")
        return f"{value!r} is not valid; expected {described or 'a value matching ' + expected}"
    if error.validator == "required":
        return f"missing required parameter(s): {', '.join(sorted(set(expected) - set(value)))}"
    return str(error.message)


# --- cross-field rules -------------------------------------------------------------------------

Rule = Callable[[Merged], list[Finding]]


def _err(m: Merged, key: str, message: str, *ids: str) -> Finding:
    return Finding("error", key, message, m.source_of(key), ids)


def _warn(m: Merged, key: str, message: str, *ids: str) -> Finding:
    return Finding("warning", key, message, m.source_of(key), ids)


def _setting(config: dict[str, Any], key: str, default: Any) -> Any:
    """A config value; null (or absent) means the upstream default."""
    value = config.get(key)
    return default if value is None else value


def _production(m: Merged) -> bool:
    return bool(m.params["cluster"]["environment"] == "production")


def ensemble_size(m: Merged) -> list[Finding]:
    replicas = m.params["zookeeper"]["replicas"]
    if _production(m) and (replicas < 3 or replicas % 2 == 0):
        return [
            _err(
                m,
                "zookeeper.replicas",
                f"must be odd and >= 3 in production, got {replicas}; "
                "an even ensemble tolerates no more failures than the odd one below it",
                "R09",
                "C09",
            )
        ]
    return []


def single_broker(m: Merged) -> list[Finding]:
    replicas = m.params["kafka"]["replicas"]
    if _production(m) and replicas < 2:
        return [_err(m, "kafka.replicas", f"must be >= 2 in production, got {replicas}", "R09")]
    return []


def replication_fits_brokers(m: Merged) -> list[Finding]:
    brokers, config = m.params["kafka"]["replicas"], m.params["kafka"]["config"]
    found = []
    for name in (
        "default.replication.factor",
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
    ):
        factor = config.get(name)
        if isinstance(factor, int) and factor < 1:
            problem = f"must be >= 1, got {factor}: no topic could be created"
            found.append(_err(m, f"kafka.config.{name}", problem, "R28"))
        if isinstance(factor, int) and factor > brokers:
            found.append(
                _err(
                    m,
                    f"kafka.config.{name}",
                    f"{factor} exceeds kafka.replicas={brokers}; allowed: at most the number of brokers",
                    "R28",
                )
            )
    return found


def min_isr_fits_replication(m: Merged) -> list[Finding]:
    config = m.params["kafka"]["config"]
    found = []
    for isr_key, rf_key in (
        ("min.insync.replicas", "default.replication.factor"),
        ("transaction.state.log.min.isr", "transaction.state.log.replication.factor"),
    ):
        isr, rf = config.get(isr_key), config.get(rf_key)
        if not (isinstance(isr, int) and isinstance(rf, int)):
            continue
        key = f"kafka.config.{isr_key}"
        if isr > rf:
            found.append(
                _err(
                    m,
                    key,
                    f"{isr} exceeds {rf_key}={rf}: acks=all writes could never succeed; allowed: 1..{rf}",
                    "R25",
                )
            )
        elif isr == rf and _production(m):
            found.append(_warn(m, key, f"equals {rf_key}={rf}: losing any one replica stops acks=all writes", "R25"))
    return found


def idempotence_needs_acks_all(m: Merged) -> list[Finding]:
    producer = m.params["clients"]["producer"]
    if producer.get("enable.idempotence") is not True:
        return []
    found = []
    if str(producer.get("acks")) not in ("all", "-1"):
        found.append(
            _err(
                m,
                "clients.producer.acks",
                f"{producer.get('acks')} with enable.idempotence=true; allowed: all (or set enable.idempotence=false)",
                "R43",
            )
        )
    in_flight = producer.get("max.in.flight.requests.per.connection")
    if isinstance(in_flight, int) and in_flight > 5:
        found.append(
            _err(
                m,
                "clients.producer.max.in.flight.requests.per.connection",
                f"{in_flight} with enable.idempotence=true; allowed: 1..5",
                "R43",
            )
        )
    return found


def zookeeper_pdb_keeps_quorum(m: Merged) -> list[Finding]:
    zk = m.params["zookeeper"]
    spare = zk["replicas"] - (zk["replicas"] // 2 + 1)  # servers that can be down with quorum kept
    chosen = zk["pdb"]["maxUnavailable"]
    limit = max(spare - 1, 1)  # a drain must leave room for one crash, where the ensemble has it
    allowed = "1" if limit == 1 else f"1..{limit}"
    if _production(m) and chosen > limit:
        return [
            _err(
                m,
                "zookeeper.pdb.maxUnavailable",
                f"{chosen} lets a drain take {chosen} of {zk['replicas']} servers, leaving room for "
                f"{max(spare - chosen, 0)} crash(es) before quorum is lost; allowed: {allowed}",
                "R07",
                "D01",
            )
        ]
    return []


# The first Kubernetes minor that serves what the manifests need (fields a server older than that drops).
SERVED_FROM = (1, 27)  # persistentVolumeClaimRetentionPolicy, unhealthyPodEvictionPolicy (beta, on by default)
ZONE_LABELS_FROM = (1, 35)  # PodTopologyLabels admission copies the node's zone label onto pods (beta, on)


def kubernetes_versions_served(m: Merged) -> list[Finding]:
    versions = m.params["cluster"]["kubernetesVersions"]
    oldest = min(versions, key=lambda v: tuple(int(part) for part in v.split(".")))
    minor = tuple(int(part) for part in oldest.split("."))
    key = "cluster.kubernetesVersions"
    if minor < SERVED_FROM:
        return [
            _err(
                m,
                key,
                f"{oldest} does not serve persistentVolumeClaimRetentionPolicy and unhealthyPodEvictionPolicy, "
                "which every target uses; allowed: 1.27 or newer",
                "R18",
            )
        ]
    if m.params["kafka"]["rackAware"] and minor < ZONE_LABELS_FROM:
        return [
            _err(
                m,
                key,
                f"{oldest} does not copy the node's zone label onto pods (PodTopologyLabels admission, on by "
                "default from 1.35), which rack-aware brokers read broker.rack from; allowed: 1.35 or newer, "
                "or kafka.rackAware=false",
                "R22",
            )
        ]
    return []


def heap_below_memory_limit(m: Merged) -> list[Finding]:
    found = []
    for component, heap_key in (("kafka", "size"), ("zookeeper", "max")):
        heap = _jvm_bytes(m.params[component]["heap"][heap_key])
        limit = _k8s_bytes(m.params[component]["resources"]["limits"]["memory"])
        if heap >= limit:
            found.append(
                _err(
                    m,
                    f"{component}.heap.{heap_key}",
                    f"{m.params[component]['heap'][heap_key]} "
                    f"does not fit {component}.resources.limits.memory; allowed: below the limit, "
                    "with room for the page cache",
                    "R05",
                )
            )
    return found


def derived_keys_not_set(m: Merged) -> list[Finding]:
    found = []
    for section, keys in DERIVED_KEYS.items():
        head, tail = section.split(".")
        values = m.params[head][tail]
        for name, why in keys.items():
            if name in values:
                found.append(_err(m, f"{section}.{name}", f"is not a parameter: {why}"))
    return found


def unclean_with_durable_producer(m: Merged) -> list[Finding]:
    config, producer = m.params["kafka"]["config"], m.params["clients"]["producer"]
    if (
        config.get("unclean.leader.election.enable") is True
        and str(producer.get("acks")) in ("all", "-1")
        and producer.get("enable.idempotence") is True
    ):
        return [
            _warn(
                m,
                "kafka.config.unclean.leader.election.enable",
                "true with acks=all and idempotence: "
                "an out-of-sync leader can drop acknowledged writes, so acks=all does not make "
                "them durable",
                "C10",
                "R27",
            )
        ]
    return []


def catalog_keys(m: Merged) -> list[Finding]:
    from generator.catalog import load_catalog

    found = []
    sections = (
        ("kafka.config", "kafka-broker", version_line(m.params["kafka"]["version"])),
        ("zookeeper.config", "zookeeper", version_line(m.params["zookeeper"]["version"])),
        ("clients.producer", "kafka-producer", version_line(m.params["kafka"]["version"])),
        ("clients.consumer", "kafka-consumer", version_line(m.params["kafka"]["version"])),
    )
    for section, component, line in sections:
        head, tail = section.split(".")
        catalog = load_catalog(component, line)
        for name, value in sorted(m.params[head][tail].items()):
            if value is None or name in DERIVED_KEYS.get(section, {}):
                continue
            problem = catalog.check(name, value)
            if problem:
                found.append(_err(m, f"{section}.{name}", problem))
    return found


def clients_translatable(m: Merged) -> list[Finding]:
    from generator.derive import RDKAFKA_CONSUMER, RDKAFKA_PRODUCER

    found = []
    for section, mapping in (("producer", RDKAFKA_PRODUCER), ("consumer", RDKAFKA_CONSUMER)):
        for name in sorted(m.params["clients"][section]):
            if name not in mapping:
                found.append(
                    _err(
                        m,
                        f"clients.{section}.{name}",
                        "has no reviewed librdkafka equivalent, so producer.json/consumer.json "
                        f"could not match; allowed: {', '.join(sorted(mapping))}",
                    )
                )
    return found


def session_timeout_within_group_bounds(m: Merged) -> list[Finding]:
    timeout = m.params["clients"]["consumer"].get("session.timeout.ms")
    config = m.params["kafka"]["config"]
    low = _setting(config, "group.min.session.timeout.ms", 6000)
    high = _setting(config, "group.max.session.timeout.ms", 1800000)
    if isinstance(timeout, int) and not low <= timeout <= high:
        return [
            _err(
                m,
                "clients.consumer.session.timeout.ms",
                f"{timeout} is outside the brokers' "
                f"group.min.session.timeout.ms..group.max.session.timeout.ms = {low}..{high}: every "
                "consumer would be refused when it joins its group",
                "R30",
            )
        ]
    return []


def heap_leaves_page_cache(m: Merged) -> list[Finding]:
    heap = _jvm_bytes(m.params["kafka"]["heap"]["size"])
    limit = _k8s_bytes(m.params["kafka"]["resources"]["limits"]["memory"])
    if heap < limit < 2 * heap:
        return [
            _warn(
                m,
                "kafka.heap.size",
                f"{m.params['kafka']['heap']['size']} leaves less than the heap "
                "again for the page cache in kafka.resources.limits.memory: reads of recent data go to "
                "disk instead of memory",
                "R05",
                "R21",
            )
        ]
    return []


def partitions_per_broker(m: Merged) -> list[Finding]:
    workload, brokers = m.params["workload"], m.params["kafka"]["replicas"]
    rf = max(_setting(m.params["kafka"]["config"], "default.replication.factor", 1), 1)
    per_broker = -(-workload["totalPartitions"] * int(rf) // brokers)
    if per_broker > workload["partitionsPerBrokerBudget"]:
        return [
            _warn(
                m,
                "workload.totalPartitions",
                f"{workload['totalPartitions']} partitions x RF {rf} over "
                f"{brokers} brokers is {per_broker} replicas per broker, above the budget of "
                f"{workload['partitionsPerBrokerBudget']}: recovery and leader elections after a broker "
                "failure take longer",
                "R26",
            )
        ]
    return []


def buffer_memory_fits_batches(m: Merged) -> list[Finding]:
    from generator.derive import buffer_memory

    chosen = m.params["clients"]["producer"].get("buffer.memory")
    wanted = buffer_memory(m.params)
    if isinstance(chosen, int) and chosen < wanted:
        return [
            _warn(
                m,
                "clients.producer.buffer.memory",
                f"{chosen} is below max(32 MiB, "
                f"partitionsPerProducer x batch.size) = {wanted}: send() blocks before batches fill, "
                "which costs the throughput the batch size was chosen for",
                "R38",
            )
        ]
    return []


def zone_loss(m: Merged) -> list[Finding]:
    from generator.budget import failure_budget

    budget = failure_budget(m.params)
    kept = (budget.zone_loss_keeps_writes, budget.zone_loss_keeps_acked_data, budget.zone_loss_keeps_zookeeper)
    if not _production(m) or budget.zones == 0 or all(kept):
        return []
    lost = [
        what
        for what, kept in (
            ("acks=all writes stop", budget.zone_loss_keeps_writes),
            ("acknowledged writes can be lost", budget.zone_loss_keeps_acked_data),
            ("ZooKeeper loses quorum", budget.zone_loss_keeps_zookeeper),
        )
        if not kept
    ]
    reasons = []
    if not (budget.zone_loss_keeps_writes and budget.zone_loss_keeps_acked_data):
        reasons.append(
            "min.insync.replicas is too low for the replicas a zone takes with it"
            if budget.rack_aware
            else "kafka.rackAware is off, so one zone may hold several replicas of a partition"
        )
    if not budget.zone_loss_keeps_zookeeper:
        reasons.append("the largest zone holds too many ZooKeeper servers for the rest to be a quorum")
    why = "; ".join(reasons)
    return [
        _warn(
            m,
            "cluster.zones",
            f"losing one of {budget.zones} zone(s) with replication factor "
            f"{budget.replication_factor} and {budget.brokers} brokers: {' and '.join(lost)} ({why})",
            "R22",
            "R28",
        )
    ]


def brokers_fill_zones(m: Merged) -> list[Finding]:
    """Rack-aware replica placement gives each zone's brokers an equal share of replicas only when every
    zone holds as many brokers (R22)."""
    kafka, zones = m.params["kafka"], m.params["cluster"]["zones"]
    if not kafka["rackAware"]:
        return []
    if not zones:
        return [_err(m, "kafka.rackAware", "true with no cluster.zones; allowed: false, or list the zones", "R22")]
    brokers = kafka["replicas"]
    if brokers % len(zones) == 0 or not _production(m):
        return []
    counts = "/".join(str(brokers // len(zones) + (1 if i < brokers % len(zones) else 0)) for i in range(len(zones)))
    return [
        _warn(
            m,
            "kafka.replicas",
            f"{brokers} brokers over {len(zones)} zones is {counts}: with broker.rack, the zone with fewer "
            "brokers holds a replica of every partition its brokers can take, so they carry more than their "
            f"share; allowed: a multiple of {len(zones)}",
            "R22",
        )
    ]


CONFIG_SECTIONS = (  # parameter section -> catalog component and the version parameter it follows
    ("kafka.config", "kafka-broker", "kafka"),
    ("zookeeper.config", "zookeeper", "zookeeper"),
    ("clients.producer", "kafka-producer", "kafka"),
    ("clients.consumer", "kafka-consumer", "kafka"),
)


def config_values_representable(m: Merged) -> list[Finding]:
    """A value the properties files could not carry so that Kafka or ZooKeeper reads it back as set."""
    from generator.serialize import properties_problem

    found = []
    for section, _, _ in CONFIG_SECTIONS:
        head, tail = section.split(".")
        for name, value in sorted(m.params[head][tail].items()):
            problem = None if value is None else properties_problem(value)
            if problem:
                found.append(_err(m, f"{section}.{name}", f"cannot be written faithfully: {problem}"))
    return found


def no_secrets(m: Merged) -> list[Finding]:
    """Passwords and JAAS configs would land in ConfigMaps and plain files that anyone who can read
    the namespace (or the repository) can read; the generator writes no secret anywhere."""
    from generator.catalog import load_catalog

    found = []
    for section, component, version_of in CONFIG_SECTIONS:
        head, tail = section.split(".")
        try:
            catalog = load_catalog(component, version_line(m.params[version_of]["version"]))
        except ValueError:
            continue  # no catalog for that version: catalog_keys says so
        for name, value in sorted(m.params[head][tail].items()):
            spec = catalog.get(name)
            if value is not None and spec is not None and spec.type == "password":
                found.append(
                    _err(
                        m,
                        f"{section}.{name}",
                        "is a secret, and every output file is readable by whoever can read the "
                        "namespace or the repository; allowed: null (supply it at run time from a Secret)",
                    )
                )
    return found


RULES: tuple[Rule, ...] = (
    catalog_keys,
    clients_translatable,
    derived_keys_not_set,
    ensemble_size,
    single_broker,
    replication_fits_brokers,
    min_isr_fits_replication,
    idempotence_needs_acks_all,
    zookeeper_pdb_keeps_quorum,
    heap_below_memory_limit,
    unclean_with_durable_producer,
    session_timeout_within_group_bounds,
    heap_leaves_page_cache,
    partitions_per_broker,
    buffer_memory_fits_batches,
    zone_loss,
    brokers_fill_zones,
    kubernetes_versions_served,
    config_values_representable,
    no_secrets,
)

_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def version_line(version: str) -> str:
    """'3.9.1' -> '3.9': catalogs are kept per minor line."""
    return ".".join(version.split(".")[:2])


def _jvm_bytes(size: str) -> int:
    return int(size[:-1]) * _UNITS[size[-1]]


def _k8s_bytes(quantity: str) -> int:
    return int(quantity[:-2]) * _UNITS[quantity[-2]]
