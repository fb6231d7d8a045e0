"""Releases of the module set: the archive a registry serves and the interface-compatibility gate.

`python -m release archive|compat|notes`; `make release-archive` and `make compat` run the first two.
"""
