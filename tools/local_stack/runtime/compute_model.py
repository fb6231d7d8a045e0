"""Lambda's compute model as numbers: CPU for a memory size, billed duration, and the REPORT line.

From "Configure Lambda function memory" (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html):
"Lambda allocates CPU power in proportion to the amount of memory configured. [...] At 1,769 MB, a
function has the equivalent of one vCPU (one vCPU-second of credits per second)." Memory ranges
from 128 to 10,240 MB, where a function has up to six vCPUs (5.79 vCPU-seconds per second).

Billing: duration "rounded up to the nearest 1 ms" (https://aws.amazon.com/lambda/pricing/), and since
1 August 2025 the INIT phase of on-demand functions packaged as ZIP with a managed runtime is billed
too ("AWS Lambda standardizes billing for INIT Phase",
https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/), so a cold
start's Billed Duration counts its Init Duration and its Duration.
"""

from __future__ import annotations

import math

MB_PER_VCPU = 1769
MAX_VCPUS = 6
CFS_PERIOD_US = 100_000  # the kernel's default CFS period
# cpu.shares (cgroup v1) per MB: a 128 MB function weighs as much as any ordinary process (1,024),
# so its quota, not the host's other load, is what limits it; bigger functions weigh more in proportion.
SHARES_PER_MB = 1024 / 128
MAX_CPU_SHARES = 262_144
MAX_CPU_WEIGHT = 10_000  # cgroup v2 cpu.weight range 1..10,000, 100 being an ordinary process's


def vcpus_for(memory_mb: int) -> float:
    """vCPU-seconds per second a function of `memory_mb` gets: proportional, one at 1,769 MB."""
    return min(memory_mb / MB_PER_VCPU, MAX_VCPUS)


def cfs_quota_us(memory_mb: int, period_us: int = CFS_PERIOD_US) -> int:
    """CPU time per CFS period for `memory_mb` (the kernel refuses quotas under 1 ms)."""
    return max(1000, round(vcpus_for(memory_mb) * period_us))


def cpu_shares(memory_mb: int) -> int:
    """cgroup v1 cpu.shares: proportional to memory, so under contention a bigger function gets more."""
    return min(MAX_CPU_SHARES, max(2, round(memory_mb * SHARES_PER_MB)))


def cpu_weight(memory_mb: int) -> int:
    """cgroup v2 cpu.weight, the same proportion on v2's scale (100 for an ordinary process)."""
    return min(MAX_CPU_WEIGHT, max(1, round(memory_mb * 100 / 128)))


def billed_duration_ms(duration_ms: float, init_duration_ms: float | None) -> int:
    """Duration plus (on a cold start) Init Duration, rounded up to the next whole millisecond."""
    return max(1, math.ceil(round(duration_ms + (init_duration_ms or 0.0), 6)))


def report_line(request_id: str, duration_ms: float, memory_mb: int, max_memory_used_mb: int | None,
                init_duration_ms: float | None, error_type: str | None = None, status: str | None = None) -> str:
    """The REPORT line Lambda writes to the function's log after each invocation (tab separated).

    Lambda adds `Status` and `Error Type` when the runtime itself failed (a timeout, a crash, out of memory).
    """
    parts = [f"REPORT RequestId: {request_id}", f"Duration: {duration_ms:.2f} ms",
             f"Billed Duration: {billed_duration_ms(duration_ms, init_duration_ms)} ms",
             f"Memory Size: {memory_mb} MB", f"Max Memory Used: {max_memory_used_mb or 0} MB"]
    if init_duration_ms is not None:
        parts.append(f"Init Duration: {init_duration_ms:.2f} ms")
    if status:
        parts.append(f"Status: {status}")
    if error_type:
        parts.append(f"Error Type: {error_type}")
    return "\t".join(parts)
