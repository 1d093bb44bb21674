"""Rules of the brokers component that refuse what renders but breaks the cluster (issue #11 part 3):
each an exact one-line error from `kafka-profiles render` (exit 2, nothing written), naming the input
key, the layer that set it and what is allowed. Each test's docstring says what a real cluster would
do with the refused input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from generator.components.brokers.rules import STARTUP_MINIMUM_SECONDS, STARTUP_PERIOD_SECONDS
from generator.serialize import parse_properties
from generator.target import Request, build

Run = Callable[..., Result]


def refused(run: Run, tmp_path: Path, *sets: str, profile: str = "durability") -> list[str]:
    """The lines `render <profile> --set ...` exits 2 with; nothing is written."""
    out = tmp_path / "out"
    result = run("render", profile, *(word for s in sets for word in ("--set", s)), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert not out.exists()
    return result.output.splitlines()


def renders(*sets: str, profile: str = "durability") -> list[str]:
    """The warnings of a build that the rules let through."""
    return [finding.line() for finding in build(Request(profile, sets=sets)).warnings]


def server_properties(*sets: str, profile: str = "durability") -> dict[str, str]:
    return parse_properties(build(Request(profile, sets=sets)).files["config/server.properties"])


def startup_probe(profile: str = "durability") -> dict[str, int]:
    statefulset = yaml.safe_load(build(Request(profile)).files["kubernetes/kafka/statefulset.yaml"])
    probe: dict[str, int] = statefulset["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
    return probe


# --- heap and the JVM's own memory within the limit ------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "message", "profile"),
    [
        (
            ("kafka.heap.size=8G",),
            "error: kafka.heap.size: 8G leaves nothing of kafka.resources.limits.memory=8Gi for the JVM's memory "
            "beside the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which needs 2Gi "
            "of it: the kernel would OOM-kill the broker; allowed: at most 6G (set by --set kafka.heap.size=8G) [R05]",
            "durability",
        ),
        (
            ("kafka.heap.size=7G",),
            "error: kafka.heap.size: 7G leaves 1Gi of kafka.resources.limits.memory=8Gi for the JVM's memory beside "
            "the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which needs 2Gi of it: "
            "the kernel would OOM-kill the broker; allowed: at most 6G (set by --set kafka.heap.size=7G) [R05]",
            "durability",
        ),
        (
            ("kafka.heap.size=513M",),
            "error: kafka.heap.size: 513M leaves 511Mi of kafka.resources.limits.memory=1Gi for the JVM's memory "
            "beside the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which needs "
            "512Mi of it: the kernel would OOM-kill the broker; allowed: at most 512M (set by --set "
            "kafka.heap.size=513M) [R05]",
            "development",
        ),
    ],
)
def test_heap_without_room_for_the_jvm_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str, profile: str
) -> None:
    """The memory limit holds the whole JVM: metaspace, the code cache, a 1 MiB stack per thread (a
    broker runs a hundred or more), G1's own structures and NIO buffers live beside the heap. Past the
    limit the kernel OOM-kills the broker, with no OutOfMemoryError and a log recovery on restart."""
    assert refused(run, tmp_path, *sets, profile=profile) == [message]


def test_heap_within_the_jvms_share_renders_and_warns_only_for_the_page_cache() -> None:
    """6G of 8Gi fits the JVM (three quarters) but leaves less than the heap again for the page cache."""
    assert renders("kafka.heap.size=6G") == [
        "kafka.heap.size: 6G leaves less than the heap again for the page cache in kafka.resources.limits.memory: "
        "reads of recent data go to disk instead of memory (set by --set kafka.heap.size=6G) [R05, R21]"
    ]
    assert renders("kafka.heap.size=4G") == []
    assert renders("kafka.heap.size=512M", profile="development") == []


# --- requests within limits, volume, budget ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("kafka.resources.requests.cpu=4500m",),
            "error: kafka.resources.requests.cpu: 4500m is above kafka.resources.limits.cpu=4: the API server refuses "
            "the StatefulSet (a container's request must not exceed its limit); allowed: at most 4 (set by --set "
            "kafka.resources.requests.cpu=4500m) [R21]",
        ),
        (
            ("kafka.resources.requests.memory=9Gi",),
            "error: kafka.resources.requests.memory: 9Gi is above kafka.resources.limits.memory=8Gi: the API server "
            "refuses the StatefulSet (a container's request must not exceed its limit); allowed: at most 8Gi (set by "
            "--set kafka.resources.requests.memory=9Gi) [R21]",
        ),
        (
            ("kafka.resources.limits.cpu=1500m",),
            "error: kafka.resources.requests.cpu: 2 is above kafka.resources.limits.cpu=1500m: the API server refuses "
            "the StatefulSet (a container's request must not exceed its limit); allowed: at most 1500m (set by "
            "profiles/base.yaml) [R21]",
        ),
    ],
)
def test_request_above_limit_is_refused(run: Run, tmp_path: Path, sets: tuple[str, ...], message: str) -> None:
    """core/v1 validation: a container's request "must be less than or equal to cpu limit"; the API
    server refuses the broker StatefulSet, so applying the target fails halfway."""
    assert refused(run, tmp_path, *sets) == [message]


@pytest.mark.parametrize(
    "sets",
    [
        ("kafka.resources.requests.cpu=4000m",),
        ('kafka.resources.requests.cpu="0.5"', "kafka.resources.limits.cpu=500m"),
        ("kafka.resources.requests.cpu=4",),  # an integer against the string "4"
        ("kafka.resources.requests.memory=8192Mi",),
    ],
)
def test_request_up_to_the_limit_renders(sets: tuple[str, ...]) -> None:
    """Equal quantities in any spelling (4, 4000m, the integer 4; 8Gi, 8192Mi) are accepted."""
    assert renders(*sets) == []


def test_empty_volume_is_refused(run: Run, tmp_path: Path) -> None:
    """The API server refuses a PersistentVolumeClaim whose storage request is 0 ("must be greater than
    zero"): the StatefulSet controller can create no data volume, and no broker ever starts."""
    assert refused(run, tmp_path, "kafka.storage.size=0Gi") == [
        "error: kafka.storage.size: 0Gi is an empty volume: the API server refuses a PersistentVolumeClaim whose "
        "storage request is not greater than zero, so the StatefulSet can create no claim and no broker starts; "
        "allowed: a size above 0 (set by --set kafka.storage.size=0Gi) [R20]"
    ]


@pytest.mark.parametrize("profile", ["durability", "development"])
def test_budget_of_zero_is_refused(run: Run, tmp_path: Path, profile: str) -> None:
    """maxUnavailable 0 lets the eviction API evict no broker: `kubectl drain` retries forever ("Cannot
    evict pod as it would violate the pod's disruption budget"), so no node holding a broker can be
    drained or upgraded. Development too: its single broker is exactly what a one-node drain evicts."""
    assert refused(run, tmp_path, "kafka.pdb.maxUnavailable=0", profile=profile) == [
        "error: kafka.pdb.maxUnavailable: 0 lets no broker be evicted: every node drain, and with it every node "
        "upgrade, waits forever on the broker it holds; allowed: 1 or more (the budget check keeps it within "
        "replication factor - min.insync.replicas) (set by --set kafka.pdb.maxUnavailable=0) [R08]"
    ]


def test_budget_above_what_min_isr_allows_is_refused_by_the_budget_check(run: Run, tmp_path: Path) -> None:
    """The invariant over the rendered budget (checks.budget_keeps_min_isr), as the CLI prints it: a drain
    of two brokers could take two replicas of a partition, below min.insync.replicas 2 of 3."""
    assert refused(run, tmp_path, "kafka.pdb.maxUnavailable=2") == [
        "error: kubernetes/kafka/pdb.yaml: PodDisruptionBudget/kafka-broker: maxUnavailable 2 exceeds replication "
        "factor 3 - min.insync.replicas 2: a drain could stop acks=all writes to partitions with replicas on the "
        "drained brokers [R08, R25] (from kafka.pdb.maxUnavailable, set by --set kafka.pdb.maxUnavailable=2)"
    ]


def test_single_broker_in_production_is_refused(run: Run, tmp_path: Path) -> None:
    """One broker in production: every partition has one replica, and any restart stops every write."""
    assert refused(
        run,
        tmp_path,
        "kafka.replicas=1",
        "kafka.rackAware=false",
        "kafka.config.default.replication.factor=1",
        "kafka.config.offsets.topic.replication.factor=1",
        "kafka.config.transaction.state.log.replication.factor=1",
        "kafka.config.min.insync.replicas=1",
        "kafka.config.transaction.state.log.min.isr=1",
    ) == ["error: kafka.replicas: must be >= 2 in production, got 1 (set by --set kafka.replicas=1) [R09]"]


# --- startup probe and grace period ----------------------------------------------------------------------


def test_startup_probe_shorter_than_log_recovery_is_refused(run: Run, tmp_path: Path) -> None:
    """A broker answers ApiVersions only once every log is recovered; killed by its startup probe in the
    middle, it starts the recovery again from the same recovery points, a restart loop it never leaves."""
    assert refused(run, tmp_path, "kafka.probes.startupFailureThreshold=179") == [
        "error: kafka.probes.startupFailureThreshold: 179 x 10 s = 1790 s is shorter than the 30 min a broker may "
        "spend recovering its logs after a hard failure: the kubelet would kill it mid-recovery, and every restart "
        "begins the recovery again; allowed: at least 180 (set by --set kafka.probes.startupFailureThreshold=179) "
        "[R15, R24]"
    ]
    assert renders("kafka.probes.startupFailureThreshold=180") == []


def test_startup_period_is_the_templates_and_base_meets_the_minimum() -> None:
    """The rule multiplies by the template's periodSeconds, read back here so the two cannot drift."""
    for profile in ("durability", "development"):
        probe = startup_probe(profile)
        assert probe["periodSeconds"] == STARTUP_PERIOD_SECONDS
        assert probe["failureThreshold"] * probe["periodSeconds"] >= STARTUP_MINIMUM_SECONDS


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("kafka.terminationGracePeriodSeconds=219",),
            "error: kafka.terminationGracePeriodSeconds: 219 is shorter than a broker's clean shutdown may take, 190 s "
            "of controlled shutdown (controlled.shutdown.max.retries 3 x (controller.socket.timeout.ms 30000 + "
            "request.timeout.ms 30000) + 2 x controlled.shutdown.retry.backoff.ms 5000) and 30 s to close the logs: "
            "the kubelet would kill the broker before it writes its clean-shutdown marker, and its next start "
            "recovers every log; allowed: at least 220 (set by --set kafka.terminationGracePeriodSeconds=219) [R19]",
        ),
        (
            ("kafka.terminationGracePeriodSeconds=20", "kafka.config.controlled.shutdown.enable=false"),
            "error: kafka.terminationGracePeriodSeconds: 20 is shorter than a broker's clean shutdown may take, 30 s "
            "to close the logs: the kubelet would kill the broker before it writes its clean-shutdown marker, and "
            "its next start recovers every log; allowed: at least 30 (set by --set "
            "kafka.terminationGracePeriodSeconds=20) [R19]",
        ),
    ],
)
def test_grace_period_shorter_than_a_clean_shutdown_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str
) -> None:
    """SIGKILL at the end of the grace period, while the broker is still moving its leaderships away or
    closing its logs: no clean-shutdown marker, so the next start recovers every log (up to the 30 min
    the startup probe allows), and a roll waits that long for each broker."""
    assert refused(run, tmp_path, *sets) == [message]


