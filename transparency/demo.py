"""Demo: a complete, published usage and privacy policy for each demo California public agency, and one published
monthly report (last month) for palm-vista-pd. Idempotent: an agency that already has a published policy, or a
report for that month, gets nothing new."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from .choices import PeriodKind
from .models import ProgramCost, ProgramFacts, PublishedReport
from .program_models import fiscal_year_of
from .program_selectors import current_evaluation
from .program_services import faq_add_starter_set, surveillance_evaluation_create, surveillance_evaluation_publish
from .selectors import current_policy
from .services import published_report_publish, usage_policy_create, usage_policy_publish

REPORT_AGENCY = "palm-vista-pd"


def policy_text(agency) -> dict[str, str]:
    """A policy modelled on the published programs of Southern California cities (Palm Springs, Pasadena)."""
    name = agency.name
    return {
        "authorized_purposes": (
            f"{name} uses ALPR only to locate stolen vehicles and plates, wanted and missing persons (including "
            "Amber, Silver and Feather alerts), and vehicles connected to a crime under investigation, and to "
            "verify hotlist alerts before anyone acts on them."
        ),
        "acceptable_uses": (
            "Searching stored reads for a specific criminal investigation with a case or incident number.\n\n"
            "Receiving real-time alerts for vehicles on the California DOJ and NCIC stolen and wanted lists, and "
            "on lists the department enters for an active case.\n\n"
            "Responding to a court order, subpoena or discovery request for ALPR records."
        ),
        "additional_prohibited_uses": (
            "Civil immigration detainers or requests from federal immigration authorities.\n"
            "Monitoring a lawful demonstration, religious service or political gathering."
        ),
        "job_titles_and_training": (
            "Sworn officers, detectives, crime analysts and records staff assigned by the ALPR program manager. "
            "Each must complete the department's POST-certified ALPR course on use, privacy and SB 34 before their "
            "account is enabled, and again every twelve months; accounts of people who leave or whose training "
            "lapses are disabled."
        ),
        "monitoring": (
            "Every search and image view is logged with date and time, user, agency, the data queried and the "
            "stated purpose and case number. Supervisors review a random sample of searches every month, and the "
            "access log is kept for at least two years and cannot be altered."
        ),
        "sharing_purposes": (
            "ALPR information is shared only with California public law-enforcement agencies, for the purposes "
            "listed in this policy."
        ),
        "sharing_process": (
            "Sharing requires a written memorandum of understanding approved by the Chief of Police that states "
            "the partner's need; the partner certifies it will use the data only for this policy's purposes. "
            "Each agreement is listed on this portal."
        ),
        "sharing_restrictions": (
            "ALPR information is never sold, and never shared with federal or out-of-state agencies, private "
            "entities or individuals (Civil Code §1798.90.55(b)). Private entities may share their camera data "
            "with the department one way only."
        ),
        "custodian_title": "Chief of Police (day-to-day custodian: ALPR program manager, Investigations Bureau)",
        "accuracy_measures": (
            "A hotlist alert is never acted on without an officer visually comparing the plate in the image with "
            "the alert and re-checking the plate in CLETS/NCIC. Misreads are recorded and reviewed monthly."
        ),
        "retention_and_destruction": (
            f"Reads are kept for {agency.retention_days} days and then automatically deleted, unless they are "
            "held as evidence for a specific case, in which case they are kept as long as the case requires."
        ),
        "periodic_audits": (
            "The professional standards unit audits a sample of searches every month for a stated purpose and "
            "case number, and reports the results to the Chief; the results are published on this portal."
        ),
        "hotlist_policy": (
            "Hotlists come from the California DOJ (stolen vehicles, stolen plates, felony vehicles) and NCIC, "
            "loaded daily, and from entries made by trained staff for an active case, which expire. Immigration "
            "status is never a reason for a hotlist entry."
        ),
    }


def _clerk(context: dict, agency):
    users = context.get("users", {})
    return next(
        (user for user in users.values() if user.agency == agency and user.role in ("records_clerk", "agency_admin")),
        None,
    )


def seed(context: dict) -> None:
    agencies = context["agencies"]
    published = 0
    for agency in agencies.values():
        if not agency.is_california_public_agency or current_policy(agency) is not None:
            continue
        policy = usage_policy_create(agency=agency, user=_clerk(context, agency), **policy_text(agency))
        usage_policy_publish(policy=policy, user=_clerk(context, agency))
        published += 1
    agency = agencies.get(REPORT_AGENCY)
    if agency is not None:
        first_of_this_month = timezone.localdate().replace(day=1)
        start = (first_of_this_month - dt.timedelta(days=1)).replace(day=1)
        clerk = _clerk(context, agency)
        exists = PublishedReport.objects.filter(agency=agency, period_kind=PeriodKind.MONTH, period_start=start)
        if clerk is not None and not exists.exists():
            published_report_publish(agency=agency, period_kind=PeriodKind.MONTH, period_start=start, user=clerk)
        if clerk is not None:
            _seed_program(agency, clerk)
    for other in agencies.values():
        if other.is_california_public_agency:
            faq_add_starter_set(agency=other)
    if "stdout" in context:
        context["stdout"].write(f"Demo usage policies published: {published}")


EVALUATION_TEXT = {
    "technology_description": (
        "Fixed cameras on poles and cameras on patrol vehicles photograph the rear license plate of passing "
        "vehicles; software reads the characters and checks them against lists of stolen and wanted vehicles."
    ),
    "purpose_and_benefits": (
        "Recovering stolen vehicles, finding missing and wanted persons, and solving crimes in which a vehicle "
        "was used, faster and with fewer officer hours."
    ),
    "where_used": (
        "Arterial roads, city entrances and commercial areas. Not permanently in residential neighbourhoods: a "
        "camera is moved there only for a stated period, to answer a specific crime trend."
    ),
    "laws_and_civil_liberties": (
        "Civil Code §1798.90.5-.55 (SB 34) and Government Code §7284.6 (SB 54). Risks: tracking of lawful "
        "movement, misreads, sharing beyond the state. Mitigations: short retention, searches only with a purpose "
        "and case number, audits, sharing only with California public agencies, no immigration enforcement."
    ),
    "costs": "See the costs by fiscal year on this page, with the contract and budget documents.",
}


def _seed_program(agency, clerk) -> None:
    """Program facts, an evaluation and a fiscal year's costs for the demo agency (once)."""
    ProgramFacts.objects.get_or_create(
        agency=agency,
        defaults={"cameras_planned": 6, "cameras_planned_by": timezone.localdate().replace(month=12, day=31)},
    )
    ProgramCost.objects.get_or_create(
        agency=agency,
        fiscal_year=fiscal_year_of(timezone.localdate()),
        defaults={
            "acquisition": Decimal("36000"),
            "installation": Decimal("4500"),
            "annual_service": Decimal("30000"),
            "maintenance": Decimal("2500"),
        },
    )
    if current_evaluation(agency) is None:
        evaluation = surveillance_evaluation_create(agency=agency, user=clerk, **EVALUATION_TEXT)
        surveillance_evaluation_publish(evaluation=evaluation, user=clerk)
