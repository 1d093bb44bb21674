"""Write a target's files all at once, or compare them with what is on disk.

The new tree is written to a hidden sibling folder and swapped with output/<target> in one
rename, so a reader (or a crash) sees the complete old tree or the complete new one.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.errors import OutputError

TEMP_PREFIX = "."  # hidden siblings: .<target>.tmp-XXXX, .<target>.old-XXXX
_RENAME_EXCHANGE = 2  # linux/fs.h


@dataclass(frozen=True)
class Change:
    status: str  # created | updated | identical | removed
    path: str


def compare(target_dir: Path, files: dict[str, str]) -> list[Change]:
    existing = _existing_files(target_dir)
    changes = []
    for path in sorted(set(files) | set(existing)):
        if path not in existing:
            changes.append(Change("created", path))
        elif path not in files:
            changes.append(Change("removed", path))
        else:
            same = existing[path].read_bytes() == files[path].encode("utf-8")
            changes.append(Change("identical" if same else "updated", path))
    return changes


def write(out_root: Path, target: str, files: dict[str, str]) -> list[Change]:
    target_dir = safe_target_dir(out_root, target)
    changes = compare(target_dir, files)
    out_root.mkdir(parents=True, exist_ok=True)
    clean_leftovers(out_root, target)
    staging = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target}.tmp-", dir=out_root))
    try:
        for path, text in files.items():
            destination = staging / path
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(text.encode("utf-8"))
            if path.endswith(".sh"):
                destination.chmod(0o755)
            else:
                destination.chmod(0o644)
        staging.chmod(0o755)
        _swap_into_place(staging, target_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return changes


def safe_target_dir(out_root: Path, target: str) -> Path:
    """output/<target>, refusing names that could point anywhere else."""
    if not target or "/" in target or "\\" in target or target.startswith(".") or "\0" in target:
        raise OutputError(f"target name {target!r}: not a plain folder name")
    return out_root / target


def clean_leftovers(out_root: Path, target: str) -> None:
    """Remove staging folders a killed run left behind."""
    for leftover in out_root.glob(f"{TEMP_PREFIX}{target}.*-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _swap_into_place(staging: Path, target_dir: Path) -> None:
    if not target_dir.exists():
        os.rename(staging, target_dir)
        return
    if _exchange(staging, target_dir):
        return  # staging now holds the old tree; the caller removes it
    # No atomic exchange (not Linux): two renames, with the old tree kept until the second is done.
    parked = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target_dir.name}.old-", dir=target_dir.parent))
    os.rmdir(parked)
    os.rename(target_dir, parked)
    os.rename(staging, target_dir)
    shutil.rmtree(parked, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), _RENAME_EXCHANGE)
    if result != 0:
        errno = ctypes.get_errno()
        if errno in (22, 38):  # EINVAL / ENOSYS: the filesystem or kernel lacks RENAME_EXCHANGE
            return False
        raise OutputError(f"{second}: cannot replace: {os.strerror(errno)}")
    return True


def _existing_files(target_dir: Path) -> dict[str, Path]:
    if not target_dir.is_dir():
        return {}
    return {
        str(path.relative_to(target_dir)): path for path in sorted(target_dir.rglob("*")) if path.is_file()
    }
