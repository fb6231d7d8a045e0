"""What the demo saw over time: records in and stored, iterator age per shard, DLQ depth, alarm states.

Sampled once a second from where each number lives (the producer's count, the database, the
runner's per-shard IteratorAge, the queue's attributes, the alarm evaluator's transitions), then
drawn as one self-contained HTML page of stacked charts with every ALARM stretch shaded, and
the transitions printed as a table: the story of an outage is a picture, not a log.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise
from pathlib import Path

from svg_chart import Band, Series, line_chart
from text_table import render

from local_stack.monitoring.alarm_evaluator import Transition


@dataclass(frozen=True)
class Moment:
    at: float  # seconds since the timeline started
    sent: int
    stored: int
    iterator_age_ms: dict[str, int]  # shard -> IteratorAge of its latest invocation
    dlq_depth: int


@dataclass
class Timeline:
    """`read` returns (sent, stored, iterator ages, DLQ depth) now; it runs on the sampling thread."""

    read: Callable[[], tuple[int, int, dict[str, int], int]]
    interval_s: float = 1.0
    moments: list[Moment] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.time)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Timeline:
        self._thread = threading.Thread(target=self._run, name="demo timeline", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def _sample(self) -> None:
        try:
            sent, stored, ages, depth = self.read()
        except Exception as exc:  # a sample lost while the stack shuts down is not the demo's failure
            self.errors.append(f"timeline sample: {exc}")
            return
        self.moments.append(Moment(time.time() - self.started, sent, stored, ages, depth))


def _rates(moments: list[Moment], value: Callable[[Moment], int]) -> list[tuple[float, float]]:
    return [(b.at, max(0.0, (value(b) - value(a)) / max(b.at - a.at, 1e-9))) for a, b in pairwise(moments)]


def alarm_bands(transitions: list[Transition], started: float, ended: float) -> list[Band]:
    """Each stretch an alarm spent in ALARM, in seconds since `started` (open stretches end at `ended`)."""
    bands: list[Band] = []
    opened: dict[str, float] = {}
    for change in sorted(transitions, key=lambda t: t.at):
        if change.new == "ALARM":
            opened.setdefault(change.alarm, change.at)
        elif change.alarm in opened:
            bands.append(Band(opened.pop(change.alarm) - started, change.at - started, change.alarm))
    bands += [Band(at - started, ended - started, name) for name, at in opened.items()]
    return sorted(bands, key=lambda b: b.start)


def transitions_table(transitions: list[Transition], started: float) -> str:
    if not transitions:
        return "alarms: no state change seen (alarms evaluate whole minutes; a longer run or outage shows them move)"
    rows = [[f"{t.at - started:+,.0f} s", t.alarm, f"{t.old} -> {t.new}", t.reason[:90]] for t in sorted(transitions, key=lambda t: t.at)]
    return render(["when", "alarm", "change", "reason"], rows)


def write_html(timeline: Timeline, transitions: list[Transition], path: Path, title: str) -> Path:
    """The timeline as one HTML file with inline SVG charts; no script, no network."""
    moments = timeline.moments
    ended = timeline.started + (moments[-1].at if moments else 0.0)
    bands = alarm_bands(transitions, timeline.started, ended)
    shards = sorted({shard for m in moments for shard in m.iterator_age_ms})
    charts = [
        line_chart("Records per second", "seconds since start", "records/s",
                   [Series("sent", _rates(moments, lambda m: m.sent)), Series("stored", _rates(moments, lambda m: m.stored))], bands),
        line_chart("Iterator age per shard", "seconds since start", "seconds",
                   [Series(shard.rsplit("-", 1)[-1], [(m.at, m.iterator_age_ms.get(shard, 0) / 1000) for m in moments]) for shard in shards],
                   bands),
        line_chart("Dead-letter queue depth", "seconds since start", "messages",
                   [Series("visible messages", [(m.at, float(m.dlq_depth)) for m in moments])], bands),
    ]
    table = escape(transitions_table(transitions, timeline.started))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<!doctype html><meta charset='utf-8'><title>{escape(title)}</title>"
                    f"<body style='font-family:sans-serif'><h2>{escape(title)}</h2>"
                    f"<p>Shaded: an alarm in ALARM.</p>{''.join(charts)}<h3>Alarm state changes</h3><pre>{table}</pre></body>\n")
    return path
