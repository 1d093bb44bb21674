"""What the real-cluster tests need on the machine, and what to do when it is missing."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping

REQUIRED_TOOLS = ("java", "mvn")


def missing_tools(which: Callable[[str], str | None] = shutil.which) -> list[str]:
    return [tool for tool in REQUIRED_TOOLS if which(tool) is None]


def must_fail_instead_of_skip(environ: Mapping[str, str] = os.environ) -> bool:
    # In CI a skip would hide a missing install step behind a green run.
    return environ.get("CI") == "true"
