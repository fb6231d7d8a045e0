"""The errors a contract reader raises: one line naming the file or source, what is wrong, and the fix."""

from __future__ import annotations


class ManifestError(ValueError):
    """dist/manifest.json is missing or breaks the contract (docs/contracts.md §2); the fix is usually `make build`."""


class OutputsError(ValueError):
    """The root module's Terraform outputs lack a value a tool reads; the fix is to apply this checkout's root module."""
