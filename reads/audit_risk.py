"""Which searches of an audit's population are most worth a supervisor's look, and why.

A random sample finds routine misuse in proportion to its share; the misuse of 2025-2026 hid in the tail: vague
purposes ("other"), searches run for another agency, one person running a great many searches in a day, one
plate searched by agency after agency, and searches at hours the person does not usually work. The periodic
audit (reads.audits) draws its random sample as before, then adds the population's rows these rules pick, each
sample recording its reasons. Pure where it can be; the queries read only rows up to the audit's last entry, so
the same audit opened on the same log picks the same rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from django.db import models
from django.utils import timezone

from .choices import Purpose
from .models import AccessLogEntry

# Thresholds, named so the documentation and the tests can refer to them.
MANY_SEARCHES_PER_DAY = 20  # one person's searches in one local day at which every one of them is worth a look
MANY_AGENCIES_PER_PLATE = 3  # distinct agencies searching one plate in the period
USUAL_HOURS_WINDOW_DAYS = 90  # a person's usual hours are learnt from this many days up to the period's end
USUAL_HOURS_MIN_DAYS = 5  # searches on fewer days than this and the person's hours are not known well enough
USUAL_HOUR_MIN_DAYS = 2  # an hour (give or take one) is usual when the person searched in it on this many days


class RiskReason(models.TextChoices):
    RANDOM = "random", "Drawn at random"
    PURPOSE_OTHER = "purpose_other", "Purpose 'other'"
    ON_BEHALF = "on_behalf", "On behalf of another agency"
    MANY_SEARCHES = "many_searches", f"One of {MANY_SEARCHES_PER_DAY} or more searches by this person that day"
    PLATE_MANY_AGENCIES = "plate_many_agencies", f"Plate searched by {MANY_AGENCIES_PER_PLATE} or more agencies"
    OUTSIDE_USUAL_HOURS = "outside_usual_hours", "Outside this person's usual hours"


def _local(at: dt.datetime) -> dt.datetime:
    return timezone.localtime(at)


def risk_reasons(*, population, since: dt.datetime, until: dt.datetime, last_entry_id: int) -> dict[int, list[str]]:
    """{access-log id: [reasons]} for the rows of `population` (a queryset of AccessLogEntry) any rule picks."""
    rows = list(population.values_list("id", "user_id", "at", "purpose", "on_behalf_of_id", "query"))
    reasons: dict[int, list[str]] = defaultdict(list)
    for entry_id, _, _, purpose, on_behalf_of_id, _ in rows:
        if purpose == Purpose.OTHER:
            reasons[entry_id].append(RiskReason.PURPOSE_OTHER)
        if on_behalf_of_id:
            reasons[entry_id].append(RiskReason.ON_BEHALF)
    per_person_day = Counter((user_id, _local(at).date()) for _, user_id, at, _, _, _ in rows)
    for entry_id, user_id, at, _, _, _ in rows:
        if per_person_day[user_id, _local(at).date()] >= MANY_SEARCHES_PER_DAY:
            reasons[entry_id].append(RiskReason.MANY_SEARCHES)
    crowded = _plates_searched_by_many_agencies(since=since, until=until, last_entry_id=last_entry_id)
    for entry_id, _, _, _, _, query in rows:
        if isinstance(query, dict) and query.get("plate") in crowded:
            reasons[entry_id].append(RiskReason.PLATE_MANY_AGENCIES)
    usual = _usual_hours({user_id for _, user_id, _, _, _, _ in rows}, until=until, last_entry_id=last_entry_id)
    for entry_id, user_id, at, _, _, _ in rows:
        hours = usual.get(user_id)
        if hours is not None and _local(at).hour not in hours:
            reasons[entry_id].append(RiskReason.OUTSIDE_USUAL_HOURS)
    return dict(reasons)


def _plates_searched_by_many_agencies(*, since, until, last_entry_id) -> set[str]:
    """Plates that searches of MANY_AGENCIES_PER_PLATE or more agencies named in the period (every agency's log:
    the pattern shows across agencies, not within one)."""
    agencies_by_plate: dict[str, set[int]] = defaultdict(set)
    searches = AccessLogEntry.objects.filter(at__gte=since, at__lt=until, id__lte=last_entry_id, query__has_key="plate")
    for plate, agency_id in searches.values_list("query__plate", "agency_id"):
        if isinstance(plate, str) and plate:
            agencies_by_plate[plate].add(agency_id)
    return {plate for plate, agencies in agencies_by_plate.items() if len(agencies) >= MANY_AGENCIES_PER_PLATE}


def usual_hours_of(times: list[dt.datetime]) -> set[int] | None:
    """The local hours of day a person usually searches in, from their search times; None when they fall on too few
    days to tell. An hour is usual when, give or take one hour, the person searched in it on USUAL_HOUR_MIN_DAYS
    days."""
    if len({_local(at).date() for at in times}) < USUAL_HOURS_MIN_DAYS:
        return None
    days_by_hour: dict[int, set[dt.date]] = defaultdict(set)
    for at in times:
        local = _local(at)
        for hour in (local.hour - 1, local.hour, local.hour + 1):
            days_by_hour[hour % 24].add(local.date())
    return {hour for hour, days in days_by_hour.items() if len(days) >= USUAL_HOUR_MIN_DAYS}


def _usual_hours(user_ids: set[int], *, until, last_entry_id) -> dict[int, set[int] | None]:
    window_start = until - dt.timedelta(days=USUAL_HOURS_WINDOW_DAYS)
    times: dict[int, list[dt.datetime]] = defaultdict(list)
    history = AccessLogEntry.objects.filter(
        user_id__in=user_ids, at__gte=window_start, at__lt=until, id__lte=last_entry_id
    ).values_list("user_id", "at")
    for user_id, at in history:
        times[user_id].append(at)
    return {user_id: usual_hours_of(times[user_id]) for user_id in user_ids}


def risk_ranked(reasons: dict[int, list[str]], *, exclude: set[int], limit: int) -> list[int]:
    """The ids to add: most reasons first, then oldest first; those already drawn left out."""
    candidates = [entry_id for entry_id in reasons if entry_id not in exclude]
    candidates.sort(key=lambda entry_id: (-len(reasons[entry_id]), entry_id))
    return candidates[:limit]
