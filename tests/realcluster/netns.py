"""Pod networking on loopback addresses, without touching the host's network namespace.

Every pod gets a network namespace of its own, as in Kubernetes, held by a "pause" process; its servers
bind what the rendered config says (`listeners=PLAINTEXT://:9092`, `quorumListenOnAllIPs=true`, probes
to 127.0.0.1) with nothing rewritten. Pods are joined by a bridge in a private "node" namespace. Their
addresses are loopback addresses (127.0.1.x): each namespace keeps only 127.0.0.1 on `lo` and routes
the rest of 127/8 over its veth, with `route_localnet` on (both per-namespace settings). The harness
reaches pods from the node namespace through one worker thread that entered it (setns is per thread).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .process import ServerProcess, stop_all

CLONE_NEWNET = 0x40000000
SUBNET = "127.0.1"  # pods 127.0.1.1-253, the node namespace's bridge 127.0.1.254
NODE_ADDRESS = f"{SUBNET}.254"
T = TypeVar("T")


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")


class Network:
    """The node namespace with its bridge, and one namespace per pod; every holder stopped by its pid."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.node = self._holder("node")
        self.pods: dict[str, tuple[ServerProcess, str]] = {}
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        try:
            self._loopback_only(self.ns(self.node))
            node = self.ns(self.node)
            _run(["nsenter", f"--net={node}", "ip", "link", "add", "name", "br0", "type", "bridge"])
            _run(["nsenter", f"--net={node}", "sysctl", "-q", "-w", "net.ipv4.conf.br0.route_localnet=1"])
            _run(["nsenter", f"--net={node}", "ip", "addr", "add", f"{NODE_ADDRESS}/24", "dev", "br0"])
            _run(["nsenter", f"--net={node}", "ip", "link", "set", "br0", "up"])
        except BaseException:
            self.close()
            raise

    def _holder(self, name: str) -> ServerProcess:
        # The pod's "pause" process: the namespace lives as long as it (and anything that joined it).
        log = self.workdir / f"{name}.pause.log"
        return ServerProcess(f"{name}-pause", ["unshare", "--net", "sleep", "infinity"], {}, log, self.workdir)

    @staticmethod
    def ns(holder: ServerProcess) -> str:
        """The holder's namespace, once it has one: until `unshare` has run, /proc/<pid>/ns/net is still
        the host's, and configuring that would change the host's loopback."""
        path = f"/proc/{holder.pid}/ns/net"
        host = os.stat("/proc/self/ns/net").st_ino
        deadline = time.monotonic() + 10
        while os.stat(path).st_ino == host:
            if time.monotonic() > deadline or not holder.alive():
                raise RuntimeError(f"{holder.name}: no network namespace of its own\n{holder.describe()}")
            time.sleep(0.02)
        return path

    @staticmethod
    def _loopback_only(ns: str) -> None:
        for args in (
            ["ip", "link", "set", "lo", "up"],
            ["ip", "addr", "del", "127.0.0.1/8", "dev", "lo"],
            ["ip", "addr", "add", "127.0.0.1/32", "dev", "lo"],
            ["sysctl", "-q", "-w", "net.ipv4.conf.all.route_localnet=1"],
        ):
            _run(["nsenter", f"--net={ns}", *args])

    def add_pod(self, name: str) -> str:
        """A namespace for pod `name`; returns the pod's address. A deleted pod's name gets it back."""
        if name in self.pods:
            return self.pods[name][1]
        index = len(self.pods) + 1
        if index > 253:
            raise RuntimeError("no more pod addresses")
        address = f"{SUBNET}.{index}"
        holder = self._holder(name)
        self.pods[name] = (holder, address)
        pod, node, veth = self.ns(holder), self.ns(self.node), f"veth{index}"
        self._loopback_only(pod)
        _run(["nsenter", f"--net={node}", "ip", "link", "add", "name", veth, "type", "veth", "peer", "name", "eth0",
              "netns", str(holder.pid)])  # fmt: skip
        _run(["nsenter", f"--net={node}", "ip", "link", "set", veth, "master", "br0", "up"])
        _run(["nsenter", f"--net={pod}", "sysctl", "-q", "-w", "net.ipv4.conf.eth0.route_localnet=1"])
        _run(["nsenter", f"--net={pod}", "ip", "addr", "add", f"{address}/24", "dev", "eth0"])
        _run(["nsenter", f"--net={pod}", "ip", "link", "set", "eth0", "up"])
        return address

    def pod_ns(self, name: str) -> str:
        return self.ns(self.pods[name][0])

    def address(self, name: str) -> str:
        return self.pods[name][1]

    def call(self, fn: Callable[[], T], timeout: float = 60.0) -> T:
        """Run `fn` on the thread that lives in the node namespace (the harness's view, like the kubelet's)."""
        if self._executor is None:
            fd = os.open(self.ns(self.node), os.O_RDONLY)

            def enter() -> None:
                libc = ctypes.CDLL(None, use_errno=True)
                if libc.setns(fd, CLONE_NEWNET) != 0:
                    raise OSError(ctypes.get_errno(), "setns into the node namespace failed")

            self._executor = concurrent.futures.ThreadPoolExecutor(1, "node-netns", initializer=enter)
            self._executor.submit(lambda: None).result(timeout=10)
            os.close(fd)
        return self._executor.submit(fn).result(timeout=timeout)

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        stop_all([holder for holder, _ in self.pods.values()] + [self.node], 5.0)
