"""Finding this process's cpu and memory groups from /proc/self/mountinfo and /proc/self/cgroup text."""

from __future__ import annotations

import subprocess
from pathlib import Path

from local_stack.runtime.cgroups import Hierarchy, discover, launcher

HYBRID_MOUNTINFO = """\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
"""
HYBRID_CGROUP = """\
4:memory:/jobs/42
2:cpuacct:/
1:cpu:/
0::/
"""


def test_cgroup_v1_controllers_mounted_apart_with_the_process_in_a_memory_subgroup() -> None:
    assert discover(HYBRID_MOUNTINFO, HYBRID_CGROUP) == Hierarchy(1, {
        "cpu": Path("/sys/fs/cgroup/cpu"), "memory": Path("/sys/fs/cgroup/memory/jobs/42")})


def test_cgroup_v1_comounted_cpu_cpuacct_in_a_container_whose_mount_root_is_its_own_group() -> None:
    mountinfo = (
        "700 690 0:40 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n"
        "701 690 0:41 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n")
    proc = "5:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc/runner\n"
    assert discover(mountinfo, proc) == Hierarchy(1, {
        "cpu": Path("/sys/fs/cgroup/cpu,cpuacct/runner"), "memory": Path("/sys/fs/cgroup/memory")})


def test_cgroup_v2_unified_hierarchy_and_escaped_mount_points() -> None:
    mountinfo = "29 23 0:26 / /sys/fs/cgroup\\040two rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    assert discover(mountinfo, "0::/user.slice/session-1.scope\n") == Hierarchy(
        2, {"unified": Path("/sys/fs/cgroup two/user.slice/session-1.scope")})
    assert discover(mountinfo, "0::/\n") == Hierarchy(2, {"unified": Path("/sys/fs/cgroup two")})


def test_no_usable_hierarchy_says_what_is_missing() -> None:
    only_cpu = "32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n"
    reason = discover(only_cpu, "1:cpu:/\n")
    assert reason == "no cgroup v2 hierarchy and no cgroup v1 memory controller mounted for this process"
    assert isinstance(discover("", ""), str)


def test_the_launcher_joins_every_group_before_running_the_command() -> None:
    command = launcher([Path("/g/cpu/cgroup.procs"), Path("/g/mem/cgroup.procs")], ["python", "-I", "w.py"])
    assert command[:2] == ["/bin/sh", "-c"]
    assert command[3:] == ["sh", "/g/cpu/cgroup.procs", "/g/mem/cgroup.procs", "--", "python", "-I", "w.py"]


def test_the_launcher_writes_its_own_pid_then_becomes_the_command(tmp_path: Path) -> None:
    files = [tmp_path / "cpu.procs", tmp_path / "memory.procs"]
    ran = subprocess.run(launcher(files, ["/bin/sh", "-c", "echo $$"]), capture_output=True, text=True, check=True)
    assert files[0].read_text().strip() == files[1].read_text().strip() == ran.stdout.strip()
    refused = subprocess.run(launcher([tmp_path / "missing" / "cgroup.procs"], ["true"]), capture_output=True)
    assert refused.returncode == 125, "a group it cannot join stops the launch"
