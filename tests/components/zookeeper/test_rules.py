"""Rules of the ZooKeeper component that refuse what renders but breaks the ensemble (issue #11 part 3):
each an exact one-line error from `kafka-profiles render` (exit 2, nothing written), naming the input
key, the layer that set it and what is allowed. Each test's docstring says what a real cluster would
do with the refused input."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from generator.components.zookeeper.rules import (
    PROBE_WORDS,
    STARTUP_PERIOD_SECONDS,
    largest_heap,
    whitelist_words,
)
from generator.target import Request, build
from tests.conftest import REPO

Run = Callable[..., Result]
GIB, MIB = 1024**3, 1024**2


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


# --- 4lw.commands.whitelist holds every word the probes send -------------------------------------------


def test_probe_words_are_the_words_the_probe_script_sends() -> None:
    """PROBE_WORDS is what zookeeper-probe.sh sends (printf <word> >&3), and which mode sends it: a new
    probe word added to the script without the rule would be refused by every server."""
    script = (REPO / "templates/zookeeper/config/zookeeper-probe.sh.j2").read_text(encoding="utf-8")
    sent = dict(re.findall(r"^\s*(\w+)\) printf (\w{4}) >&3", script, re.MULTILINE))
    assert {word: mode for mode, word in sent.items()} == {"ruok": "live", "srvr": "ready"}
    assert set(PROBE_WORDS) == set(sent.values())
    statefulset = (REPO / "templates/zookeeper/kubernetes/zookeeper/statefulset.yaml.j2").read_text(encoding="utf-8")
    for probe, mode in (("startupProbe", "live"), ("readinessProbe", "ready"), ("livenessProbe", "live")):
        assert re.search(rf"{probe}:.*\n.*zookeeper-probe\.sh, {mode}\]", statefulset), probe


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("zookeeper.config.4lw.commands.whitelist=srvr,mntr",),
            "error: zookeeper.config.4lw.commands.whitelist: srvr,mntr leaves out ruok, which zookeeper-probe.sh "
            "sends (ruok for startup and liveness): ZooKeeper refuses a word outside the whitelist, so no server "
            "would pass its startup probe and the kubelet would restart each one forever; allowed: a list holding "
            "ruok and srvr, or * (set by --set zookeeper.config.4lw.commands.whitelist=srvr,mntr) [R15]",
        ),
        (
            ("zookeeper.config.4lw.commands.whitelist=ruok",),
            "error: zookeeper.config.4lw.commands.whitelist: ruok leaves out srvr, which zookeeper-probe.sh sends "
            "(srvr for readiness): ZooKeeper refuses a word outside the whitelist, so no server would ever be Ready "
            "and a roll would stop at its first server; allowed: a list holding ruok and srvr, or * (set by --set "
            "zookeeper.config.4lw.commands.whitelist=ruok) [R15]",
        ),
        (
            ("zookeeper.config.4lw.commands.whitelist=mntr",),
            "error: zookeeper.config.4lw.commands.whitelist: mntr leaves out ruok and srvr, which zookeeper-probe.sh "
            "sends (ruok for startup and liveness; srvr for readiness): ZooKeeper refuses a word outside the "
            "whitelist, so no server would pass its startup probe and the kubelet would restart each one forever; "
            "allowed: a list holding ruok and srvr, or * (set by --set zookeeper.config.4lw.commands.whitelist=mntr) "
            "[R15]",
        ),
        (
            ("zookeeper.config.4lw.commands.whitelist=null",),
            "error: zookeeper.config.4lw.commands.whitelist: null (ZooKeeper's default, srvr) leaves out ruok, which "
            "zookeeper-probe.sh sends (ruok for startup and liveness): ZooKeeper refuses a word outside the "
            "whitelist, so no server would pass its startup probe and the kubelet would restart each one forever; "
            "allowed: a list holding ruok and srvr, or * (set by --set zookeeper.config.4lw.commands.whitelist=null) "
            "[R15]",
        ),
    ],
)
def test_whitelist_without_a_probe_word_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str
) -> None:
    """ZooKeeper answers a word outside 4lw.commands.whitelist with "<word> is not executed because it is
    not in the whitelist.": without ruok every server fails its startup probe and is restarted forever;
    without srvr none is ever Ready, so clients and rolls wait on an ensemble that is up."""
    assert refused(run, tmp_path, *sets) == [message]


@pytest.mark.parametrize(
    "value",
    ['"*"', "ruok,srvr", '" ruok , srvr "', "srvr,ruok,mntr,conf", '"mntr,*"', '"ruok,,srvr,"', "[srvr, ruok]"],
)
def test_whitelist_holding_the_probe_words_renders(value: str) -> None:
    """What ZooKeeper reads as enabling both words: either word listed, spaces and empty items ignored,
    * anywhere enabling all (FourLetterCommands splits on commas and trims each item)."""
    assert not any("4lw" in line for line in renders(f"zookeeper.config.4lw.commands.whitelist={value}"))


def test_whitelist_words_are_read_as_zookeeper_reads_them() -> None:
    """Comma-separated and trimmed, a list comma-joined, null ZooKeeper's default srvr alone."""
    assert whitelist_words(" ruok , srvr ,, ") == ("ruok", "srvr")
    assert whitelist_words(("ruok", "srvr")) == ("ruok", "srvr")
    assert whitelist_words(None) == ("srvr",)


