"""What the pages, the CSV and the PDF make of a figures dict (transparency.selectors.transparency_figures)."""

from __future__ import annotations

import datetime as dt

from .charts import daily_bar_chart


def figures_context(figures: dict, *, chart_id_prefix: str = "chart") -> dict:
    """Template context built from figures: the two charts, and the shares by scope with at least one agency."""
    # Only in figures of version 1 (reports published before purged reads were counted): their purged days are shaded.
    retained_from = figures.get("reads_retained_from")
    days = figures["daily"]
    shade_label = f"Reads older than {figures['retention_days']} days are deleted"
    return {
        "f": figures,
        "generated_at": dt.datetime.fromisoformat(figures["generated_at"]),
        "period_start": dt.date.fromisoformat(figures["period"]["start"]),
        "period_end": dt.date.fromisoformat(figures["period"]["end"]),
        "chart_start": dt.date.fromisoformat(days[0]["date"]) if days else None,
        "reads_chart": daily_bar_chart(
            days,
            key="reads",
            title="Vehicles detected",
            chart_id=f"{chart_id_prefix}-reads",
            shade_before=retained_from,
            shade_label=shade_label,
        ),
        "searches_chart": daily_bar_chart(
            days, key="searches", title="Searches", chart_id=f"{chart_id_prefix}-searches"
        ),
        "shares_with": [row for row in figures["sharing"]["shares_with"] if row["agencies"]],
        "receives_from": [row for row in figures["sharing"]["receives_from"] if row["agencies"]],
        "purge_latest": [
            {"at": dt.datetime.fromisoformat(run["at"]), "removed": run["removed"]}
            for run in figures["purges"]["latest"]
        ],
    }


def _change_text(change: dict) -> str:
    return f"{change['label']}: {change['partner']} ({', '.join(change['scopes'])})"


def figures_rows(figures: dict) -> list[tuple[str, str, object]]:
    """(section, item, value) rows: the CSV, and the PDF's tables, in one order."""
    period = figures["period"]
    rows: list[tuple[str, str, object]] = [
        ("agency", "name", figures["agency"]["name"]),
        ("period", "start", period["start"]),
        ("period", "end", period["end"]),
        ("period", "days", period["days"]),
        ("figures", "generated at", figures["generated_at"]),
        ("figures", "vehicles detected (reads)", figures["reads"]),
        ("figures", "hotlist hits", figures["hotlist_hits"]),
        ("figures", "searches", figures["searches"]),
        ("figures", "searches to date", figures["searches_to_date"]),
        ("figures", "searches of our data by partner agencies", figures["partner_searches"]),
        ("figures", "active cameras", figures["cameras"]["active"]),
        ("figures", "retention (days)", figures["retention_days"]),
        ("figures", "reads removed by retention purges", figures["purges"]["removed"]),
        ("figures", "usage policy version", figures["policy_version"] or ""),
    ]
    rows += [
        ("searches of our data per partner agency", row["name"], row["searches"])
        for row in figures.get("partner_searches_by_agency", [])  # reports published before it lack it
    ]
    rows += [("cameras by kind", row["label"], row["count"]) for row in figures["cameras"]["by_kind"]]
    rows += [("searches by purpose", row["label"], row["count"]) for row in figures["searches_by_purpose"]]
    rows += [
        ("hotlists", f"{row['source_label']}: {row['category_label']}", row["lists"]) for row in figures["hotlists"]
    ]
    for key, section in (("shares_with", "has access to our data"), ("receives_from", "we receive data from")):
        for row in figures["sharing"][key]:
            rows += [(section, row["label"], agency["name"]) for agency in row["agencies"]]
    rows += [
        ("private entities sharing in", "", agency["name"])
        for agency in figures["sharing"]["private_entities_sharing_in"]
    ]
    rows += [
        ("sharing history", change["at"][:10], _change_text(change))
        for change in figures["sharing"].get("history", [])  # reports published before it lack it
    ]
    # One figure per value cell, so that a spreadsheet can sum and chart them.
    rows += [("reads per day", row["date"], row["reads"]) for row in figures["daily"]]
    rows += [("searches per day", row["date"], row["searches"]) for row in figures["daily"]]
    for cp in figures.get("access_log_checkpoints") or []:
        rows += [
            (f"access log checkpoint {cp['at']}", label, cp[key])
            for key, label in (
                ("row_count", "entries"),
                ("last_entry_id", "last entry"),
                ("head_hash", "head"),
                ("key_id", "key"),
                ("mac", "mac"),
            )
        ]
    return rows
