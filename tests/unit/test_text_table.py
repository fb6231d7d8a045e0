"""The table renderer every report shares: alignment by column, wrapping, and bad rows."""

from __future__ import annotations

import pytest
from text_table import is_number, render


def test_header_rule_and_rows_share_column_widths() -> None:
    text = render(["name", "kind"], [["stream_processor", "function"], ["common", "layer"]])
    assert text.splitlines() == [
        "name              kind",
        "----------------  --------",
        "stream_processor  function",
        "common            layer",
    ]


def test_a_column_of_numbers_is_right_aligned_with_its_header() -> None:
    text = render(["artifact", "zipped", "ratio"], [["common", "142.8 KB", "1.0x"], ["f", "4.8 MB", "12.5x"]])
    assert text.splitlines() == [
        "artifact    zipped  ratio",
        "--------  --------  -----",
        "common    142.8 KB   1.0x",
        "f           4.8 MB  12.5x",
    ]


def test_placeholders_and_a_few_words_keep_a_numeric_column_right_aligned() -> None:
    rows = [["a", "1,000"], ["b", "-"], ["c", "kept"], ["d", "25"], ["e", ""]]
    assert render(["shard", "count"], rows).splitlines() == [
        "shard  count",
        "-----  -----",
        "a      1,000",
        "b          -",
        "c       kept",
        "d         25",
        "e",
    ]


def test_a_mostly_text_column_stays_left_aligned() -> None:
    lines = render(["status", "x"], [["3 layers", "ok"], ["built", "ok"], ["10", "ok"]]).splitlines()
    assert lines[4] == "10        ok"


def test_cells_wider_than_their_limit_wrap_at_words_and_keep_the_columns() -> None:
    problem = "the stream keeps records for one day only, shorter than the retry window"
    lines = render(["RULE", "PROBLEM", "FIX"], [["retention", problem, "set retention_period = 168"]],
                   max_widths=[30, 20, 30]).splitlines()
    assert lines[0] == "RULE       PROBLEM               FIX"
    assert lines[2] == "retention  the stream keeps      set retention_period = 168"
    assert all(line.startswith(" " * len("retention  ")) for line in lines[3:])
    assert " ".join(line[11:31].strip() for line in lines[2:]) == problem
    assert max(len(line) for line in lines) <= 9 + 2 + 20 + 2 + 26


def test_line_breaks_inside_a_cell_are_kept() -> None:
    lines = render(["k", "v"], [["a", "first\nsecond"]]).splitlines()
    assert lines[2:] == ["a  first", "   second"]


def test_no_line_ends_in_spaces() -> None:
    text = render(["a", "b"], [["long value", ""], ["x", ""]])
    assert all(line == line.rstrip() for line in text.splitlines())


def test_a_row_with_the_wrong_number_of_cells_names_the_columns() -> None:
    with pytest.raises(ValueError, match=r"every row needs 2 cells \(a, b\)"):
        render(["a", "b"], [["only one"]])


@pytest.mark.parametrize(("cell", "number"), [
    ("1,234", True), ("4.8 MB", True), ("12 B", True), ("12.5 ms", True), ("3.1x", True), ("40%", True),
    ("-0.5", True), ("x86_64", False), ("kept", False), ("6 layers", False), ("-", False), ("", False),
])
def test_what_counts_as_a_number(cell: str, number: bool) -> None:
    assert is_number(cell) is number
