"""docs/local-stack.md's fidelity table cannot rot: every row quotes AWS with a page, and every test it
names exists, so a renamed or deleted test fails here instead of leaving a claim nothing checks."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from repo_paths import REPO_ROOT

DOC = REPO_ROOT / "docs" / "local-stack.md"
SECTION = "## Fidelity: what the runner honours, and the test that checks it"
PLACEHOLDER = re.compile(r"^\*rows for .+ are added with .+\*$")  # a part another change is still building
NODE_ID = re.compile(r"`(tests/[^`:]+\.py)::([A-Za-z_][A-Za-z0-9_]*)(?:\[[^`]*\])?`")
LINK = re.compile(r"\]\((https://[^)\s]+)\)")


def table_rows() -> list[list[str]]:
    text = DOC.read_text()
    assert SECTION in text, f"{DOC.name} lost its section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    assert lines[:2] == ["| AWS says | page | checked by |", "|---|---|---|"], "the table's header changed"
    return [[cell.strip() for cell in line.strip()[1:-1].split("|")] for line in lines[2:]]


def defined_tests(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")}


ROWS = [row for row in table_rows() if not PLACEHOLDER.match(row[0])]


def test_the_table_has_rows_and_only_well_formed_placeholders() -> None:
    assert len(ROWS) >= 10
    for row in table_rows():
        assert len(row) == 3, f"a row must have three cells: {row}"
        if PLACEHOLDER.match(row[0]):
            assert row[1:] == ["", ""], f"a placeholder claims nothing yet: {row}"


@pytest.mark.parametrize("row", ROWS, ids=[row[0][:60] for row in ROWS])
def test_each_row_quotes_aws_on_a_page_and_names_tests_that_exist(row: list[str]) -> None:
    sentence, page, checked_by = row
    assert sentence.startswith('"'), f"the first cell quotes AWS's documentation: {sentence}"
    assert LINK.search(page), f"no https page for: {sentence}"
    named = NODE_ID.findall(checked_by)
    assert named, f"no test named for: {sentence}"
    assert len(named) == checked_by.count("`") // 2, f"a test reference is not a node id (path::test_name): {checked_by}"
    for path, name in named:
        file = REPO_ROOT / path
        assert file.is_file(), f"{path} does not exist (named for: {sentence})"
        assert name in defined_tests(file), f"{path} has no test {name} (named for: {sentence})"
