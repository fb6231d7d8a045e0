"""Terraform reads dist/manifest.json too: its `artifact` types must list the Python model's fields and types.

Three places spell the entry out in HCL: the root module's normalisation (locals.tf `artifact`, each
field converted with tostring/tonumber/tobool) and the `artifact` variable of modules/lambda-function
and modules/lambda-layer (an `object({...})` type). A field added to `Artifact` but not there, or
there with another type, fails here; so does a format version in locals.tf other than FORMAT_VERSION.
python-hcl2 parses the files; it gives expressions back as text, which the small scanner below
splits at top-level commas (strings and `${...}` interpolations are skipped, brackets nested).
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions
from pipeline_contract.manifest import FORMAT_VERSION, entry_types
from repo_paths import REPO_ROOT

PARSE = SerializationOptions(with_comments=False, explicit_blocks=False, strip_string_quotes=True)
MODULE_VARIABLES = ["modules/lambda-function/variables.tf", "modules/lambda-layer/variables.tf"]
# Python type of an entry field -> the Terraform type that holds it (Terraform types are all nullable).
TERRAFORM_TYPE: dict[object, str] = {
    str: "string",
    int: "number",
    bool: "bool",
    str | None: "string",
    tuple[str, ...]: "list(string)",
}
CONVERSIONS = {"tostring": "string", "tonumber": "number", "tobool": "bool"}
CLOSE = {"(": ")", "[": "]", "{": "}"}


def _skip_string(text: str, i: int) -> int:
    """Index after the string whose opening quote is at i (escapes and ${...} inside are skipped)."""
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == '"':
            return i + 1
        elif text.startswith("${", i):
            i = _skip_bracketed(text, i + 1)
        else:
            i += 1
    raise ValueError(f"unterminated string in {text!r}")


def _skip_bracketed(text: str, i: int) -> int:
    """Index after the bracket that closes the one at i."""
    stack = [CLOSE[text[i]]]
    i += 1
    while stack:
        if i >= len(text):
            raise ValueError(f"unbalanced {stack[0]!r} in {text!r}")
        char = text[i]
        if char == '"':
            i = _skip_string(text, i)
            continue
        if char in CLOSE:
            stack.append(CLOSE[char])
        elif char == stack[-1]:
            stack.pop()
        i += 1
    return i


def _inside(text: str, opening: int) -> str:
    """The text between the bracket at `opening` and the one that closes it."""
    return text[opening + 1:_skip_bracketed(text, opening) - 1]


def _split(text: str) -> list[str]:
    """Top-level comma-separated parts of `text`."""
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == '"':
            i = _skip_string(text, i)
        elif text[i] in CLOSE:
            i = _skip_bracketed(text, i)
        elif text[i] == ",":
            parts.append(text[start:i].strip())
            start = i = i + 1
        else:
            i += 1
    return [p for p in [*parts, text[start:].strip()] if p]


def _attributes(body: str) -> dict[str, str]:
    """`a = x, b = y` (an object constructor's or object type's body) -> {"a": "x", "b": "y"}."""
    pairs = {}
    for part in _split(body):
        name, sep, value = part.partition("=")
        assert sep and re.fullmatch(r"\w+", name.strip()), f"not an attribute: {part!r}"
        pairs[name.strip()] = value.strip()
    return pairs


def _expression(raw: str) -> str:
    """python-hcl2 wraps expressions as "${...}"."""
    return raw[2:-1] if raw.startswith("${") and raw.endswith("}") else raw


def _blocks(relative: str, kind: str) -> list[dict[str, Any]]:
    with open(REPO_ROOT / relative) as handle:
        return hcl2.load(handle, serialization_options=PARSE).get(kind, [])


def _variable_type(type_text: str) -> str:
    """`optional(T)` / `optional(T, default)` -> T; other types as written, without spaces."""
    text = type_text.strip()
    if text.startswith("optional("):
        text = _split(_inside(text, len("optional")))[0]
    return re.sub(r"\s+", "", text)


def module_artifact_type(relative: str) -> dict[str, str]:
    """Field -> Terraform type of a module's `artifact` variable."""
    [artifact] = [body for block in _blocks(relative, "variable") for name, body in block.items() if name == "artifact"]
    type_text = _expression(artifact["type"])
    assert type_text.startswith("object("), f"{relative}: var.artifact is not an object type: {type_text}"
    fields = _inside(_inside(type_text, len("object")), 0)
    return {name: _variable_type(value) for name, value in _attributes(fields).items()}


