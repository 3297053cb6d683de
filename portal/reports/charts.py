"""Chart geometry for server-drawn SVG: plain numbers that templates/reports/_charts.html draws.

No JavaScript and no styles: colours are SVG presentation attributes, so the charts pass
the portal's CSP, print, and render the same in WeasyPrint's PDFs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Narrow enough that 12-13 px text stays readable on a 360 px phone; scales up in print.
WIDTH = 420
LABEL_HEIGHT = 18
BAR_HEIGHT = 16
ROW_GAP = 12

SERIES_COLOURS = {
    "submitted": "#1d4e89",
    "approved": "#1e7a3a",
    "rejected": "#a4161a",
    "returned": "#8a5a00",
    # Contributions' realisation (portal.contributions.realisation).
    "committed": "#1d4e89",
    "billed": "#8a5a00",
    "paid": "#1e7a3a",
}


@dataclass(frozen=True)
class HBar:
    label: str
    y: float
    width: float
    text: str


@dataclass(frozen=True)
class HBarChart:
    """Horizontal bars, each under its label, with an optional reference line (e.g. 100 %)."""

    width: int
    height: int
    bars: list[HBar]
    marker_x: float | None
    marker_label: str
    bar_height: int = BAR_HEIGHT
    label_height: int = LABEL_HEIGHT


def hbar_chart(
    items: list[tuple[str, float | None, str]],
    *,
    scale_max: float | None = None,
    marker: float | None = None,
    marker_label: str = "",
) -> HBarChart:
    """Bars for (label, value or None, text shown at the bar's end)."""
    values = [v for _, v, _ in items if v is not None]
    top = max([scale_max or 0, marker or 0, *values, 1])
    track = WIDTH - 90  # room for the value text after the longest bar
    bars = []
    row = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    for index, (label, value, text) in enumerate(items):
        width = track * (value or 0) / top
        bars.append(HBar(label, index * row, round(width, 1), text))
    marker_x = round(track * marker / top, 1) if marker else None
    return HBarChart(WIDTH, max(len(items), 1) * row, bars, marker_x, marker_label)


@dataclass(frozen=True)
class VBar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    value: int


@dataclass(frozen=True)
class Group:
    label: str
    x: float
    bars: list[VBar]


@dataclass(frozen=True)
class GroupedBarChart:
    """Vertical bars in groups (one group per week, one bar per series), with y ticks."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    groups: list[Group]
    ticks: list[tuple[float, int]]
    legend: list[tuple[float, str, str]]  # x, colour, label


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above `value`."""
    if value <= 0:
        return 1
    power = 10 ** int(math.floor(math.log10(value)))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def grouped_bar_chart(
    groups: list[tuple[str, list[int]]], series: list[tuple[str, str]]
) -> GroupedBarChart:
    """Groups of (label, [value per series]); series are (key, legend label)."""
    height, plot_top, plot_bottom, plot_left = 260, 34, 226, 44
    top = nice_ceiling(max([v for _, values in groups for v in values] or [0]))
    plot_height = plot_bottom - plot_top
    slot = (WIDTH - plot_left - 8) / max(len(groups), 1)
    bar_width = max(min((slot - 6) / max(len(series), 1), 18), 2)
    drawn = []
    for index, (label, values) in enumerate(groups):
        x0 = plot_left + index * slot + (slot - bar_width * len(series)) / 2
        bars = []
        for position, ((key, _), value) in enumerate(zip(series, values)):
            bar_height = plot_height * value / top
            bars.append(
                VBar(
                    round(x0 + position * bar_width, 1),
                    round(plot_bottom - bar_height, 1),
                    round(bar_width - 1, 1),
                    round(bar_height, 1),
                    SERIES_COLOURS.get(key, "#0b5d4b"),
                    value,
                )
            )
        drawn.append(Group(label, round(plot_left + index * slot + slot / 2, 1), bars))
    ticks = [(round(plot_bottom - plot_height * f, 1), int(top * f)) for f in (0, 0.5, 1)]
    step = (WIDTH - plot_left) / max(len(series), 1)
    legend = [
        (round(plot_left + i * step, 1), SERIES_COLOURS.get(key, "#0b5d4b"), label)
        for i, (key, label) in enumerate(series)
    ]
    return GroupedBarChart(WIDTH, height, plot_top, plot_bottom, plot_left, drawn, ticks, legend)
