"""Reads of the program page, all from the live tables at request time: the named figures the FAQ embeds, the
question statistics, the program's facts, and the quarterly compliance figures.

Uncached on purpose: each is a handful of indexed counts, and a page that says "computed live" must follow the
tables at once (a clerk answers a question, and the median changes on the next view).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import F, Q, Sum
from django.utils import timezone

from agencies.choices import AgencyKind
from agencies.models import Agency
from reads.choices import AccessAction, CameraPlacement, Channel
from reads.models import AccessLogEntry, Camera, PurgeRun, SearchAudit
from sharing.models import SharingRefusal
from sharing.selectors import sharing_overview

from .program_models import (
    ComplianceReport,
    FaqEntry,
    ProgramCost,
    ProgramFacts,
    PublicQuestion,
    SurveillanceEvaluation,
    fiscal_year_label,
    fiscal_year_of,
)
from .selectors import _midnight

COMPLIANCE_FIGURES_VERSION = 1


def staff_searches(agency: Agency):
    """The agency's own staff's searches: operator look-ups are filed under the agency too (so its auditors see
    them), but they are not the agency's use of the system and are counted apart."""
    return AccessLogEntry.objects.filter(agency_id=agency.pk, action=AccessAction.SEARCH).exclude(
        channel=Channel.OPERATOR
    )


def camera_counts(agency: Agency) -> dict:
    """Active, planned and temporarily relocated (active, placed in a residential area until an end date). Counts
    only: never a name or a location."""
    active = Camera.objects.filter(agency_id=agency.pk, is_active=True)
    facts = ProgramFacts.objects.filter(agency=agency).first()
    return {
        "active": active.count(),
        "temporarily_relocated": active.filter(placement=CameraPlacement.RESIDENTIAL).count(),
        "planned": facts.cameras_planned if facts else 0,
        "planned_by": facts.cameras_planned_by if facts else None,
    }


def question_stats(agency: Agency) -> dict:
    """Questions received and answered, and the median time from asking to answering (PostgreSQL's
    percentile_cont over the answered ones)."""
    questions = PublicQuestion.objects.filter(agency=agency)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM answered_at - asked_at)) "
            "FROM transparency_publicquestion WHERE agency_id = %s AND answered_at IS NOT NULL",
            [agency.pk],
        )
        median_seconds = cursor.fetchone()[0]
    return {
        "received": questions.count(),
        "answered": questions.filter(answered_at__isnull=False).count(),
        "median_seconds_to_answer": float(median_seconds) if median_seconds is not None else None,
        "median_days_to_answer": round(float(median_seconds) / 86400, 1) if median_seconds is not None else None,
    }


def cost_of_fiscal_year(agency: Agency, year: int) -> Decimal | None:
    row = ProgramCost.objects.filter(agency=agency, fiscal_year=year).first()
    return row.total if row else None


def program_figures(agency: Agency, *, today: dt.date | None = None) -> dict:
    """The figures a clerk may embed in the FAQ by name (transparency.faq.FIGURES), from the live tables."""
    today = today or timezone.localdate()
    cameras = camera_counts(agency)
    overview = sharing_overview(agency=agency, on=today)
    private_in = {line.agency.pk for line in overview.shares_with_us if line.agency.kind == AgencyKind.PRIVATE_ENTITY}
    questions = question_stats(agency)
    year = fiscal_year_of(today)
    return {
        "active_cameras": cameras["active"],
        "planned_cameras": cameras["planned"],
        "planned_cameras_by": cameras["planned_by"],
        "temporarily_relocated_cameras": cameras["temporarily_relocated"],
        "retention_days": agency.retention_days,
        "partner_agencies": len({line.agency.pk for line in overview.we_share_with}),
        "private_entities_sharing_in": len(private_in),
        "searches_to_date": staff_searches(agency).count(),
        "public_comment_meeting_date": agency.public_comment_meeting_on,
        "cost_this_fiscal_year": cost_of_fiscal_year(agency, year),
        "fiscal_year": fiscal_year_label(year),
        "questions_received": questions["received"],
        "questions_answered": questions["answered"],
        "median_days_to_answer": questions["median_days_to_answer"],
    }


