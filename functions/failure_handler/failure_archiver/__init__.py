"""Archives Kinesis batches the event source mapping gave up on; handler `failure_archiver.handler`.

`handler` is resolved lazily (PEP 562) so that the `replay` command and tests can import the
submodules without the function's environment.
"""

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "handler":
        from failure_archiver.lambda_handler import handler

        return handler
    raise AttributeError(f"module 'failure_archiver' has no attribute {name!r}")
