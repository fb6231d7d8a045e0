"""The Lambda platform as wheel tags: which wheels can run on a given runtime and architecture.

Lambda's Python 3.12+ runtimes run on Amazon Linux 2023 (glibc 2.34), so any manylinux wheel up
to 2_34 is usable; preferring the newest tag matches what pip would choose for that platform.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from packaging.tags import Tag, compatible_tags, cpython_tags

GLIBC_MINOR = 34


@dataclass(frozen=True)
class Target:
    python_version: str  # "3.12"
    architecture: str  # "x86_64" | "arm64"

    @property
    def machine(self) -> str:
        return "aarch64" if self.architecture == "arm64" else "x86_64"

    @property
    def key(self) -> str:
        return f"cp{self.python_version.replace('.', '')}-{self.machine}"

    @property
    def platforms(self) -> list[str]:
        """Most preferred first, as pip's --platform list expects."""
        tags = [f"manylinux_2_{minor}_{self.machine}" for minor in range(GLIBC_MINOR, 16, -1)]
        return [*tags, f"manylinux2014_{self.machine}"]

    @cached_property
    def _priorities(self) -> dict[Tag, int]:
        version = tuple(int(p) for p in self.python_version.split("."))
        abi = f"cp{version[0]}{version[1]}"
        ordered = [
            *cpython_tags(version, abis=[abi], platforms=self.platforms),
            *compatible_tags(version, interpreter=abi, platforms=self.platforms),
        ]
        priorities: dict[Tag, int] = {}
        for index, tag in enumerate(ordered):
            priorities.setdefault(tag, index)
        return priorities

    def priority(self, tags: frozenset[Tag]) -> int | None:
        """Lower is better; None when no tag of the wheel runs on this target."""
        ranks = [self._priorities[t] for t in tags if t in self._priorities]
        return min(ranks) if ranks else None

    def describe(self) -> str:
        return f"CPython {self.python_version} manylinux {self.machine}"
