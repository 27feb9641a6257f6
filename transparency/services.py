"""Writes of the transparency app: policy versions and published reports. Each is a record once published."""

from __future__ import annotations

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency

from .choices import PeriodKind
from .models import PERIOD_REVERSED, POLICY_ELEMENTS, PublishedReport, UsagePolicy
from .selectors import current_policy, transparency_figures
from .versions import VersionedDocument

POLICY_FROZEN = "A published policy version cannot be changed. Start a new version from it instead."
POLICY_ALREADY_PUBLISHED = "This policy version is already published."
POLICY_INCOMPLETE = "This policy cannot be published: it lacks {missing} (Civil Code §1798.90.51 and .53)."
POLICY_NOT_LATEST = "A later version (v{version}) is already published. Start a new version from the current one."
POLICY_UNKNOWN_FIELD = "Not a policy field: {name}."

PERIOD_IN_FUTURE = "The period is not over yet: a report covers days that have already passed (it ends {end})."
PERIOD_NOT_ALIGNED = {
    PeriodKind.MONTH: "A monthly report runs from the first to the last day of one calendar month.",
    PeriodKind.QUARTER: "A quarterly report runs from January 1, April 1, July 1 or October 1 to the end of that "
    "quarter.",
    PeriodKind.YEAR: "A yearly report runs from January 1 to December 31 of one year.",
}
REPORT_ALREADY_PUBLISHED = (
    "A report for {period} is already published. It cannot be edited: publish a new one that supersedes it."
)
REPORT_SUPERSEDES_OTHER_PERIOD = "A report can only supersede a report of the same agency and period."
REPORT_ALREADY_SUPERSEDED = "That report has already been superseded; supersede the newer one."

POLICY_TEXT_FIELDS = [*POLICY_ELEMENTS, "additional_prohibited_uses"]


def _period_end(kind: str, start: dt.date) -> dt.date:
    months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    last_month_index = start.month - 1 + months - 1
    year, month = start.year + last_month_index // 12, last_month_index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def report_period_validate(
    *, kind: str, start: dt.date, end: dt.date | None = None, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The report period (start, end), the end worked out from the kind when not given. Refuses a reversed period,
    one not over yet (its last day is today or later), and one that is not a whole calendar month, quarter or year."""
    today = today or timezone.localdate()
    if end is not None and end < start:
        raise ValidationError({"period_end": PERIOD_REVERSED})
    aligned = kind in PERIOD_NOT_ALIGNED and start.day == 1
    if kind == PeriodKind.QUARTER:
        aligned = aligned and start.month in (1, 4, 7, 10)
    if kind == PeriodKind.YEAR:
        aligned = aligned and start.month == 1
    expected_end = _period_end(kind, start) if kind in PERIOD_NOT_ALIGNED else None
    end = end or expected_end
    # A period is over only once its last day has passed: on the last day of a month the month is still running,
    # and a report frozen then would miss that day's reads and searches for good.
    if end is None or start > today or end >= today:
        raise ValidationError({"period_end": PERIOD_IN_FUTURE.format(end=end or start)})
    if not aligned or end != expected_end:
        raise ValidationError({"period_start": PERIOD_NOT_ALIGNED.get(kind, PERIOD_NOT_ALIGNED[PeriodKind.MONTH])})
    return start, end


def lock_agency(agency: Agency) -> None:
    # Two clerks publishing at once must not both get the next version number or both publish the same period:
    # they queue on the agency row (a row lock, not a table lock, so other agencies are not held up).
    Agency.objects.select_for_update().filter(pk=agency.pk).first()


POLICY = VersionedDocument(
    model=UsagePolicy,
    current=current_policy,
    copied_fields=tuple(POLICY_TEXT_FIELDS),
    settable_fields=(*POLICY_TEXT_FIELDS, "effective_on"),
    frozen=POLICY_FROZEN,
    already_published=POLICY_ALREADY_PUBLISHED,
    incomplete=POLICY_INCOMPLETE,
    not_latest=POLICY_NOT_LATEST,
    unknown_field=POLICY_UNKNOWN_FIELD,
)


@transaction.atomic
def usage_policy_create(*, agency: Agency, user=None, from_policy: UsagePolicy | None = None, **fields) -> UsagePolicy:
    """A new draft version, numbered after the agency's highest. Its text starts from `from_policy` (or the current
    published version), then `fields` are applied."""
    lock_agency(agency)
    return POLICY.create(agency=agency, user=user, base=from_policy, fields=fields)


@transaction.atomic
def usage_policy_update(*, policy: UsagePolicy, **fields) -> UsagePolicy:
    """Change a draft. A published version is frozen."""
    return POLICY.update(policy, fields=fields)


def _effective_from_publication(policy: UsagePolicy, now: dt.datetime) -> list[str]:
    policy.effective_on = policy.effective_on or timezone.localdate(now)
    return ["effective_on"]


@transaction.atomic
def usage_policy_publish(*, policy: UsagePolicy, user, now: dt.datetime | None = None) -> UsagePolicy:
    """Publish a complete draft; from then on it is the agency's current policy and is frozen (effective from the
    day of publication unless the draft names a day)."""
    lock_agency(policy.agency)
    return POLICY.publish(policy, user=user, now=now, finish=_effective_from_publication)


@transaction.atomic
def published_report_publish(
    *,
    agency: Agency,
    period_kind: str,
    period_start: dt.date,
    user,
    period_end: dt.date | None = None,
    supersedes: PublishedReport | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> PublishedReport:
    """Freeze the figures of one period into a report. The figures are what transparency_figures returns now, the
    same selector the portal shows, so the report and the portal agree on the day it is published."""
    now = now or timezone.now()
    period_start, period_end = report_period_validate(
        kind=period_kind, start=period_start, end=period_end, today=timezone.localdate(now)
    )
    lock_agency(agency)
    same_period = PublishedReport.objects.filter(
        agency=agency, period_kind=period_kind, period_start=period_start, period_end=period_end
    )
    if supersedes is not None:
        supersedes = PublishedReport.objects.get(pk=supersedes.pk)
        if not same_period.filter(pk=supersedes.pk).exists():
            raise ValidationError({"supersedes": REPORT_SUPERSEDES_OTHER_PERIOD})
        if PublishedReport.objects.filter(supersedes=supersedes).exists():
            raise ValidationError({"supersedes": REPORT_ALREADY_SUPERSEDED})
    else:
        existing = same_period.filter(superseded_by__isnull=True).first()
        if existing is not None:
            raise ValidationError({"supersedes": REPORT_ALREADY_PUBLISHED.format(period=existing.period_label)})
    figures = transparency_figures(agency, period_start=period_start, period_end=period_end, now=now)
    report = PublishedReport(
        agency=agency,
        period_kind=period_kind,
        period_start=period_start,
        period_end=period_end,
        figures=figures,
        policy=current_policy(agency),
        supersedes=supersedes,
        note=note,
        published_at=now,
        published_by=user,
    )
    report.full_clean(exclude=["figures", "published_by", "supersedes"])
    report.save()
    return report
