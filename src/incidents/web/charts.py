"""Charts drawn on the server: the geometry of bar charts, which templates render as SVG.

A chart is plain SVG drawn here (no script draws it): shapes placed here, colours from the
stylesheet, a title and a description to read. Every label is placed wholly inside the
drawing: the left margin fits the longest tick, and the end labels are kept from the edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Size:
    """A chart's drawing size (its viewBox) and the most x-axis labels that fit."""

    width: int
    height: int
    labels: int
    font: int


# The same chart twice: wide for screens, narrow (bigger type for its size) for phones.
WIDE = Size(width=960, height=300, labels=15, font=13)
NARROW = Size(width=360, height=250, labels=3, font=13)
RIGHT, TOP, BOTTOM = 8, 12, 30
# Room left of the axis: at least this, more when the ticks' words are longer.
LEFT_LEAST, TICK_GAP = 28, 6
# A generous estimate of a character's width in the chart's font, in ems (digits ~0.55).
CHAR_EM = 0.62


def text_width(text: str, font: int) -> float:
    """About how wide `text` is drawn at `font` pixels (an estimate that errs wide)."""
    return len(text) * font * CHAR_EM


@dataclass(frozen=True, slots=True)
class Rect:
    """One bar (or part of a stacked bar), with its own text for a tooltip."""

    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass(frozen=True, slots=True)
class Label:
    """A label at a position along an axis."""

    at: float
    text: str


@dataclass(frozen=True, slots=True)
class Series:
    """One kind of bar: its stylesheet class and what the legend calls it."""

    css: str
    name: str


@dataclass
class Chart:
    """A bar chart ready to draw: its size, plot area, bars, axes and legend."""

    size: Size
    rects: list[Rect] = field(default_factory=list)
    y_ticks: list[Label] = field(default_factory=list)
    x_labels: list[Label] = field(default_factory=list)
    left: int = LEFT_LEAST

    @property
    def plot_left(self) -> int:
        return self.left

    @property
    def plot_right(self) -> int:
        return self.size.width - RIGHT

    @property
    def plot_top(self) -> int:
        return TOP

    @property
    def plot_bottom(self) -> int:
        return self.size.height - BOTTOM


def nice_top(value: float, *, whole: bool) -> tuple[float, float]:
    """An axis maximum at or above `value` and a tick step (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return (4.0, 1.0) if whole else (1.0, 0.25)
    raw_step = value / 4
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw_step)
    if whole:
        step = max(1.0, math.ceil(step))
    return step * math.ceil(value / step), step


def bars(
    size: Size,
    categories: Sequence[str],
    values: Sequence[Sequence[float]],
    series: Sequence[Series],
    *,
    stacked: bool,
    whole: bool,
    tick_text: Callable[[float], str],
    title_of: Callable[[int, int, float], str],
) -> Chart:
    """Bars for each category (`values[category][series]`), stacked or side by side."""
    chart = Chart(size)
    count = max(1, len(categories))
    totals = [sum(row) if stacked else max(row, default=0) for row in values]
    top, step = nice_top(max(totals, default=0), whole=whole)
    ticks = [tick_text(n * step) for n in range(round(top / step) + 1)]
    widest = max((text_width(text, size.font) for text in ticks), default=0.0)
    chart.left = max(LEFT_LEAST, math.ceil(widest + TICK_GAP + 4))
    band = (chart.plot_right - chart.plot_left) / count
    height = chart.plot_bottom - chart.plot_top
    scale = height / top
    chart.y_ticks = [
        Label(chart.plot_bottom - n * step * scale, text) for n, text in enumerate(ticks)
    ]
    # Counted back from the last: the current day or week is always labelled.
    every = math.ceil(count / size.labels)
    chart.x_labels = [
        _kept_inside(chart, chart.plot_left + band * (n + 0.5), name)
        for n, name in enumerate(categories)
        if (len(categories) - 1 - n) % every == 0
    ]
    for n, row in enumerate(values):
        x = chart.plot_left + band * n + band * 0.15
        width = band * 0.7
        base = float(chart.plot_bottom)
        for k, value in enumerate(row):
            if value <= 0:
                continue
            h = value * scale
            if stacked:
                base -= h
                rect = Rect(x, base, width, h, series[k].css, title_of(n, k, value))
            else:
                each = width / len(row)
                rect = Rect(
                    x + each * k,
                    chart.plot_bottom - h,
                    each,
                    h,
                    series[k].css,
                    title_of(n, k, value),
                )
            chart.rects.append(rect)
    return chart


def _kept_inside(chart: Chart, at: float, text: str) -> Label:
    """A label centred at `at`, moved in just enough to lie wholly inside the drawing."""
    half = text_width(text, chart.size.font) / 2
    return Label(min(max(at, half + 1), chart.size.width - half - 1), text)
