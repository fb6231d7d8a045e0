"""CPU and memory of each execution environment through Linux cgroups, found at run time.

The runner makes one parent group beside (under) its own cgroup and one child group per warm
worker; the worker's launcher joins the child before Python starts, so the function's init and
every invocation run inside its limits. cgroup v1 (`cpu` and `memory` controllers mounted
separately or together) and v2 (the unified hierarchy) are read from /proc/self/mountinfo and
/proc/self/cgroup, never from fixed paths. Where neither is usable, `ComputeGroups.setup` says why
and the runner falls back to running workers without limits.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

from local_stack.runtime.compute_model import (
    CFS_PERIOD_US,
    MAX_CPU_SHARES,
    MAX_CPU_WEIGHT,
    cfs_quota_us,
    cpu_shares,
    cpu_weight,
)

GROUP_PREFIX = "local-stack-runner-"
CONTROLLERS = ("cpu", "memory")
MB = 1024 * 1024


@dataclass(frozen=True)
class Hierarchy:
    """Where this process's own groups are: per controller (v1) or the one unified directory (v2)."""

    version: int
    dirs: dict[str, Path]  # v1: {"cpu": ..., "memory": ...}; v2: {"unified": ...}


def _unescape(path: str) -> str:
    """mountinfo escapes spaces, tabs, newlines and backslashes as octal (\\040)."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), path)


def _own_dir(mount_point: str, mount_root: str, own_path: str) -> Path:
    """The directory of `own_path` (from /proc/self/cgroup) in a hierarchy mounted at `mount_point`."""
    if mount_root != "/" and (own_path == mount_root or own_path.startswith(mount_root + "/")):
        own_path = own_path[len(mount_root):]
    return Path(mount_point + own_path.rstrip("/")) if own_path.strip("/") else Path(mount_point)


def discover(mountinfo: str, proc_cgroup: str) -> Hierarchy | str:
    """The hierarchy holding both `cpu` and `memory` for this process, or why there is none.

    v1 is preferred where both controllers are mounted as v1 (a hybrid host mounts an empty v2 too).
    """
    own: dict[str, str] = {}  # controller ("" for v2) -> path of this process's group
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3:
            for controller in parts[1].split(",") if parts[1] else [""]:
                own[controller] = parts[2]
    v1: dict[str, Path] = {}
    unified: Path | None = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, mount_point = _unescape(fields[3]), _unescape(fields[4])
        fstype, options = tail[0], tail[2].split(",")
        if fstype == "cgroup":
            for controller in CONTROLLERS:
                if controller in options and controller in own and controller not in v1:
                    v1[controller] = _own_dir(mount_point, root, own[controller])
        elif fstype == "cgroup2" and "" in own and unified is None:
            unified = _own_dir(mount_point, root, own[""])
    if all(c in v1 for c in CONTROLLERS):
        return Hierarchy(1, v1)
    if unified is not None:
        return Hierarchy(2, {"unified": unified})
    missing = ", ".join(c for c in CONTROLLERS if c not in v1)
    return f"no cgroup v2 hierarchy and no cgroup v1 {missing} controller mounted for this process"


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def _read_counter(path: Path, name: str) -> int:
    """A `name value` line of a flat keyed file (memory.oom_control, memory.events); 0 when absent."""
    try:
        for line in path.read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == name:
                return int(value)
    except OSError:
        pass
    return 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_tree(directory: Path) -> None:
    """rmdir a group and its child groups, deepest first; a group with processes left stays."""
    if not directory.is_dir():
        return
    for child in sorted((p for p in directory.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            child.rmdir()
    with contextlib.suppress(OSError):
        directory.rmdir()


@dataclass
class EnvironmentGroup:
    """The group of one execution environment: its limits, the files its process joins, its peak and OOM kills."""

    version: int
    dirs: list[Path]  # v1: the cpu and the memory group; v2: the one group
    memory_dir: Path

    @property
    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.dirs]

    def peak_memory_mb(self) -> int | None:
        """Most memory the environment has used, in whole MB (v2 kernels before 5.19 have no memory.peak)."""
        name = "memory.max_usage_in_bytes" if self.version == 1 else "memory.peak"
        try:
            return -(-int((self.memory_dir / name).read_text()) // MB)
        except (OSError, ValueError):
            return None

    def oom_kills(self) -> int:
        """How many processes the kernel killed for this group's memory limit."""
        if self.version == 1:
            return _read_counter(self.memory_dir / "memory.oom_control", "oom_kill")
        return _read_counter(self.memory_dir / "memory.events", "oom_kill")

    def remove(self) -> None:
        for directory in self.dirs:
            _remove_tree(directory)


