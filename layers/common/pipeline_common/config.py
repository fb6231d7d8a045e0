"""Typed configuration read from environment variables, failing with one actionable line.

A misconfigured function should fail at init with "DB_PORT must be an integer, got 'abc'",
not with a KeyError or a TypeError deep inside the first batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class ConfigError(ValueError):
    """An environment variable is missing or malformed; the message says which and how to fix it."""


class Env:
    """Typed accessors over a mapping such as `os.environ` (tests pass a plain dict)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def _raw(self, name: str, default: str | None) -> str:
        value = self.environ.get(name, "")
        if value.strip():
            return value.strip()
        if default is None:
            raise ConfigError(f"environment variable {name} is required but not set; set it in the function's environment")
        return default

    def text(self, name: str, default: str | None = None) -> str:
        return self._raw(name, default)

    def optional_text(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def integer(self, name: str, default: int | None = None, minimum: int | None = None, maximum: int | None = None) -> int:
        raw = self._raw(name, None if default is None else repr(default))
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
        if minimum is not None and value < minimum:
            raise ConfigError(f"{name} must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise ConfigError(f"{name} must be <= {maximum}, got {value}")
        return value

    def optional_integer(self, name: str, minimum: int | None = None, maximum: int | None = None) -> int | None:
        """None when unset; otherwise as `integer`."""
        if not self.environ.get(name, "").strip():
            return None
        return self.integer(name, minimum=minimum, maximum=maximum)

    def number(self, name: str, default: float | None = None, minimum: float = 0.0) -> float:
        raw = self._raw(name, None if default is None else repr(default))
        try:
            value = float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number, got {raw!r}") from None
        if value < minimum:
            raise ConfigError(f"{name} must be >= {minimum}, got {value}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        raw = self._raw(name, "true" if default else "false").lower()
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, choices: Iterable[str], default: str | None = None) -> str:
        allowed = tuple(choices)
        value = self._raw(name, default)
        if value not in allowed:
            raise ConfigError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
        return value
