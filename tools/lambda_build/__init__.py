"""Deterministic, incremental packaging of Lambda functions and layers for the Lambda platform.

`BUILD_SYSTEM_VERSION` is part of every cache key and fingerprint: bump it whenever a change
here alters the bytes of a zip, so that old caches and up-to-date checks cannot leak through.
"""

BUILD_SYSTEM_VERSION = "3"
