"""The Lambda platform as wheel tags: which wheels can run on a given runtime and architecture.

Everything comes from the runtime table (runtimes.py): the Python version gives the interpreter
and ABI tags, the runtime's OS gives the newest manylinux tag (its glibc). Among the tags a wheel
carries, the best is ranked as pip ranks them (most specific interpreter/ABI, newest platform),
so the choice matches what pip would install on that machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from packaging.tags import Tag, compatible_tags, cpython_tags

from .runtimes import Runtime, manylinux_glibc, runtime_for


@dataclass(frozen=True)
class Target:
    python_version: str  # "3.12"
    architecture: str  # "x86_64" | "arm64"

    @property
    def runtime(self) -> Runtime:
        return runtime_for(self.python_version)

    @property
    def machine(self) -> str:
        return "aarch64" if self.architecture == "arm64" else "x86_64"

    @property
    def key(self) -> str:
        """Names the cache entries of this target: what was chosen for it depends on all three parts."""
        return f"{self.runtime.abi}-{self.platforms[0]}"

    @property
    def platforms(self) -> list[str]:
        """Most preferred first, as pip's --platform list expects."""
        return self.runtime.platforms(self.architecture)

    @cached_property
    def _priorities(self) -> dict[Tag, int]:
        version = tuple(int(p) for p in self.python_version.split("."))
        abi = self.runtime.abi
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
        """E.g. "python3.11 (Amazon Linux 2, glibc 2.26) arm64": what a refusal names."""
        return f"{self.runtime.describe()} {self.architecture}"

    def wheel_kind(self) -> str:
        """E.g. "cp311 manylinux aarch64", the words of a "no ... wheel" message."""
        return f"{self.runtime.abi} manylinux {self.machine}"

    def glibc_too_old_for(self, tags: frozenset[Tag]) -> tuple[int, int] | None:
        """The oldest glibc a wheel needs when only its manylinux tag keeps it off this target, else None.

        Such a wheel is built for this Python and machine but links against a newer glibc than the
        runtime's OS has: the case worth naming in a refusal.
        """
        needs = []
        for tag in tags:
            glibc = manylinux_glibc(tag.platform, self.machine)
            if glibc is not None and Tag(tag.interpreter, tag.abi, self.platforms[0]) in self._priorities:
                needs.append(glibc)
        return min(needs) if needs else None
