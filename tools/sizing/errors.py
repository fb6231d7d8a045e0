"""The one error of bad sizing input: a message of one line that names the thing and the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class SizingError(ValueError):
    """A prices file, measurements file, target or size report that cannot be used; the CLI exits 2."""


def read_json(path: Path, missing: str, unreadable: str) -> Any:
    """The JSON document in `path`; a SizingError of `missing` when there is no file, else of `unreadable`
    (a one-line message with its fix, where "{exc}" stands for what was wrong)."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise SizingError(missing) from None
    except (OSError, json.JSONDecodeError) as exc:
        raise SizingError(unreadable.replace("{exc}", str(exc))) from None
