"""The PDF of a published report (ReportLab), from the report's frozen figures only."""

from __future__ import annotations

import io

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .models import PublishedReport

ACCENT = colors.HexColor("#0b4f8a")


def _table(rows: list[list], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c9ced6")),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _bar_chart(days: list[dict], key: str, title: str) -> Drawing:
    drawing = Drawing(6.5 * inch, 1.9 * inch)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 20, 6.5 * inch - 50, 1.9 * inch - 45
    chart.data = [[row[key] for row in days] or [0]]
    chart.bars[0].fillColor = ACCENT
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = [row["date"][5:] if i % 7 == 0 else "" for i, row in enumerate(days)]
    chart.categoryAxis.labels.fontSize = 6
    drawing.add(chart)
    drawing.add(String(40, 1.9 * inch - 12, title, fontName="Helvetica-Bold", fontSize=9))
    return drawing


def report_pdf(report: PublishedReport) -> bytes:
    figures = report.figures
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=f"ALPR report: {report.agency.name}, {report.period_label}",
        author=report.agency.name,
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.75 * inch,
        bottomMargin=0.75 * inch,
    )
    story = [
        Paragraph(f"{report.agency.name}: automated license plate recognition report", styles["Title"]),
        Paragraph(
            f"{report.get_period_kind_display()} report for {report.period_label} "
            f"({figures['period']['start']} to {figures['period']['end']}). "
            f"Published {report.published_at:%B %-d, %Y}; figures frozen at publication.",
            styles["Normal"],
        ),
    ]
    if report.supersedes_id:
        story.append(Paragraph(f"This report supersedes report no. {report.supersedes_id}.", styles["Normal"]))
    if report.note:
        story.append(Paragraph(f"Note: {report.note}", styles["Normal"]))
    story.append(Spacer(1, 12))
    summary = [
        ["Figure", "Value"],
        ["Vehicles detected (plate reads)", f"{figures['reads']:,}"],
        ["Hotlist hits (alerts)", f"{figures['hotlist_hits']:,}"],
        ["Searches by our staff", f"{figures['searches']:,}"],
        ["Searches to date (end of period)", f"{figures['searches_to_date']:,}"],
        ["Searches of our data by partner agencies", f"{figures['partner_searches']:,}"],
        ["Active cameras", f"{figures['cameras']['active']:,}"],
        ["Retention period (days)", f"{figures['retention_days']:,}"],
        ["Reads removed by retention purges", f"{figures['purges']['removed']:,}"],
    ]
    story += [Paragraph("Summary", styles["Heading2"]), _table(summary, [4.5 * inch, 1.5 * inch])]
    purposes = [["Purpose of the search", "Searches"]] + [
        [row["label"], f"{row['count']:,}"] for row in figures["searches_by_purpose"]
    ]
    story += [Paragraph("Searches by purpose", styles["Heading2"]), _table(purposes, [4.5 * inch, 1.5 * inch])]
    story += [
        Paragraph("Per day", styles["Heading2"]),
        _bar_chart(figures["daily"], "reads", "Vehicles detected per day"),
        _bar_chart(figures["daily"], "searches", "Searches per day"),
    ]
    sharing = [["Agency", "What it may do"]]
    for row in figures["sharing"]["shares_with"]:
        sharing += [[agency["name"], row["label"]] for agency in row["agencies"]]
    story.append(Paragraph("Agencies with access to our data", styles["Heading2"]))
    story.append(_table(sharing, [4 * inch, 2 * inch]) if len(sharing) > 1 else Paragraph("None.", styles["Normal"]))
    receiving = [["Agency", "What we may do"]]
    for row in figures["sharing"]["receives_from"]:
        receiving += [[agency["name"], row["label"]] for agency in row["agencies"]]
    receiving += [
        [agency["name"], "Private entity, shares in"] for agency in figures["sharing"]["private_entities_sharing_in"]
    ]
    story.append(Paragraph("Agencies and private entities whose data we receive", styles["Heading2"]))
    story.append(
        _table(receiving, [4 * inch, 2 * inch]) if len(receiving) > 1 else Paragraph("None.", styles["Normal"])
    )
    daily = [["Date", "Reads", "Searches"]] + [
        [row["date"], f"{row['reads']:,}", f"{row['searches']:,}"] for row in figures["daily"]
    ]
    story += [Paragraph("Figures per day", styles["Heading2"]), _table(daily, [2.5 * inch, 1.75 * inch, 1.75 * inch])]
    checkpoints = figures.get("access_log_checkpoints") or []
    story.append(Paragraph("Access log checkpoints", styles["Heading2"]))
    for cp in checkpoints:
        story.append(
            Paragraph(
                f"{cp['at']}: {cp['row_count']:,} entries, last entry {cp['last_entry_id']}, head {cp['head_hash']}, "
                f"key {cp['key_id']}, signature {cp['mac']}",
                styles["Code"],
            )
        )
    if not checkpoints:
        story.append(Paragraph("None written when the report was published.", styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()
