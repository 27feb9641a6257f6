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

# A narrow drawing, scaled to the page's width: on a 390 px phone the chart is drawn about 358 px wide, so 14-unit
# labels show at about 12.5 px (a 720-unit drawing showed them at 6 px); portal.css caps the width on a desktop.
WIDTH, HEIGHT = 400, 200
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 34
FONT = 14
PHONE_CHART_PX = 358  # the chart's width on a 390 px phone (the page's side margins taken off)


def _nice_ceiling(value: int) -> int:
    """The axis maximum: the smallest of 2, 4, 10 (below 10) or 1, 2, 5 x 10^n at or above `value`. Always even, so
    that the middle gridline is a whole number too (an axis of 25 had a line at "12.5 searches")."""
    if value <= 2:
        return 2
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10) if power >= 10 else (2, 4, 10):
        if value <= step * power:
            return int(step * power)
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
                f'<text class="chart-note" x="{LEFT + 6}" y="{TOP + 14}" font-size="{FONT}" fill="#454b53">'
                f"{escape(shade_label)}</text>"
            )
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        label = top * fraction
        label_text = f"{int(label):,}"  # whole: the maximum is even (_nice_ceiling)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9ced6"/>'
        )
        parts.append(
            f'<text class="chart-axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="{FONT}" '
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
            f'<text class="chart-axis" x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="{anchor}" '
            f'font-size="{FONT}" fill="#454b53">{day:%b} {day.day}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text above is escaped
