"""Inline SVG charts built with ElementTree (so every label is escaped): no script, no external resource.

- timeline: one row per recipient host, one dot per HTTP exchange, filled red when the exchange carried
  personal data; consent marks as vertical lines.
- countries: per country, how many recipients have their server there and how many belong to a company
  established there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

SVG_NS = "http://www.w3.org/2000/svg"
ROW = 18
LABEL_WIDTH = 230
PLOT_WIDTH = 520
MAX_ROWS = 40


def _svg(width: int, height: int, title: str) -> ET.Element:
    root = ET.Element("svg", {"xmlns": SVG_NS, "width": str(width), "height": str(height),
                              "viewBox": f"0 0 {width} {height}", "role": "img"})
    ET.SubElement(root, "title").text = title
    return root


def _text(parent: ET.Element, x: float, y: float, text: str, **attrs: str) -> None:
    element = ET.SubElement(parent, "text", {"x": f"{x:.1f}", "y": f"{y:.1f}", "font-size": "10", **attrs})
    element.text = text


def _seconds(stamp: str) -> float | None:
    try:
        return datetime.fromisoformat(stamp).timestamp()
    except ValueError:
        return None


def timeline(points: list[dict[str, Any]], consent: list[dict[str, Any]], t: dict[str, str]) -> str:
    """t: the catalogue strings the chart uses (title, legend)."""
    timed = [(p, s) for p in points if (s := _seconds(p["time"])) is not None]
    hosts = sorted({p["host"] for p, _ in timed})[:MAX_ROWS]
    height = 40 + ROW * max(1, len(hosts)) + 30
    root = _svg(LABEL_WIDTH + PLOT_WIDTH + 20, height, t["chart.timeline"])
    if not timed:
        _text(root, 10, 30, t["chart.empty"])
        return ET.tostring(root, encoding="unicode")
    start = min(s for _, s in timed)
    span = max(max(s for _, s in timed) - start, 1e-6)

    def x_of(seconds: float) -> float:
        return LABEL_WIDTH + PLOT_WIDTH * (seconds - start) / span

    for row, host in enumerate(hosts):
        y = 30 + ROW * row
        _text(root, 4, y + 4, host[:40])
        ET.SubElement(root, "line", {"x1": str(LABEL_WIDTH), "x2": str(LABEL_WIDTH + PLOT_WIDTH),
                                     "y1": str(y), "y2": str(y), "stroke": "#ddd"})
    row_of = {host: row for row, host in enumerate(hosts)}
    for point, seconds in timed:
        if point["host"] not in row_of:
            continue
        ET.SubElement(root, "circle", {"cx": f"{x_of(seconds):.1f}", "cy": str(30 + ROW * row_of[point["host"]]),
                                       "r": "4", "fill": "#c0392b" if point["personal"] else "#95a5a6"})
    bottom = 30 + ROW * len(hosts)
    for mark in consent:
        seconds = _seconds(mark["time"])
        if seconds is None:
            continue
        x = min(max(x_of(seconds), LABEL_WIDTH), LABEL_WIDTH + PLOT_WIDTH)
        ET.SubElement(root, "line", {"x1": f"{x:.1f}", "x2": f"{x:.1f}", "y1": "18", "y2": str(bottom),
                                     "stroke": "#2471a3", "stroke-dasharray": "4 2"})
        right_half = x > LABEL_WIDTH + PLOT_WIDTH / 2
        _text(root, x - 2 if right_half else x + 2, 14, t["chart.consent"],
              **({"text-anchor": "end"} if right_half else {}))
    _text(root, LABEL_WIDTH, bottom + 16, t["chart.legend_personal"], fill="#c0392b")
    _text(root, LABEL_WIDTH + PLOT_WIDTH / 2, bottom + 16, t["chart.legend_other"], fill="#7f8c8d")
    return ET.tostring(root, encoding="unicode")


def countries(rows: list[dict[str, Any]], t: dict[str, str]) -> str:
    rows = rows[:MAX_ROWS]
    height = 40 + 2 * ROW * max(1, len(rows)) + 20
    root = _svg(LABEL_WIDTH + PLOT_WIDTH + 20, height, t["chart.countries"])
    if not rows:
        _text(root, 10, 30, t["chart.empty"])
        return ET.tostring(root, encoding="unicode")
    most = max(max(r["physical"], r["entity"]) for r in rows) or 1
    for index, row in enumerate(rows):
        y = 24 + 2 * ROW * index
        _text(root, 4, y + 12, row["country"])
        for offset, (key, colour) in enumerate((("physical", "#2e86c1"), ("entity", "#d35400"))):
            width = PLOT_WIDTH * row[key] / most
            ET.SubElement(root, "rect", {"x": "60", "y": f"{y + offset * ROW * 0.8:.1f}",
                                         "width": f"{max(width, 1):.1f}", "height": "12", "fill": colour})
            _text(root, 66 + width, y + offset * ROW * 0.8 + 10, str(row[key]))
    bottom = 24 + 2 * ROW * len(rows)
    _text(root, 60, bottom + 10, t["chart.legend_physical"], fill="#2e86c1")
    _text(root, 60 + PLOT_WIDTH / 2, bottom + 10, t["chart.legend_entity"], fill="#d35400")
    return ET.tostring(root, encoding="unicode")
