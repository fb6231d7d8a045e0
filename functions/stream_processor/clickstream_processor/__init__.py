"""Kinesis clickstream processor; Lambda handler `clickstream_processor.handler`.

`handler` is resolved lazily (PEP 562) so that importing a submodule (tests, tools, the
benchmark) does not read the function's environment; Lambda's getattr on the module loads it.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "handler":
        from clickstream_processor.lambda_handler import handler

        return handler
    raise AttributeError(f"module 'clickstream_processor' has no attribute {name!r}")