def published_faq(agency: Agency):
    return FaqEntry.objects.filter(agency=agency, is_published=True).order_by("position", "id")


def published_questions(agency: Agency):
    return PublicQuestion.objects.filter(agency=agency, published_in_faq=True, answered_at__isnull=False).order_by(
        "-answered_at"
    )


def current_evaluation(agency: Agency) -> SurveillanceEvaluation | None:
    return SurveillanceEvaluation.objects.filter(agency=agency, published_at__isnull=False).order_by("-version").first()


def published_evaluations(agency: Agency):
    return SurveillanceEvaluation.objects.filter(agency=agency, published_at__isnull=False).order_by("-version")


def operator_accesses(agency: Agency):
    """Operator (system administrator) accesses to the agency's data: filed under the agency, or reaching it."""
    return AccessLogEntry.objects.filter(channel=Channel.OPERATOR).filter(
        Q(agency_id=agency.pk) | Q(agencies_searched__contains=[agency.pk])
    )


def compliance_figures(agency: Agency, *, period_start: dt.date, period_end: dt.date, now=None) -> dict:
    """One period's compliance figures for `agency`, as plain JSON (a published report stores it as it is)."""
    now = now or timezone.now()
    start, end = _midnight(period_start), _midnight(period_end + dt.timedelta(days=1))
    in_period = {"at__gte": start, "at__lt": end}
    partner_searches = (
        AccessLogEntry.objects.filter(action=AccessAction.SEARCH, agencies_searched__contains=[agency.pk], **in_period)
        .exclude(agency_id=agency.pk)
        .count()
    )
    audits = SearchAudit.objects.filter(agency=agency, closed_at__gte=start, closed_at__lt=end)
    purges = PurgeRun.objects.filter(started_at__gte=start, started_at__lt=end, finished_at__isnull=False)
    key = str(agency.pk)
    removed = sum(int((run or {}).get(key, 0)) for run in purges.values_list("removed_by_agency", flat=True))
    refusals = SharingRefusal.objects.filter(Q(owner=agency) | Q(partner=agency), **in_period)
    answered = PublicQuestion.objects.filter(agency=agency, answered_at__gte=start, answered_at__lt=end)
    received = PublicQuestion.objects.filter(agency=agency, asked_at__gte=start, asked_at__lt=end)
    costs = ProgramCost.objects.filter(agency=agency, fiscal_year=fiscal_year_of(period_start)).aggregate(
        total=Sum(F("acquisition") + F("installation") + F("annual_service") + F("maintenance"))
    )
    return {
        "version": COMPLIANCE_FIGURES_VERSION,
        "generated_at": now.isoformat(),
        "agency": {"name": agency.name, "slug": agency.slug},
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "operator_accesses": operator_accesses(agency).filter(**in_period).count(),
        "staff_searches": staff_searches(agency).filter(**in_period).count(),
        "partner_searches": partner_searches,
        "audits_done": audits.count(),
        "audit_searches_sampled": sum(audits.values_list("sample_size", flat=True)),
        "purge_runs": purges.count(),
        "reads_purged": removed,
        "sharing_refusals": refusals.count(),
        "questions_received": received.count(),
        "questions_answered": answered.count(),
        "fiscal_year": fiscal_year_label(fiscal_year_of(period_start)),
        "program_cost_fiscal_year": str(costs["total"]) if costs["total"] is not None else None,
    }


COMPLIANCE_ROWS: list[tuple[str, str]] = [
    ("operator_accesses", "Accesses by system operators (superusers, server administrators)"),
    ("staff_searches", "Searches by our staff"),
    ("partner_searches", "Searches of our data by partner agencies"),
    ("audits_done", "Search audits completed"),
    ("audit_searches_sampled", "Searches sampled by those audits"),
    ("purge_runs", "Retention purge runs"),
    ("reads_purged", "Reads removed by retention purges"),
    ("sharing_refusals", "Sharing attempts refused"),
    ("questions_received", "Questions received from the public"),
    ("questions_answered", "Questions answered"),
]


def compliance_reports(agency: Agency):
    return ComplianceReport.objects.filter(agency=agency).order_by("-period_start")
