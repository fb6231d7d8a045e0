"""Errors that the CLI turns into one-line messages and documented exit codes."""

from __future__ import annotations

EXIT_OK = 0
EXIT_BUILD_ERROR = 1
EXIT_USAGE = 2
EXIT_LIMIT = 3


class BuildError(Exception):
    """Bad input or a failed build step; the message is a single line that says how to fix it."""

    exit_code = EXIT_BUILD_ERROR


class LimitViolation(BuildError):
    """An AWS limit (or the project's packaging rule) the artifacts would break; `rows` say which and why."""

    exit_code = EXIT_LIMIT
    columns = ("artifact", "limit", "measured", "details", "message")  # the table shows all but the message

    def __init__(self, message: str, rows: list[list[str]]) -> None:
        super().__init__(message)
        self.rows = rows
