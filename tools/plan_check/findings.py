"""Rules, findings and the inputs every rule sees."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field

from pipeline_contract.manifest import Artifact, Manifest
from sizing.saved_report import SavedReport

from plan_check.manifest import for_zip
from plan_check.plan_model import Plan, Resource

PLAN_WIDE = "(plan)"


@dataclass(frozen=True)
class Rule:
    id: str
    explanation: str
    fix: str


@dataclass(frozen=True)
class Finding:
    rule: Rule
    address: str
    problem: str
    fix: str = ""

    @property
    def how_to_fix(self) -> str:
        return self.fix or self.rule.fix


@dataclass(frozen=True)
class Options:
    account_concurrency: int = 1000
    record_size: int = 1024
    peak_records_per_second: float | None = None  # the throughput rules run only when it is given
    size_report: SavedReport | None = None


@dataclass(frozen=True)
class Context:
    plan: Plan
    manifest: Manifest
    options: Options
    unverified: list[Finding] = field(default_factory=list)

    def cannot_verify(self, rule: Rule, address: str, reason: str) -> None:
        """Record what a rule could not decide from this plan, so the report says so instead of passing silently."""
        self.unverified.append(Finding(rule, address, reason))

    def artifact_of(self, resource: Resource) -> Artifact | None:
        """The manifest artifact a function or layer version deploys: by `filename`, else its S3 object or key."""
        filename = resource.value("filename")
        if isinstance(filename, str) and filename:
            return for_zip(self.manifest, filename)
        for obj in self.plan.linked(resource, "s3_key"):
            source = obj.value("source")
            if obj.type == "aws_s3_object" and isinstance(source, str):
                return for_zip(self.manifest, source)
        key = resource.value("s3_key")
        return for_zip(self.manifest, key) if isinstance(key, str) and key else None


@dataclass(frozen=True)
class Allowance:
    """A reviewed exception given as RULE:ADDRESS (ADDRESS may be a glob)."""

    rule: str
    address: str

    @classmethod
    def parse(cls, text: str) -> Allowance:
        rule, sep, address = text.partition(":")
        if not sep or not rule or not address:
            raise ValueError(f"--allow {text!r} is not RULE:ADDRESS, e.g. data-loss:aws_kinesis_stream.this")
        return cls(rule, address)

    def covers(self, finding: Finding) -> bool:
        return self.rule == finding.rule.id and fnmatch.fnmatchcase(finding.address, self.address)
