"""A build ships one snapshot of the sources: what it hashed is what it zipped and compiled.

The edit is injected by wrapping the read of the file, so the race happens at the same moment
on every run (no sleeps): right after the build has read the handler, it is rewritten.
"""

from __future__ import annotations

import marshal
import zipfile
from pathlib import Path

import pytest

from .conftest import Repo

HANDLER = "app/main.py"


def _code(value: str) -> str:
    return f"def handler(event, context):\n    return {value!r}\n"


def _shipped(repo: Repo) -> tuple[bytes, str]:
    """The handler's source in the zip, and what its shipped bytecode returns when run."""
    with zipfile.ZipFile(repo.dist / "qa_race.zip") as archive:
        source = archive.read(HANDLER)
        pyc = archive.read("app/__pycache__/main.cpython-312.pyc")
    namespace: dict[str, object] = {}
    exec(marshal.loads(pyc[16:]), namespace)  # the bytecode Lambda would run, not the source beside it
    handler = namespace["handler"]
    assert callable(handler)
    return source, handler(None, None)


def _edit_right_after_first_read(monkeypatch: pytest.MonkeyPatch, target: Path, new_text: str) -> list[int]:
    """Every read of `target` goes through here; the first one is followed at once by an edit."""
    real_read = Path.read_bytes
    reads: list[int] = []

    def read_then_edit(self: Path) -> bytes:
        data = real_read(self)
        if self == target:
            reads.append(len(data))
            if len(reads) == 1:
                target.write_text(new_text)
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_edit)
    return reads


def test_edit_during_build_is_refused_and_cannot_poison_the_bytecode_cache(
    offline_repo: Repo, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = offline_repo
    repo.function("qa_race", config='handler = "app.main.handler"\n', code="")
    repo.write("functions/qa_race/app/__init__.py", "")
    handler = repo.write(f"functions/qa_race/{HANDLER}", _code("A"))

    reads = _edit_right_after_first_read(monkeypatch, handler, _code("B"))
    before = repo.snapshot()
    raced = repo.run("build", capsys=capsys)
    monkeypatch.undo()
    assert reads, "the build never read the handler through Path.read_bytes"
    assert raced.code == 1, raced.err
    assert f"functions/qa_race/{HANDLER} changed during the build" in raced.err
    assert "run `make build` again" in raced.err
    assert repo.snapshot() == before  # nothing half-built was published

    # The edit is picked up by the next build, source and bytecode alike.
    assert repo.run("build", capsys=capsys).code == 0
    assert _shipped(repo) == (_code("B").encode(), "B")

    # Writing the old content back rebuilds (it is not "up to date"), and the bytecode is A's,
    # also after the zip is deleted and rebuilt from the cache the race could have poisoned.
    handler.write_text(_code("A"))
    assert repo.run("build", capsys=capsys).code == 0
    assert _shipped(repo) == (_code("A").encode(), "A")
    (repo.dist / "qa_race.zip").unlink()
    assert repo.run("build", capsys=capsys).code == 0
    assert _shipped(repo) == (_code("A").encode(), "A")

