"""Bar charts of figures per day, drawn here as SVG so that the page needs no script (the site's
Content-Security-Policy allows none inline, and a phone on a slow network gets the chart with the page).

Colors come from classes styled in static/transparency/portal.css, with presentation attributes as a fallback for
the PDF and for readers that do not load the stylesheet. Each chart has a <title> and <desc> for screen readers,
and the page carries the same numbers in a table.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 40


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above `value` (at least 1), for the axis maximum."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    # 2.5 only from 10 up, so that small counts keep whole-number gridlines (0, 1, 2 rather than 0, 1.25, 2.5).
    for step in (1, 2, 2.5, 5, 10) if power >= 10 else (1, 2, 4, 10):
        if value <= step * power:
            return int(math.ceil(step * power))
    return int(10 * power)


def daily_bar_chart(
    days: list[dict], *, key: str, title: str, chart_id: str, shade_before: str | None = None, shade_label: str = ""
) -> SafeString:
    """An SVG bar chart of `row[key]` for each row of `days` ([{"date": "YYYY-MM-DD", key: n}, ...]).

    `shade_before` (an ISO date) greys the days before it, with `shade_label`: reads older than the retention period
    have been deleted, so a low bar there means "purged", not "quiet"."""
    values = [int(row.get(key, 0)) for row in days]
    count = max(len(values), 1)
    top = _nice_ceiling(max(values, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / count
    bar = max(slot * 0.8, 0.5)
    total = sum(values)
    first, last = (days[0]["date"], days[-1]["date"]) if days else ("", "")
    parts = [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(title)} per day from {escape(first)} to {escape(last)}: '
        f"{total:,} in all, at most {max(values, default=0):,} in one day.</desc>",
    ]
    if shade_before and days and days[0]["date"] < shade_before:
        shaded = sum(1 for row in days if row["date"] < shade_before)
        parts.append(
            f'<rect class="chart-shade" x="{LEFT}" y="{TOP}" width="{shaded * slot:.1f}" height="{plot_h}" '
            f'fill="#eceff3"/>'
        )
        if shade_label and shaded * slot > 120:
            parts.append(
                f'<text class="chart-note" x="{LEFT + 6}" y="{TOP + 14}" font-size="12" fill="#454b53">'
                f"{escape(shade_label)}</text>"
            )
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        label = top * fraction
        label_text = f"{label:,.0f}" if label == int(label) else f"{label:,.1f}"
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9ced6"/>'
        )
        parts.append(
            f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
            f'fill="#454b53">{label_text}</text>'
        )
    for index, (row, value) in enumerate(zip(days, values, strict=True)):
        if not value:
            continue
        height = plot_h * value / top
        x = LEFT + index * slot + (slot - bar) / 2
        parts.append(
            f'<rect class="chart-bar" x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar:.1f}" '
            f'height="{height:.1f}" fill="#0b4f8a"><title>{escape(row["date"])}: {value:,}</title></rect>'
        )
    # Date labels: first, middle and last day, which is all a phone-width chart has room for.
    for index in sorted({0, (len(days) - 1) // 2, len(days) - 1}) if days else []:
        x = LEFT + index * slot + slot / 2
        day = dt.date.fromisoformat(days[index]["date"])
        anchor = "start" if index == 0 else "end" if index == len(days) - 1 else "middle"
        parts.append(
            f'<text class="chart-axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" font-size="12" '
            f'fill="#454b53">{day:%b} {day.day}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text above is escaped
