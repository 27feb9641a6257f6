"""The figures the portal, its JSON and the published reports show. All of them come from one selector,
`transparency_figures`, computed from the live tables (reads, access log, alerts, cameras, hotlists, MOUs, purge
runs): nothing is typed in.

What is counted, so that a reader can check it against the tables:
- vehicles detected: reads the agency owns (`Read.owner_agency`) captured in the period: those still stored plus
  those retention purges have removed (counted by the purge as it removes them: `PurgedReadCount`);
- hotlist hits: alerts on the agency's hotlists (`Alert.agency`) created in the period;
- searches: access-log rows of action `search` made by the agency's users (`AccessLogEntry.agency`);
- partner searches: `search` rows of other agencies whose `agencies_searched` includes this agency, in all and
  per partner agency (reads.partner_searches);
- days run from local midnight (settings.TIME_ZONE, the agency's own clock) to local midnight.

The output is plain JSON (dates as ISO strings), so that a published report can store it as it is.
No plate, username, case number, camera name or location is ever read into it.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Max
from django.db.models.functions import TruncDay
from django.utils import timezone
from redis.exceptions import RedisError

from agencies.choices import AgencyKind
from agencies.models import Agency
from hotlists.models import Alert, Hotlist
from hotlists.retention import purged_alert_counts
from reads.access_log import checkpoints_published
from reads.audits import latest_closed_audit
from reads.choices import STATED_PURPOSES, AccessAction, CameraKind, Channel
from reads.models import AccessLogEntry, Camera, PurgedReadCount, PurgeRun, Read
from reads.partner_searches import partner_search_counts
from sharing.models import SCOPE_FIELDS, SCOPE_LABELS
from sharing.selectors import sharing_history, sharing_overview

from .models import PublishedReport, UsagePolicy

PORTAL_WINDOW_DAYS = 30
CHART_DAYS = 90
PORTAL_CACHE_SECONDS = 5 * 60
PURGE_RUNS_SHOWN = 5
# The access-log actions counted as searches. Image views, exports and timelines are logged too, but follow from
# a search; counting them again would inflate the figure.
SEARCH_ACTIONS = (AccessAction.SEARCH,)
# 2: "reads" includes reads removed by retention (before: only reads still stored, with the purged days shaded
# in the chart by "reads_retained_from"; reports published then keep that shape and are shown as published).
FIGURES_VERSION = 2


def portal_agencies():
    """Every active agency has a portal: police departments and sheriffs, private entities that share in, and the
    agencies the system refuses to share with (their page says they receive nothing). Transparency costs nothing,
    and a page that exists for every agency in the records cannot be read as hiding one."""
    return Agency.objects.filter(is_active=True).order_by("name")


def portal_agency(slug: str) -> Agency | None:
    return portal_agencies().filter(slug=slug).first()


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def _daily(queryset, field: str, start: dt.datetime, end: dt.datetime) -> dict[dt.date, int]:
    """{local day: rows} in one grouped query. Both bounds are on `field` (the partition key for reads), so
    PostgreSQL reads only the partitions of the window."""
    rows = (
        queryset.filter(**{f"{field}__gte": start, f"{field}__lt": end})
        .annotate(day=TruncDay(field, tzinfo=timezone.get_default_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["day"].date(): row["n"] for row in rows}


def _names(agencies) -> list[dict]:
    return [{"name": agency.name, "slug": agency.slug} for agency in agencies]


def _sharing(agency: Agency, on: dt.date, until: dt.datetime | None = None) -> dict:
    """Who reaches this agency's data and whose data it receives, by scope, from the MOUs in effect on `on`; and
    the history of its changes to sharing before `until`."""
    overview = sharing_overview(agency=agency, on=on)
    private_in = [line for line in overview.shares_with_us if line.agency.kind == AgencyKind.PRIVATE_ENTITY]
    public_in = [line for line in overview.shares_with_us if line.agency.kind != AgencyKind.PRIVATE_ENTITY]
    shares_with = overview.by_scope(overview.we_share_with)
    receives_from = overview.by_scope(public_in)
    return {
        "as_of": on.isoformat(),
        "shares_with": [
            {"scope": scope, "label": SCOPE_LABELS[scope], "agencies": _names(shares_with[scope])}
            for scope in SCOPE_FIELDS
        ],
        "receives_from": [
            {"scope": scope, "label": SCOPE_LABELS[scope], "agencies": _names(receives_from[scope])}
            for scope in SCOPE_FIELDS
        ],
        "partners_with_access": len({line.agency.pk for line in overview.we_share_with}),
        "agencies_sharing_in": len({line.agency.pk for line in public_in}),
        "private_entities_sharing_in": _names(sorted({line.agency for line in private_in}, key=lambda a: a.name)),
        "history": sharing_history(owner_id=agency.pk, until=until),
    }


def _purges(agency: Agency, start: dt.datetime, end: dt.datetime) -> dict:
    runs = list(
        PurgeRun.objects.filter(started_at__gte=start, started_at__lt=end, finished_at__isnull=False)
        .order_by("-started_at")
        .values("started_at", "removed_by_agency")
    )
    key = str(agency.pk)
    removed = [int((run["removed_by_agency"] or {}).get(key, 0)) for run in runs]
    return {
        "runs": len(runs),
        "removed": sum(removed),
        "latest": [
            {"at": run["started_at"].isoformat(), "removed": count}
            for run, count in zip(runs[:PURGE_RUNS_SHOWN], removed, strict=False)
        ],
    }


def latest_audit_summary(agency: Agency) -> dict | None:
    """The latest closed periodic audit of the agency's searches (State Auditor 2019-118), as public figures:
    counts and dates only (an audit's notes and findings text can name people and cases)."""
    audit = latest_closed_audit(agency)
    if audit is None:
        return None
    return {
        "period_start": audit.period_start.isoformat(),
        "period_end": audit.period_end.isoformat(),
        "closed_at": audit.closed_at.isoformat(),
        "searches_in_period": audit.searches_in_period,
        "sampled": audit.sampled,
        "compliant": audit.compliant,
        "non_compliant": audit.non_compliant,
    }


def current_policy(agency: Agency) -> UsagePolicy | None:
    return UsagePolicy.objects.filter(agency=agency, published_at__isnull=False).order_by("-version").first()


def published_policies(agency: Agency):
    return UsagePolicy.objects.filter(agency=agency, published_at__isnull=False).order_by("-version")


def current_reports(agency: Agency):
    """Published reports not superseded by a later one, newest period first."""
    return PublishedReport.objects.filter(agency=agency, superseded_by__isnull=True).order_by(
        "-period_start", "-published_at"
    )


def transparency_figures(
    agency: Agency,
    *,
    period_start: dt.date,
    period_end: dt.date,
    chart_start: dt.date | None = None,
    now: dt.datetime | None = None,
) -> dict:
    """Every figure the portal shows for `agency`, for the days period_start..period_end (both included), with
    a day-by-day series from `chart_start` (default: period_start) to period_end. Uncached: the portal caches
    what it shows (portal_figures); a report stores what this returned."""
    now = now or timezone.now()
    chart_start = min(chart_start or period_start, period_start)
    start, end, chart_from = (
        _midnight(period_start),
        _midnight(period_end + dt.timedelta(days=1)),
        _midnight(chart_start),
    )

    with transaction.atomic(), connection.cursor() as cursor:
        # PostgreSQL's JIT compiles this plan (one scan per daily partition) for every call: about 150 ms of a
        # second on 1M reads, for a query that runs once per agency every five minutes. Off for this transaction.
        cursor.execute("SET LOCAL jit = off")
        reads_by_day = _daily(Read.objects.filter(owner_agency_id=agency.pk), "captured_at", chart_from, end)
    purged = PurgedReadCount.objects.filter(agency_id=agency.pk, day__gte=chart_start, day__lte=period_end)
    for day, count in purged.values_list("day", "reads"):
        reads_by_day[day] = reads_by_day.get(day, 0) + count
    # Operator look-ups (reads.operator) are filed under the agency whose data they reached, so that its auditors
    # see them; they are not the agency's own use and are counted in the compliance report instead.
    searches = AccessLogEntry.objects.filter(agency_id=agency.pk, action__in=SEARCH_ACTIONS).exclude(
        channel=Channel.OPERATOR
    )
    searches_by_day = _daily(searches, "at", chart_from, end)
    by_purpose = dict(
        searches.filter(at__gte=start, at__lt=end).values_list("purpose").annotate(n=Count("pk")).order_by()
    )
    searches_to_date = searches.filter(at__lt=end).count()
    by_partner = partner_search_counts(owner_id=agency.pk, start=start, end=end, actions=SEARCH_ACTIONS)
    partner_searches = sum(row.searches for row in by_partner)
    # Alerts the retention purge removed still count (hotlists.PurgedAlertCount), as purged reads do.
    hits = Alert.objects.filter(agency_id=agency.pk, created_at__gte=start, created_at__lt=end).count()
    hits += purged_alert_counts(agency.pk, period_start, period_end)
    cameras = dict(
        Camera.objects.filter(agency_id=agency.pk, is_active=True)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hotlists = (
        Hotlist.objects.filter(agency_id=agency.pk, is_active=True)
        .values("source", "category")
        .annotate(n=Count("pk"))
        .order_by("source", "category")
    )
    hotlist_choices = (Hotlist._meta.get_field("source").choices, Hotlist._meta.get_field("category").choices)
    source_labels, category_labels = (dict(choices) for choices in hotlist_choices)
    policy = current_policy(agency)
    last_report = PublishedReport.objects.filter(agency=agency).aggregate(at=Max("published_at"))["at"]

    days = []
    day = chart_start
    while day <= period_end:
        days.append(
            {"date": day.isoformat(), "reads": reads_by_day.get(day, 0), "searches": searches_by_day.get(day, 0)}
        )
        day += dt.timedelta(days=1)
    in_period = [row for row in days if row["date"] >= period_start.isoformat()]
    return {
        "version": FIGURES_VERSION,
        "generated_at": now.isoformat(),
        "agency": {
            "name": agency.name,
            "slug": agency.slug,
            "kind": agency.kind,
            "kind_label": agency.get_kind_display(),
            "state": agency.state,
            "is_california_public_agency": agency.is_california_public_agency,
        },
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(), "days": len(in_period)},
        "retention_days": agency.retention_days,
        "public_comment_meeting": {
            "date": agency.public_comment_meeting_on.isoformat() if agency.public_comment_meeting_on else None,
            "url": agency.public_comment_meeting_url or None,
        },
        "cameras": {
            "active": sum(cameras.values()),
            "by_kind": [
                {"kind": kind, "label": label, "count": cameras.get(kind, 0)} for kind, label in CameraKind.choices
            ],
        },
        "hotlists": [
            {
                "source": row["source"],
                "source_label": source_labels.get(row["source"], row["source"]),
                "category": row["category"],
                "category_label": category_labels.get(row["category"], row["category"]),
                "lists": row["n"],
            }
            for row in hotlists
        ],
        "reads": sum(row["reads"] for row in in_period),
        "hotlist_hits": hits,
        "searches": sum(row["searches"] for row in in_period),
        "searches_to_date": searches_to_date,
        "partner_searches": partner_searches,
        "partner_searches_by_agency": [{"name": row.name, "searches": row.searches} for row in by_partner],
        "searches_by_purpose": [
            {"purpose": purpose, "label": label, "count": by_purpose.get(purpose, 0)}
            for purpose, label in STATED_PURPOSES
        ],
        "daily": days,
        "sharing": _sharing(agency, period_end, until=end),
        "purges": _purges(agency, start, end),
        "audit": latest_audit_summary(agency),
        # The access log's signed checkpoints (one log for the whole system): a report freezes those of the day it
        # is published, so the council holds copies the database cannot change (docs/audit.md).
        "access_log_checkpoints": checkpoints_published(),
        "policy_version": policy.version if policy else None,
        "policy_published_at": policy.published_at.isoformat() if policy else None,
        "last_report_published_at": last_report.isoformat() if last_report else None,
    }


def portal_window(today: dt.date | None = None) -> tuple[dt.date, dt.date, dt.date]:
    """(period_start, period_end, chart_start) of the portal: the last 30 days and the last 90, today included."""
    today = today or timezone.localdate()
    return today - dt.timedelta(days=PORTAL_WINDOW_DAYS - 1), today, today - dt.timedelta(days=CHART_DAYS - 1)


def portal_figures(agency: Agency) -> dict:
    """The portal's figures, cached for PORTAL_CACHE_SECONDS (Redis) so that a busy day reaches the database at
    most once per agency every few minutes, whatever the traffic. The HTML page and the JSON share the entry."""
    period_start, period_end, chart_start = portal_window()
    key = f"transparency:figures:v{FIGURES_VERSION}:{agency.pk}:{period_end.isoformat()}"
    try:
        figures = cache.get(key)
    except RedisError:  # the cache is an optimization: without Redis the portal computes its figures each time
        figures, key = None, None
    if figures is None:
        figures = transparency_figures(
            agency, period_start=period_start, period_end=period_end, chart_start=chart_start
        )
        if key is not None:
            with contextlib.suppress(RedisError):
                cache.set(key, figures, PORTAL_CACHE_SECONDS)
    return figures
