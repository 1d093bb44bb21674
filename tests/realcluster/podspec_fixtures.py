"""Shared pieces of the pod-spec tests: the requirement check, a revision's output as a target."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .inputs import Target
from .requirements import must_fail_instead_of_skip

POD_TOOLS = ("bwrap", "nsenter", "setpriv", "unshare", "ip")
# The last revision before issue #10's generator changes: broker PVC at /var/lib/kafka, log.dirs under the
# image VOLUME /var/lib/kafka/data, one broker StatefulSet per zone, readiness = ApiVersions only.
OLD_REVISION = "d4b85bf"


def require_pod_tools() -> None:
    """Like conftest's Java/Maven rule: skip on a laptop without them, fail under CI=true."""
    missing = [t for t in POD_TOOLS if shutil.which(t) is None]
    reason = ""
    if missing:
        reason = f"pod-spec tests need {', '.join(missing)} (Debian: bubblewrap, util-linux, iproute2)"
    elif os.geteuid() != 0:
        reason = "pod-spec tests run bwrap as root (no user namespace)"
    if reason:
        if must_fail_instead_of_skip():
            pytest.fail(f"{reason} (CI=true: failing instead of skipping)", pytrace=False)
        pytest.skip(reason)


FIRST_ROUND = Path(__file__).parent / "first-round"  # output/<target>/ as committed at OLD_REVISION


def target_at_revision(name: str, revision: str, into: Path) -> Target:
    """output/<name>/ as committed at `revision`, copied into `into` (for proving a check can fail). Kept in
    the repository (tests/realcluster/first-round/), so the tests need no git history (a shallow clone, a
    copy of the tree)."""
    if revision != OLD_REVISION:
        raise ValueError(f"only the output of {OLD_REVISION} is kept, not {revision}")
    root = into / name
    shutil.copytree(FIRST_ROUND / name, root)
    return Target(name, root)
