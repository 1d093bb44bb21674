"""`check`: build each target again from the command its params.yaml records, compare with the disk.

Targets are independent, so after the first one (checked here, which loads every module, template
and validator) the rest are spread over one process per core. The workers are forked, so they start
with all of that loaded; results come back in the targets' order, and an error in any target is
raised here just as it would be had the targets been checked one by one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from generator.writer import Change

# Below this many targets the pool costs more (about 20 ms to start) than it saves.
PARALLEL_FROM = 4


@dataclass(frozen=True)
class Outcome:
    target_dir: Path
    drift: list[Change] | None  # None: no params.yaml header to replay; [] when up to date


def check_one(target_dir: Path, strict: bool) -> Outcome:
    from generator.target import build, parse_render_command
    from generator.writer import compare

    request = parse_render_command(_first_line(target_dir / "params.yaml"))
    if request is None:
        return Outcome(target_dir, None)
    files = build(request, strict=strict).files
    return Outcome(target_dir, [c for c in compare(target_dir, files) if c.status != "identical"])


def check_all(target_dirs: Sequence[Path], strict: bool, jobs: int | None = None) -> Iterator[Outcome]:
    """`jobs`: targets checked at the same time (1: all in this process); None: one per usable CPU core."""
    workers = min(jobs or _usable_cores(), len(target_dirs) - 1)
    if len(target_dirs) < PARALLEL_FROM or workers < 2:
        yield from (check_one(target_dir, strict) for target_dir in target_dirs)
        return
    yield check_one(target_dirs[0], strict)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(partial(check_one, strict=strict), target_dirs[1:])


def _usable_cores() -> int:
    """The cores this process may run on (a container's CPU set), where the OS says; else all of them."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _first_line(path: Path) -> str:
    """The header of params.yaml; empty when the file is missing, unreadable or not UTF-8 text."""
    try:
        with path.open("rb") as stream:
            return stream.readline(8 * 1024 * 1024).decode("utf-8").rstrip("\n")
    except (OSError, UnicodeDecodeError):
        return ""
