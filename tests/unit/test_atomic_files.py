"""The one atomic writer: whole new content or the old one, no temp files left behind, first publisher wins."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from atomic_files import publish_dir, write_bytes_atomic, write_text_atomic


def test_write_creates_parents_and_leaves_only_the_file(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "manifest.json"
    write_text_atomic(target, "{}\n")
    assert target.read_text() == "{}\n"
    assert list(target.parent.iterdir()) == [target]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_replaces_and_sets_the_mode(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    write_bytes_atomic(target, b"new", mode=0o755)
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_a_failed_write_keeps_the_old_content_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_bytes_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_publish_dir_moves_a_finished_directory_into_place(tmp_path: Path) -> None:
    staging = tmp_path / "cache" / "tree.partial"
    staging.mkdir(parents=True)
    (staging / "index.json").write_text("1")
    final = tmp_path / "cache" / "tree"
    publish_dir(staging, final)
    assert (final / "index.json").read_text() == "1"
    assert not staging.exists()


def test_publish_dir_keeps_the_first_publishers_copy(tmp_path: Path) -> None:
    final = tmp_path / "tree"
    final.mkdir()
    (final / "index.json").write_text("first")
    (final / "pack.bin").write_text("first")  # a non-empty directory cannot be renamed over
    late = tmp_path / "tree.late"
    late.mkdir()
    (late / "index.json").write_text("second")
    publish_dir(late, final)
    assert (final / "index.json").read_text() == "first"
    assert not late.exists()


def test_publish_dir_raises_when_nothing_was_published(tmp_path: Path) -> None:
    staging = tmp_path / "tree.partial"
    staging.mkdir()
    (staging / "index.json").write_text("1")
    (tmp_path / "tree").write_text("a file in the way")
    with pytest.raises(OSError):
        publish_dir(staging, tmp_path / "tree")
    assert staging.is_dir()
