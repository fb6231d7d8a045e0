"""The demo timeline: ALARM stretches become shaded bands, transitions a table, samples a self-contained page."""

from __future__ import annotations

from pathlib import Path

from local_stack.demo.timeline import Moment, Timeline, alarm_bands, transitions_table, write_html
from local_stack.monitoring.alarm_evaluator import Transition


def test_alarm_stretches_become_bands_and_an_open_one_lasts_to_the_end() -> None:
    changes = [Transition("lag", "OK", "ALARM", 1_010.0, "r"), Transition("dlq", "OK", "ALARM", 1_030.0, "r"),
               Transition("lag", "ALARM", "OK", 1_050.0, "r"), Transition("errors", "INSUFFICIENT_DATA", "OK", 1_005.0, "r")]
    bands = alarm_bands(changes, started=1_000.0, ended=1_100.0)
    assert [(b.label, b.start, b.end) for b in bands] == [("lag", 10.0, 50.0), ("dlq", 30.0, 100.0)]


def test_transitions_table_is_in_time_order_and_says_when_nothing_moved() -> None:
    table = transitions_table([Transition("b", "OK", "ALARM", 20.0, "went up"), Transition("a", "ALARM", "OK", 10.0, "back")], 0.0)
    assert table.index("+10 s") < table.index("+20 s") and "ALARM -> OK" in table
    assert "no state change" in transitions_table([], 0.0)
    # alarms evaluated before the timeline began (at apply) show as before it, not as "+-2 s"
    assert "-2 s" in transitions_table([Transition("c", "INSUFFICIENT_DATA", "OK", 98.0, "r")], 100.0).splitlines()[-1]
    assert "+-" not in transitions_table([Transition("c", "INSUFFICIENT_DATA", "OK", 98.0, "r")], 100.0)


def test_page_holds_one_chart_per_measure_and_the_rates(tmp_path: Path) -> None:
    samples = iter([(0, 0, {"shardId-0": 0}, 0), (100, 40, {"shardId-0": 1_500}, 2), (200, 200, {"shardId-0": 0}, 2)])
    timeline = Timeline(lambda: next(samples))
    for _ in range(3):
        timeline._sample()
    timeline.moments[:] = [Moment(float(i), m.sent, m.stored, m.iterator_age_ms, m.dlq_depth) for i, m in enumerate(timeline.moments)]
    page = write_html(timeline, [Transition("lag", "OK", "ALARM", timeline.started + 1, "r")], tmp_path / "t.html", "demo").read_text()
    assert page.count("<svg") == 3 and "Iterator age per shard" in page and "OK -&gt; ALARM" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