def _converted_type(name: str, value: str) -> str:
    """The type a locals.tf field converts its value to; each field must read the manifest field of its own name."""
    read = re.fullmatch(r"try\((\w+)\(local\.artifacts\[name\]\.(\w+)\),.+\)", value, re.S)
    listed = re.fullmatch(r"\[for (\w+) in try\(local\.artifacts\[name\]\.(\w+), \[\]\) : (\w+)\(\1\)\]", value)
    bound = re.fullmatch(r"(\w+)\((\w+)\)", value)
    if read and read.group(1) in CONVERSIONS:
        assert read.group(2) == name, f"locals.tf artifact.{name} reads the manifest's {read.group(2)!r}"
        return CONVERSIONS[read.group(1)]
    if listed and listed.group(3) in CONVERSIONS:
        assert listed.group(2) == name, f"locals.tf artifact.{name} reads the manifest's {listed.group(2)!r}"
        return f"list({CONVERSIONS[listed.group(3)]})"
    if bound and bound.group(1) in CONVERSIONS:
        return CONVERSIONS[bound.group(1)]
    raise AssertionError(f"locals.tf artifact.{name} = {value}: convert it with tostring/tonumber/tobool so its type is explicit")


def root_artifact_type() -> dict[str, str]:
    """Field -> Terraform type of the root module's normalised entries (locals.tf `artifact`)."""
    [raw] = [block["artifact"] for block in _blocks("locals.tf", "locals") if "artifact" in block]
    expression = _expression(raw)
    arrow = expression.index("=>")
    entry = _inside(expression, expression.index("{", arrow))
    return {name: _converted_type(name, value) for name, value in _attributes(entry).items()}


def expected_type() -> dict[str, str]:
    missing = [f"{name}: {hint}" for name, hint in entry_types().items() if hint not in TERRAFORM_TYPE]
    assert not missing, f"no Terraform type known for {missing}; extend TERRAFORM_TYPE"
    return {name: TERRAFORM_TYPE[hint] for name, hint in entry_types().items()}


def _difference(found: dict[str, str], where: str) -> str:
    expected = expected_type()
    lines = [f"{where} lacks {name} ({kind})" for name, kind in expected.items() if name not in found]
    lines += [f"{where} has {name}, which the manifest has not" for name in found if name not in expected]
    lines += [f"{where}: {name} is {found[name]}, the manifest's is {kind}"
              for name, kind in expected.items() if name in found and found[name] != kind]
    return "\n".join(lines)


@pytest.mark.parametrize("relative", MODULE_VARIABLES)
def test_module_artifact_variable_has_the_manifest_fields_and_types(relative: str) -> None:
    difference = _difference(module_artifact_type(relative), f"{relative} var.artifact")
    assert not difference, f"{difference}\nkeep it in step with pipeline_contract.manifest.Artifact"


def test_root_module_artifact_local_has_the_manifest_fields_and_types() -> None:
    difference = _difference(root_artifact_type(), "locals.tf local.artifact")
    assert not difference, f"{difference}\nkeep it in step with pipeline_contract.manifest.Artifact"


def test_root_module_checks_the_format_version_of_the_contract() -> None:
    [version] = [block["manifest_format"] for block in _blocks("locals.tf", "locals") if "manifest_format" in block]
    assert version == FORMAT_VERSION, f"locals.tf manifest_format is {version}, pipeline_contract FORMAT_VERSION {FORMAT_VERSION}"
    [check] = [block["terraform_data"]["manifest"] for block in _blocks("locals.tf", "resource")
               if "manifest" in block.get("terraform_data", {})]
    condition = check["lifecycle"][0]["precondition"][0]["condition"]
    assert "local.manifest.format_version, null) == local.manifest_format" in condition, condition


def test_the_scanner_splits_only_top_level_commas() -> None:
    """Guards the parser itself: commas inside strings, interpolations and brackets do not split."""
    text = 'a = try(f(x, y), "p, ${g("q, r")}"), b = [for v in l : h(v)], c = {d = 1, e = 2}'
    assert _attributes(text) == {"a": 'try(f(x, y), "p, ${g("q, r")}")', "b": "[for v in l : h(v)]", "c": "{d = 1, e = 2}"}
    assert _variable_type('optional(list(string), ["a", "b"])') == "list(string)"

