"""The prices and limits file: complete, sourced, and refused with one line naming the key when edited wrong."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sizing import prices
from sizing.errors import SizingError


def test_the_shipped_file_has_every_value_with_its_source_and_date() -> None:
    limits = prices.load()
    assert set(limits.entries) == set(prices.KEYS)
    assert all(e.source.startswith("https://") and e.read == "2026-11-30" for e in limits.entries.values())
    assert limits.whole("lambda_memory_mb_per_vcpu") == 1769
    assert limits.whole("kinesis_shard_write_records_per_second") == 1000


def _edited(tmp_path: Path, edit: Any) -> Path:
    data = json.loads(prices.PRICES_FILE.read_text())
    edit(data["values"])
    path = tmp_path / "aws_prices_limits.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(("edit", "message"), [
    (lambda v: v.pop("lambda_arm64_per_gb_second"), "values.lambda_arm64_per_gb_second is missing"),
    (lambda v: v["kinesis_on_demand_per_gb_in"].update(value="0.08"), "values.kinesis_on_demand_per_gb_in.value must be a positive number"),
    (lambda v: v["lambda_max_vcpus"].update(value=0), "values.lambda_max_vcpus.value must be a positive number"),
    (lambda v: v["lambda_memory_max_mb"].update(read="30/11/2026"), "values.lambda_memory_max_mb.read must be the date"),
    (lambda v: v["lambda_memory_max_mb"].update(source="aws.amazon.com"), "values.lambda_memory_max_mb.source must be the https URL"),
    (lambda v: v.update(lambda_x86_per_gb_second=v["lambda_x86_64_per_gb_second"]), "values.lambda_x86_per_gb_second is not a key"),
])
def test_a_bad_file_is_refused_naming_the_key_and_the_fix(tmp_path: Path, edit: Any, message: str) -> None:
    with pytest.raises(SizingError) as caught:
        prices.load(_edited(tmp_path, edit))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and "git checkout" in str(caught.value)