# --- heap: initial within max, heap and the JVM's own memory within the limit ---------------------------


def test_initial_heap_above_max_is_refused(run: Run, tmp_path: Path) -> None:
    """-Xms above -Xmx: the JVM exits at once ("Initial heap size set to a larger value than the maximum
    heap size"), so every server crash-loops."""
    assert refused(run, tmp_path, "zookeeper.heap.initial=4G") == [
        "error: zookeeper.heap.initial: 4G is above zookeeper.heap.max=2G: the JVM refuses to start (Initial heap "
        "size set to a larger value than the maximum heap size); allowed: at most 2G (set by --set "
        "zookeeper.heap.initial=4G) [R06]"
    ]
    assert renders("zookeeper.heap.initial=2G") == []


@pytest.mark.parametrize(
    ("sets", "message", "profile"),
    [
        (
            ("zookeeper.heap.initial=3G", "zookeeper.heap.max=3G"),
            "error: zookeeper.heap.max: 3G leaves nothing of zookeeper.resources.limits.memory=3Gi for the JVM's "
            "memory beside the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which "
            "needs 768Mi of it: the kernel would OOM-kill the server; allowed: at most 2304M (set by --set "
            "zookeeper.heap.max=3G) [R06]",
            "durability",
        ),
        (
            ("zookeeper.heap.max=2305M",),
            "error: zookeeper.heap.max: 2305M leaves 767Mi of zookeeper.resources.limits.memory=3Gi for the JVM's "
            "memory beside the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which "
            "needs 768Mi of it: the kernel would OOM-kill the server; allowed: at most 2304M (set by --set "
            "zookeeper.heap.max=2305M) [R06]",
            "durability",
        ),
        (
            ("zookeeper.heap.max=257M",),
            "error: zookeeper.heap.max: 257M leaves 255Mi of zookeeper.resources.limits.memory=512Mi for the JVM's "
            "memory beside the heap (metaspace, code cache, thread stacks, GC structures, direct buffers), which "
            "needs 256Mi of it: the kernel would OOM-kill the server; allowed: at most 256M (set by --set "
            "zookeeper.heap.max=257M) [R06]",
            "development",
        ),
    ],
)
def test_heap_without_room_for_the_jvm_is_refused(
    run: Run, tmp_path: Path, sets: tuple[str, ...], message: str, profile: str
) -> None:
    """The container's limit holds the whole JVM, not only its heap: metaspace, the JIT code cache, a
    stack per thread, G1's remembered sets and NIO buffers live beside it. A heap that leaves them less
    than largest_heap's share gets the server OOM-killed by the kernel (no OutOfMemoryError, no heap
    dump), and a server killed while the ensemble is short of one loses quorum."""
    assert refused(run, tmp_path, *sets, profile=profile) == [message]


def test_the_largest_heap_is_openj9s_container_split_and_fits_the_committed_targets() -> None:
    """Half below 1Gi, the limit less 512Mi up to 2Gi, three quarters above: continuous at both steps;
    the committed targets' heaps fit (development's 256M in 512Mi and 512M in 1Gi exactly)."""
    assert largest_heap(512 * MIB) == 256 * MIB
    assert largest_heap(GIB) == 512 * MIB
    assert largest_heap(2 * GIB) == 3 * GIB // 2 == 2 * GIB * 3 // 4
    assert largest_heap(3 * GIB) == 2304 * MIB
    assert largest_heap(8 * GIB) == 6 * GIB
    assert renders("zookeeper.heap.max=2304M") == []
    assert renders("zookeeper.heap.max=256M", profile="development") == []


