"""One-line JSON logs on stdout, which Lambda forwards to CloudWatch as one event per line.

Not the `logging` module: a batch summary is one `orjson.dumps` + one write, with no handler
chain or record objects, so logging never shows up in the per-batch cost. Levels filter before
any formatting work is done.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import orjson

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}


class JsonLogger:
    """`log.info("batch done", records=10)` -> {"level":"INFO","message":"batch done","records":10,...}."""

    def __init__(self, service: str, level: str = "INFO", stream: TextIO | None = None) -> None:
        name = level.upper()
        if name not in LEVELS:
            raise ValueError(f"log level {level!r} is not one of {', '.join(LEVELS)}; set LOG_LEVEL to one of them")
        self.service = service
        self.threshold = LEVELS[name]
        self.stream = stream
        self.request_id: str | None = None

    def bind_request(self, context: object) -> None:
        """Remember the invocation's request id so every line of it can be correlated."""
        self.request_id = getattr(context, "aws_request_id", None)

    def log(self, level: str, message: str, **fields: Any) -> None:
        if LEVELS[level] < self.threshold:
            return
        line = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z",
            "level": level,
            "service": self.service,
            "message": message,
            "request_id": self.request_id,
            **fields,
        }
        stream = self.stream or sys.stdout
        stream.write(orjson.dumps(line, default=str).decode() + "\n")
        stream.flush()

    def debug(self, message: str, **fields: Any) -> None:
        self.log("DEBUG", message, **fields)

    def info(self, message: str, **fields: Any) -> None:
        self.log("INFO", message, **fields)

    def warning(self, message: str, **fields: Any) -> None:
        self.log("WARNING", message, **fields)

    def error(self, message: str, **fields: Any) -> None:
        self.log("ERROR", message, **fields)
