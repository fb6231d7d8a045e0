"""The Lambda Python runtimes: one table, from which every wheel-selection rule is derived.

A runtime fixes the Python version and the operating system; the operating system fixes the
newest glibc a native wheel may need. Facts from AWS's documentation (docs/build.md cites it):
python3.10 and python3.11 run on Amazon Linux 2 (glibc 2.26), python3.12 and later on Amazon
Linux 2023 (glibc 2.34); every one of them on x86_64 and arm64. Lambda links against glibc, so
musllinux wheels never load there and are never chosen.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class OperatingSystem(NamedTuple):
    name: str
    glibc: tuple[int, int]


AMAZON_LINUX_2 = OperatingSystem("Amazon Linux 2", (2, 26))
AMAZON_LINUX_2023 = OperatingSystem("Amazon Linux 2023", (2, 34))

ARCHITECTURES = ("x86_64", "arm64")

# Wheel platform tags use the kernel's name for the machine.
_MACHINE = {"x86_64": "x86_64", "arm64": "aarch64"}

# PEP 600 names these legacy tags after the glibc they need; a wheel may carry either spelling.
_MANYLINUX2014 = (2, 17)
_LEGACY = {_MANYLINUX2014: "manylinux2014", (2, 12): "manylinux2010", (2, 5): "manylinux1"}
# glibc 2.5 is the oldest manylinux baseline (manylinux1).
_OLDEST_GLIBC_MINOR = 5
# aarch64 wheels start at manylinux2014 (glibc 2.17): no older tag exists for it.
_OLDEST_FOR_MACHINE = {"x86_64": _OLDEST_GLIBC_MINOR, "aarch64": 17}


class Runtime(NamedTuple):
    identifier: str  # "python3.12", as Lambda and function.toml spell it
    python_version: str  # "3.12"
    os: OperatingSystem
    architectures: tuple[str, ...]

    @property
    def glibc(self) -> str:
        return ".".join(map(str, self.os.glibc))

    @property
    def abi(self) -> str:
        """The CPython ABI tag of its interpreter, e.g. cp312."""
        return "cp" + self.python_version.replace(".", "")

    def describe(self) -> str:
        return f"{self.identifier} ({self.os.name}, glibc {self.glibc})"

    def platforms(self, architecture: str) -> list[str]:
        """Every manylinux tag this runtime's OS can load on `architecture`, in pip's order of preference.

        pip's `--platform manylinux_2_26_x86_64` does not imply the older tags: each one has to be
        listed. The legacy names follow manylinux2014 at once, as pip ranks them (PEP 599 counts
        manylinux2010 and manylinux1 wheels as manylinux2014 ones).
        """
        machine = _MACHINE[architecture]
        major, newest = self.os.glibc
        legacy = [f"{name}_{machine}" for glibc, name in sorted(_LEGACY.items(), reverse=True)
                  if glibc[1] >= _OLDEST_FOR_MACHINE[machine]]
        tags: list[str] = []
        for minor in range(newest, _OLDEST_FOR_MACHINE[machine] - 1, -1):
            tags.append(f"manylinux_{major}_{minor}_{machine}")
            if (major, minor) == _MANYLINUX2014:
                tags.extend(legacy)
        return tags


_PEP600 = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)\Z")


def manylinux_glibc(platform: str, machine: str) -> tuple[int, int] | None:
    """The glibc a manylinux platform tag for `machine` needs; None for any other tag."""
    found = _PEP600.match(platform)
    if found:
        return (int(found.group(1)), int(found.group(2))) if found.group(3) == machine else None
    for glibc, legacy in _LEGACY.items():
        if platform == f"{legacy}_{machine}":
            return glibc
    return None


def _runtime(minor: int, os: OperatingSystem) -> Runtime:
    return Runtime(f"python3.{minor}", f"3.{minor}", os, ARCHITECTURES)


RUNTIMES: dict[str, Runtime] = {
    r.identifier: r
    for r in (
        _runtime(10, AMAZON_LINUX_2),
        _runtime(11, AMAZON_LINUX_2),
        _runtime(12, AMAZON_LINUX_2023),
        _runtime(13, AMAZON_LINUX_2023),
        _runtime(14, AMAZON_LINUX_2023),
    )
}


def runtime_for(python_version: str) -> Runtime:
    """The runtime of a Python version ("3.12"); KeyError for one Lambda does not offer."""
    return RUNTIMES[f"python{python_version}"]
