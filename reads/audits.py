"""Periodic search audits (California State Auditor report 2019-118, recommendation: audit searches).

An auditor opens an audit for a period; the system draws a random sample of the agency's searches (access-log rows
of action search, export or timeline) in that period, and adds the searches the risk rules pick (reads.audit_risk),
each sample saying why it was chosen; the auditor marks each sample compliant or not, with a note;
the audit closes once every sample is reviewed. Closed audits are published on the transparency portal through
`latest_closed_audit`.

The draw is reproducible: the population is the agency's qualifying rows in the period up to the last access-log
row at opening (`population_last_entry_id`; the log is append-only and ids grow in commit order, since writers
are serialized), sorted by id, and the sample is `random.Random(seed).sample(population, k)`.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from agencies.models import Agency

from .audit_risk import RiskReason, risk_ranked, risk_reasons
from .choices import AccessAction
from .models import SEARCH_AUDIT_DEFAULT_SAMPLE_SIZE, AccessLogEntry, SearchAudit, SearchAuditFinding, SearchAuditSample

AUDITED_ACTIONS = (AccessAction.SEARCH, AccessAction.EXPORT, AccessAction.TIMELINE)
DEFAULT_SAMPLE_SIZE = SEARCH_AUDIT_DEFAULT_SAMPLE_SIZE
MAX_SAMPLE_SIZE = 1000

PERIOD_ORDER = "The period's last day cannot be before its first day."
PERIOD_IN_FUTURE = "The period cannot start in the future."
SAMPLE_SIZE_RANGE = f"The sample size must be between 1 and {MAX_SAMPLE_SIZE}."
RISK_SAMPLE_SIZE_RANGE = f"The number of risk-chosen searches must be between 0 and {MAX_SAMPLE_SIZE}."
AUDIT_CLOSED = "This audit is closed; its samples can no longer be changed."
AUDIT_ALREADY_CLOSED = "This audit is already closed."
FINDING_REQUIRED = "Mark the search compliant or not compliant."
NOTE_REQUIRED = "Say in a note why the search is not compliant."
SAMPLES_NOT_REVIEWED = "{count} sampled search(es) are not reviewed yet; review every sample before closing."
SAMPLE_NOT_IN_AUDIT = "That sample does not belong to this audit."


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first instant of `start`, first instant after `end`) in the agency's local time zone."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def audit_population(*, agency: Agency, period_start: dt.date, period_end: dt.date, last_entry_id: int):
    """The access-log rows an audit samples from, in draw order (by id)."""
    since, until = _day_bounds(period_start, period_end)
    return AccessLogEntry.objects.filter(
        agency=agency, action__in=AUDITED_ACTIONS, at__gte=since, at__lt=until, id__lte=last_entry_id
    ).order_by("id")


def audit_draw(*, population_ids: list[int], seed: int, sample_size: int) -> list[int]:
    """The sampled ids, in draw order. Pure: the same population, seed and size always give the same sample."""
    return random.Random(seed).sample(population_ids, min(sample_size, len(population_ids)))


def audit_open_validate(*, period_start: dt.date, period_end: dt.date, sample_size: int) -> None:
    """The rules for opening an audit, shared by the service and the admin's form."""
    if period_end < period_start:
        raise ValidationError({"period_end": PERIOD_ORDER})
    if period_start > timezone.localdate():
        raise ValidationError({"period_start": PERIOD_IN_FUTURE})
    if not 1 <= sample_size <= MAX_SAMPLE_SIZE:
        raise ValidationError({"sample_size": SAMPLE_SIZE_RANGE})


def audit_review_validate(*, finding: str, note: str) -> None:
    """The rule for a finding, shared by the service and the admin review form."""
    if finding not in SearchAuditFinding.values:
        raise ValidationError({"finding": FINDING_REQUIRED})
    if finding == SearchAuditFinding.NON_COMPLIANT and not note.strip():
        raise ValidationError({"note": NOTE_REQUIRED})


