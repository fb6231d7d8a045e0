"""What the release tooling asks git: tracked files, the last release tag, files as a tag has them.

Release tags are `vX.Y.Z`; tags of another shape (pre-releases, other tools' tags) are not releases.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from release.errors import ReleaseError
from release.semver import Version


@dataclass(frozen=True)
class Release:
    version: Version
    tag: str
    commit: str


def _git(root: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(["git", "-C", str(root), *args], input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise ReleaseError("git is not on PATH; install git") from None
    if result.returncode != 0:
        detail = result.stderr.decode(errors="replace").strip().splitlines()
        raise ReleaseError(f"git {' '.join(args)} failed in {root}: {detail[-1] if detail else 'no message'}")
    return result.stdout


def check_repository(root: Path) -> None:
    """A full clone: a shallow one lacks the tags' history, so the gate would compare with nothing."""
    try:
        shallow = _git(root, "rev-parse", "--is-shallow-repository").decode().strip()
    except ReleaseError:
        raise ReleaseError(f"{root} is not a git checkout; run this in a clone of the repository") from None
    if shallow == "true":
        raise ReleaseError(f"{root} is a shallow clone, so its release tags may be missing; run "
                           "`git fetch --unshallow --tags` (in GitHub Actions: actions/checkout with fetch-depth: 0)")


def tracked_files(root: Path) -> list[str]:
    """Paths git tracks under `root`, relative and sorted."""
    return sorted(p.decode() for p in _git(root, "ls-files", "-z").split(b"\0") if p)


def last_release(root: Path) -> Release | None:
    """The highest vX.Y.Z tag in HEAD's history, leaving out tags on HEAD itself.

    On a release build HEAD carries the new tag, and the release must be compared with the one
    before it; anywhere else the tag on HEAD's ancestor is the last release.
    """
    head = _git(root, "rev-parse", "HEAD").decode().strip()
    # %(*objectname) is the commit of an annotated tag, %(objectname) that of a lightweight one.
    listing = _git(root, "for-each-ref", "--merged", "HEAD", "--format=%(refname:short) %(objectname) %(*objectname)",
                   "refs/tags/v*").decode()
    releases = []
    for line in listing.splitlines():
        tag, *objects = line.split()
        commit = objects[-1]
        try:
            version = Version.parse(tag.removeprefix("v"), f"tag {tag}")
        except ReleaseError:
            continue
        if commit != head:
            releases.append(Release(version, tag, commit))
    return max(releases, key=lambda r: r.version, default=None)


def files_at(root: Path, ref: str, wanted: Callable[[str], bool]) -> dict[str, str]:
    """Text of the files of `ref` whose path `wanted` accepts, by path.

    Read as committed (`git cat-file`), not through `git archive`, which .gitattributes may filter.
    """
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", ref).decode().split("\0")
    names = [name for name in listing if name and wanted(name)]
    if not names:
        return {}
    batch = _git(root, "cat-file", "--batch", stdin="".join(f"{ref}:{name}\n" for name in names).encode())
    files, at = {}, 0
    for name in names:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        files[name] = batch[header_end + 1:header_end + 1 + size].decode()
        at = header_end + 1 + size + 1  # the content is followed by a newline
    return files
