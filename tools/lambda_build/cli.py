"""Command line of build.py: parse arguments, run one command, print results, map errors to exit codes."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from text_table import render

from .cache import CACHE_ENV, cache_root
from .errors import EXIT_BUILD_ERROR, EXIT_LIMIT, EXIT_OK, EXIT_USAGE, BuildError, LimitViolation
from .report import size

DESCRIPTION = """\
Package every Lambda function (functions/<name>/function.toml) and layer (layers/<name>/layer.toml)
into dist/<name>.zip for the Lambda platform (manylinux wheels of the target architecture, bytecode
for the target Python), byte-identical for identical inputs, and write dist/manifest.json for Terraform.
Only artifacts whose inputs changed are rebuilt."""

EPILOG = f"""\
exit codes:
  {EXIT_OK}  success
  {EXIT_BUILD_ERROR}  bad input or failed build (the one-line message says what to fix)
  {EXIT_USAGE}  wrong command line
  {EXIT_LIMIT}  an AWS limit or the project's packaging rule would be broken (size, layer count,
     a package both in a function and its layer); see the table

examples:
  python build.py build                       build everything that changed
  python build.py build stream_processor      build one function (and its layers)
  python build.py check                       is dist/ current and within the AWS limits?
  python build.py lock --upgrade              re-pin requirements.txt from requirements.in
  python build.py --json build                machine-readable result on stdout

cache: downloaded wheels and installed dependency trees live in ${CACHE_ENV}, else
$XDG_CACHE_HOME/lambda-build, else ~/.cache/lambda-build (--cache-dir overrides)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="build.py", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true", help="print a JSON result on stdout instead of tables")
    parser.add_argument("--root", type=Path, help="repository root (default: the directory of build.py)")
    parser.add_argument("--cache-dir", type=Path, help="wheel/dependency cache directory")
    # Global options work after the command too (`build.py build --json --root DIR`).
    anywhere = argparse.ArgumentParser(add_help=False)
    anywhere.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print a JSON result")
    anywhere.add_argument("--root", type=Path, default=argparse.SUPPRESS, help="repository root")
    anywhere.add_argument("--cache-dir", type=Path, default=argparse.SUPPRESS, help="wheel/dependency cache directory")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = commands.add_parser("build", parents=[anywhere], help="build changed artifacts into dist/ and write dist/manifest.json")
    build.add_argument("names", nargs="*", metavar="NAME", help="artifacts to build (default: all)")
    build.add_argument("--allow-s3-upload", action="store_true",
                       help="allow zips over 50 MB (marked upload_via_s3; the Terraform module needs an S3 bucket)")
    check = commands.add_parser("check", parents=[anywhere],
                                help="check that dist/ is built from the current sources and within the AWS limits")
    check.add_argument("names", nargs="*", metavar="NAME")
    check.add_argument("--allow-s3-upload", action="store_true", help="zips over 50 MB are fine (uploaded via S3)")
    lock = commands.add_parser("lock", parents=[anywhere], help="regenerate requirements.txt from requirements.in (pip-compile, hashes)")
    lock.add_argument("names", nargs="*", metavar="NAME")
    lock.add_argument("--upgrade", action="store_true", help="move pins to the newest allowed versions")
    clean = commands.add_parser("clean", parents=[anywhere], help="remove dist/")
    clean.add_argument("--cache", action="store_true", help="also remove the wheel/dependency cache")
    return parser


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run(args: argparse.Namespace, root: Path, cache: Path) -> dict[str, Any]:
    if args.command == "build":
        from .build_command import build

        outcomes = build(root, args.names, cache, args.allow_s3_upload, _progress)
        rows = [[o.name, o.artifact.kind, o.artifact.architecture, o.status, size(o.artifact.zipped_bytes),
                 size(o.artifact.unzipped_bytes), "yes" if o.artifact.upload_via_s3 else "no"] for o in outcomes]
        text = render(["artifact", "kind", "arch", "status", "zipped", "unzipped", "via S3"], rows)
        return {"text": text, "artifacts": [{"name": o.name, "status": o.status, **o.artifact.entry()} for o in outcomes]}
    if args.command == "check":
        from .check_command import check

        measured = check(root, args.names, args.allow_s3_upload)
        rows = [[m.name, m.kind, size(m.zipped), size(m.unzipped), "ok"] for m in measured]
        return {"text": render(["artifact", "kind", "zipped", "unzipped", "limits"], rows),
                "artifacts": [{"name": m.name, "zipped_bytes": m.zipped, "unzipped_bytes": m.unzipped} for m in measured]}
    if args.command == "lock":
        from .config import discover
        from .lock_command import lock, select

        chosen = select(discover(root), args.names)
        locked = lock(chosen, args.upgrade, _progress)
        return {"text": f"locked: {', '.join(locked) or 'nothing (no requirements.in)'}", "locked": locked}
    from .build_command import dist_lock

    with dist_lock(root / "dist", _progress):  # a build in progress finishes first; one waiting starts over
        shutil.rmtree(root / "dist")
    if args.cache:
        shutil.rmtree(cache, ignore_errors=True)
    return {"text": "removed dist/" + (" and the cache" if args.cache else "")}


def main(argv: list[str] | None = None, default_root: Path | None = None) -> int:
    args = _parser().parse_args(argv)
    root = (args.root or default_root or Path.cwd()).resolve()
    cache = (args.cache_dir or cache_root()).resolve()
    try:
        result = _run(args, root, cache)
    except BuildError as exc:
        rows = exc.rows if isinstance(exc, LimitViolation) else []
        if args.json:
            violations = [dict(zip(LimitViolation.columns, row, strict=True)) for row in rows]
            print(json.dumps({"ok": False, "error": str(exc), "exit_code": exc.exit_code, "violations": violations}))
        else:
            if rows:
                table = [row[:4] for row in rows]
                print(render(["artifact", "limit", "measured", "largest contributors / details"], table), file=sys.stderr)
            print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # disk full, permissions, a vanished file: still one line, still exit 1
        print(json.dumps({"ok": False, "error": str(exc), "exit_code": EXIT_BUILD_ERROR, "violations": []})
              if args.json else f"error: {exc}", file=sys.stdout if args.json else sys.stderr)
        return EXIT_BUILD_ERROR
    except KeyboardInterrupt:
        print("error: interrupted; dist/ was left as it was before this build", file=sys.stderr)
        return EXIT_BUILD_ERROR
    if args.json:
        print(json.dumps({"ok": True, "command": args.command, **{k: v for k, v in result.items() if k != "text"}}))
    else:
        print(result["text"])
    return EXIT_OK