@transaction.atomic
def audit_open(
    *,
    agency: Agency,
    opened_by,
    period_start: dt.date,
    period_end: dt.date,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    risk_sample_size: int = DEFAULT_SAMPLE_SIZE,
    seed: int | None = None,
) -> SearchAudit:
    """Open an audit of `agency`'s searches in [period_start, period_end]: draw its random sample, then add up to
    `risk_sample_size` more searches that the risk rules pick (reads.audit_risk), each with its reasons."""
    audit_open_validate(period_start=period_start, period_end=period_end, sample_size=sample_size)
    if not 0 <= risk_sample_size <= MAX_SAMPLE_SIZE:
        raise ValidationError({"risk_sample_size": RISK_SAMPLE_SIZE_RANGE})
    seed = secrets.randbits(63) if seed is None else seed
    last_entry_id = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    population = audit_population(
        agency=agency, period_start=period_start, period_end=period_end, last_entry_id=last_entry_id
    )
    population_ids = list(population.values_list("id", flat=True))
    audit = SearchAudit.objects.create(
        agency=agency,
        period_start=period_start,
        period_end=period_end,
        sample_size=sample_size,
        risk_sample_size=risk_sample_size,
        seed=seed,
        population_count=len(population_ids),
        population_last_entry_id=last_entry_id,
        opened_by=opened_by,
    )
    drawn = audit_draw(population_ids=population_ids, seed=seed, sample_size=sample_size)
    chosen = [(entry_id, [RiskReason.RANDOM]) for entry_id in drawn]
    if risk_sample_size and population_ids:
        since, until = _day_bounds(period_start, period_end)
        reasons = risk_reasons(population=population, since=since, until=until, last_entry_id=last_entry_id)
        added = risk_ranked(reasons, exclude=set(drawn), limit=risk_sample_size)
        chosen += [(entry_id, reasons[entry_id]) for entry_id in added]
    SearchAuditSample.objects.bulk_create(
        SearchAuditSample(audit=audit, position=position, access_log_entry_id=entry_id, reasons=list(why))
        for position, (entry_id, why) in enumerate(chosen, start=1)
    )
    return audit


def _lock(audit: SearchAudit) -> SearchAudit:
    # Review and close lock the audit row, so that a sample cannot be reviewed while another request closes the
    # audit (a closed audit with a sample changed after closing would misreport its figures).
    return SearchAudit.objects.select_for_update().get(pk=audit.pk)


@transaction.atomic
def audit_review_sample(
    *, audit: SearchAudit, sample: SearchAuditSample, reviewer, finding: str, note: str = ""
) -> SearchAuditSample:
    """Record the auditor's finding on one sampled search. A finding may be revised until the audit closes."""
    audit = _lock(audit)
    if audit.is_closed:
        raise ValidationError(AUDIT_CLOSED)
    if sample.audit_id != audit.pk:
        raise ValidationError(SAMPLE_NOT_IN_AUDIT)
    audit_review_validate(finding=finding, note=note)
    sample.finding = finding
    sample.note = note.strip()
    sample.reviewed_by = reviewer
    sample.reviewed_at = timezone.now()
    sample.save(update_fields=["finding", "note", "reviewed_by", "reviewed_at"])
    return sample


@transaction.atomic
def audit_close(*, audit: SearchAudit, closed_by, findings: str = "") -> SearchAudit:
    """Close an audit whose every sample is reviewed. A closed audit is final."""
    audit = _lock(audit)
    if audit.is_closed:
        raise ValidationError(AUDIT_ALREADY_CLOSED)
    pending = audit.samples.filter(finding="").count()
    if pending:
        raise ValidationError(SAMPLES_NOT_REVIEWED.format(count=pending))
    audit.closed_at = timezone.now()
    audit.closed_by = closed_by
    audit.findings = findings.strip()
    audit.save(update_fields=["closed_at", "closed_by", "findings"])
    return audit


# --- selectors -----------------------------------------------------------------------------------------------------


def audits_with_counts(queryset=None):
    """Audits annotated with `sampled`, `reviewed`, `compliant` and `non_compliant` counts (one query)."""
    queryset = SearchAudit.objects.all() if queryset is None else queryset
    return queryset.annotate(
        sampled=Count("samples"),
        reviewed=Count("samples", filter=~Q(samples__finding="")),
        compliant=Count("samples", filter=Q(samples__finding=SearchAuditFinding.COMPLIANT)),
        non_compliant=Count("samples", filter=Q(samples__finding=SearchAuditFinding.NON_COMPLIANT)),
    ).order_by(*SearchAudit._meta.ordering)  # Meta.ordering does not apply to a grouped query


@dataclass(frozen=True)
class SearchAuditResult:
    """A closed audit's figures, as the transparency portal publishes them."""

    audit_id: int
    period_start: dt.date
    period_end: dt.date
    closed_at: dt.datetime
    searches_in_period: int
    sampled: int
    compliant: int
    non_compliant: int


def latest_closed_audit(agency: Agency) -> SearchAuditResult | None:
    """The agency's most recently closed search audit (by period, then closing time), or None if it has none."""
    audit = (
        audits_with_counts(SearchAudit.objects.filter(agency=agency).closed())
        .order_by("-period_end", "-closed_at", "-id")
        .first()
    )
    if audit is None:
        return None
    return SearchAuditResult(
        audit_id=audit.pk,
        period_start=audit.period_start,
        period_end=audit.period_end,
        closed_at=audit.closed_at,
        searches_in_period=audit.population_count,
        sampled=audit.sampled,
        compliant=audit.compliant,
        non_compliant=audit.non_compliant,
    )
