"""The public transparency portal and published reports: no sign-in, server-rendered, no script.

Nothing here reaches ALPR data through the permission choke point (common.api): these pages show only aggregate
counts from transparency.selectors and published text, never a plate, a person or a camera's location.
"""

from __future__ import annotations

import csv

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from agencies.choices import AgencyKind

from .choices import DETECTED, NOT_DETECTED
from .exports import report_pdf
from .models import PublishedReport, UsagePolicy
from .presentation import figures_context, figures_rows
from .program_presentation import program_context
from .selectors import (
    PORTAL_CACHE_SECONDS,
    current_policy,
    current_reports,
    portal_agencies,
    portal_agency,
    portal_figures,
    published_policies,
)


def _agency_or_404(slug: str):
    agency = portal_agency(slug)
    if agency is None:
        raise Http404("No transparency portal for this agency.")
    return agency


def _public(response: HttpResponse, max_age: int = PORTAL_CACHE_SECONDS) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=max_age)
    return response


@require_GET
def portal_index(request):
    agencies = list(portal_agencies())
    groups = [
        ("Police departments and sheriffs", [a for a in agencies if a.is_california_public_agency]),
        ("Private entities that share their camera data with police", [
            a for a in agencies if a.kind == AgencyKind.PRIVATE_ENTITY
        ]),
        ("Other agencies on record (ALPR data is never shared with them)", [
            a for a in agencies if not a.is_california_public_agency and a.kind != AgencyKind.PRIVATE_ENTITY
        ]),
    ]  # fmt: skip
    return _public(render(request, "transparency/index.html", {"groups": [g for g in groups if g[1]]}))


@require_GET
def portal(request, slug: str):
    agency = _agency_or_404(slug)
    figures = portal_figures(agency)
    context = {
        "agency": agency,
        "policy": current_policy(agency),
        "policies": list(published_policies(agency)),
        "reports": list(current_reports(agency)),
        "detected": DETECTED,
        "not_detected": NOT_DETECTED,
        **figures_context(figures),
        **program_context(agency),
    }
    return _public(render(request, "transparency/portal.html", context))


@require_GET
def policy_version(request, slug: str, version: int):
    agency = _agency_or_404(slug)
    policy = get_object_or_404(UsagePolicy, agency=agency, version=version, published_at__isnull=False)
    current = current_policy(agency)
    context = {
        "agency": agency,
        "policy": policy,
        "is_current": current is not None and current.pk == policy.pk,
        "current": current,
        "policies": list(published_policies(agency)),
    }
    return _public(render(request, "transparency/policy.html", context))


def _report_or_404(slug: str, pk: int) -> PublishedReport:
    agency = _agency_or_404(slug)
    return get_object_or_404(
        PublishedReport.objects.select_related("agency", "policy", "supersedes").filter(agency=agency), pk=pk
    )


def _superseded_by(report: PublishedReport) -> PublishedReport | None:
    try:
        return report.superseded_by
    except PublishedReport.DoesNotExist:
        return None


def _report_context(report: PublishedReport, *, prefix: str) -> dict:
    return {
        "agency": report.agency,
        "report": report,
        "superseded_by": _superseded_by(report),
        **figures_context(report.figures, chart_id_prefix=prefix),
    }


@require_GET
def report_detail(request, slug: str, pk: int):
    report = _report_or_404(slug, pk)
    return _public(render(request, "transparency/report.html", _report_context(report, prefix=f"report-{pk}")))


@require_GET
def report_print(request, slug: str, pk: int):
    report = _report_or_404(slug, pk)
    return _public(render(request, "transparency/report_print.html", _report_context(report, prefix=f"print-{pk}")))


def _filename(report: PublishedReport, extension: str) -> str:
    return f"{report.agency.slug}-alpr-report-{report.period_start:%Y-%m-%d}-{report.pk}.{extension}"


@require_GET
def report_csv(request, slug: str, pk: int):
    report = _report_or_404(slug, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
    writer = csv.writer(response)
    writer.writerow(["section", "item", "value"])
    writer.writerow(["report", "id", report.pk])
    writer.writerow(["report", "published at", report.published_at.isoformat()])
    writer.writerow(["report", "supersedes", report.supersedes_id or ""])
    for row in figures_rows(report.figures):
        writer.writerow(row)
    return _public(response)


@require_GET
def report_pdf_download(request, slug: str, pk: int):
    report = _report_or_404(slug, pk)
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
    return _public(response)
