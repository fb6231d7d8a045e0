"""The one error of bad sizing input: a message of one line that names the thing and the fix."""

from __future__ import annotations


class SizingError(ValueError):
    """A prices file, measurements file, target or size report that cannot be used; the CLI exits 2."""
