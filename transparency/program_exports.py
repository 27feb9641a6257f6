"""The PDF of a published quarterly compliance report (ReportLab), from its frozen figures only."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .exports import _table
from .program_models import ComplianceReport


def compliance_pdf(report: ComplianceReport, rows: list[tuple[str, str, object]]) -> bytes:
    figures = report.figures
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        title=f"ALPR compliance report: {report.agency.name}, {report.period_label}",
        author=report.agency.name,
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.75 * inch,
        bottomMargin=0.75 * inch,
    )
    table = [["Item", "Count"]] + [[label, "–" if value is None else f"{value:,}"] for _, label, value in rows]
    story = [
        Paragraph(f"{report.agency.name}: ALPR quarterly compliance report", styles["Title"]),
        Paragraph(
            f"{report.period_label} ({figures['period']['start']} to {figures['period']['end']}). "
            f"Published {report.published_at:%B %-d, %Y}; figures frozen at publication.",
            styles["Normal"],
        ),
        Spacer(1, 12),
        _table(table, [4.75 * inch, 1.25 * inch]),
        Spacer(1, 12),
        Paragraph(
            "Operator accesses are accesses to this agency's ALPR data by system administrators; each one states "
            "a purpose and a case or ticket number and is in the agency's access log, open to its auditors.",
            styles["Normal"],
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