def test_grace_period_covering_a_clean_shutdown_renders() -> None:
    """The bounds themselves: 190 s + 30 s with controlled shutdown, 30 s without."""
    assert renders("kafka.terminationGracePeriodSeconds=220") == []
    assert renders("kafka.terminationGracePeriodSeconds=30", "kafka.config.controlled.shutdown.enable=false") == []


# --- the brokers' ZooKeeper session within what the ensemble grants --------------------------------------


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("kafka.config.zookeeper.session.timeout.ms=60000",),
            "error: kafka.config.zookeeper.session.timeout.ms: 60000 is outside the 4000..40000 ms the ensemble grants "
            "(from 2 to 20 x zookeeper.config.tickTime=2000): ZooKeeper would silently give every broker a 40000 ms "
            "session instead; allowed: 4000..40000 (set by --set kafka.config.zookeeper.session.timeout.ms=60000) "
            "[R04, C05]",
        ),
        (
            ("kafka.config.zookeeper.session.timeout.ms=3000",),
            "error: kafka.config.zookeeper.session.timeout.ms: 3000 is outside the 4000..40000 ms the ensemble grants "
            "(from 2 to 20 x zookeeper.config.tickTime=2000): ZooKeeper would silently give every broker a 4000 ms "
            "session instead; allowed: 4000..40000 (set by --set kafka.config.zookeeper.session.timeout.ms=3000) "
            "[R04, C05]",
        ),
        (
            ("kafka.config.zookeeper.session.timeout.ms=60000", "zookeeper.config.maxSessionTimeout=50000"),
            "error: kafka.config.zookeeper.session.timeout.ms: 60000 is outside the 4000..50000 ms the ensemble grants "
            "(2 x zookeeper.config.tickTime=2000 to zookeeper.config.maxSessionTimeout=50000): ZooKeeper would "
            "silently give every broker a 50000 ms session instead; allowed: 4000..50000 (set by --set "
            "kafka.config.zookeeper.session.timeout.ms=60000) [R04, C05]",
        ),
        (
            ("kafka.config.zookeeper.session.timeout.ms=5000", "zookeeper.config.minSessionTimeout=6000"),
            "error: kafka.config.zookeeper.session.timeout.ms: 5000 is outside the 6000..40000 ms the ensemble grants "
            "(zookeeper.config.minSessionTimeout=6000 to 20 x zookeeper.config.tickTime=2000): ZooKeeper would "
            "silently give every broker a 6000 ms session instead; allowed: 6000..40000 (set by --set "
            "kafka.config.zookeeper.session.timeout.ms=5000) [R04, C05]",
        ),
    ],
)
def test_session_timeout_the_ensemble_would_not_grant_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str
) -> None:
    """ZooKeeper clamps a requested session timeout into minSessionTimeout..maxSessionTimeout (2 and 20 x
    tickTime by default) without telling the client: the brokers would run with a timeout nobody chose,
    shorter than the GC pauses R04 sized it for (needless leader elections), or longer (slow failover)."""
    assert refused(run, tmp_path, *sets) == [message]


