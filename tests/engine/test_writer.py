"""Writing a target: per-file status, stale files removed, nothing changed unless all validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.errors import OutputError
from generator.writer import compare, write


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_first_write_creates_then_reports_identical(tmp_path: Path) -> None:
    files = {"a.yaml": "a: 1\n", "sub/b.sh": "#!/bin/bash\n"}
    assert [c.status for c in write(tmp_path, "t", files)] == ["created", "created"]
    assert tree(tmp_path / "t") == {"a.yaml": b"a: 1\n", "sub/b.sh": b"#!/bin/bash\n"}
    assert (tmp_path / "t/sub/b.sh").stat().st_mode & 0o777 == 0o755
    assert [c.status for c in write(tmp_path, "t", files)] == ["identical", "identical"]


def test_rewrite_updates_changed_and_removes_stale_files(tmp_path: Path) -> None:
    write(tmp_path, "t", {"a.yaml": "a: 1\n", "old.yaml": "x\n"})
    changes = write(tmp_path, "t", {"a.yaml": "a: 2\n", "new.yaml": "n\n"})
    assert {(c.status, c.path) for c in changes} == {
        ("updated", "a.yaml"),
        ("removed", "old.yaml"),
        ("created", "new.yaml"),
    }
    assert tree(tmp_path / "t") == {"a.yaml": b"a: 2\n", "new.yaml": b"n\n"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]  # no staging folder left behind


def test_compare_does_not_write(tmp_path: Path) -> None:
    changes = compare(tmp_path / "absent", {"a": "1\n"})
    assert [(c.status, c.path) for c in changes] == [("created", "a")]
    assert not (tmp_path / "absent").exists()


def test_leftover_staging_folders_are_cleaned_by_the_next_write(tmp_path: Path) -> None:
    (tmp_path / ".t.tmp-abc123").mkdir(parents=True)
    (tmp_path / ".t.tmp-abc123/partial.yaml").write_text("half")
    write(tmp_path, "t", {"a": "1\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t"]


@pytest.mark.parametrize("target", ["", "../x", "a/b", ".hidden", "/etc"])
def test_target_names_cannot_escape_the_output_root(tmp_path: Path, target: str) -> None:
    with pytest.raises(OutputError, match="not a plain folder name"):
        write(tmp_path, target, {"a": "1\n"})


def test_a_rewrite_that_changes_nothing_leaves_the_tree_untouched(tmp_path: Path) -> None:
    """A re-render of a committed target touches no file: same folder, same mtimes, nothing flushed."""
    files = {"a.yaml": "a: 1\n", "sub/b.sh": "#!/bin/bash\n"}
    write(tmp_path, "t", files)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted((tmp_path / "t").rglob("*"))}
    before[tmp_path / "t"] = ((tmp_path / "t").stat().st_ino, (tmp_path / "t").stat().st_mtime_ns)
    assert [c.status for c in write(tmp_path, "t", files)] == ["identical", "identical"]
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted((tmp_path / "t").rglob("*"))}
    after[tmp_path / "t"] = ((tmp_path / "t").stat().st_ino, (tmp_path / "t").stat().st_mtime_ns)
    assert after == before


@pytest.mark.parametrize("damage", ["mode", "folder mode", "empty folder", "symlink"])
def test_an_identical_content_with_anything_else_wrong_is_rewritten(tmp_path: Path, damage: str) -> None:
    """Same bytes are not enough to skip the write: modes, stray folders and links are repaired too."""
    files = {"a.yaml": "a: 1\n", "sub/b.sh": "#!/bin/bash\n"}
    write(tmp_path, "t", files)
    target = tmp_path / "t"
    if damage == "mode":
        (target / "sub/b.sh").chmod(0o644)
    elif damage == "folder mode":
        (target / "sub").chmod(0o700)
    elif damage == "empty folder":
        (target / "stray").mkdir()
    else:
        (target / "a.yaml").unlink()
        (tmp_path / "elsewhere.yaml").write_text("a: 1\n")
        (target / "a.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    write(tmp_path, "t", files)
    assert (target / "sub/b.sh").stat().st_mode & 0o777 == 0o755
    assert (target / "sub").stat().st_mode & 0o777 == 0o755
    assert not (target / "stray").exists()
    assert not (target / "a.yaml").is_symlink()
    assert tree(target) == {"a.yaml": b"a: 1\n", "sub/b.sh": b"#!/bin/bash\n"}
