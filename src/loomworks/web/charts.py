"""Bar charts drawn on the server as SVG: the geometry here, the markup in templates.

No script and no external asset: a chart is an inline `<svg role="img">`
with a `<title>` and `<desc>`, every bar labelled with its number in text,
its colours taken from the page's CSS variables (console.css, `.chart`).
The numbers are always also in a table beside the chart; the chart only
shows their shape. Templates: `web/includes/bar_chart.html` (horizontal
bars, one per category) and `web/includes/column_chart.html` (one column per
week or other ordered step).
"""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640


def nice_ceiling(value: float) -> int:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (at least 1): the axis' end."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return int(step * magnitude) if step * magnitude >= 1 else 1
    return magnitude * 10  # pragma: no cover - the loop always returns


def ticks(top: int, count: int = 4) -> list[int]:
    """Whole-number gridline values from 0 to `top`."""
    step = max(1, top // count)
    values = list(range(0, top + 1, step))
    if values[-1] != top:
        values.append(top)
    return values


@dataclass(frozen=True)
class Bar:
    key: str
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text_x: float  # where the value is written
    text_y: float
    label_x: float  # where the category is written
    label_y: float
    show_label: bool = True


@dataclass(frozen=True)
class Tick:
    value: int
    x1: float
    y1: float
    x2: float
    y2: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    chart_id: str
    title: str
    description: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    axis: tuple[float, float, float, float]  # the baseline: x1, y1, x2, y2
    tone: str = "accent"  # the CSS variable family the bars take (accent, warning, info)


def horizontal_bars(
    *,
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, str, int]],
    tone: str = "accent",
) -> Chart:
    """One bar per `(key, label, value)`, top to bottom in the given order."""
    label_width, value_width, row, top_pad, bottom_pad = 210, 70, 30, 8, 26
    plot_left, plot_right = label_width, WIDTH - value_width
    top = nice_ceiling(max((value for _k, _l, value in items), default=0))
    scale = (plot_right - plot_left) / top
    height = top_pad + row * len(items) + bottom_pad
    bars = []
    for index, (key, label, value) in enumerate(items):
        y = top_pad + index * row + 5
        width = value * scale
        bars.append(
            Bar(
                key=key,
                label=label,
                value=value,
                x=plot_left,
                y=y,
                width=round(width, 1),
                height=row - 10,
                text_x=round(plot_left + width + 6, 1),
                text_y=y + (row - 10) / 2 + 4,
                label_x=plot_left - 8,
                label_y=y + (row - 10) / 2 + 4,
            )
        )
    baseline = top_pad + row * len(items)
    marks = tuple(
        Tick(
            value=value,
            x1=round(plot_left + value * scale, 1),
            y1=top_pad,
            x2=round(plot_left + value * scale, 1),
            y2=baseline,
            text_x=round(plot_left + value * scale, 1),
            text_y=baseline + 16,
        )
        for value in ticks(top)
    )
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=height,
        bars=tuple(bars),
        ticks=marks,
        axis=(plot_left, top_pad, plot_left, baseline),
        tone=tone,
    )


def columns(
    *,
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, str, int]],
    tone: str = "accent",
) -> Chart:
    """One column per `(key, label, value)`, left to right; labels thinned out to fit."""
    left, right, top_pad, bottom_pad, height = 56, 12, 22, 34, 260
    plot_width = WIDTH - left - right
    plot_height = height - top_pad - bottom_pad
    top = nice_ceiling(max((value for _k, _l, value in items), default=0))
    slot = plot_width / max(len(items), 1)
    every = max(1, -(-len(items) // 13))  # at most about 13 labels under the axis
    baseline = top_pad + plot_height
    bars = []
    for index, (key, label, value) in enumerate(items):
        bar_height = plot_height * value / top
        x = left + index * slot + slot * 0.15
        bars.append(
            Bar(
                key=key,
                label=label,
                value=value,
                x=round(x, 1),
                y=round(baseline - bar_height, 1),
                width=round(slot * 0.7, 1),
                height=round(bar_height, 1),
                text_x=round(x + slot * 0.35, 1),
                text_y=round(baseline - bar_height - 5, 1),
                label_x=round(x + slot * 0.35, 1),
                label_y=baseline + 18,
                show_label=index % every == 0,
            )
        )
    marks = tuple(
        Tick(
            value=value,
            x1=left,
            y1=round(baseline - plot_height * value / top, 1),
            x2=WIDTH - right,
            y2=round(baseline - plot_height * value / top, 1),
            text_x=left - 8,
            text_y=round(baseline - plot_height * value / top + 4, 1),
        )
        for value in ticks(top)
    )
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=WIDTH,
        height=height,
        bars=tuple(bars),
        ticks=marks,
        axis=(left, baseline, WIDTH - right, baseline),
        tone=tone,
    )
