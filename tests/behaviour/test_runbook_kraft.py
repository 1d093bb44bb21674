"""The runbook IDs that name ZooKeeper, in KRaft terms (docs/kraft.md 6): one test per counterpart, read off
what a user deploys with `render <profile>,kraft` and what `explain` says of it.

docs/runbook-coverage.md points at these tests beside the ZooKeeper-mode ones of test_runbook.py; each cites
its IDs in its docstring, which the coverage test checks.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import cli
from generator.errors import ParamsError
from generator.serialize import parse_properties
from generator.target import Build, Request, build

KRAFT_CLUSTER_ID = "q1Sh-9_ISia_zwGINzRvyQ"  # any id of the right form: these targets are built, not committed

HA = "high-availability,kraft"
ID = f"kafka.clusterId={KRAFT_CLUSTER_ID}"
CONTROLLERS = "kubernetes/controller/statefulset.yaml"


@cache
def target(spec: str = HA, *sets: str) -> Build:
    return build(Request(spec, sets=(ID, *sets)))


def doc(path: str, spec: str = HA) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(target(spec).files[path])
    return loaded


def controller_pod(spec: str = HA) -> dict[str, Any]:
    pod: dict[str, Any] = doc(CONTROLLERS, spec)["spec"]["template"]["spec"]
    return pod


def env(pod: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in pod["containers"][0]["env"]}


@cache
def explained(spec: str = HA) -> dict[str, Any]:
    """`kafka-profiles explain <spec> --format json`, as a user runs it."""
    result = CliRunner().invoke(cli, ["explain", spec, "--set", ID, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def cited(key: str, spec: str = HA) -> list[str]:
    """The runbook IDs `explain` shows beside a setting of a KRaft target."""
    [setting] = [s for s in explained(spec)["settings"] if s["key"] == key]
    ids: list[str] = setting["ids"]
    return ids


def refused(*sets: str) -> list[str]:
    with pytest.raises(ParamsError) as caught:
        build(Request(HA, sets=(ID, *sets)))
    return list(caught.value.problems)


def test_kraft_session_timeout_is_explicit() -> None:
    """R04, C05 in KRaft: zookeeper.session.timeout.ms is gone in 4.x; the controllers' broker lease
    broker.session.timeout.ms is explicit at 18000 (its default is 9000, so the value changes behaviour) with
    broker.heartbeat.interval.ms 2000, in the brokers' and the controllers' files alike."""
    for path in ("config/server.properties", "config/controller/server.properties"):
        props = parse_properties(target().files[path])
        assert (props["broker.session.timeout.ms"], props["broker.heartbeat.interval.ms"]) == ("18000", "2000")
        assert not [key for key in props if key.startswith("zookeeper.")]
    assert {"R04", "C05"} <= set(cited("kafka.config.broker.session.timeout.ms"))
    assert "R04" in cited("kafka.config.broker.heartbeat.interval.ms")


def test_controller_heap_and_resources() -> None:
    """R06 in KRaft: the controllers take ZooKeeper's sizing row: -Xms2G -Xmx2G, cpu 500m to 2, 5Gi of memory
    and a 10Gi volume for the metadata log (upstream: 5GB of memory and disk are enough for a typical
    cluster; the figures are ours)."""
    pod = controller_pod()
    assert env(pod)["KAFKA_HEAP_OPTS"] == "-Xms2G -Xmx2G"
    resources = pod["containers"][0]["resources"]
    assert [(r["cpu"], r["memory"]) for r in (resources["requests"], resources["limits"])] == [
        ("500m", "5Gi"),
        ("2", "5Gi"),
    ]
    [claim] = doc(CONTROLLERS)["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    for key in ("controllers.resources.requests.cpu", "controllers.resources.limits.memory", "controllers.heap.size"):
        assert "R06" in cited(key), key


def test_controller_pdb_at_quorum() -> None:
    """R07, D01 in KRaft: the controllers' PDB lets a drain take one at a time (maxUnavailable 1, not
    minAvailable = quorum), IfHealthyBudget; a budget that lets a drain plus a crash take the quorum is refused."""
    pdb = doc("kubernetes/controller/pdb.yaml")["spec"]
    assert pdb["maxUnavailable"] == 1 and "minAvailable" not in pdb
    assert pdb["unhealthyPodEvictionPolicy"] == "IfHealthyBudget"
    assert refused("controllers.pdb.maxUnavailable=2") == [
        "controllers.pdb.maxUnavailable: 2 lets a drain take 2 of 5 controllers, after which one crash loses the "
        "quorum of 3; allowed: 0 to 1 (set by --set controllers.pdb.maxUnavailable=2) [R07, D01]"
    ]
    assert "R07" in cited("controllers.pdb.maxUnavailable")  # explain shows R and C IDs; D01 is in the refusal


def test_no_single_controller_in_production_and_five_of_them() -> None:
    """R09, R10, C09 in KRaft: 5 controllers by default (3 carry the quorum + 2), never 1 in production, never
    an even count; the budget's verdict counts them."""
    assert doc(CONTROLLERS)["spec"]["replicas"] == 5
    assert refused("controllers.replicas=1") == [
        "controllers.replicas: 1 in production; allowed: 3 or 5 (5 keeps the quorum through a drain plus a crash) "
        "(set by --set controllers.replicas=1) [R09, R10, C09]"
    ]
    assert refused("controllers.replicas=4") == [
        "controllers.replicas: 4 is even: a quorum of 3 keeps no more losses than 3 controllers do; allowed: an odd "
        "count, 3 or 5 in production (set by --set controllers.replicas=4) [C09]"
    ]
    assert {"R09", "R10", "C09"} <= set(cited("controllers.replicas"))
    budget = explained()["failureBudget"]
    assert (budget["metadata_quorum"], budget["zookeeper_servers"], budget["zookeeper_losses_tolerated"]) == (
        "controllers",
        5,
        2,
    )


