"""Atomic writes under SIGKILL: output/<target> is always the complete old tree or the complete new one,
the next run cleans up what a killed run left, and nothing is ever written outside the output folder.

The writer runs in a forked child with an audit hook that kills the child with SIGKILL at its N-th file
system operation (open, mkdir, chmod, rename, the renameat2 call, rmtree, ...), for N spread over the
whole write; a few kills hit the real CLI in its own process the same way.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from generator.errors import OutputError
from generator.target import Request, build
from generator.writer import write
from tests.conftest import REPO

KILL_SAMPLES = int(os.environ.get("KILL_SAMPLES", "40"))  # kill points per test, spread evenly
TARGET = "high-availability"

Tree = dict[str, tuple[int, bytes | None]]  # relative path -> (mode, bytes or None for a folder)


def tree(root: Path) -> Tree:
    found: Tree = {}
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        for name in dirs:
            path = base / name
            found[str(path.relative_to(root))] = (path.lstat().st_mode & 0o7777, None)
        for name in files:
            path = base / name
            found[str(path.relative_to(root))] = (path.lstat().st_mode & 0o7777, path.read_bytes())
    return found


def leftovers(out_root: Path) -> list[str]:
    return sorted(p.name for p in out_root.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="module")
def old_and_new() -> tuple[dict[str, str], dict[str, str]]:
    """Two versions of one target that differ in changed, removed and added files."""
    old = build(Request("ha")).files
    new = dict(build(Request("ha", sets=("clients.producer.client.id=the-new-tree",))).files)
    del new["config/consumer.json"]
    new["config/added.txt"] = "only in the new tree\n"
    return old, new


FS_EVENTS = ("open", "os.", "shutil.", "tempfile.", "fcntl.", "ctypes.call_function")


def write_in_child(out_root: Path, files: dict[str, str], kill_at: int | None) -> list[str] | None:
    """Fork; the child writes the target and is SIGKILLed at its `kill_at`-th file system operation.
    Returns the operations the child saw (when it was not killed), else None."""
    reader, writer_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        try:
            os.close(reader)
            seen: list[str] = []

            def hook(event: str, _args: Any) -> None:
                if event.startswith(FS_EVENTS):
                    seen.append(event)
                    if len(seen) == kill_at:
                        os.kill(os.getpid(), signal.SIGKILL)

            sys.addaudithook(hook)
            write(out_root, TARGET, files)
            os.write(writer_fd, "\n".join(seen).encode())
            os._exit(0)
        except BaseException:
            os._exit(3)
    os.close(writer_fd)
    with os.fdopen(reader, "rb") as stream:
        reported = stream.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return None
    assert os.WEXITSTATUS(status) == 0, f"the writer failed in the child (status {status})"
    return reported.decode().split("\n")


def kill_points(operations: list[str]) -> list[int]:
    """Every operation around the swap (the renames and the renameat2 call, where a non-atomic writer
    would leave a gap), and KILL_SAMPLES more spread evenly over the whole write."""
    total = len(operations)
    swaps = [i + 1 for i, op in enumerate(operations) if op in ("os.rename", "ctypes.call_function")]
    around = {p for swap in swaps for p in range(swap - 3, swap + 4) if 1 <= p <= total}
    step = (total - 1) / max(KILL_SAMPLES - 1, 1)
    return sorted(around | {1 + round(i * step) for i in range(KILL_SAMPLES)})


def test_sigkill_at_any_point_leaves_the_old_or_the_new_tree(
    tmp_path: Path, old_and_new: tuple[dict[str, str], dict[str, str]]
) -> None:
    old, new = old_and_new
    out = tmp_path / "output"
    write(out, TARGET, old)
    write(out, "bystander", {"a.txt": "another target\n"})
    old_tree, bystander = tree(out / TARGET), tree(out / "bystander")
    # Every code path of a write once in this process first: a module that shutil imports lazily on
    # its first rmtree would otherwise add operations to the probe's child that later children lack.
    write(tmp_path / "warm-up", TARGET, old)
    write(tmp_path / "warm-up", TARGET, new)
    probe = tmp_path / "probe"
    write(probe, TARGET, old)
    operations = write_in_child(probe, new, kill_at=None)
    assert operations is not None and len(operations) > 50, operations
    total, new_tree = len(operations), tree(probe / TARGET)
    assert old_tree != new_tree

    outcomes = {"old": 0, "new": 0}
    for point in kill_points(operations):
        assert write_in_child(out, new, kill_at=point) is None, f"not killed at operation {point} of {total}"
        now = tree(out / TARGET)
        assert now in (old_tree, new_tree), f"killed at operation {point} of {total}: a mixed tree"
        outcomes["old" if now == old_tree else "new"] += 1
        assert tree(out / "bystander") == bystander
        # the next run finishes the job and removes whatever the killed one left behind
        write(out, TARGET, old)
        assert leftovers(out) == [] and tree(out / TARGET) == old_tree
    assert outcomes["old"] and outcomes["new"], outcomes  # the kills landed before and after the swap


def test_sigkill_of_the_real_cli_during_its_write(tmp_path: Path) -> None:
    """The CLI in its own process, killed at the first, a middle and the last operation of its write."""
    out = tmp_path / "output"
    args = ["render", "ha", "--out", str(out)]
    subprocess.run([sys.executable, "-m", "generator", *args], check=True, capture_output=True, cwd=REPO)
    old_tree = tree(out / TARGET)
    new_args = [*args, "--set", "clients.producer.client.id=new"]
    harness = (
        "import os, signal, sys\n"
        "import generator.writer as w\n"
        "kill_at, seen, armed = int(os.environ['KILL_AT']), [0], [False]\n"
        "def hook(event, args):\n"
        f"    if armed[0] and event.startswith({FS_EVENTS!r}):\n"
        "        seen[0] += 1\n"
        "        if seen[0] == kill_at: os.kill(os.getpid(), signal.SIGKILL)\n"
        "sys.addaudithook(hook)\n"
        "real = w.write\n"
        "def write(*a, **k):\n"
        "    armed[0] = True\n"
        "    try: return real(*a, **k)\n"
        "    finally: print('operations', seen[0], file=sys.stderr)\n"
        "w.write = write\n"
        "from generator.cli import main\n"
        "sys.argv = ['kafka-profiles', *sys.argv[1:]]\n"
        "main()\n"
    )

    def run(kill_at: int) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KILL_AT": str(kill_at)}
        return subprocess.run(
            [sys.executable, "-c", harness, *new_args], env=env, capture_output=True, text=True, cwd=REPO
        )

    probe = tmp_path / "probe"
    subprocess.run(
        [sys.executable, "-m", "generator", "render", "ha", "--out", str(probe)],
        check=True,
        capture_output=True,
        cwd=REPO,
    )
    dry = subprocess.run(
        [sys.executable, "-c", harness, *new_args[:-3], str(probe), *new_args[-2:]],
        env={**os.environ, "KILL_AT": "0"},
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert dry.returncode == 0, dry.stderr
    total = int(dry.stderr.rsplit("operations", 1)[1].split()[0])
    new_tree = tree(probe / TARGET)
    for point in (1, total // 2, total):
        result = run(point)
        assert result.returncode == -signal.SIGKILL, result.stderr
        assert tree(out / TARGET) in (old_tree, new_tree), f"killed at operation {point} of {total}"
    again = subprocess.run([sys.executable, "-m", "generator", *new_args], capture_output=True, text=True, cwd=REPO)
    assert again.returncode == 0, again.stderr
    assert leftovers(out) == [] and tree(out / TARGET) == new_tree


def test_a_live_writers_staging_folder_is_not_taken_for_a_leftover(tmp_path: Path) -> None:
    out = tmp_path / "output"
    write(out, "t", {"a": "1\n"})
    busy, dead = out / ".other.tmp-live", out / ".other.tmp-dead"
    busy.mkdir()
    dead.mkdir()
    (dead / "half.yaml").write_text("half")
    descriptor = os.open(busy, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # as a writer in another process holds its folder
        write(out, "t", {"a": "2\n"})
        assert leftovers(out) == [".other.tmp-live"]
    finally:
        os.close(descriptor)
    write(out, "t", {"a": "3\n"})
    assert leftovers(out) == []


def test_leftover_links_and_files_are_removed_without_following_them(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not ours\n")
    out = tmp_path / "output"
    out.mkdir()
    (out / ".t.tmp-link").symlink_to(outside, target_is_directory=True)
    (out / ".t.old-file").write_text("stray\n")
    write(out, "t", {"a": "1\n"})
    assert leftovers(out) == []
    assert (outside / "keep.txt").read_text() == "not ours\n"


def test_a_link_in_place_of_the_target_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("not ours\n")
    out = tmp_path / "output"
    out.mkdir()
    (out / "t").symlink_to(outside, target_is_directory=True)
    write(out, "t", {"a": "1\n"})
    assert not (out / "t").is_symlink() and tree(out / "t") == {"a": (0o644, b"1\n")}
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert leftovers(out) == []


@pytest.mark.parametrize("path", ["../escape.txt", "/etc/escape", "a/../../escape", "./a", "a//b", "", "a\\b"])
def test_file_paths_cannot_leave_the_target(tmp_path: Path, path: str) -> None:
    with pytest.raises(OutputError, match="not a relative path inside the target"):
        write(tmp_path / "output", "t", {"ok.txt": "1\n", path: "x\n"})
    assert not (tmp_path / "output").exists()
    assert not (tmp_path / "escape.txt").exists()


def test_output_root_that_is_a_file_is_one_error_line(tmp_path: Path) -> None:
    blocker = tmp_path / "output"
    blocker.write_text("a file, not a folder\n")
    result = subprocess.run(
        [sys.executable, "-m", "generator", "render", "ha", "--out", str(blocker)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(errors) == 1 and errors[0].startswith("error: ") and "cannot write" in errors[0], result.stderr
    assert "Traceback" not in result.stderr
    assert blocker.read_text() == "a file, not a folder\n"


def test_modes_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        write(tmp_path / "output", "t", {"a/b/c.yaml": "x: 1\n", "run.sh": "#!/bin/sh\n"})
    finally:
        os.umask(previous)
    assert {path: mode for path, (mode, _) in tree(tmp_path / "output/t").items()} == {
        "a": 0o755,
        "a/b": 0o755,
        "a/b/c.yaml": 0o644,
        "run.sh": 0o755,
    }
