"""`check`: build each target again from the command its params.yaml records, compare with the disk,
and with `--fix` write the stale ones as `render` would.

A target is a folder of the output root that holds a params.yaml; other folders (a site's own
overlay beside the targets, say) are not checked. Targets are independent, so after the first one
(checked here, which loads every module, template and validator) the rest are spread over one
process per core. The workers are forked, so they start with all of that loaded; results come back
in the targets' order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from generator.core.findings import Finding
from generator.errors import GeneratorError
from generator.replay import Request, build_in, parse_render_command, repository_path
from generator.writer import Change

# Below this many targets the pool costs more (about 20 ms to start) than it saves.
PARALLEL_FROM = 4


@dataclass(frozen=True)
class Outcome:
    target_dir: Path
    request: Request | None  # what params.yaml's first line records; None: no render command
    drift: list[Change] = field(default_factory=list)  # what replaying it changes; empty: up to date
    errors: list[str] = field(default_factory=list)  # the replay failed with bad input, one line each


def targets_in(out_root: Path) -> tuple[list[str], list[str]]:
    """(targets, other folders) of `out_root`, by name. Hidden folders (a writer's staging) are neither."""
    folders = sorted(p for p in out_root.glob("*") if p.is_dir() and not p.name.startswith("."))
    targets = [p.name for p in folders if (p / "params.yaml").is_file()]
    return targets, [p.name for p in folders if p.name not in targets]


def replayed(target_dir: Path, root: Path) -> Request | None:
    """The request params.yaml records, its site path relative to `root` (an absolute one written by an
    older version becomes relative, so the replay rewrites it); None when the first line is not one."""
    request = parse_render_command(_first_line(target_dir / "params.yaml"))
    if request is None or request.site is None:
        return request
    return replace(request, site=repository_path(root / request.site, root))


def check_one(target_dir: Path, strict: bool, root: Path) -> Outcome:
    from generator.writer import compare

    request = replayed(target_dir, root)
    if request is None:
        return Outcome(target_dir, None)
    try:
        files = build_in(root, request, strict).files
        drift = [c for c in compare(target_dir, files) if c.status != "identical"]
    except GeneratorError as error:
        return Outcome(target_dir, request, errors=error.lines())
    return Outcome(target_dir, request, drift)


def check_all(target_dirs: Sequence[Path], strict: bool, root: Path, jobs: int | None = None) -> Iterator[Outcome]:
    """`jobs`: targets checked at the same time (1: all in this process); None: one per usable CPU core."""
    workers = min(jobs or _usable_cores(), len(target_dirs) - 1)
    if len(target_dirs) < PARALLEL_FROM or workers < 2:
        yield from (check_one(target_dir, strict, root) for target_dir in target_dirs)
        return
    yield check_one(target_dirs[0], strict, root)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(partial(check_one, strict=strict, root=root), target_dirs[1:])


def fix(
    target_dir: Path, request: Request, strict: bool, root: Path, allow_identity_change: bool
) -> tuple[list[Change], list[Finding]]:
    """Write the replay into `target_dir` as `render` writes (atomically, behind the same identity guard);
    the changes it made and the guard's warnings. The folder keeps its name even if it is not the target's own."""
    from generator.identity import guard
    from generator.writer import write

    result = build_in(root, request, strict)
    warnings = guard(target_dir, result, allow_identity_change)
    changes = [c for c in write(target_dir.parent, target_dir.name, result.files) if c.status != "identical"]
    return changes, warnings


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
