"""Run every benchmark under bench/ in turn, each in its own process.

Each bench script prints its own table (medians, ratios against a baseline
measured in the same run); this only sequences them so `make bench` is one step.
`make bench ARGS="end_to_end -- --sizes 1000"` picks benchmarks by name and passes
everything after `--` to each of them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    argv, options = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    scripts = sorted(p for p in BENCH_DIR.glob("bench_*.py"))
    selected = [p for p in scripts if not argv or any(name in p.stem for name in argv)]
    if not selected:
        print(f"error: no benchmark matches {argv}; available: {[p.stem for p in scripts]}", file=sys.stderr)
        return 2
    failed = 0
    for script in selected:
        print(f"\n=== {script.stem} ===", flush=True)
        failed += subprocess.run([sys.executable, str(script), *options], check=False).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
