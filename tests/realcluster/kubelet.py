"""One pod of a rendered StatefulSet, run as the kubelet runs it: volumes, container restarts, probes.

Volumes: a PVC is a folder per claim and pod kept across pod deletions (the set's PVCs are retained); an
emptyDir is a folder per pod, kept across container restarts and wiped when the pod is deleted; a
ConfigMap volume is written from the ConfigMap object the volume names (it must exist) with the kubelet's
layout (..data symlinks) and modes; every image VOLUME no mount equals exactly gets an anonymous folder
per container, discarded when the container goes (containerd's CRI default). fsGroup: volume roots
are group-owned by it with the setgid bit, as the kubelet's SetVolumeOwnership does.
"""

from __future__ import annotations

import contextlib
import os
import posixpath
import shutil
import socket
import stat
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .container import Container, ExecResult, Mount, User
from .imagefs import ImageLayout, build_rootfs, host_binds
from .podspec import Manifests, PodIdentity, StatefulSet, command_line, container_env

# Tests cap terminationGracePeriodSeconds (300 s for brokers) so a hung stop cannot hold the run long.
GRACE_CAP_S = 120.0
# restartPolicy Always: the kubelet's crash-loop back-off, 10 s doubling to 5 minutes.
BACKOFF_START_S, BACKOFF_MAX_S = 10.0, 300.0


@dataclass
class ProbeState:
    started: bool = False
    ready: bool = False
    ready_since: float | None = None
    live_failures: int = 0
    history: list[tuple[float, str, bool, str]] = field(default_factory=list)  # time, probe, ok, output


def usage_bytes(folder: Path) -> int:
    """Disk use of a folder as the kubelet measures an emptyDir (allocated blocks, like du)."""
    total = 0
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def quantity_bytes(text: str) -> int:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    for unit, factor in units.items():
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * factor)
    return int(text)


