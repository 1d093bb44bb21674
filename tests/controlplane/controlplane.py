"""etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK on 127.0.0.1, free ports, one run."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import pki, stages
from .api import Api
from .processes import Component, stop_all, wait_for

START_TIMEOUT_S = 180.0  # two busy cores: the API server alone takes 7 s on an idle machine
SERVICE_CIDR = "10.96.0.0/16"  # data in API objects only: nothing is routed, nothing binds there
POD_CIDR = "10.128.0.1/16"  # KWOK hands these out as pod IPs (EndpointSlices refuse loopback ones)
NODE_IP = "10.127.0.1"
LEASE_S = "40"

# Pod Security "restricted" is enforced everywhere but kube-system: every rendered pod must pass it,
# whatever labels the target's namespace carries; workloads get the warning at apply time.
ADMISSION = """apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults: {enforce: restricted, enforce-version: latest, warn: restricted, warn-version: latest,
                 audit: restricted, audit-version: latest}
      exemptions: {namespaces: [kube-system]}
"""

# KWOK plays every node's kubelet: it reads and writes nodes, pods and leases cluster-wide.
KWOK_BINDING: dict[str, object] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRoleBinding",
    "metadata": {"name": "kafka-profiles-test-kwok"},
    "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": pki.KWOK_USER}],
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ControlPlane:
    bin: Path
    workdir: Path
    components: list[Component] = field(default_factory=list)
    port: int = 0
    admin_kubeconfig: Path = Path()
    api: Api | None = None

    @property
    def client(self) -> Api:
        assert self.api is not None, "not started"
        return self.api

    def kubectl(self, *args: str, timeout: float = 120.0, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin / "kubectl"), f"--kubeconfig={self.admin_kubeconfig}", *args],
            input=stdin, capture_output=True, text=True, timeout=timeout, env=self._env(),
        )  # fmt: skip

    def _env(self) -> dict[str, str]:
        home = self.workdir / "home"  # no ~/.kube, ~/.kwok of the user's are read
        home.mkdir(exist_ok=True)
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "GOMAXPROCS": "2"}

    def _start(self, name: str, args: list[str]) -> Component:
        component = Component(name, self.bin / name, args, self.workdir / f"{name}.log", self._env())
        self.components.append(component)
        return component

    def start(self) -> None:
        try:
            self._start_all()
        except BaseException:
            self.stop()
            raise

    def _start_all(self) -> None:
        work = self.workdir
        keys = pki.make_pki(work / "pki")
        etcd_port, peer_port, self.port = free_port(), free_port(), free_port()
        server = f"https://127.0.0.1:{self.port}"
        configs = {
            name: pki.kubeconfig(work / f"{name}.kubeconfig", server, keys.ca.cert, keys.clients[name], name)
            for name in pki.CLIENTS
        }
        self.admin_kubeconfig = configs["admin"]
        etcd = self._start("etcd", [
            "--name=test", f"--data-dir={work / 'etcd'}", "--unsafe-no-fsync", "--log-level=warn",
            f"--listen-client-urls=http://127.0.0.1:{etcd_port}", f"--advertise-client-urls=http://127.0.0.1:{etcd_port}",
            f"--listen-peer-urls=http://127.0.0.1:{peer_port}", f"--initial-advertise-peer-urls=http://127.0.0.1:{peer_port}",
            f"--initial-cluster=test=http://127.0.0.1:{peer_port}", "--quota-backend-bytes=1073741824",
        ])  # fmt: skip
        admission = work / "admission.yaml"
        admission.write_text(ADMISSION, encoding="utf-8")
        apiserver = self._start("kube-apiserver", [
            f"--etcd-servers=http://127.0.0.1:{etcd_port}", "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}", f"--tls-cert-file={keys.apiserver.cert}",
            f"--tls-private-key-file={keys.apiserver.key}", f"--client-ca-file={keys.ca.cert}",
            "--authorization-mode=Node,RBAC", f"--admission-control-config-file={admission}",
            f"--service-account-key-file={keys.service_account_pub}",
            f"--service-account-signing-key-file={keys.service_account_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}", "--endpoint-reconciler-type=none",
            "--profiling=false", "--v=1",
        ])  # fmt: skip
        self.api = Api(self.port, keys.ca, keys.clients["admin"])
        wait_for("kube-apiserver /readyz", self.client.ready, START_TIMEOUT_S, [etcd, apiserver])
        self._apply_object(KWOK_BINDING)
        kcm_config, sched_config = configs["kube-controller-manager"], configs["kube-scheduler"]
        kcm = self._start("kube-controller-manager", [
            f"--kubeconfig={kcm_config}", f"--authentication-kubeconfig={kcm_config}",
            f"--authorization-kubeconfig={kcm_config}", "--bind-address=127.0.0.1", f"--secure-port={free_port()}",
            f"--cert-dir={work / 'kcm-certs'}", "--use-service-account-credentials=true", "--controllers=*",
            f"--service-account-private-key-file={keys.service_account_key}", f"--root-ca-file={keys.ca.cert}",
            "--leader-elect=false", "--allocate-node-cidrs=false", "--v=1",
        ])  # fmt: skip
        scheduler = self._start("kube-scheduler", [
            f"--kubeconfig={sched_config}", f"--authentication-kubeconfig={sched_config}",
            f"--authorization-kubeconfig={sched_config}", "--bind-address=127.0.0.1", f"--secure-port={free_port()}",
            f"--cert-dir={work / 'scheduler-certs'}", "--leader-elect=false", "--v=1",
        ])  # fmt: skip
        kwok = self._start("kwok", [
            f"--kubeconfig={configs['kwok']}", f"--config={stages.write_kwok_config(work / 'kwok.yaml')}",
            "--manage-all-nodes=true", f"--server-address=127.0.0.1:{free_port()}",
            f"--cidr={POD_CIDR}", f"--node-ip={NODE_IP}", f"--node-lease-duration-seconds={LEASE_S}",
        ])  # fmt: skip
        # The service-account controller's `default` account is the sign that controllers act on the store.
        wait_for(
            "ServiceAccount default/default",
            lambda: self.client.call("GET", "/api/v1/namespaces/default/serviceaccounts/default").status == 200,
            START_TIMEOUT_S, [etcd, apiserver, kcm, scheduler, kwok],
        )  # fmt: skip

    def _apply_object(self, obj: dict[str, object]) -> None:
        import json

        result = self.kubectl("apply", "--server-side", "-f", "-", stdin=json.dumps(obj))
        if result.returncode != 0:
            raise RuntimeError(f"apply {obj['kind']}: {result.stderr}")

    def alive(self) -> list[str]:
        return [c.name for c in self.components if not c.alive()]

    def logs(self) -> str:
        return "\n".join(c.tail(15) for c in self.components)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            stop_all(self.components)
