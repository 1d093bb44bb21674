"""A target's ZooKeeper or KRaft controller pods and its Kafka brokers, started from their rendered pod
templates.

Which pods run: the first `zookeepers` ordinals of the ZooKeeper StatefulSet (ZooKeeper mode) or the first
`controllers` ordinals of the controller StatefulSet (KRaft: a set running start-kafka.sh whose
server.properties says process.roles=controller), and `brokers` broker pods (ordinals in order when the
target has one broker StatefulSet; one pod from each set in turn when it has one per zone). Tests say how
many of the target's pods they run. Cluster DNS is an /etc/hosts bound into
every container: per-pod names through the set's governing Service, and every Service name to the
addresses of the running pods its selector picks (no ClusterIP, no kube-proxy: a Service name resolves
like a headless one, to its pods). A name whose pods do not run does not resolve, as in the cluster.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .artifacts import ensure_classpath
from .imagefs import layout_for
from .inputs import REPO_ROOT, Target, committed_target
from .kubelet import Pod
from .netns import Network
from .podspec import Manifests, StatefulSet, selected
from .probes import ClusterView, kafka_metadata
from .process import ServerProcess, wait_until
from .properties import to_dict

CLIENT_TIMEOUT_S = 240.0


def image_version(image: str) -> str:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    if ":" not in last:
        raise ValueError(f"image {image!r} has no tag")
    return last.rsplit(":", 1)[1]


def _pinned_zone(statefulset: StatefulSet) -> str | None:
    """The zone a set's required node affinity pins it to, when it names exactly one."""
    affinity = statefulset.pod_spec.get("affinity", {}).get("nodeAffinity", {})
    terms = affinity.get("requiredDuringSchedulingIgnoredDuringExecution", {}).get("nodeSelectorTerms", [])
    for term in terms:
        for expr in term.get("matchExpressions", []):
            if expr.get("key") == "topology.kubernetes.io/zone" and expr.get("operator") == "In":
                values = expr.get("values", [])
                if len(values) == 1:
                    return str(values[0])
    return None


