"""Where `make controlplane` put the binaries, and what to do when they are missing."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NAMES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl", "kwok")
ENV = "CONTROLPLANE"  # exported by `make test`: the Makefile owns the version


def folder() -> Path:
    """$CONTROLPLANE (relative to the repository) or, outside make, the newest built .cache/controlplane-*."""
    chosen = os.environ.get(ENV)
    if chosen:
        path = Path(chosen)
        return path if path.is_absolute() else REPO / path
    built = sorted((REPO / ".cache").glob("controlplane-*/.built"), key=lambda p: p.stat().st_mtime)
    return built[-1].parent if built else REPO / ".cache" / "controlplane-unbuilt"


def missing(where: Path) -> list[str]:
    return [name for name in NAMES if not os.access(where / name, os.X_OK)]


def must_fail_instead_of_skip() -> bool:
    # In CI a skip would hide a missing build step behind a green run.
    return os.environ.get("CI") == "true"
