"""Utilities every function in this repository needs, shipped as the `common` Lambda layer.

Import the submodules directly (`from pipeline_common.retry import retry_with_backoff`): this
package imports nothing itself so that a function only pays for what it uses at cold start.
"""
