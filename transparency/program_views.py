"""The program page's public views beyond the figures: the question form, the surveillance evaluation, the
program's published documents and the quarterly compliance reports. No sign-in; nothing here reaches ALPR data."""

from __future__ import annotations

import csv

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .program_exports import compliance_pdf
from .program_models import CommunityPresentation, ComplianceReport, ProgramCost, SurveillanceEvaluation
from .program_selectors import COMPLIANCE_ROWS, current_evaluation, published_evaluations
from .program_services import public_question_ask
from .question_form import QuestionForm, abuse_refusal
from .views import _agency_or_404, _public


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


# No CSRF token: the form is on a publicly cached page and nobody is signed in, so there is no session for a
# forged post to ride on. The signed stamp (question_form) plays the token's part against replayed posts.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def ask_question(request, slug: str):
    agency = _agency_or_404(slug)
    if request.method == "GET":
        return _private(render(request, "transparency/question.html", {"agency": agency, "form": QuestionForm()}))
    form = QuestionForm(request.POST)
    status, refusal = 400, None
    if form.is_valid():
        refused = abuse_refusal(request, form)
        if refused is not None:
            refusal, status = refused
        else:
            try:
                public_question_ask(
                    agency=agency, question=form.cleaned_data["question"], email=form.cleaned_data["email"]
                )
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                return redirect("transparency:question-thanks", slug=agency.slug)
    fresh = QuestionForm(initial={"question": request.POST.get("question", ""), "email": request.POST.get("email", "")})
    context = {
        "agency": agency,
        "form": fresh,
        "errors": form.errors,
        "non_field_errors": form.non_field_errors(),
        "refusal": refusal,
    }
    return _private(render(request, "transparency/question.html", context, status=status))


@require_GET
def question_thanks(request, slug: str):
    agency = _agency_or_404(slug)
    return _public(render(request, "transparency/question_thanks.html", {"agency": agency}))


@require_GET
def evaluation_version(request, slug: str, version: int):
    agency = _agency_or_404(slug)
    evaluation = get_object_or_404(SurveillanceEvaluation, agency=agency, version=version, published_at__isnull=False)
    current = current_evaluation(agency)
    context = {
        "agency": agency,
        "evaluation": evaluation,
        "is_current": current is not None and current.pk == evaluation.pk,
        "evaluations": list(published_evaluations(agency)),
    }
    return _public(render(request, "transparency/evaluation.html", context))


def _pdf_response(field, filename: str) -> FileResponse:
    if not field:
        raise Http404("No document is attached.")
    response = FileResponse(field.open("rb"), content_type="application/pdf", filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return _public(response)


@require_GET
def cost_document(request, slug: str, pk: int):
    cost = get_object_or_404(ProgramCost, agency=_agency_or_404(slug), pk=pk)
    return _pdf_response(cost.document, f"{slug}-alpr-costs-{cost.fiscal_year}.pdf")


@require_GET
def presentation_document(request, slug: str, pk: int):
    presentation = get_object_or_404(CommunityPresentation, agency=_agency_or_404(slug), pk=pk)
    return _pdf_response(presentation.document, f"{slug}-alpr-presentation-{presentation.date:%Y-%m-%d}.pdf")


def _compliance_or_404(slug: str, pk: int) -> ComplianceReport:
    return get_object_or_404(ComplianceReport.objects.select_related("agency"), agency=_agency_or_404(slug), pk=pk)


def compliance_rows(report: ComplianceReport) -> list[tuple[str, str, object]]:
    return [(key, label, report.figures.get(key)) for key, label in COMPLIANCE_ROWS]


@require_GET
def compliance_detail(request, slug: str, pk: int):
    report = _compliance_or_404(slug, pk)
    context = {"agency": report.agency, "report": report, "rows": compliance_rows(report)}
    return _public(render(request, "transparency/compliance.html", context))


def _compliance_filename(report: ComplianceReport, extension: str) -> str:
    return f"{report.agency.slug}-alpr-compliance-{report.period_start:%Y-%m-%d}-{report.pk}.{extension}"


@require_GET
def compliance_csv(request, slug: str, pk: int):
    report = _compliance_or_404(slug, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_compliance_filename(report, "csv")}"'
    writer = csv.writer(response)
    writer.writerow(["item", "label", "value"])
    writer.writerow(["agency", "Agency", report.agency.name])
    writer.writerow(["period_start", "First day", report.figures["period"]["start"]])
    writer.writerow(["period_end", "Last day", report.figures["period"]["end"]])
    writer.writerow(["published_at", "Published", report.published_at.isoformat()])
    for key, label, value in compliance_rows(report):
        writer.writerow([key, label, value])
    return _public(response)


@require_GET
def compliance_pdf_download(request, slug: str, pk: int):
    report = _compliance_or_404(slug, pk)
    response = HttpResponse(compliance_pdf(report, compliance_rows(report)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_compliance_filename(report, "pdf")}"'
    return _public(response)