def test_controller_statefulset_headless_service_and_claim() -> None:
    """R11, R20 in KRaft: the controllers are a StatefulSet with one PVC (the metadata log at the image's
    /var/lib/kafka/data) and a headless Service that publishes not-ready addresses, so voters find each other
    before any is Ready."""
    statefulset = doc(CONTROLLERS)
    assert statefulset["spec"]["serviceName"] == "kafka-controller-headless"
    [claim] = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["metadata"]["name"] == "data"
    mounts = {m["name"]: m["mountPath"] for m in controller_pod()["containers"][0]["volumeMounts"]}
    assert mounts["data"] == "/var/lib/kafka/data"
    service = doc("kubernetes/controller/service-headless.yaml")["spec"]
    assert (service["clusterIP"], service["publishNotReadyAddresses"]) == ("None", True)
    assert "R20" in cited("controllers.storage.size")
    assert "R11" in cited("controllers.port")


def test_probes_on_every_controller() -> None:
    """R15 in KRaft (docs/kraft.md 3): every controller has a startup probe (ApiVersions answered on its
    listener), a readiness probe on the quorum (DescribeQuorum: a leader is known and this controller leads or
    is a caught-up voter) and a liveness probe (the listener accepts connections), all without a JVM."""
    container = controller_pod()["containers"][0]
    script = "/config/kafka-quorum.sh"
    assert container["startupProbe"]["exec"]["command"][-2:] == [script, "started"]
    assert container["readinessProbe"]["exec"]["command"][-2:] == [script, "ready"]
    assert container["livenessProbe"]["tcpSocket"] == {"port": "controller"}
    assert "DescribeQuorum" in target().files["config/controller/kafka-quorum.sh"]
    assert "R15" in cited("controllers.port")


def test_controller_rollout_pacing() -> None:
    """R19 in KRaft: one controller at a time (a StatefulSet's RollingUpdate), each Ready (a caught-up voter, by
    the readiness probe on the quorum) for minReadySeconds 2 before the next."""
    spec = doc(CONTROLLERS)["spec"]
    assert spec["minReadySeconds"] == 2
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["template"]["spec"]["containers"][0]["readinessProbe"]["exec"]["command"][-1] == "ready"
    assert "R19" in cited("controllers.minReadySeconds")


def test_controllers_spread_over_zones_one_per_node() -> None:
    """R22, R23 in KRaft: controllers spread over the zones as ZooKeeper's servers were (maxSkew 1,
    DoNotSchedule) and never two on one node; the budget's zone sentence says what a zone loss leaves of
    their quorum."""
    pod = controller_pod()
    [spread] = pod["topologySpreadConstraints"]
    assert (spread["maxSkew"], spread["topologyKey"], spread["whenUnsatisfiable"]) == (
        1,
        "topology.kubernetes.io/zone",
        "DoNotSchedule",
    )
    [apart] = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert apart["topologyKey"] == "kubernetes.io/hostname"
    assert apart["labelSelector"]["matchLabels"] == doc(CONTROLLERS)["spec"]["selector"]["matchLabels"]
    readme = target().files["README.md"]
    assert (
        "- Controllers after the loss of a zone: 3 of 5 controllers left (2 in the largest zone), quorum of 3 kept."
        in readme.splitlines()
    )
    assert "R22" in cited("cluster.zones")
    assert "R23" in cited("controllers.replicas")


def test_kraft_targets_run_kafka_41() -> None:
    """C07 in KRaft: Kafka 4.1.2 (apache/kafka:4.1.2) for brokers and controllers; KRaft on 3.9 refused."""
    assert controller_pod()["containers"][0]["image"] == "apache/kafka:4.1.2"
    broker = yaml.safe_load(target().files["kubernetes/kafka/statefulset.yaml"])["spec"]["template"]["spec"]
    assert broker["containers"][0]["image"] == "apache/kafka:4.1.2"
    assert "C07" in cited("kafka.version")


# Every runbook ID that names ZooKeeper (docs/kraft.md 6), and the tests of this file's kind that prove its
# KRaft counterpart. R03 is pending in both modes: no alert rule is rendered.
ZOOKEEPER_IDS = ("R04", "R06", "R07", "R09", "R10", "R11", "R15", "R19", "R20", "R22", "R23", "C05", "C07", "C09")
KRAFT_TESTS = ("tests/behaviour/test_runbook_kraft.py::", "tests/components/budget/test_kraft_budget.py::")


def test_every_zookeeper_id_has_its_kraft_row() -> None:
    """R03, R04, R06, R07, R09, R10, R11, R15, R19, R20, R22, R23, C05, C07, C09, D01: docs/runbook-coverage.md
    says what each does in KRaft and names a KRaft test for it (tests/behaviour/test_coverage.py checks that the
    files and tests exist and cite the ID); R03 says its KRaft alerts are pending too."""
    from tests.behaviour.test_coverage import refs, rows

    table = rows()
    for runbook_id in (*ZOOKEEPER_IDS, "D01"):
        _, _, _, tests, status = table[runbook_id]
        assert "KRaft" in status, runbook_id
        assert any(ref.startswith(KRAFT_TESTS) for ref in refs(tests)), runbook_id
    assert "KRaft" in table["R03"][4] and "pending" in table["R03"][4]