# --- requests within limits ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (
            ("zookeeper.resources.requests.cpu=2500m",),
            "error: zookeeper.resources.requests.cpu: 2500m is above zookeeper.resources.limits.cpu=2: the API server "
            "refuses the StatefulSet (a container's request must not exceed its limit); allowed: at most 2 (set by "
            "--set zookeeper.resources.requests.cpu=2500m) [R06]",
        ),
        (
            ("zookeeper.resources.requests.memory=4Gi",),
            "error: zookeeper.resources.requests.memory: 4Gi is above zookeeper.resources.limits.memory=3Gi: the API "
            "server refuses the StatefulSet (a container's request must not exceed its limit); allowed: at most 3Gi "
            "(set by --set zookeeper.resources.requests.memory=4Gi) [R06]",
        ),
    ],
)
def test_request_above_limit_is_refused(run: Run, tmp_path: Path, sets: tuple[str, ...], message: str) -> None:
    """core/v1 validation: a container's request "must be less than or equal to cpu limit"; the API
    server refuses the whole StatefulSet, so `kubectl apply` of the target fails halfway."""
    assert refused(run, tmp_path, *sets) == [message]


@pytest.mark.parametrize(
    "sets",
    [
        ("zookeeper.resources.requests.cpu=2",),  # equal, as a string
        ("zookeeper.resources.requests.cpu=2000m",),  # equal, in millicores
        ('zookeeper.resources.requests.cpu="1.5"', "zookeeper.resources.limits.cpu=1500m"),
        ("zookeeper.resources.requests.memory=3Gi",),
        ("zookeeper.resources.requests.memory=3072Mi",),
    ],
)
def test_request_up_to_the_limit_renders(sets: tuple[str, ...]) -> None:
    """Equal quantities in any spelling (2, 2000m; 3Gi, 3072Mi) are what the API server accepts."""
    assert renders(*sets) == []


# --- volumes, budget, startup probe ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["data", "datalog"])
def test_empty_volume_is_refused(run: Run, tmp_path: Path, name: str) -> None:
    """The API server refuses a PersistentVolumeClaim whose storage request is 0 ("must be greater than
    zero"): the StatefulSet controller can create no claim, and no server ever starts."""
    assert refused(run, tmp_path, f"zookeeper.storage.{name}=0Gi") == [
        f"error: zookeeper.storage.{name}: 0Gi is an empty volume: the API server refuses a PersistentVolumeClaim "
        "whose storage request is not greater than zero, so the StatefulSet can create no claim and no server "
        f"starts; allowed: a size above 0 (set by --set zookeeper.storage.{name}=0Gi) [R20]"
    ]
    assert renders(f"zookeeper.storage.{name}=1Mi") == []


def test_budget_of_zero_is_refused_by_the_schema(run: Run, tmp_path: Path) -> None:
    """maxUnavailable 0 would let no server be evicted, so every node drain and node upgrade would hang
    on the node holding one; the schema (minimum 1) refuses it before the rules run."""
    assert refused(run, tmp_path, "zookeeper.pdb.maxUnavailable=0") == [
        "error: zookeeper.pdb.maxUnavailable: must be >= 1, got 0 (set by --set zookeeper.pdb.maxUnavailable=0)"
    ]


def test_startup_probe_shorter_than_initlimit_is_refused(run: Run, tmp_path: Path) -> None:
    """initLimit x tickTime is the time the ensemble gives a server to take in the whole database; the
    startup probe (ruok, answered only once the snapshot and transaction log are loaded) must allow as
    much, or a server with a database that large is killed mid-load on every start and never rejoins."""
    assert refused(run, tmp_path, "zookeeper.config.initLimit=200") == [
        "error: zookeeper.probes.startupFailureThreshold: 60 x 5 s = 300 s is shorter than initLimit x tickTime = "
        "200 x 2000 ms = 400 s, the time the ensemble gives a server to take in its whole database: a server "
        "loading a database that large is restarted before it answers, every time; allowed: at least 80 (set by "
        "profiles/base.yaml) [R15]"
    ]
    assert renders("zookeeper.config.initLimit=200", "zookeeper.probes.startupFailureThreshold=80") == []
    assert renders("zookeeper.config.initLimit=150") == []


def test_startup_period_is_the_templates() -> None:
    """The rule multiplies by the template's periodSeconds, read back here so the two cannot drift."""
    rendered = yaml.safe_load(build(Request("durability")).files["kubernetes/zookeeper/statefulset.yaml"])
    probe = rendered["spec"]["template"]["spec"]["containers"][0]["startupProbe"]
    assert probe["periodSeconds"] == STARTUP_PERIOD_SECONDS