class PodCluster:
    def __init__(self, target: Target, workdir: Path, zookeepers: int, brokers: int, controllers: int = 0):
        self.target = target
        self.workdir = workdir
        self.manifests = Manifests.load(target.root)
        params = target.params
        self.zones: list[str] = [str(z) for z in params["cluster"].get("zones", [])] or [""]
        self.kraft = params["kafka"].get("mode") == "kraft"
        zookeeper_version = None if self.kraft else str(params["zookeeper"]["version"])
        self.classpath = ensure_classpath(str(params["kafka"]["version"]), zookeeper_version)
        zk_sets = self.manifests.statefulsets_running("start-zookeeper.sh")
        if len(zk_sets) > 1 or (zookeepers and not zk_sets):
            raise ValueError(f"expected one ZooKeeper StatefulSet, found {[s.name for s in zk_sets]}")
        self.zookeeper_set: StatefulSet | None = zk_sets[0] if zk_sets else None
        kafka_sets = self.manifests.statefulsets_running("start-kafka.sh")
        self.controller_sets = [s for s in kafka_sets if self._roles(s) == "controller"]
        self.broker_sets = [s for s in kafka_sets if s not in self.controller_sets]
        if self.zookeeper_set is not None and zookeepers > self.zookeeper_set.replicas:
            raise ValueError(f"the target has {self.zookeeper_set.replicas} ZooKeeper pods, not {zookeepers}")
        self.network = Network(workdir / "net")
        self.zookeeper: list[Pod] = []
        self.controllers: list[Pod] = []
        self.brokers: list[Pod] = []
        try:
            zk_set = self.zookeeper_set
            zk_plan = [(zk_set, o) for o in zk_set.ordinals()[:zookeepers]] if zk_set is not None else []
            controller_plan = self._plan(self.controller_sets, controllers, "controller")
            broker_plan = self._plan(self.broker_sets, brokers, "broker")
            plan = [*zk_plan, *controller_plan, *broker_plan]
            names = [s.pod_name(o) for s, o in plan]
            for name in [*names, "client"]:
                self.network.add_pod(name)
            zones = itertools.cycle(self.zones)
            planned = [(s, o, _pinned_zone(s) or next(zones)) for s, o in plan]
            self.hosts_base = self._cluster_dns(planned)
            for index, (statefulset, ordinal, zone) in enumerate(planned):
                pod = self._pod(statefulset, ordinal, zone or None, f"node-{index}")
                if statefulset is self.zookeeper_set:
                    self.zookeeper.append(pod)
                else:
                    (self.controllers if statefulset in self.controller_sets else self.brokers).append(pod)
        except BaseException:
            self.network.close()
            raise

    def _roles(self, statefulset: StatefulSet) -> str:
        """process.roles of the server.properties in the ConfigMap the pod mounts ("" in ZooKeeper mode)."""
        for volume in statefulset.volumes().values():
            if "configMap" in volume:
                data = self.manifests.config_map(str(volume["configMap"]["name"])).get("data", {})
                if "server.properties" in data:
                    return to_dict(data["server.properties"]).get("process.roles", "")
        return ""

    def _plan(self, sets: list[StatefulSet], count: int, what: str) -> list[tuple[StatefulSet, int]]:
        per_set = [[(s, o) for o in s.ordinals()] for s in sets]
        rows = [row for column in itertools.zip_longest(*per_set) for row in column if row is not None]
        if count > len(rows):
            raise ValueError(f"the target has {len(rows)} {what} pods, not {count}")
        return rows[:count]

    def _cluster_dns(self, planned: list[tuple[StatefulSet, int, str]]) -> str:
        lines = ["127.0.0.1\tlocalhost"]
        domain = str(self.target.params["cluster"]["clusterDomain"])
        labelled = []
        for statefulset, ordinal, zone in planned:
            name, address = statefulset.pod_name(ordinal), self.network.address(statefulset.pod_name(ordinal))
            if statefulset.service_name:
                lines.append(f"{address}\t{name}.{statefulset.service_name}.{statefulset.namespace}.svc.{domain}")
            labelled.append((statefulset.namespace, statefulset.pod_labels(ordinal, zone or None), address))
        for service in self.manifests.of_kind("Service"):
            meta = service["metadata"]
            namespace = meta.get("namespace", "default")
            for pod_ns, labels, address in labelled:
                if pod_ns == namespace and selected(service, labels):
                    lines.append(f"{address}\t{meta['name']}.{namespace}.svc.{domain}")
        return "\n".join(lines) + "\n"

    def hosts_for(self, statefulset: StatefulSet, ordinal: int) -> str:
        """The kubelet's managed /etc/hosts (own address and names first), then the cluster's names."""
        name, address = statefulset.pod_name(ordinal), self.network.address(statefulset.pod_name(ordinal))
        domain = str(self.target.params["cluster"]["clusterDomain"])
        fqdn = f"{name}.{statefulset.service_name}.{statefulset.namespace}.svc.{domain}"
        return f"# Kubernetes-managed hosts file (kafka-profiles pod-spec harness).\n{address}\t{fqdn}\t{name}\n" + (
            self.hosts_base
        )

    def _pod(self, statefulset: StatefulSet, ordinal: int, zone: str | None, node: str) -> Pod:
        image = str(statefulset.container().spec["image"])
        pod = Pod(
            statefulset,
            ordinal,
            manifests=self.manifests,
            layout=layout_for(image, image_version(image)),
            classpath=self.classpath,
            netns=self.network.pod_ns(statefulset.pod_name(ordinal)),
            address=self.network.address(statefulset.pod_name(ordinal)),
            zone=zone,
            node=node,
            hosts=self.hosts_for(statefulset, ordinal),
            workroot=self.workdir,
        )
        pod.node_call = self.network.call  # type: ignore[method-assign]
        return pod

    # --- lifecycle -----------------------------------------------------------------------------------------
    def start(self, timeout: float = 600.0) -> None:
        """ZooKeeper or controller pods first (Parallel), every one Ready; then the brokers, every one Ready."""
        for group in (self.zookeeper, self.controllers, self.brokers):
            for pod in group:
                pod.start_container()
            self.wait_ready(group, timeout)

    def wait_ready(self, pods: Sequence[Pod], timeout: float, min_ready_seconds: float = 0.0) -> None:
        # Not watched for exits: the kubelet restarts a crashed container (back-off) and the wait goes on.
        names = [p.name for p in pods]
        try:
            wait_until(lambda: all(p.available(min_ready_seconds) for p in pods), timeout, f"{names} Ready")
        except TimeoutError as error:
            raise TimeoutError(f"{error}\n{self.describe()}") from None

    def stop(self) -> None:
        """Brokers first (a broker whose ZooKeeper or controllers are gone hangs in controlled shutdown), then
        the controllers, then ZooKeeper."""
        try:
            for pod in [*reversed(self.brokers), *self.controllers, *self.zookeeper]:
                pod.stop()
        finally:
            self.network.close()

    def all_pods(self) -> list[Pod]:
        return [*self.zookeeper, *self.controllers, *self.brokers]

    def describe(self) -> str:
        parts = []
        for pod in self.all_pods():
            if pod.container is not None:
                parts.append(pod.container.describe())
            parts.append(f"{pod.name} events: {pod.events[-5:]}; probes: {pod.probes.history[-2:]}")
        return "\n".join(parts)

    # --- what the harness asks the brokers, from the node namespace --------------------------------------
    @property
    def kafka_port(self) -> int:
        return self.brokers[0].spec.port("kafka") if self.brokers else 9092

    def metadata(self, pod: Pod, topics: tuple[str, ...] = ()) -> ClusterView | None:
        try:
            return self.network.call(lambda: kafka_metadata(pod.address, self.kafka_port, topics, timeout=3.0))
        except OSError:
            return None

    def broker_id(self, pod: Pod) -> int:
        return pod.ordinal  # what start-kafka.sh derives from the pod name

    # --- clients, in a pod of their own that resolves the cluster's names --------------------------------
    def client_command(self, args: Sequence[str]) -> list[str]:
        hosts = self.workdir / "client-hosts"
        hosts.write_text(self.hosts_base, encoding="utf-8")
        return ["nsenter", f"--net={self.network.pod_ns('client')}", "--", "bwrap", "--dev-bind", "/", "/",
                "--ro-bind", str(hosts), "/etc/hosts", "--die-with-parent", "--chdir", str(REPO_ROOT), "--",
                *args]  # fmt: skip

    def python_client(self, mode: str, spec: dict[str, Any], log_name: str) -> ServerProcess:
        """tests/realcluster/podclient.py in the client pod, in the background; its result goes to spec['out']."""
        spec_file = self.workdir / f"{log_name}.spec.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        command = self.client_command([sys.executable, "-m", "tests.realcluster.podclient", mode, str(spec_file)])
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(REPO_ROOT)}
        return ServerProcess(log_name, command, env, self.workdir / f"{log_name}.log", self.workdir)

    def run_client(self, mode: str, spec: dict[str, Any], log_name: str, timeout: float = CLIENT_TIMEOUT_S) -> Any:
        out = self.workdir / f"{log_name}.out.json"
        out.unlink(missing_ok=True)
        with self.python_client(mode, {**spec, "out": str(out)}, log_name) as process:
            if not process.wait_exit(timeout):
                raise TimeoutError(f"client {mode} not done after {timeout:.0f} s\n{process.describe()}")
            if process.returncode != 0 or not out.exists():
                raise RuntimeError(f"client {mode} failed\n{process.describe()}")
        return json.loads(out.read_text(encoding="utf-8"))

    def generated_client_config(self, name: str) -> dict[str, Any]:
        """output/<target>/config/<name> as generated, unchanged (its bootstrap name resolves in the client pod)."""
        config: dict[str, Any] = json.loads(self.target.file(name).read_text(encoding="utf-8"))
        return config


