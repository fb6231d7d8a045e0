"""Tests on the repository's root module applied once (the `root_stack` fixture of conftest.py)."""
