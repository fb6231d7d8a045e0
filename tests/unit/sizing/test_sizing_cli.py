"""`python -m sizing` on a small measurements file: the table, the JSON and SVG it writes, and bad input refused whole."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sizing import saved_report
from sizing.cli import EXIT_BAD_INPUT, EXIT_NOT_MET, EXIT_OK, main
from sizing.errors import SizingError

MEASUREMENTS = [
    {"memory_mb": 512, "batch_size": 100, "duration_ms": 250.0, "records": 100, "max_memory_used_mb": 112},
    {"memory_mb": 1024, "batch_size": 100, "duration_ms": 130.0, "records": 100, "max_memory_used_mb": 115},
    {"memory_mb": 1024, "batch_size": 500, "duration_ms": 600.0, "records": 500, "max_memory_used_mb": 131},
]
TARGET = ["--peak-records-per-second", "5000", "--average-records-per-second", "1000", "--record-bytes", "600",
          "--lag-seconds", "10"]


def _measurements(tmp_path: Path, items: object) -> Path:
    path = tmp_path / "measurements.json"
    path.write_text(json.dumps({"format": 1, "measurements": items}))
    return path


def _run(tmp_path: Path, items: object, *extra: str) -> int:
    return main(["--measurements", str(_measurements(tmp_path, items)), "--output-dir", str(tmp_path / "build"), *TARGET, *extra])


def test_report_table_json_and_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, MEASUREMENTS) == EXIT_OK
    out = capsys.readouterr().out
    assert "REC/S PER INVOCATION" in out and "1024 MB" in out and "Cheapest:" in out and "Fastest:" in out
    assert "processor_memory_size" in out and "parallelization_factor" in out
    report = json.loads((tmp_path / "build" / "size-report.json").read_text())
    # 5,000 records/s peak of 600 B: 5 shards by records/s (3 by MB/s); 100 records in 250 ms = 400 records/s.
    assert report["stream"]["shards"] == 5
    rates = {(m["memory_mb"], m["batch_size"]): m["records_per_second_per_invocation"] for m in report["measured"]}
    assert rates[(512, 100)] == pytest.approx(400)
    assert report["cheapest"]["meets_target"] and report["tfvars"].count("=") >= 4
    chart = ET.fromstring((tmp_path / "build" / "size-report.svg").read_text())
    assert len(list(chart.iter("{http://www.w3.org/2000/svg}polyline"))) == 2 + 2  # two batch sizes; two architectures
    page = (tmp_path / "build" / "size-report.html").read_text()
    assert page.count("<polyline") == 4 and "Cheapest:" in page, "the page holds the chart and the table"
    assert "src=" not in page and "href=" not in page, "nothing for the page to fetch"


def test_json_flag_prints_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, MEASUREMENTS, "--json", "--architecture", "arm64") == EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads((tmp_path / "build" / "size-report.json").read_text())
    assert printed["target"]["architecture"] == "arm64"


def test_no_configuration_meeting_the_target_exits_1_with_the_closest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Reserved concurrency 5: the peak needs 5,000 / 833 = 7 busy invocations at the fastest measured point.
    assert _run(tmp_path, MEASUREMENTS, "--reserved-concurrency", "5") == EXIT_NOT_MET
    assert "No measured configuration meets the target; closest:" in capsys.readouterr().out


@pytest.mark.parametrize(("items", "flags", "message"), [
    ([{**MEASUREMENTS[0], "records": "100"}], (), "measurements.json: measurements[0].records: must be a positive whole number"),
    ([{k: v for k, v in MEASUREMENTS[0].items() if k != "duration_ms"}], (), "measurements[0]: lacks duration_ms"),
    ([], (), "has no measurements"),
    ([{**MEASUREMENTS[0], "cycle_ms": 200.0}], (), "measurements[0].cycle_ms: 200.0 is less than duration_ms 250.0"),
    (MEASUREMENTS, ("--architecture", "ppc"), "--architecture must be one of x86_64, arm64"),
])
def test_bad_input_is_one_line_exit_2_and_leaves_the_last_report_whole(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], items: object, flags: tuple[str, ...], message: str) -> None:
    assert _run(tmp_path, MEASUREMENTS) == EXIT_OK
    before = {p.name: p.read_bytes() for p in (tmp_path / "build").iterdir()}
    capsys.readouterr()
    assert _run(tmp_path, items, *flags) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and err.startswith("sizing: error: ")
    assert {p.name: p.read_bytes() for p in (tmp_path / "build").iterdir()} == before


def test_a_missing_measurements_file_names_the_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--measurements", str(tmp_path / "none.json"), "--output-dir", str(tmp_path), *TARGET]) == EXIT_BAD_INPUT
    assert "no measurements file here: pass --measurements FILE" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_saved_report_reads_back_what_the_cli_wrote(tmp_path: Path) -> None:
    bad = [*MEASUREMENTS, {"memory_mb": 128, "batch_size": 100, "duration_ms": 900.0, "records": 100, "max_memory_used_mb": 140}]
    assert _run(tmp_path, bad) == EXIT_OK
    saved = saved_report.load(tmp_path / "build" / "size-report.json")
    assert saved.record_bytes == 600
    assert saved.records_per_second(1024, 500) == pytest.approx(500 / 0.6)
    assert saved.records_per_second(128, 100) is None  # out of memory: excluded, so never a basis for a check
    with pytest.raises(SizingError, match="run `make size` first"):
        saved_report.load(tmp_path / "missing.json")
