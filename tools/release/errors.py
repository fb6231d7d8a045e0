"""The one error type of the release tooling."""

from __future__ import annotations


class ReleaseError(Exception):
    """Input the user must fix; the message is one line naming the thing and the fix."""
