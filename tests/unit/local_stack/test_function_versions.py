"""Which version a caller's function reference runs: names, ARNs, versions and aliases (canaries included)."""

from __future__ import annotations

from typing import Any

import pytest
from local_stack.runtime.function_versions import LATEST, FunctionRef, alias_version, code_version

ARN = "arn:aws:lambda:us-east-1:123456789012:function:processor"


def get_alias_from(aliases: dict[str, dict[str, Any]]) -> Any:
    """GetAlias answered from a table of responses in AWS's shape; an unknown alias fails like Lambda's 404."""
    asked: list[tuple[str, str]] = []

    def get_alias(function_name: str, name: str) -> dict[str, Any]:
        asked.append((function_name, name))
        if name not in aliases:
            raise LookupError(f"alias {name} of {function_name} not found")
        return {"AliasArn": f"{ARN}:{name}", "Name": name, **aliases[name]}
    get_alias.asked = asked  # type: ignore[attr-defined]
    return get_alias


@pytest.mark.parametrize(("reference", "name", "qualifier", "alias"), [
    ("processor", "processor", None, None),
    (ARN, "processor", None, None),
    ("processor:live", "processor", "live", "live"),
    (f"{ARN}:live", "processor", "live", "live"),
    ("123456789012:function:processor:live", "processor", "live", "live"),
    (f"{ARN}:7", "processor", "7", None),
    (f"{ARN}:$LATEST", "processor", LATEST, None),
])
def test_references_parse_into_name_and_qualifier(reference: str, name: str, qualifier: str | None, alias: str | None) -> None:
    ref = FunctionRef.parse(reference)
    assert (ref.name, ref.qualifier, ref.alias) == (name, qualifier, alias)


@pytest.mark.parametrize("reference", ["", f"{ARN}:live:3", ":live"])
def test_malformed_references_are_refused_with_the_accepted_forms(reference: str) -> None:
    with pytest.raises(ValueError, match="not a function name or ARN"):
        FunctionRef.parse(reference)


def test_unqualified_and_version_references_need_no_alias_lookup() -> None:
    get_alias = get_alias_from({})
    assert code_version(FunctionRef.parse(ARN), get_alias, 0.5) == LATEST
    assert code_version(FunctionRef.parse(f"{ARN}:3"), get_alias, 0.5) == "3"
    assert code_version(FunctionRef.parse(f"{ARN}:$LATEST"), get_alias, 0.5) == LATEST
    assert get_alias.asked == []


def test_an_alias_runs_the_version_it_points_at_when_asked() -> None:
    aliases = {"live": {"FunctionVersion": "1"}}
    get_alias = get_alias_from(aliases)
    ref = FunctionRef.parse(f"{ARN}:live")
    assert code_version(ref, get_alias, 0.5) == "1"
    aliases["live"] = {"FunctionVersion": "2"}  # UpdateAlias: the next invocation runs version 2
    assert code_version(ref, get_alias, 0.5) == "2"
    assert get_alias.asked == [("processor", "live"), ("processor", "live")]


def test_an_unknown_alias_fails_instead_of_running_latest() -> None:
    with pytest.raises(LookupError, match="alias gone of processor"):
        code_version(FunctionRef.parse(f"{ARN}:gone"), get_alias_from({}), 0.5)


def test_a_weighted_alias_sends_its_share_to_the_canary_version() -> None:
    alias = {"FunctionVersion": "4", "RoutingConfig": {"AdditionalVersionWeights": {"5": 0.1}}}
    assert [alias_version(alias, draw) for draw in (0.0, 0.099, 0.1, 0.5, 0.999)] == ["5", "5", "4", "4", "4"]
    assert alias_version({"FunctionVersion": "4", "RoutingConfig": {}}, 0.0) == "4"
    assert alias_version({"FunctionVersion": "4", "RoutingConfig": None}, 0.0) == "4"
