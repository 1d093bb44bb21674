"""Throwaway certificates for one control-plane run, made with the openssl command line."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

DAYS = "2"  # a run lasts minutes; a short life keeps a leaked key worthless
CURVE = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")  # EC keys: generated in milliseconds


@dataclass(frozen=True)
class Pair:
    cert: Path
    key: Path


def _openssl(*args: str | Path, cwd: Path) -> None:
    subprocess.run(["openssl", *map(str, args)], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(folder: Path) -> Pair:
    pair = Pair(folder / "ca.crt", folder / "ca.key")
    _openssl(
        "req", "-x509", *CURVE, "-nodes", "-keyout", pair.key, "-out", pair.cert, "-days", DAYS,
        "-subj", "/CN=kafka-profiles-test-ca",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    return pair


def _leaf(folder: Path, ca: Pair, name: str, subject: str, extensions: str) -> Pair:
    pair = Pair(folder / f"{name}.crt", folder / f"{name}.key")
    csr, ext = folder / f"{name}.csr", folder / f"{name}.ext"
    ext.write_text(extensions + "\n", encoding="utf-8")
    _openssl("req", "-new", *CURVE, "-nodes", "-keyout", pair.key, "-out", csr, "-subj", subject, cwd=folder)
    _openssl(
        "x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial",
        "-out", pair.cert, "-days", DAYS, "-extfile", ext,
        cwd=folder,
    )  # fmt: skip
    return pair


CLIENT_EXT = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth"
SERVER_EXT = (
    "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
    "subjectAltName=IP:127.0.0.1,DNS:localhost"
)

# Client identities: RBAC's default bindings know the two system users; the admin is in system:masters.
# KWOK plays every kubelet, so it gets a user of its own that the fixture binds to a role.
CLIENTS = {
    "admin": "/O=system:masters/CN=kafka-profiles-admin",
    "kube-controller-manager": "/CN=system:kube-controller-manager",
    "kube-scheduler": "/CN=system:kube-scheduler",
    "kwok": "/CN=kwok-controller",
}
KWOK_USER = "kwok-controller"


@dataclass(frozen=True)
class Pki:
    ca: Pair
    apiserver: Pair
    clients: dict[str, Pair]
    service_account_key: Path  # private key: the API server signs tokens, the controller manager too
    service_account_pub: Path


def make_pki(folder: Path) -> Pki:
    folder.mkdir(parents=True, exist_ok=True)
    ca = _ca(folder)
    server = _leaf(folder, ca, "apiserver", "/CN=kube-apiserver", SERVER_EXT)
    clients = {name: _leaf(folder, ca, name, subject, CLIENT_EXT) for name, subject in CLIENTS.items()}
    sa_key, sa_pub = folder / "sa.key", folder / "sa.pub"
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", sa_key, cwd=folder)
    _openssl("pkey", "-in", sa_key, "-pubout", "-out", sa_pub, cwd=folder)
    return Pki(ca, server, clients, sa_key, sa_pub)


def kubeconfig(path: Path, server: str, ca: Path, client: Pair, user: str) -> Path:
    """A kubeconfig naming files (not embedding them): one per component."""
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: {server}
      certificate-authority: {ca}
users:
  - name: {user}
    user:
      client-certificate: {client.cert}
      client-key: {client.key}
contexts:
  - name: test
    context:
      cluster: test
      user: {user}
current-context: test
""",
        encoding="utf-8",
    )
    return path