@dataclass
class ComputeGroups:
    """The runner's parent group (one per runner) and the environments' child groups under it."""

    hierarchy: Hierarchy
    parents: list[Path]
    _names: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def setup(cls, mountinfo: Path = Path("/proc/self/mountinfo"), proc_cgroup: Path = Path("/proc/self/cgroup")) -> ComputeGroups | str:
        """The runner's groups, tested by starting a process in one; or the reason the host offers none."""
        try:
            found = discover(mountinfo.read_text(), proc_cgroup.read_text())
        except OSError as exc:
            return f"cannot read the process's cgroups: {exc}"
        if isinstance(found, str):
            return found
        name = f"{GROUP_PREFIX}{os.getpid()}-{next(_runner_numbers)}"
        own_dirs = list(dict.fromkeys(found.dirs.values()))  # a v1 `cpu,memory` mount holds both in one
        for own in own_dirs:
            _sweep_leftovers(own)
        parents = [own / name for own in own_dirs]
        try:
            if found.version == 2:
                for own in own_dirs:
                    enabled = (own / "cgroup.controllers").read_text().split()
                    if not all(c in enabled for c in CONTROLLERS):
                        return f"the cgroup v2 group {own} does not offer the cpu and memory controllers"
                    _write(own / "cgroup.subtree_control", "+cpu +memory")
            for parent in parents:
                parent.mkdir()
                if found.version == 2:
                    _write(parent / "cgroup.subtree_control", "+cpu +memory")
            # The parent competes with the host's other processes as one entity: at the default weight all the
            # environments together would get one process's share, and a 1,769 MB function less than its vCPU
            # on a busy host. At the highest weight each environment's quota is what limits it.
            if found.version == 2:
                _write(parents[0] / "cpu.weight", str(MAX_CPU_WEIGHT))
            else:
                _write(next(p for p in parents if p.parent == found.dirs["cpu"]) / "cpu.shares", str(MAX_CPU_SHARES))
            groups = cls(found, parents)
            probe = groups.environment(128)
            try:
                joined = subprocess.run(launcher(probe.procs_files, ["true"]), capture_output=True, timeout=30)
            finally:
                probe.remove()
            if joined.returncode != 0:
                raise OSError(joined.stderr.decode(errors="replace").strip() or f"exit status {joined.returncode}")
        except (OSError, subprocess.SubprocessError) as exc:
            for parent in parents:
                _remove_tree(parent)
            return f"cgroups of this process are not writable ({exc})"
        return groups

    def environment(self, memory_mb: int) -> EnvironmentGroup:
        """A fresh child group with the CPU and memory of a function of `memory_mb`."""
        with self._lock:
            name = f"env-{next(self._names)}"
        limit = str(memory_mb * MB)
        if self.hierarchy.version == 2:
            group = self.parents[0] / name
            group.mkdir()
            _write(group / "cpu.max", f"{cfs_quota_us(memory_mb)} {CFS_PERIOD_US}")
            _write(group / "cpu.weight", str(cpu_weight(memory_mb)))
            _write(group / "memory.max", limit)
            if (group / "memory.swap.max").exists():  # swap must not hide the limit
                _write(group / "memory.swap.max", "0")
            return EnvironmentGroup(2, [group], group)
        cpu_parent = self.parents[0] if len(self.parents) == 1 else self._parent_of("cpu")
        memory_parent = self.parents[0] if len(self.parents) == 1 else self._parent_of("memory")
        dirs = list(dict.fromkeys([cpu_parent / name, memory_parent / name]))
        for directory in dirs:
            directory.mkdir()
        cpu, memory = cpu_parent / name, memory_parent / name
        period = int((cpu / "cpu.cfs_period_us").read_text())
        _write(cpu / "cpu.cfs_quota_us", str(cfs_quota_us(memory_mb, period)))
        _write(cpu / "cpu.shares", str(cpu_shares(memory_mb)))
        _write(memory / "memory.limit_in_bytes", limit)
        if (memory / "memory.memsw.limit_in_bytes").exists():  # memory + swap: swap must not hide the limit
            _write(memory / "memory.memsw.limit_in_bytes", limit)
        return EnvironmentGroup(1, dirs, memory)

    def _parent_of(self, controller: str) -> Path:
        own = self.hierarchy.dirs[controller]
        return next(p for p in self.parents if p.parent == own)

    def close(self) -> None:
        for parent in self.parents:
            _remove_tree(parent)


_runner_numbers = itertools.count()


def _sweep_leftovers(own: Path) -> None:
    """Remove the empty groups of runners that were killed before they could (their pid is gone)."""
    try:
        candidates = [p for p in own.iterdir() if p.is_dir() and p.name.startswith(GROUP_PREFIX)]
    except OSError:
        return
    for directory in candidates:
        pid = directory.name[len(GROUP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            _remove_tree(directory)


def launcher(procs_files: list[Path], command: list[str]) -> list[str]:
    """`command`, run by a shell that first moves itself into the groups, so Python starts inside them."""
    script = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
    return ["/bin/sh", "-c", script, "sh", *(str(f) for f in procs_files), "--", *command]
