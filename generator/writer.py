"""Write a target's files all at once, or compare them with what is on disk.

The new tree is written to a hidden sibling folder and swapped with output/<target> in one
rename, so a reader (or a crash) sees the complete old tree or the complete new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
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
    try:
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
    except OSError as error:
        raise OutputError(f"{error.filename or target_dir}: cannot read: {error.strerror}") from None
    return changes


def write(out_root: Path, target: str, files: dict[str, str]) -> list[Change]:
    target_dir = safe_target_dir(out_root, target)
    for path in files:
        _check_relative(path)
    changes = compare(target_dir, files)
    try:
        if all(change.status == "identical" for change in changes) and _exact_tree(target_dir, files):
            with _locked(out_root):  # nothing to write, so no file's mtime changes; a killed run's leftovers go
                clean_leftovers(out_root)
            return changes
        _write_tree(out_root, target_dir, files)
    except OSError as error:
        raise OutputError(f"{error.filename or out_root}: cannot write: {error.strerror}") from None
    return changes


def _write_tree(out_root: Path, target_dir: Path, files: dict[str, str]) -> None:
    """Stage the whole tree, flush it to disk, swap it in. Modes are set explicitly (no umask)."""
    out_root.mkdir(parents=True, exist_ok=True)
    with _locked(out_root):  # no other writer can take our staging folder for a leftover meanwhile
        clean_leftovers(out_root)
        staging = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target_dir.name}.tmp-", dir=out_root))
        lock = os.open(staging, os.O_RDONLY | os.O_DIRECTORY)
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while this process lives: not a leftover
    try:
        folders = {staging}
        for path, text in sorted(files.items()):
            destination = staging / path
            for folder in reversed(destination.relative_to(staging).parents[:-1]):
                if staging / folder not in folders:
                    (staging / folder).mkdir()
                    folders.add(staging / folder)
            mode = _file_mode(path)
            descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(text.encode("utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
            destination.chmod(mode)
        for folder in sorted(folders, reverse=True):
            folder.chmod(0o755)
            _fsync(folder)
        _swap_into_place(staging, target_dir)
        _fsync(out_root)
    finally:
        os.close(lock)
        _remove(staging)  # after the swap it holds the old tree


def safe_target_dir(out_root: Path, target: str) -> Path:
    """output/<target>, refusing names that could point anywhere else."""
    if not target or "/" in target or "\\" in target or target.startswith(".") or "\0" in target:
        raise OutputError(f"target name {target!r}: not a plain folder name")
    return out_root / target


def clean_leftovers(out_root: Path) -> None:
    """Remove the staging and parked folders of killed runs (of any target); a folder that a live
    writer holds locked is left alone."""
    for pattern in (f"{TEMP_PREFIX}*.tmp-*", f"{TEMP_PREFIX}*.old-*"):
        for leftover in sorted(out_root.glob(pattern)):
            if leftover.is_dir() and not leftover.is_symlink():
                try:
                    descriptor = os.open(leftover, os.O_RDONLY | os.O_DIRECTORY)
                except OSError:
                    continue
                try:
                    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a writer is still at work in it
                finally:
                    os.close(descriptor)
            _remove(leftover)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _fsync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _check_relative(path: str) -> None:
    """A file of a target stays inside the target: relative, no `..`, `.` or empty parts."""
    parts = path.split("/")
    if path.startswith("/") or "\\" in path or "\0" in path or any(p in ("", ".", "..") for p in parts):
        raise OutputError(f"{path!r}: not a relative path inside the target")


def _swap_into_place(staging: Path, target_dir: Path) -> None:
    if not os.path.lexists(target_dir):
        os.rename(staging, target_dir)
        return
    if _exchange(staging, target_dir):
        return  # staging now holds the old tree; the caller removes it
    # No atomic exchange (not Linux): two renames, with the old tree kept until the second is done.
    parked = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{target_dir.name}.old-", dir=target_dir.parent))
    os.rmdir(parked)
    os.rename(target_dir, parked)
    os.rename(staging, target_dir)
    _remove(parked)


def _exchange(first: Path, second: Path) -> bool:
    import ctypes

    # The C library this Python already runs on (glibc >= 2.28 has renameat2); find_library("c")
    # would start `ldconfig -p` on every render.
    libc = ctypes.CDLL(None, use_errno=True)
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


def _file_mode(path: str) -> int:
    return 0o755 if path.endswith(".sh") else 0o644


def _exact_tree(target_dir: Path, files: dict[str, str]) -> bool:
    """True when target_dir holds exactly these files' folders and regular files, with the modes
    _write_tree gives them, and nothing else (no link, no stray folder). Content is compared elsewhere."""
    expected = {"": 0o755} | {path: _file_mode(path) for path in files}
    for path in files:
        expected.update({str(folder): 0o755 for folder in Path(path).parents[:-1]})
    found: dict[str, int] = {}
    for folder, subfolders, names in os.walk(target_dir):
        for name in (*subfolders, *names):
            entry = os.path.join(folder, name)
            status = os.lstat(entry)
            if not (stat.S_ISDIR(status.st_mode) or stat.S_ISREG(status.st_mode)):
                return False
            found[os.path.relpath(entry, target_dir)] = stat.S_IMODE(status.st_mode)
    found[""] = stat.S_IMODE(os.lstat(target_dir).st_mode)
    return found == expected


def _existing_files(target_dir: Path) -> dict[str, Path]:
    if not target_dir.is_dir():
        return {}
    return {str(path.relative_to(target_dir)): path for path in sorted(target_dir.rglob("*")) if path.is_file()}
