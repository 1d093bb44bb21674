"""A rolling restart as the StatefulSet controller does it, with a pluggable readiness gate.

Each broker StatefulSet rolls on its own (sets roll at the same time, as separate controllers do), its
pods from the highest ordinal down to `partition`, one at a time: delete the pod, let the new one start,
and go on only once the gate says it has been Ready for minReadySeconds.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .kubelet import Pod
from .podcluster import PodCluster
from .process import wait_until

Gate = Callable[[PodCluster, Pod], bool]


def manifest_gate(cluster: PodCluster, pod: Pod) -> bool:
    """The pod's own readinessProbe from the rendered spec (run by the kubelet emulation) for minReadySeconds."""
    return pod.available(pod.set.min_ready_seconds)


def api_versions_gate(cluster: PodCluster, pod: Pod) -> bool:
    """The old readiness: the broker answers ApiVersions (probed from the node), then minReadySeconds."""

    def ask() -> bool:
        with socket.create_connection((pod.address, cluster.kafka_port), timeout=3) as sock:
            client = b"ready"
            request = struct.pack(">hhih", 18, 0, 1, len(client)) + client
            sock.sendall(struct.pack(">i", len(request)) + request)
            answer = sock.recv(10)
        return len(answer) >= 10 and answer[4:10] == b"\x00\x00\x00\x01\x00\x00"

    try:
        ok = cluster.network.call(ask)
    except OSError:
        ok = False
    key = (pod.name, pod.generation)
    if not ok:
        _answering_since.pop(key, None)
        return False
    since = _answering_since.setdefault(key, time.monotonic())
    return time.monotonic() - since >= pod.set.min_ready_seconds


_answering_since: dict[tuple[str, int], float] = {}


@dataclass
class IsrWatch:
    """Samples the topic's metadata from a running broker every 0.5 s while the roll goes on: every
    partition below min.insync.replicas, and when each broker was last seen missing from some ISR or from
    the live brokers (how long its catch-up lasted, to compare with when its probes ran)."""

    cluster: PodCluster
    topic: str
    min_isr: int
    samples: int = 0
    under_min: list[tuple[float, int, tuple[int, ...]]] = field(default_factory=list)  # time, partition, isr
    last_missing: dict[int, float] = field(default_factory=dict)  # broker id -> last seen missing from an ISR
    last_absent: dict[int, float] = field(default_factory=dict)  # broker id -> last seen not among live brokers
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> IsrWatch:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for pod in self.cluster.brokers:
                if pod.container is None or not pod.container.alive():
                    continue
                view = self.cluster.metadata(pod, (self.topic,))
                partitions = view.topics.get(self.topic) if view is not None else None
                if partitions and view is not None:
                    self.samples += 1
                    now = time.monotonic()
                    self.under_min += [(now, p.partition, p.isr) for p in partitions if len(p.isr) < self.min_isr]
                    live = {b.node_id for b in view.brokers}
                    for other in self.cluster.brokers:
                        if self.cluster.broker_id(other) not in live:
                            self.last_absent[self.cluster.broker_id(other)] = now
                    for partition in partitions:
                        for missing in set(partition.replicas) - set(partition.isr):
                            self.last_missing[missing] = now
                    break


def roll(cluster: PodCluster, gate: Gate, timeout_per_pod: float = 900.0) -> list[str]:
    """Restart every running broker as `kubectl rollout restart` makes the controller do; returns the order."""
    order: list[str] = []
    errors: list[BaseException] = []

    def one_set(pods: list[Pod]) -> None:
        try:
            for pod in pods:
                order.append(pod.name)
                pod.delete()
                pod.start_container()
                wait_until(lambda p=pod: gate(cluster, p), timeout_per_pod, f"{pod.name} through the gate")
        except BaseException as error:
            errors.append(error)

    threads = []
    for statefulset in cluster.broker_sets:
        pods = [p for p in cluster.brokers if p.set is statefulset and p.ordinal >= statefulset.partition]
        pods.sort(key=lambda p: p.ordinal, reverse=True)
        threads.append(threading.Thread(target=one_set, args=(pods,), daemon=True))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return order
