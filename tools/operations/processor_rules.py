"""The stream processor's validation rules, as this checkout defines them, for re-validating dead-lettered records.

There is no second validator to keep in step: the redrive imports the processor's own code
(functions/stream_processor, with the common layer, laid out as in the deployed zip) and calls
`decode_batch`, the function the handler runs on every batch. The one setting that changes the rules,
MAX_EVENT_BYTES, is read from the deployed function's environment by the processor's own settings
parser, so a raised limit counts as soon as it is deployed.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline_contract.errors import ManifestError
from pipeline_contract.manifest import load as load_manifest
from repo_paths import REPO_ROOT

SOURCES = (REPO_ROOT / "functions" / "stream_processor", REPO_ROOT / "layers" / "common")
PROCESSOR_ARTIFACT = "stream_processor"  # the build's name for functions/stream_processor
MANIFEST = REPO_ROOT / "dist" / "manifest.json"


def _importable() -> None:
    """The processor's package and the common layer on sys.path, after everything else (they shadow nothing)."""
    for path in map(str, SOURCES):
        if path not in sys.path:
            sys.path.append(path)


@dataclass(frozen=True)
class Verdict:
    """Why a record is still poison under the current rules (None in its place: valid)."""

    reason: str
    detail: str


@dataclass(frozen=True)
class Rules:
    max_event_bytes: int
    origin: str  # the limit and where it came from, for the report
    warning: str | None = None  # why the deployed function may judge differently (other code)

    def judge(self, payloads: Sequence[str]) -> list[Verdict | None]:
        """For each base64 payload (a dead-letter message's `data`), None when the processor now accepts it."""
        _importable()
        from stream_processor.events import decode_batch

        decoded = decode_batch([{"kinesis": {"data": data}} for data in payloads], self.max_event_bytes)
        verdicts: list[Verdict | None] = [None] * len(payloads)
        for poison in decoded.poison:
            verdicts[poison.index] = Verdict(poison.reason, poison.detail)
        return verdicts


class RulesError(ValueError):
    """The deployed function's environment is one the processor itself would refuse."""


def other_code(function: str, code_sha256: str, manifest: Path = MANIFEST) -> str | None:
    """Why `function` (its deployed CodeSha256) may run another validator than this checkout's, or None
    when its code is this checkout's build of the processor (dist/manifest.json)."""
    try:
        built = load_manifest(manifest).artifacts.get(PROCESSOR_ARTIFACT)
    except ManifestError:
        built = None
    if built is None:
        return f"cannot tell whether {function} runs this checkout's code: no {PROCESSOR_ARTIFACT} in dist/manifest.json (`make build`)"
    if built.source_code_hash != code_sha256:
        return (f"{function} runs other code than this checkout's build (CodeSha256 {code_sha256}, dist/ has "
                f"{built.source_code_hash}): its rules may differ; redrive from the checkout that is deployed")
    return None


def deployed_rules(function: str, environment: Mapping[str, str], code_sha256: str) -> Rules:
    """The rules of the deployed function whose environment is given, parsed as the function parses it."""
    _importable()
    from pipeline_common.config import ConfigError
    from stream_processor.settings import load_settings

    try:
        limit = load_settings(environment).max_event_bytes
    except ConfigError as error:
        raise RulesError(f"{function}'s environment is not a stream processor's: {error}") from None
    return Rules(limit, f"MAX_EVENT_BYTES={limit} (from {function}'s configuration)", other_code(function, code_sha256))
