#!/usr/bin/env python3
"""Entry point of `make build`: package Lambda functions and layers into dist/ (see docs/build.md)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "tools"))

from lambda_build.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], default_root=Path(__file__).resolve().parent))
