"""Bar charts drawn on the server as inline SVG: no script, no CDN, the same in the PDF.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>`, scales with
its container (a viewBox and width 100%), and carries its colours as attributes so that it
draws the same in a page and in WeasyPrint. Every piece of text goes through
`format_html()`, which escapes it (`django.utils.html.conditional_escape`); nothing is
marked safe by hand. Pages follow each chart with a table of the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BLUE = "#0b5a8a"
BROWN = "#8a5300"
GREEN = "#1d6b3a"
INK = "#1b1f24"
MUTED = "#4a5360"
GRID = "#c9ced6"
FONT = "Portal Sans, system-ui, -apple-system, Segoe UI, Roboto, DejaVu Sans, sans-serif"


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | None]  # None: nothing to show (a gap, explained beside the chart)
    colour: str = BLUE
    # How many cases each value stands for (a share's denominator), written under its bar.
    counts: list[int] | None = None


def _f(value: float) -> str:
    """A coordinate for an attribute: one decimal at most."""
    return f"{value:.1f}".removesuffix(".0")


# A generous width of one character, as a share of the font size (DejaVu Sans, the PDF's
# font, is among the widest): a label this wide is known to fit where it is written.
CHAR_WIDTH = 0.66


def text_width(text: str, font_size: float) -> float:
    return len(text) * CHAR_WIDTH * font_size


def _join(parts: list[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((p,) for p in parts))


def _number(value: float, unit: str) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"
    return f"{text}{unit}"


def _svg(
    chart_id: str, title: str, desc: str, width: int, height: int, body: list, *, shape: str
) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{shape}" role="img" '
        'aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="100%" '
        'preserveAspectRatio="xMidYMid meet" font-family="{font}" font-size="13" fill="{ink}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>{body}</svg>',
        shape=shape,
        id=chart_id,
        w=width,
        h=height,
        font=FONT,
        ink=INK,
        title=title,
        desc=desc,
        body=_join(body),
    )


def _text(x: float, y: float, text: str, **attrs: str) -> SafeString:
    extra = format_html_join("", ' {}="{}"', ((k.replace("_", "-"), v) for k, v in attrs.items()))
    return format_html('<text x="{}" y="{}"{}>{}</text>', _f(x), _f(y), extra, text)


def _legend(series: list[Series], x: float, y: float) -> list[SafeString]:
    parts = []
    for s in series:
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="14" height="14" fill="{}"/>',
                _f(x),
                _f(y - 11),
                s.colour,
            )
        )
        parts.append(_text(x + 20, y, s.label))
        x += 40 + 7.5 * len(s.label)
    return parts


def column_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    categories: list[str],
    series: list[Series],
    maximum: float | None = None,
    unit: str = "",
    width: int = 800,
    height: int = 280,
) -> SafeString:
    """Vertical bars, one group per category (e.g. months) and one bar per series.

    `maximum` fixes the top of the scale (100 for percentages); otherwise the largest value,
    rounded up. A value of None leaves a gap. Each bar's value is written above it and its
    count (`Series.counts`) under it, only where the text fits the bar's width, so that no
    two labels touch; a category label too wide for its group breaks at its last space, and
    at most about 12 are written, evenly spaced.
    """
    counted = any(s.counts for s in series)
    left, right, top = 44, 12, 40
    bottom = 28 + (14 if counted else 0) + 14
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    top_value = maximum or _nice_ceiling(max(values, default=0))
    parts = _legend(series, left, 18)
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>',
                left,
                width - right,
                _f(y),
                _f(y),
                GRID,
            )
        )
        parts.append(_text(left - 6, y + 4, _number(value, unit), text_anchor="end", fill=MUTED))
    n = max(len(categories), 1)
    group = plot_w / n
    bar = max(1.0, min(28.0, (group - 6) / max(len(series), 1)))
    label_every = math.ceil(n / 12)
    base = top + plot_h
    for i, category in enumerate(categories):
        x0 = left + i * group + (group - bar * len(series)) / 2
        for j, s in enumerate(series):
            parts.append(_column(s, i, x0 + j * bar, bar, top, plot_h, top_value, unit))
            count = s.counts[i] if s.counts and i < len(s.counts) else None
            if count and text_width(str(count), 10) <= bar - 2:
                parts.append(
                    _text(
                        x0 + j * bar + bar / 2,
                        base + 13,
                        str(count),
                        text_anchor="middle",
                        font_size="10",
                        fill=MUTED,
                    )
                )
        if i % label_every == 0:
            y = base + (30 if counted else 16)
            parts.append(_category(left + (i + 0.5) * group, y, category, group * label_every))
    return _svg(chart_id, title, desc, width, height, parts, shape="columns")


def _category(x: float, y: float, label: str, room: float) -> SafeString:
    """A category label centred at x; on two lines when one would not fit in `room`."""
    if text_width(label, 13) <= room - 4 or " " not in label:
        return _text(x, y, label, text_anchor="middle")
    first, second = label.rsplit(" ", 1)
    return format_html(
        '<text x="{x}" y="{y}" text-anchor="middle"><tspan x="{x}">{a}</tspan>'
        '<tspan x="{x}" dy="14">{b}</tspan></text>',
        x=_f(x),
        y=_f(y),
        a=first,
        b=second,
    )


def _column(s: Series, i: int, x: float, bar: float, top: float, plot_h: float, top_value, unit):
    value = s.values[i] if i < len(s.values) else None
    base = top + plot_h
    if value is None:
        return mark_safe("")
    h = plot_h * min(value, top_value) / top_value if top_value else 0
    rect = format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
        _f(x + 1),
        _f(base - h),
        _f(bar - 2),
        _f(h),
        s.colour,
    )
    # Whole numbers above the bars, with the unit where it fits; a label wider than its
    # bar would run into its neighbour's, so it is left to the table.
    for label in (_number(round(value), unit), _number(round(value), "")):
        if text_width(label, 10) <= bar - 2:
            text = _text(x + bar / 2, base - h - 4, label, text_anchor="middle", font_size="10")
            return _join([rect, text])
    return rect


def bar_chart(
    *,
    chart_id: str,
    title: str,
    desc: str,
    rows: list[tuple[str, float]],
    colour: str = BLUE,
    unit: str = "",
    width: int = 480,
    label_width: int = 170,
) -> SafeString:
    """Horizontal bars, one per (label, value) row, with the value after each bar."""
    row_h, top = 30, 8
    height = top * 2 + row_h * max(len(rows), 1)
    top_value = _nice_ceiling(max((v for _, v in rows), default=0))
    plot_w = width - label_width - 56
    parts = []
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = plot_w * value / top_value if top_value else 0
        parts.append(_text(label_width - 8, y + 19, label, text_anchor="end"))
        parts.append(
            format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                label_width,
                _f(y + 5),
                _f(w),
                row_h - 10,
                colour,
            )
        )
        parts.append(_text(label_width + w + 6, y + 19, _number(value, unit)))
    return _svg(chart_id, title, desc, width, height, parts, shape="bars")


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value` (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power
