"""Load and validate aws_prices_limits.json: every price and limit the model uses, with its source and date.

Strict so that a typo in a hand-edited file fails loudly (one line naming the key and the fix)
instead of silently pricing a pipeline at zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sizing.errors import SizingError, read_json

PRICES_FILE = Path(__file__).with_name("aws_prices_limits.json")
FORMAT = 1
FIELDS = ("value", "unit", "source", "read", "note")
KEYS = (
    "lambda_x86_64_per_gb_second", "lambda_x86_64_per_million_requests",
    "lambda_arm64_per_gb_second", "lambda_arm64_per_million_requests",
    "kinesis_on_demand_per_stream_hour", "kinesis_on_demand_per_gb_in", "kinesis_on_demand_per_gb_out",
    "kinesis_provisioned_per_shard_hour", "kinesis_provisioned_per_million_put_payload_units",
    "kinesis_put_payload_unit_bytes", "kinesis_on_demand_record_rounding_bytes",
    "kinesis_shard_write_bytes_per_second", "kinesis_shard_write_records_per_second",
    "kinesis_shard_read_bytes_per_second", "kinesis_shard_read_transactions_per_second",
    "kinesis_efo_read_bytes_per_second_per_consumer",
    "lambda_memory_min_mb", "lambda_memory_max_mb", "lambda_memory_mb_per_vcpu", "lambda_max_vcpus",
    "lambda_invocation_payload_bytes", "lambda_kinesis_batch_size_max",
    "lambda_parallelization_factor_min", "lambda_parallelization_factor_max", "lambda_batching_window_max_seconds",
    "lambda_account_concurrency_default", "lambda_unreserved_concurrency_minimum", "lambda_billing_granularity_ms",
)
ARCHITECTURES = ("x86_64", "arm64")
_URL = re.compile(r"^https://[^\s]+$")


@dataclass(frozen=True)
class Entry:
    value: float
    unit: str
    source: str
    read: str
    note: str


@dataclass(frozen=True)
class PricesLimits:
    """The values by key, plus where the file came from (the report cites it)."""

    path: Path
    region: str
    entries: dict[str, Entry]

    def __getitem__(self, key: str) -> float:
        return self.entries[key].value

    def whole(self, key: str) -> int:
        """A limit that is a count (records, MB, shards): the file holds it as a whole number."""
        return int(self.entries[key].value)

    def per_gb_second(self, architecture: str) -> float:
        return self[f"lambda_{architecture}_per_gb_second"]

    def per_million_requests(self, architecture: str) -> float:
        return self[f"lambda_{architecture}_per_million_requests"]

    @property
    def read_dates(self) -> list[str]:
        return sorted({e.read for e in self.entries.values()})


def _fail(path: Path, where: str, problem: str) -> SizingError:
    fix = "fix it, or restore the file with `git checkout -- tools/sizing/aws_prices_limits.json`"
    return SizingError(f"{path.name}: {where} {problem}: {fix}")


def _entry(path: Path, key: str, raw: object) -> Entry:
    where = f"values.{key}"
    if not isinstance(raw, dict):
        raise _fail(path, where, "is not an object with value, unit, source, read and note")
    missing = [f for f in FIELDS if f not in raw]
    unknown = sorted(set(raw) - set(FIELDS))
    if missing or unknown:
        what = f"lacks {', '.join(missing)}" if missing else f"has unknown field(s) {', '.join(unknown)}"
        raise _fail(path, where, what)
    value = raw["value"]
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise _fail(path, f"{where}.value", f"must be a positive number (got {value!r})")
    if not isinstance(raw["source"], str) or not _URL.match(raw["source"]):
        raise _fail(path, f"{where}.source", f"must be the https URL the value was read from (got {raw['source']!r})")
    try:
        date.fromisoformat(str(raw["read"]))
    except ValueError:
        raise _fail(path, f"{where}.read", f"must be the date it was read, YYYY-MM-DD (got {raw['read']!r})") from None
    for text in ("unit", "note"):
        if not isinstance(raw[text], str):
            raise _fail(path, f"{where}.{text}", "must be text")
    return Entry(float(value), raw["unit"], raw["source"], raw["read"], raw["note"])


def load(path: Path = PRICES_FILE) -> PricesLimits:
    """The validated prices and limits; SizingError names the first bad key."""
    data = read_json(path, f"{path}: no prices file here: pass --prices FILE or restore tools/sizing/aws_prices_limits.json",
                     f"{path.name}: not readable JSON ({{exc}}): fix the syntax or restore it from git")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _fail(path, "format", f"must be {FORMAT}")
    if not isinstance(data.get("region"), str) or not isinstance(data.get("values"), dict):
        raise _fail(path, "region/values", "must be a region name and an object of values")
    values: dict[str, object] = data["values"]
    missing = [k for k in KEYS if k not in values]
    if missing:
        raise _fail(path, f"values.{missing[0]}", "is missing")
    unknown = sorted(set(values) - set(KEYS))
    if unknown:
        raise _fail(path, f"values.{unknown[0]}", "is not a key the model uses (a typo?)")
    entries = {key: _entry(path, key, values[key]) for key in KEYS}
    return PricesLimits(path=path, region=data["region"], entries=entries)
