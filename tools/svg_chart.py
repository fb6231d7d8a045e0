"""A self-contained SVG line chart: time series a reader takes in at a glance, with no plotting library.

Used for measurements whose story is a curve over time (iterator age through an outage); a
browser or any image viewer opens the file. Hand-written because a plotting library (matplotlib:
~40 MB installed, ~0.5 s to import) would be the project's heaviest dependency for one picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 900, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[tuple[float, float]]  # (x, y), x ascending


@dataclass(frozen=True)
class Band:
    """A shaded stretch of the x axis, e.g. while the database was down."""

    start: float
    end: float
    label: str


def _ticks(top: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least `top`."""
    raw = max(top, 1e-9) / count
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1.0
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(count + 2) if step * (i - 1) < top]


def line_chart(title: str, x_label: str, y_label: str, series: Sequence[Series], bands: Sequence[Band] = (),
               markers: bool = False) -> str:
    """The SVG document of `series` as lines over shaded `bands`; `markers` dots each point (for a few
    measured points, where a line alone would hide a single one)."""
    xs = [x for s in series for x, _ in s.points] or [0.0, 1.0]
    ys = [y for s in series for _, y in s.points] or [1.0]
    x_min, x_max = min(xs), max(max(xs), min(xs) + 1e-9)
    y_ticks = _ticks(max(ys))
    y_max = y_ticks[-1]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(x: float) -> float:
        return LEFT + (x - x_min) / (x_max - x_min) * plot_w

    def sy(y: float) -> float:
        return TOP + plot_h - y / y_max * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" font-family="sans-serif" font-size="12">',
             '<rect width="100%" height="100%" fill="white"/>',
             f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>']
    for band in bands:
        x0, x1 = sx(max(band.start, x_min)), sx(min(band.end, x_max))
        parts.append(f'<rect x="{x0:.1f}" y="{TOP}" width="{max(0.0, x1 - x0):.1f}" height="{plot_h}" fill="#f4c7c3" opacity="0.6"/>')
        parts.append(f'<text x="{(x0 + x1) / 2:.1f}" y="{TOP + 14}" text-anchor="middle" fill="#a52714">{escape(band.label)}</text>')
    for tick in y_ticks:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{sy(tick):.1f}" y2="{sy(tick):.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{sy(tick) + 4:.1f}" text-anchor="end">{tick:g}</text>')
    for tick in _ticks(x_max - x_min, 10):
        x = x_min + tick
        if x <= x_max:
            parts.append(f'<text x="{sx(x):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">{tick:g}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="black"/>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="black"/>')
    parts.append(f'<text x="{LEFT + plot_w / 2}" y="{HEIGHT - 10}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(f'<text transform="translate(16 {TOP + plot_h / 2}) rotate(-90)" text-anchor="middle">{escape(y_label)}</text>')
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in line.points)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
        if markers:
            parts += [f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}"/>' for x, y in line.points]
        parts.append(f'<text x="{WIDTH - RIGHT - 4}" y="{TOP + 30 + 14 * index}" text-anchor="end" fill="{colour}">{escape(line.label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def stacked(charts: Sequence[str]) -> str:
    """One SVG document of `charts` (each a line_chart document) one below the other."""
    body = "\n".join(f'<g transform="translate(0 {HEIGHT * i})">\n{chart}</g>' for i, chart in enumerate(charts))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT * len(charts)}">\n'
            f"{body}\n</svg>\n")