@pytest.mark.parametrize(
    "sets",
    [
        ("kafka.config.zookeeper.session.timeout.ms=40000",),
        ("kafka.config.zookeeper.session.timeout.ms=4000",),
        ("kafka.config.zookeeper.session.timeout.ms=60000", "zookeeper.config.maxSessionTimeout=60000"),
        ("kafka.config.zookeeper.session.timeout.ms=60000", "zookeeper.config.tickTime=3000"),
        ("kafka.config.zookeeper.session.timeout.ms=null",),  # Kafka's 18000
    ],
)
def test_session_timeout_the_ensemble_grants_renders(sets: tuple[str, ...]) -> None:
    """Both ends of the default range, a raised maxSessionTimeout or tickTime, and Kafka's own default."""
    assert renders(*sets) == []


# --- num.recovery.threads.per.data.dir follows the CPU limit ---------------------------------------------


@pytest.mark.parametrize(
    ("sets", "threads"),
    [
        ((), "4"),
        (("kafka.resources.limits.cpu=2500m",), "2"),
        (("kafka.resources.limits.cpu=8", "kafka.resources.requests.cpu=8"), "8"),
        (("kafka.resources.limits.cpu=500m", "kafka.resources.requests.cpu=250m"), "1"),
        (("kafka.config.num.recovery.threads.per.data.dir=6",), "6"),  # set: written as set
    ],
)
def test_recovery_threads_follow_the_cpu_limit_unless_set(sets: tuple[str, ...], threads: str) -> None:
    """R24: base.yaml leaves it null, so it is one recovery thread per whole core of the CPU limit (at
    least one): a broker recovering after a hard failure uses every core it may, and a changed limit
    carries the thread count with it. A value set in the parameters is written as set."""
    assert server_properties(*sets)["num.recovery.threads.per.data.dir"] == threads
    assert server_properties(profile="development")["num.recovery.threads.per.data.dir"] == "1"  # cpu "1"


# --- broker node ids stay below the controllers' (KRaft) ---------------------------------------------------


@pytest.mark.parametrize("replicas", [1001, 3001])
def test_broker_count_never_reaches_the_controllers_node_ids(run: Run, tmp_path: Path, replicas: int) -> None:
    """KRaft brokers are node ids 0..N-1 and the controllers 3000 + ordinal, in one id space that must hold each
    id once (docs/kraft.md 2): 3001 brokers would give broker 3000 controller 3000's id. The schema's bound of
    1000 brokers (ZooKeeper mode's reserved.broker.max.id) applies in both modes, so it refuses every count
    that would reach the controllers' ids, with one line, exit 2, nothing written."""
    sets = ("kafka.clusterId=q1Sh-9_ISia_zwGINzRvyQ", f"kafka.replicas={replicas}")
    assert refused(run, tmp_path, *sets, profile="high-availability,kraft") == [
        f"error: kafka.replicas: must be <= 1000, got {replicas} (set by --set kafka.replicas={replicas})"
    ]
