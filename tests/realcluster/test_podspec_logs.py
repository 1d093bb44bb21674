"""Defect 5 on pods started from the rendered pod spec: what the servers write into their logs emptyDir
stays under its sizeLimit, measured while driving output and bounded by the processes' own logging settings
(GC log rotation and every log4j file appender in use).

Runs 3 of the durability target's 5 ZooKeeper servers and 3 of its brokers.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .findings import Recorder
from .kubelet import Pod, usage_bytes
from .logbound import gc_log_bound, log4j_bound
from .podcluster import PodCluster, running_pods
from .podspec_fixtures import require_pod_tools
from .test_podspec_restart import java_cmdline

pytestmark = [pytest.mark.realcluster, pytest.mark.slow]
TARGET = "durability"
DRIVE_RECORDS = 30000


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[PodCluster]:
    require_pod_tools()
    with running_pods(TARGET, tmp_path / "pods") as started:
        yield started


def limited_emptydirs(pod: Pod) -> dict[str, tuple[str, int]]:
    """emptyDir volume name -> (mount path, sizeLimit bytes), for the ones with a sizeLimit."""
    found = {}
    for vm in pod.spec.spec.get("volumeMounts", []):
        volume = pod.set.volumes().get(vm["name"], {})
        limit = pod.emptydir_limit(vm["name"]) if "emptyDir" in volume else None
        if limit is not None:
            found[vm["name"]] = (str(vm["mountPath"]), limit)
    return found


def bound(pod: Pod, mount: str) -> tuple[float, list[str]]:
    assert pod.container is not None
    java = java_cmdline(pod)
    total, why = gc_log_bound(java, mount)
    props = dict(a[2:].split("=", 1) for a in java if a.startswith("-D") and "=" in a)
    config = props.get("log4j.configuration", "")
    if config.startswith("file:"):
        text = pod.container.exec(["/bin/cat", config.removeprefix("file:")], timeout=30)
        assert text.returncode == 0, text.output
        more, reasons = log4j_bound(text.output, props, mount)
        total, why = total + more, why + reasons
    return total, why


def test_logs_stay_under_the_emptydir_size_limit(cluster: PodCluster, record_finding: Recorder) -> None:
    producer = cluster.generated_client_config("producer.json")
    cluster.run_client(
        "create-topic", {"bootstrap": producer["bootstrap.servers"], "topic": "noise", "partitions": 12}, "create"
    )
    peak: dict[tuple[str, str], int] = {}

    def sample() -> None:
        for pod in cluster.all_pods():
            for name in limited_emptydirs(pod):
                key = (pod.name, name)
                peak[key] = max(peak.get(key, 0), usage_bytes(pod.emptydir(name)))

    # Drive output: a burst of writes (GC activity, request and partition logging), sampled as it goes.
    spec = {"config": producer, "topic": "noise", "keys": [f"k{n}" for n in range(32)], "count": DRIVE_RECORDS}
    out = cluster.workdir / "noise.out.json"
    with cluster.python_client("produce", {**spec, "out": str(out)}, "noise") as writer:
        while writer.alive():
            sample()
            time.sleep(2)
    assert writer.returncode == 0, writer.describe()
    sample()

    problems = []
    for pod in cluster.all_pods():
        for name, (mount, limit) in limited_emptydirs(pod).items():
            worst, why = bound(pod, mount)
            record_finding(f"{pod.name} {name}: peak bytes", peak[(pod.name, name)])
            record_finding(f"{pod.name} {name}: bound", f"{worst} of {limit} ({'; '.join(why) or 'nothing'})")
            if peak[(pod.name, name)] >= limit:
                problems.append(f"{pod.name} {name}: {peak[(pod.name, name)]} bytes >= sizeLimit {limit}")
            if worst > limit:
                problems.append(f"{pod.name} {name} ({mount}): can grow to {worst} > sizeLimit {limit}: {why}")
    assert problems == [], "\n".join(problems)
