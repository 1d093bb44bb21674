"""Compiled code kept between runs: JSON Schema validators, Jinja templates, parsed key catalogs.

Compiling is most of what a render would otherwise spend: the strict StatefulSet schema becomes
about 1 MB of Python, which takes 100 ms to compile and 1 ms to load once compiled. Compiled code
is kept under the user's cache folder (or KAFKA_PROFILES_CACHE; "off" keeps nothing), one file per
input, named by a digest of everything the code depends on: the input files' path, size and
modification time, the compiler's version and options, and the Python bytecode format. A file that
cannot be read back is rebuilt, and a cache that cannot be written is skipped: the cache only ever
saves time, it never changes a result (tests/engine/test_compiled.py renders with and without it).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import tempfile
import time
from collections.abc import Callable
from importlib.util import MAGIC_NUMBER
from pathlib import Path
from types import CodeType
from typing import Any

CACHE_ENV = "KAFKA_PROFILES_CACHE"
_LAYOUT = "1"  # bump when what a cache file holds changes


def cache_root() -> Path | None:
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return None if configured in ("", "off") else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kafka-profiles"


def file_stamp(path: Path) -> str:
    """What a compiled form of `path` depends on, without reading it."""
    status = path.stat()
    return f"{path.resolve()}:{status.st_size}:{status.st_mtime_ns}"


def load_code(kind: str, stamps: list[str], source: Callable[[], str]) -> CodeType:
    """The compiled module `source()` would give, from the cache when it holds one for `stamps`."""
    path = _cache_file("code", kind, stamps)
    if path is not None:
        code = _read(path)
        if isinstance(code, CodeType):
            return code
    code = compile(source(), f"<compiled {kind}>", "exec")
    if path is not None:
        _write_quietly(path, marshal.dumps(code))
    return code


def load_data(kind: str, stamps: list[str], parse: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The mapping `parse()` returns (plain data: dicts, lists, text, numbers, bool, None), kept like code."""
    path = _cache_file("data", kind, stamps)
    if path is not None:
        data = _read(path)
        if isinstance(data, dict):
            return data
    data = parse()
    if path is not None:
        with contextlib.suppress(ValueError):  # a type marshal cannot hold (a YAML date): no cache
            _write_quietly(path, marshal.dumps(data))
    return data


def _cache_file(folder: str, kind: str, stamps: list[str]) -> Path | None:
    root = cache_root()
    if root is None:
        return None
    digest = hashlib.sha256("\n".join([_LAYOUT, MAGIC_NUMBER.hex(), *stamps]).encode()).hexdigest()[:32]
    return root / folder / f"{kind}-{digest}.marshal"


def run_module(code: CodeType) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "generator.compiled.module"}
    exec(code, namespace)  # our own generated code, from our own cache folder
    return namespace


def _read(path: Path) -> Any:
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None  # missing, unreadable or not marshal data (a torn or foreign file): rebuild


# Files of the same kind for other inputs (an upgraded dependency, an edited schema) are removed once
# they are this old: two checkouts with their own virtualenvs share the cache and must not keep
# removing each other's files.
STALE_AFTER_SECONDS = 7 * 24 * 3600


def _write_quietly(path: Path, data: bytes) -> None:
    """Atomic (a reader sees the old file or the whole new one); any failure just skips the cache."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        kind = path.name.rsplit("-", 1)[0]
        for other in path.parent.glob(f"{kind}-*.marshal"):
            with contextlib.suppress(OSError):  # another process may remove it first
                if other.name.rsplit("-", 1)[0] == kind and time.time() - other.stat().st_mtime > STALE_AFTER_SECONDS:
                    other.unlink()
        descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass  # read-only home, full disk: run without the cache


def jinja_bytecode_cache() -> Any:
    """Jinja's own bytecode cache in our cache folder, or None; it checks each template's source."""
    root = cache_root()
    if root is None:
        return None
    import jinja2

    class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # unreadable, or torn inside Jinja's pickled header: compile again
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                os.makedirs(self.directory, mode=0o700, exist_ok=True)
                super().dump_bytecode(bucket)

    return QuietBytecodeCache(str(root / "jinja"))
