"""What an owner agency's auditors see of the searches partner agencies made of its data, and the monthly
per-partner report they download (CSV and PDF).

Why: in 2025-2026 a vendor removed officers' names from the audit logs owner agencies saw, and one sheriff's data
was searched hundreds of thousands of times from out of state without the sheriff knowing. Here the owner sees
every access by another agency's people that reached its data (the access log's `agencies_searched`), with the
person's name, purpose, case number, on-behalf-of, criteria and result count. Read straight from the access log:
nothing is copied, so nothing can be left out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from xml.sax.saxutils import escape  # ReportLab Paragraph text is markup: what people typed is escaped

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from agencies.models import Agency

from .access_log import access_log_export_write
from .choices import AccessAction
from .models import AccessLogEntry

MONTH_FORMAT = "Give the month as YYYY-MM, e.g. 2026-03."
REPORT_PURPOSE = "Audit: monthly report of partner searches"
SEARCH_ACTIONS = (AccessAction.SEARCH, AccessAction.TIMELINE, AccessAction.EXPORT)

CSV_COLUMNS = [
    "access_log_id", "at", "partner_agency", "partner_ori", "username", "name", "action", "channel", "purpose",
    "purpose_detail", "case_number", "on_behalf_of", "on_behalf_of_ori", "attested", "criteria", "result_count",
]  # fmt: skip


def month_bounds(month: str | None) -> tuple[dt.datetime, dt.datetime, dt.date]:
    """(first instant, first instant of the next month, first day) of a YYYY-MM month, local time."""
    try:
        first = dt.datetime.strptime((month or "").strip(), "%Y-%m").date()
    except ValueError:
        raise ValidationError({"month": [MONTH_FORMAT]}) from None
    following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(following, dt.time.min, tzinfo=tz),
        first,
    )


def partner_searches(*, owner_id: int, start=None, end=None, partner_id: int | None = None):
    """Every access by another agency's people that reached `owner_id`'s data, newest first."""
    qs = AccessLogEntry.objects.reaching(owner_id).select_related("agency", "user", "on_behalf_of")
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    if partner_id is not None:
        qs = qs.filter(agency_id=partner_id)
    return qs.order_by("-at", "-id")


@dataclass
class PartnerCount:
    agency_id: int
    name: str
    ori: str
    searches: int
    people: int


def partner_search_counts(*, owner_id: int, start=None, end=None, actions=SEARCH_ACTIONS) -> list[PartnerCount]:
    """Per partner agency: how many searches (by default search, timeline and export rows) of `owner_id`'s data
    it made, by how many people. One query."""
    qs = AccessLogEntry.objects.reaching(owner_id).filter(action__in=actions)
    if start is not None:
        qs = qs.filter(at__gte=start)
    if end is not None:
        qs = qs.filter(at__lt=end)
    rows = (
        qs.values("agency_id", "agency__name", "agency__ori")
        .annotate(searches=Count("pk"), people=Count("user_id", distinct=True))
        .order_by("-searches", "agency__name")
    )
    return [
        PartnerCount(row["agency_id"], row["agency__name"], row["agency__ori"], row["searches"], row["people"])
        for row in rows
    ]


def person_name(entry: AccessLogEntry) -> str:
    """The person's full name as their account has it, else their username (never blank)."""
    full = entry.user.get_full_name() if entry.user_id else ""
    return full or entry.username


def criteria_text(entry: AccessLogEntry) -> str:
    return json.dumps(entry.query, sort_keys=True, separators=(", ", ": "), default=str)


def csv_row(entry: AccessLogEntry) -> list:
    return [
        entry.pk,
        timezone.localtime(entry.at).isoformat(timespec="seconds"),
        entry.agency.name,
        entry.agency.ori,
        entry.username,
        person_name(entry),
        entry.action,
        entry.channel,
        entry.purpose,
        entry.purpose_detail,
        entry.case_number,
        entry.on_behalf_of.name if entry.on_behalf_of_id else "",
        entry.on_behalf_of_ori,
        "yes" if entry.attested else "no",
        criteria_text(entry),
        entry.result_count,
    ]


@dataclass
class MonthlyReport:
    owner: Agency
    month: dt.date
    partner: Agency | None
    counts: list[PartnerCount]
    entries: list[AccessLogEntry]

    @property
    def title(self) -> str:
        who = f", {self.partner.name}" if self.partner else ""
        return f"Partner searches of {self.owner.name} data, {self.month:%B %Y}{who}"

    @property
    def file_stem(self) -> str:
        partner = f"-{self.partner.ori}" if self.partner else ""
        return f"partner-searches-{self.owner.slug}-{self.month:%Y-%m}{partner}"