def wait_for_brokers(cluster: PodCluster, pods: Sequence[Pod], timeout: float = 180.0) -> None:
    """Every running broker lists exactly `pods` and has a controller among them."""
    ids = {cluster.broker_id(p) for p in pods}

    def registered() -> bool:
        for pod in pods:
            view = cluster.metadata(pod)
            if view is None or view.controller_id not in ids or {b.node_id for b in view.brokers} != ids:
                return False
        return True

    try:
        wait_until(registered, timeout, f"brokers {sorted(ids)} registered")
    except TimeoutError as error:
        raise TimeoutError(f"{error}\n{cluster.describe()}") from None


@contextlib.contextmanager
def running_pods(
    target: str | Target,
    workdir: Path,
    zookeepers: int = 3,
    brokers: int = 3,
    start: bool = True,
    controllers: int = 0,
) -> Iterator[PodCluster]:
    """The target's pods started (or only prepared); every process stopped on exit, whatever happened."""
    _require_tools()
    chosen = committed_target(target) if isinstance(target, str) else target
    cluster = PodCluster(chosen, workdir, zookeepers, brokers, controllers)
    try:
        if start:
            cluster.start()
            wait_for_brokers(cluster, cluster.brokers)
        yield cluster
    except BaseException:
        print(cluster.describe(), file=sys.stderr)
        raise
    finally:
        cluster.stop()


def _require_tools() -> None:
    missing = [t for t in ("bwrap", "nsenter", "setpriv", "unshare", "ip") if shutil.which(t) is None]
    if missing:
        raise RuntimeError(
            f"the pod-spec harness needs {', '.join(missing)} (Debian: bubblewrap, util-linux, iproute2)"
        )
    if os.geteuid() != 0:
        raise PermissionError("the pod-spec harness runs containers as root with bwrap (no user namespace)")
