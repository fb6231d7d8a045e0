"""`python -m release archive|compat|notes`: the release archive, the compatibility gate, a release's notes.

Exit codes: 0 done, 1 the gate failed, 2 bad input (one line says what and how to fix it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from repo_paths import REPO_ROOT

from release import git_repo
from release.archive import build_archive
from release.changelog import notes_for_tag
from release.compat import compare, judge
from release.errors import ReleaseError
from release.interface import is_module_file, read_module_set, read_working_tree
from release.report import render_report
from release.semver import read_version_file


def run_archive(root: Path, out_dir: Path) -> int:
    version = read_version_file(root)
    built = build_archive(root, version, out_dir)
    size_kb = built.path.stat().st_size / 1024
    shown = built.path.relative_to(root) if built.path.is_relative_to(root) else built.path
    print(f"release: {shown} ({len(built.files)} files, {size_kb:.1f} KB, sha256 {built.sha256})")
    return 0


def run_compat(root: Path) -> int:
    version = read_version_file(root)
    git_repo.check_repository(root)
    last = git_repo.last_release(root)
    if last is None:
        print(f"compat: OK: no release tag (vX.Y.Z) in this history yet, so nothing to compare; "
              f"VERSION {version} will be the first release")
        return 0
    old = read_module_set(git_repo.files_at(root, last.tag, is_module_file))
    new = read_module_set(read_working_tree(root))
    changes = compare(old, new)
    verdict = judge(changes, last.version, version)
    print(render_report(changes, last.tag, verdict))
    return 0 if verdict.ok else 1


def run_notes(root: Path, tag: str, output: Path | None) -> int:
    notes = notes_for_tag(root, tag)
    if output is None:
        sys.stdout.write(notes)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(notes)
    return 0


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m release", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="repository root (default: this checkout)")
    commands = parser.add_subparsers(dest="command", required=True)
    archive = commands.add_parser("archive", help="build build/release/<package>-<VERSION>.tar.gz and its .sha256")
    archive.add_argument("--output", type=Path, help="directory for the archive (default: ROOT/build/release)")
    commands.add_parser("compat", help="compare every module's interface with the last release tag")
    notes = commands.add_parser("notes", help="check TAG is the VERSION being released; print its CHANGELOG section")
    notes.add_argument("tag", help="the release tag, e.g. v1.2.0")
    notes.add_argument("--output", type=Path, help="write the notes to this file instead of stdout")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root: Path = args.root.resolve()
    try:
        if args.command == "archive":
            return run_archive(root, args.output or root / "build" / "release")
        if args.command == "compat":
            return run_compat(root)
        return run_notes(root, args.tag, args.output)
    except ReleaseError as exc:
        print(f"release {args.command}: {exc}", file=sys.stderr)
        return 2
