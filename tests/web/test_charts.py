"""Chart geometry: room for the ticks' words, end labels kept inside, the last one labelled."""

from __future__ import annotations

import pytest

from incidents.web.charts import NARROW, WIDE, Series, Size, bars, text_width

SERIES = [Series("a", "A")]


@pytest.mark.parametrize("size", [WIDE, NARROW])
def test_every_label_fits_inside_the_drawing(size: Size) -> None:
    names = [f"{day} ноя" for day in range(1, 31)]
    chart = bars(
        size,
        names,
        [[0.15 * n] for n in range(30)],
        SERIES,
        stacked=False,
        whole=False,
        tick_text=lambda v: f"{v:g} мин",
        title_of=lambda n, k, v: "",
    )
    for tick in chart.y_ticks:
        assert chart.plot_left - 6 - text_width(tick.text, size.font) >= 0, tick
    for label in chart.x_labels:
        half = text_width(label.text, size.font) / 2
        assert half <= label.at <= size.width - half, label
    assert chart.x_labels[-1].text == "30 ноя"  # the current day is always labelled
    assert len(chart.x_labels) <= size.labels
