"""The pure parts of measuring and validating: the grid's parsing and slices, the CPU scaling without
cgroups, the drain rate from samples, iterator age on a backlog, and the host-cores check."""

from __future__ import annotations

import pytest
from sizing import drain
from sizing.errors import SizingError
from sizing.grid import Grid, cpu_scale, parse_sizes, scaled_duration_ms


def test_sizes_are_parsed_sorted_and_once() -> None:
    assert parse_sizes(" 512,128,512 ", "--memory-sizes", 128, 10_240) == (128, 512)


@pytest.mark.parametrize("text", ["", "128,", "64", "10241", "1.5", "abc"])
def test_a_bad_size_names_the_option_and_the_range(text: str) -> None:
    with pytest.raises(SizingError, match=r"--memory-sizes: .* from 128 to 10240"):
        parse_sizes(text, "--memory-sizes", 128, 10_240)


def test_each_batch_size_gets_an_equal_slice_and_the_minimum_covers_the_largest() -> None:
    grid = Grid((128,), (10, 100), batches_per_cell=3, records_per_cell=50)
    assert grid.min_records == 4 * 100 * 2  # one warm-up and three measured batches of the largest size, per cell
    assert grid.wanted_records == grid.min_records  # the cap is below what the batches need
    assert grid.cell_slices(1000) == [(0, 500), (500, 1000)]
    assert Grid((128,), (10,), records_per_cell=6000).wanted_records == 6000


def test_a_cell_needs_both_its_batches_and_its_time() -> None:
    grid = Grid((128,), (10,), batches_per_cell=3, min_cell_seconds=1.0)
    assert not grid.cell_done(3, 0.5)
    assert not grid.cell_done(2, 5.0)
    assert grid.cell_done(3, 1.0)


def test_an_empty_grid_or_no_batches_is_refused() -> None:
    with pytest.raises(SizingError, match="grid is empty"):
        Grid((), (10,))
    with pytest.raises(SizingError, match="--batches-per-cell 0"):
        Grid((128,), (10,), batches_per_cell=0)


def test_cpu_time_is_stretched_by_1769_over_memory_and_never_shrunk() -> None:
    assert cpu_scale(128) == pytest.approx(1769 / 128)
    assert cpu_scale(1769) == 1.0
    assert cpu_scale(3008) == 1.0  # one Python thread does not use a second vCPU
    # 10 ms wall of which 4 ms CPU at 128 MB: 6 ms of waiting stays, 4 ms of CPU becomes 55.3 ms
    assert scaled_duration_ms(10.0, 4.0, 128) == pytest.approx(6.0 + 4.0 * 1769 / 128)
    assert scaled_duration_ms(10.0, 4.0, 3008) == 10.0
    assert scaled_duration_ms(10.0, 25.0, 256) == pytest.approx(10.0 * 1769 / 256), "CPU counted at most as the wall time"


def test_the_drain_rate_is_the_slope_over_the_steady_span_only() -> None:
    # 100 records/s until t=2 (filling), then 400/s: the rate from t=2 on is 400
    samples = [(t / 4, int(100 * t / 4) if t <= 8 else 200 + 400 * (t / 4 - 2)) for t in range(0, 41)]
    assert drain.drain_rate(samples, 2.0, 10.0) == pytest.approx(400)
    assert drain.drain_rate(samples, 0.0, 2.0) == pytest.approx(100)


def test_too_few_samples_in_the_span_is_an_error() -> None:
    with pytest.raises(SizingError, match="only 2 sample"):
        drain.drain_rate([(0.0, 0), (1.0, 10), (5.0, 50)], 0.5, 5.0)


def test_iterator_age_on_a_backlog() -> None:
    # written at 1,000/s from t=0; draining from t=10 at 500/s: at t=20, 5,000 done, the last written at t=5
    assert drain.backlog_iterator_age_s(20.0, 10.0, 500.0, 1000.0) == pytest.approx(15.0)
    assert drain.backlog_iterator_age_s(10.0, 10.0, 500.0, 1000.0) == pytest.approx(10.0)
    assert drain.backlog_iterator_age_s(30.0, 10.0, 5000.0, 1000.0) == 0.0  # caught up


def test_the_error_is_relative_to_the_measured_rate() -> None:
    assert drain.relative_error(1100.0, 1000.0) == pytest.approx(0.10)
    assert drain.relative_error(750.0, 1000.0) == pytest.approx(-0.25)
    with pytest.raises(SizingError, match="nothing was processed"):
        drain.relative_error(100.0, 0.0)


def test_a_configuration_must_fit_the_hosts_cores() -> None:
    assert drain.vcpu_demand(4, 1769) == pytest.approx(4.0)
    drain.check_fits_host(2, 512, host_cores=2, share=0.5)  # 0.58 vCPU of 1
    with pytest.raises(SizingError, match=r"4 concurrent invocation\(s\) at 1769 MB need 4.00 vCPU, more than 50% of this host's 2"):
        drain.check_fits_host(4, 1769, host_cores=2, share=0.5)
