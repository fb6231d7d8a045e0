"""The SVG chart: a valid document whose lines and bands land where their values say."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from svg_chart import HEIGHT, LEFT, TOP, WIDTH, Band, Series, line_chart, stacked

SVG = "{http://www.w3.org/2000/svg}"


def test_points_and_bands_are_scaled_into_the_plot_area() -> None:
    document = ET.fromstring(line_chart("t", "x", "y", [Series("age", [(0.0, 0.0), (50.0, 40.0), (100.0, 10.0)])],
                                        [Band(20.0, 40.0, "outage")]))
    [polyline] = document.iter(f"{SVG}polyline")
    points = [tuple(map(float, p.split(","))) for p in polyline.attrib["points"].split()]
    assert points[0][0] == LEFT and points[-1][0] == WIDTH - 20
    assert points[1][1] < points[2][1] < points[0][1], "a larger value is drawn higher"
    assert min(y for _, y in points) >= TOP and max(y for _, y in points) <= HEIGHT
    band = [r for r in document.iter(f"{SVG}rect") if r.attrib.get("opacity")]
    assert len(band) == 1 and float(band[0].attrib["width"]) > 0
    assert "outage" in "".join(document.itertext())


def test_labels_are_escaped_and_an_empty_chart_still_renders() -> None:
    document = ET.fromstring(line_chart("a < b & c", "x", "y", []))
    assert "a < b & c" in "".join(document.itertext())


def test_markers_dot_every_point_and_stacked_charts_sit_one_below_the_other() -> None:
    chart = line_chart("t", "x", "y", [Series("one", [(128.0, 5.0)]), Series("two", [(1.0, 1.0), (2.0, 2.0)])], markers=True)
    assert len(list(ET.fromstring(chart).iter(f"{SVG}circle"))) == 3
    assert not list(ET.fromstring(line_chart("t", "x", "y", [Series("one", [(1.0, 1.0)])])).iter(f"{SVG}circle"))
    document = ET.fromstring(stacked([chart, chart]))
    assert float(document.attrib["height"]) == 2 * HEIGHT
    groups = document.findall(f"{SVG}g")
    assert [g.attrib["transform"] for g in groups] == ["translate(0 0)", f"translate(0 {HEIGHT})"]