class Pod:
    def __init__(
        self,
        statefulset: StatefulSet,
        ordinal: int,
        *,
        manifests: Manifests,
        layout: ImageLayout,
        classpath: Path,
        netns: str,
        address: str,
        zone: str | None,
        node: str,
        hosts: str,
        workroot: Path,
    ):
        self.set = statefulset
        self.ordinal = ordinal
        self.manifests = manifests
        self.layout = layout
        self.classpath = classpath
        self.netns = netns
        self.identity: PodIdentity = statefulset.identity(ordinal, zone, node, address)
        self.hosts = hosts
        self.workroot = workroot
        self.generation = 0  # a new pod of the same name after each delete
        self.container: Container | None = None
        self.restarts = 0
        self.retired: list[Container] = []
        self.probes = ProbeState()
        self._prober: threading.Thread | None = None
        self._stop_probes = threading.Event()
        self.events: list[str] = []
        self._lock = threading.RLock()
        self._supervisor: threading.Thread | None = None
        self._stop_supervisor = threading.Event()
        self.spec = statefulset.container()
        self.security = self.spec.security(statefulset.pod_spec)
        # Runs before a replacement pod (one made after a delete) starts its first container: the time a
        # cluster spends scheduling it, attaching its volumes and pulling its image, while the rest of the
        # cluster goes on without it. A test sets it to do something meanwhile (e.g. write a backlog).
        self.while_pending: Callable[[Pod], None] | None = None

    @property
    def name(self) -> str:
        return self.identity.name

    @property
    def address(self) -> str:
        return self.identity.address

    # --- folders -----------------------------------------------------------------------------------------
    def pod_dir(self) -> Path:
        return self.workroot / "pods" / f"{self.name}.{self.generation}"

    def claim_dir(self, claim: str) -> Path:
        # PVC name as the StatefulSet controller makes it: <claim>-<pod>; kept across pod deletions.
        return self.workroot / "pvc" / f"{claim}-{self.name}"

    def emptydir(self, volume: str) -> Path:
        return self.pod_dir() / "volumes" / "empty-dir" / volume

    def emptydir_limit(self, volume: str) -> int | None:
        limit = self.set.volumes()[volume]["emptyDir"].get("sizeLimit")
        return None if limit is None else quantity_bytes(str(limit))

    def _own(self, folder: Path, mode: int) -> None:
        fs_group = self.security.fs_group
        if fs_group is not None:
            os.chown(folder, os.stat(folder).st_uid, fs_group)
            mode |= stat.S_ISGID
        os.chmod(folder, mode)

    def _volume_source(self, name: str, volume: dict[str, Any]) -> tuple[Path, str]:
        if "persistentVolumeClaim" in volume:
            raise ValueError(f"volume {name}: a named PVC is not supported, only volumeClaimTemplates")
        if "emptyDir" in volume:
            folder = self.emptydir(name)
            if not folder.exists():
                folder.mkdir(parents=True)
                self._own(folder, 0o777)  # the kubelet creates emptyDirs world-writable
            return folder, "emptyDir"
        if "configMap" in volume:
            return self._config_map(name, volume["configMap"]), "configMap"
        raise ValueError(f"volume {name}: kind {sorted(volume)} is not supported by the harness")

    def _config_map(self, name: str, source: dict[str, Any]) -> Path:
        """The kubelet's atomic-writer layout: files are symlinks to ..data/<key>, ..data to a timestamped
        folder; modes from defaultMode (or the item's mode); group fsGroup with read bits added."""
        config_map = self.manifests.config_map(str(source["name"]))
        data: dict[str, str] = config_map.get("data", {})
        items = source.get("items") or [{"key": k, "path": k} for k in sorted(data)]
        folder = self.pod_dir() / "volumes" / "configmap" / name
        shutil.rmtree(folder, ignore_errors=True)
        stamp = folder / "..2000_01_01_00_00_00.0"
        stamp.mkdir(parents=True)
        default_mode = int(source.get("defaultMode", 0o644))
        fs_group = self.security.fs_group
        for item in items:
            key, path = str(item["key"]), str(item["path"])
            if key not in data:
                raise LookupError(f"ConfigMap {source['name']} has no key {key!r}")
            target = stamp / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(data[key], encoding="utf-8")
            mode = int(item.get("mode", default_mode))
            if fs_group is not None:
                os.chown(target, 0, fs_group)
                mode |= 0o440
            os.chmod(target, mode)
            top = path.split("/", 1)[0]
            if not (folder / top).is_symlink():
                (folder / top).symlink_to(f"..data/{top}")
        (folder / "..data").symlink_to(stamp.name)
        self._own(folder, 0o755)
        self._own(stamp, 0o755)
        return folder

    def mounts(self, container_dir: Path) -> list[Mount]:
        volumes = self.set.volumes()
        claims = set(self.set.claim_names())
        mounts: list[Mount] = []
        for vm in self.spec.spec.get("volumeMounts", []):
            name, target = str(vm["name"]), posixpath.normpath(str(vm["mountPath"]))
            if vm.get("subPath") or vm.get("subPathExpr"):
                raise ValueError(f"volumeMount {name}: subPath is not supported by the harness")
            if name in claims:
                source, kind = self.claim_dir(name), "pvc"
                if not source.exists():
                    source.mkdir(parents=True)
                # fsGroupChangePolicy OnRootMismatch (and Always, on a fresh volume): the root's group.
                if self.security.fs_group is not None and os.stat(source).st_gid != self.security.fs_group:
                    self._own(source, 0o775)
            elif name in volumes:
                source, kind = self._volume_source(name, volumes[name])
            else:
                raise LookupError(f"volumeMount {name} names no volume of the pod")
            mounts.append(Mount(source, target, bool(vm.get("readOnly", False)), kind))
        mounted = {m.target for m in mounts}
        for path in self.layout.volumes:
            clean = posixpath.normpath(path)
            if clean in mounted:
                continue
            folder = container_dir / "anonymous" / clean.strip("/").replace("/", "_")
            folder.mkdir(parents=True)
            image_folder = self.layout.volume_folder(clean)
            os.chown(folder, image_folder.uid, image_folder.gid)
            os.chmod(folder, image_folder.mode)
            mounts.append(Mount(folder, clean, False, "anonymous"))
        hosts_file = self.pod_dir() / "etc-hosts"
        hosts_file.write_text(self.hosts, encoding="utf-8")
        mounts.append(Mount(hosts_file, "/etc/hosts", False, "host"))
        hostname_file = self.pod_dir() / "etc-hostname"
        hostname_file.write_text(self.identity.hostname + "\n", encoding="utf-8")
        mounts.append(Mount(hostname_file, "/etc/hostname", False, "host"))
        for source, target in host_binds(self.layout, self.classpath):
            mounts.append(Mount(Path(source), target, True, "host"))
        return mounts

    # --- the container -------------------------------------------------------------------------------------
    def user(self) -> User:
        sec = self.security
        uid = sec.run_as_user if sec.run_as_user is not None else self.layout.facts.uid
        gid = sec.run_as_group if sec.run_as_group is not None else self.layout.facts.gid
        if sec.run_as_non_root and uid == 0:
            raise PermissionError(f"{self.name}: runAsNonRoot and the container would run as root")
        groups = {g for g in (sec.fs_group, *sec.supplemental_groups) if g is not None}
        if uid == self.layout.facts.uid:
            groups.add(self.layout.facts.gid)  # the image's /etc/group membership of its user
        return User(uid, gid, tuple(sorted(groups)), sec.no_new_privileges, sec.drop_all_capabilities)

    def env(self) -> dict[str, str]:
        return container_env(self.spec, self.identity, self.layout.env)

    def start_container(self) -> Container:
        if self.generation > 0 and self.restarts == 0 and self.while_pending is not None:
            self.while_pending(self)
        with self._lock:
            container = self._start_container()
        if self._supervisor is None:
            self._stop_supervisor = threading.Event()
            self._supervisor = threading.Thread(target=self._supervise, args=(self._stop_supervisor,), daemon=True)
            self._supervisor.start()
        return container

    def _supervise(self, stop: threading.Event) -> None:
        """restartPolicy Always: a container that exits on its own is started again after the back-off."""
        backoff = BACKOFF_START_S
        while not stop.wait(0.5):
            with self._lock:
                container = self.container
                if container is None or container.alive() or self._expected_exit:
                    continue
                self.events.append(f"{time.monotonic():.1f} container exited {container.process.returncode}")
                self._halt_prober()
            if stop.wait(backoff):
                return
            backoff = min(backoff * 2, BACKOFF_MAX_S)
            with self._lock:
                if not stop.is_set() and not self._expected_exit and not (self.container and self.container.alive()):
                    self._start_container()

    def _halt_supervisor(self) -> None:
        self._stop_supervisor.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=30)
            self._supervisor = None

    _expected_exit = False

    def _start_container(self) -> Container:
        self._expected_exit = False
        if self.container is not None and self.container.alive():
            raise RuntimeError(f"{self.name}: the container is still running")
        if self.container is not None:
            self.retired.append(self.container)
            shutil.rmtree(self._container_dir(self.restarts - 1) / "anonymous", ignore_errors=True)
        container_dir = self._container_dir(self.restarts)
        shutil.rmtree(container_dir, ignore_errors=True)
        container_dir.mkdir(parents=True)
        mounts = self.mounts(container_dir)
        build_rootfs(self.layout, container_dir / "rootfs", [m.target for m in mounts if m.source.is_dir()])
        for m in mounts:
            if not m.source.is_dir():
                (container_dir / "rootfs" / m.target.lstrip("/")).touch()
        env = self.env()
        self.container = Container(
            f"{self.name}/{self.spec.name}#{self.restarts}",
            netns=self.netns,
            rootfs=container_dir / "rootfs",
            read_only_root=self.security.read_only_root,
            mounts=mounts,
            hostname=self.identity.hostname,
            workdir=str(self.spec.spec.get("workingDir") or self.layout.workdir),
            env=env,
            command=command_line(self.spec, env),
            user=self.user(),
            log=self.pod_dir() / "logs" / f"{self.spec.name}-{self.restarts}.log",
        )
        self.restarts += 1
        self.events.append(f"{time.monotonic():.1f} started container #{self.restarts - 1}")
        self._start_prober()
        return self.container

    def _container_dir(self, restart: int) -> Path:
        return self.pod_dir() / "containers" / f"{self.spec.name}-{restart}"

    def kill_container(self) -> None:
        """SIGKILL the container (as an OOM kill or crash would); the pod and its volumes stay."""
        with self._lock:
            self._expected_exit = True  # the test restarts it itself (the kubelet would, at once)
            self._halt_prober()
            if self.container is not None:
                self.container.kill()
        self.events.append(f"{time.monotonic():.1f} killed container")

    def restart_container(self) -> Container:
        """restartPolicy Always: the same pod starts a new container (new anonymous volumes)."""
        if self.container is not None and self.container.alive():
            self.kill_container()
        return self.start_container()

    def delete(self, grace_cap_s: float = GRACE_CAP_S) -> float:
        """Pod deletion: SIGTERM, SIGKILL after terminationGracePeriodSeconds (capped), emptyDirs wiped;
        the PVCs stay. Returns the seconds the container took to stop."""
        self._halt_supervisor()
        self._halt_prober()
        took = 0.0
        if self.container is not None:
            took = self.container.stop(min(float(self.set.termination_grace_s), grace_cap_s))
            self.retired.append(self.container)
            self.container = None
        shutil.rmtree(self.pod_dir() / "volumes", ignore_errors=True)
        shutil.rmtree(self.pod_dir() / "containers", ignore_errors=True)
        self.generation += 1
        self.restarts = 0
        self.probes = ProbeState()
        self.events.append(f"{time.monotonic():.1f} deleted pod (stop took {took:.1f} s)")
        return took

    def stop(self) -> None:
        """Teardown: stop whatever runs, bounded in time; nothing is wiped."""
        self._halt_supervisor()
        self._halt_prober()
        for c in [*self.retired, *([self.container] if self.container else [])]:
            if c.alive():
                c.stop(min(float(self.set.termination_grace_s), 30.0))

    # --- probes --------------------------------------------------------------------------------------------
    def run_probe(self, probe: Mapping[str, Any]) -> tuple[bool, str]:
        """One probe as the kubelet runs it: exec in the container's namespaces as its user, tcpSocket from
        the node to the pod's address; both bounded by timeoutSeconds."""
        timeout = float(probe.get("timeoutSeconds", 1))
        container = self.container
        if container is None or not container.alive():
            return False, "no running container"
        if "exec" in probe:
            result: ExecResult = container.exec([str(w) for w in probe["exec"]["command"]], timeout)
            if result.returncode is None:
                return False, f"timed out after {timeout:.0f} s: {result.output[-300:]}"
            return result.returncode == 0, result.output[-300:]
        if "tcpSocket" in probe:
            port = self.spec.port(probe["tcpSocket"]["port"])
            try:
                self.node_call(lambda: socket.create_connection((self.address, port), timeout=timeout).close())
            except OSError as error:
                return False, str(error)
            return True, ""
        raise ValueError(f"probe kind {sorted(probe)} is not supported by the harness")

    node_call: Callable[[Callable[[], None]], None] = staticmethod(lambda fn: fn())  # set by the cluster

    def _start_prober(self) -> None:
        self._stop_probes = threading.Event()
        self.probes = ProbeState()
        self._prober = threading.Thread(target=self._probe_loop, args=(self._stop_probes,), daemon=True)
        self._prober.start()

    def _halt_prober(self) -> None:
        self._stop_probes.set()
        if self._prober is not None:
            self._prober.join(timeout=30)
            self._prober = None
        self.probes.ready = False
        self.probes.ready_since = None

    def _probe_loop(self, stop: threading.Event) -> None:
        spec = self.spec.spec
        startup, readiness = spec.get("startupProbe"), spec.get("readinessProbe")
        state = self.probes
        failures = 0
        if startup is not None:
            stop.wait(float(startup.get("initialDelaySeconds", 0)))
            while not stop.is_set():
                ok, out = self.run_probe(startup)
                state.history.append((time.monotonic(), "startup", ok, out))
                if ok:
                    break
                failures += 1
                if failures >= int(startup.get("failureThreshold", 3)):
                    self.events.append(f"{time.monotonic():.1f} startup probe failed {failures} times: {out}")
                    return  # the kubelet would restart the container; the test sees it never becomes ready
                stop.wait(float(startup.get("periodSeconds", 10)))
        state.started = True
        if readiness is None:
            state.ready, state.ready_since = True, time.monotonic()
            return
        period = float(readiness.get("periodSeconds", 10))
        threshold = int(readiness.get("failureThreshold", 3))
        failures = 0
        while not stop.is_set():
            ok, out = self.run_probe(readiness)
            state.history.append((time.monotonic(), "readiness", ok, out))
            if ok:
                failures = 0
                if not state.ready:
                    state.ready, state.ready_since = True, time.monotonic()
            else:
                failures += 1
                if failures >= threshold and state.ready:
                    state.ready, state.ready_since = False, None
            stop.wait(period)

    def available(self, min_ready_seconds: float) -> bool:
        """Ready for at least minReadySeconds: what the StatefulSet controller waits for."""
        since = self.probes.ready_since
        return self.probes.ready and since is not None and time.monotonic() - since >= min_ready_seconds
