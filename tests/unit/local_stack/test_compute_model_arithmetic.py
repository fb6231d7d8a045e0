"""Lambda's compute model as numbers: vCPU for a memory size, the cgroup values, billed duration, REPORT."""

from __future__ import annotations

import pytest
from local_stack.runtime.compute_model import (
    billed_duration_ms,
    cfs_quota_us,
    cpu_shares,
    cpu_weight,
    report_line,
    vcpus_for,
)
from local_stack.runtime.worker import InvokeResult, throttled_result


def test_one_vcpu_at_1769_mb_proportional_below_and_above() -> None:
    assert vcpus_for(1769) == 1.0
    assert vcpus_for(128) == pytest.approx(128 / 1769)
    assert vcpus_for(3538) == 2.0
    assert vcpus_for(10240) == pytest.approx(5.79, abs=0.01), "10,240 MB: 5.79 vCPU-seconds per second, under six vCPUs"
    assert cfs_quota_us(1769) == 100_000
    assert cfs_quota_us(128) == 7236
    assert cfs_quota_us(1769, period_us=50_000) == 50_000


def test_cpu_weight_grows_with_memory_and_a_128_mb_function_weighs_as_an_ordinary_process() -> None:
    assert cpu_shares(128) == 1024
    assert cpu_shares(1769) / cpu_shares(128) == pytest.approx(1769 / 128, rel=0.001)
    assert cpu_shares(10240) == 81920
    assert cpu_weight(128) == 100
    assert cpu_weight(10240) == 8000
    assert cpu_weight(1769) > cpu_weight(512) > cpu_weight(128)


@pytest.mark.parametrize(("duration", "init", "billed"), [
    (12.34, None, 13), (12.0, None, 12), (0.04, None, 1), (1000.0001, None, 1001),
    (0.04, 70.02, 71), (192.63, 485.09, 678), (2.5, 0.5, 3),
])
def test_billed_duration_is_rounded_up_to_the_millisecond_and_counts_init(duration: float, init: float | None, billed: int) -> None:
    assert billed_duration_ms(duration, init) == billed


def test_report_line_is_lambdas_tab_separated_format() -> None:
    assert report_line("r-1", 12.344, 128, 18, None) == (
        "REPORT RequestId: r-1\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 18 MB")
    assert report_line("r-2", 1.5, 512, 60, 250.256, "Runtime.OutOfMemory", "error") == (
        "REPORT RequestId: r-2\tDuration: 1.50 ms\tBilled Duration: 252 ms\tMemory Size: 512 MB\tMax Memory Used: 60 MB"
        "\tInit Duration: 250.26 ms\tStatus: error\tError Type: Runtime.OutOfMemory")


def test_invoke_result_bills_its_run_and_a_throttled_request_nothing() -> None:
    assert InvokeResult("r", duration_s=0.1005, init_duration_ms=20.0).billed_duration_ms == 121
    throttled = throttled_result("ReservedFunctionConcurrentInvocationLimitExceeded")
    assert throttled.billed_duration_ms == 0
    assert throttled.error and throttled.error["errorType"] == "TooManyRequestsException"
    assert throttled.function_error is None, "a throttled request is not a function error"