def monthly_report(*, owner: Agency, month: str, partner_id: int | None = None) -> MonthlyReport:
    """The month's accesses of `owner`'s data by partner agencies (or by one of them), with per-partner counts."""
    start, end, first = month_bounds(month)
    partner = Agency.objects.filter(pk=partner_id).first() if partner_id else None
    counts = partner_search_counts(owner_id=owner.pk, start=start, end=end)
    if partner_id:
        counts = [count for count in counts if count.agency_id == partner_id]
    entries = list(partner_searches(owner_id=owner.pk, start=start, end=end, partner_id=partner_id).reverse())
    return MonthlyReport(owner=owner, month=first, partner=partner, counts=counts, entries=entries)


def report_csv(report: MonthlyReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(entry) for entry in report.entries)
    return buffer.getvalue()


def report_pdf(report: MonthlyReport) -> bytes:
    """The same rows as the CSV, one section per partner agency, after a summary of counts (ReportLab)."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)

    def cell(text) -> Paragraph:
        return Paragraph(escape(str(text)), small)

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=landscape(LETTER), title=report.title, author=report.owner.name,
        leftMargin=0.5 * inch, rightMargin=0.5 * inch, topMargin=0.5 * inch, bottomMargin=0.5 * inch,
    )  # fmt: skip

    def table(rows, widths):
        built = Table(rows, colWidths=widths, repeatRows=1)
        built.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.75, colors.black),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#c9ced6")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return built

    story = [
        Paragraph(escape(report.title), styles["Title"]),
        Paragraph(
            f"Every access by another agency's people that reached {escape(report.owner.name)} data in "
            f"{report.month:%B %Y}, from the access log (Civil Code §1798.90.52, §1798.90.55(b)). Generated "
            f"{timezone.localtime():%Y-%m-%d %H:%M}.",
            styles["Normal"],
        ),
        Spacer(1, 8),
    ]
    summary = [["Partner agency", "ORI", "Searches", "People"]] + [
        [cell(count.name), count.ori, f"{count.searches:,}", f"{count.people:,}"] for count in report.counts
    ]
    story.append(Paragraph("Searches per partner agency", styles["Heading2"]))
    none = Paragraph("No partner agency searched this agency's data in this month.", styles["Normal"])
    story.append(table(summary, [4 * inch, 1.2 * inch, 1 * inch, 1 * inch]) if report.counts else none)
    by_partner: dict[int, list[AccessLogEntry]] = {}
    for entry in report.entries:
        by_partner.setdefault(entry.agency_id, []).append(entry)
    widths = [0.95, 1.35, 0.6, 1.3, 0.9, 1.1, 2.7, 0.5]
    for entries in by_partner.values():
        story.append(Paragraph(escape(f"{entries[0].agency.name} ({entries[0].agency.ori})"), styles["Heading2"]))
        rows = [["When", "Person", "Action", "Purpose", "Case", "On behalf of", "Criteria", "Results"]]
        for entry in entries:
            purpose = entry.purpose + (f": {entry.purpose_detail}" if entry.purpose_detail else "")
            behalf = f"{entry.on_behalf_of.name} ({entry.on_behalf_of_ori})" if entry.on_behalf_of_id else "own"
            rows.append(
                [
                    cell(f"{timezone.localtime(entry.at):%Y-%m-%d %H:%M}"),
                    cell(f"{person_name(entry)} ({entry.username})"),
                    cell(entry.action),
                    cell(purpose),
                    cell(entry.case_number),
                    cell(behalf),
                    cell(criteria_text(entry)),
                    cell(entry.result_count),
                ]
            )
        story.append(table(rows, [width * inch for width in widths]))
    doc.build(story)
    return buffer.getvalue()


def report_download_log(report: MonthlyReport, *, user, channel: str, client_address: str | None) -> None:
    """Each download of the report (admin or API, CSV or PDF) is an access written to the log."""
    access_log_export_write(
        user=user,
        agency=report.owner,
        channel=channel,
        detail=REPORT_PURPOSE,
        query={
            "partner_search_report": {"month": f"{report.month:%Y-%m}", "partner": report.partner and report.partner.pk}
        },
        entries=report.entries,
        client_address=client_address,
    )
