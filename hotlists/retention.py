"""Alerts under retention: they leave with their image once past the agency's alert retention (by default that of
its reads), unless the alert or its read is under an evidence hold. Runs inside the reads purge (reads.retention's
hooks, registered in HotlistsConfig.ready), before the reads, and is counted in its purge record."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agencies.models import Agency
from reads.files import files_delete
from reads.models import EvidenceHoldItem
from reads.retention import PurgeContext, reads_referencing
from reads.services import hold_purge_lock

from .models import Alert, AlertHoldItem, PurgedAlertCount


def _held(queryset):
    """Alerts neither held themselves nor through their read (first or latest)."""
    alert_held = AlertHoldItem.objects.filter(alert=OuterRef("pk"), hold__released_at__isnull=True)
    read_held = EvidenceHoldItem.objects.filter(
        Q(read_id=OuterRef("read_id")) | Q(read_id=OuterRef("last_read_id")), hold__released_at__isnull=True
    )
    return queryset.filter(Exists(alert_held) | Exists(read_held))


def alerts_purge_expired(ctx: PurgeContext) -> None:
    """Remove each agency's alerts whose latest read is past its alert retention, unless held, with their events
    and notifications (cascade), counting them per local day in PurgedAlertCount; then their images, where no read
    and no other alert still names the file."""
    images: set[str] = set()
    removed = 0
    for agency in Agency.objects.only("id", "retention_days", "alert_retention_days"):
        cutoff = ctx.now - dt.timedelta(days=agency.alert_retention)
        with transaction.atomic():
            hold_purge_lock(shared=False)  # an alert hold placed meanwhile is seen, or waits (alert_hold_place)
            due = Alert.objects.filter(agency_id=agency.pk, last_seen_at__lt=cutoff)
            due = due.exclude(pk__in=_held(due).values("pk"))
            rows = list(due.values_list("pk", "created_at", "image"))
            if not rows:
                continue
            by_day = Counter(timezone.localdate(created) for _, created, _ in rows)
            Alert.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO hotlists_purgedalertcount (agency_id, day, alerts) VALUES (%s, %s, %s) "
                    "ON CONFLICT (agency_id, day) DO UPDATE SET alerts = hotlists_purgedalertcount.alerts + "
                    "EXCLUDED.alerts",
                    [(agency.pk, day, count) for day, count in by_day.items()],
                )
            removed += len(rows)
            images.update(image for _, _, image in rows if image)
    if images:
        still = reads_referencing(sorted(images)) | set(
            Alert.objects.filter(image__in=images).values_list("image", flat=True)
        )
        ctx.counts["files"] += files_delete(images, keep=still)
    ctx.counts["alerts"] += removed


def alert_files_needed(folder: str) -> set[str]:
    """The images in a reads folder that a remaining (held, or not yet due) alert still shows."""
    return set(Alert.objects.filter(image__startswith=f"{folder}/").values_list("image", flat=True))


def alerts_referencing(paths: list[str]) -> set[str]:
    return set(Alert.objects.filter(image__in=paths).values_list("image", flat=True))


def purged_alert_counts(agency_id: int, first: dt.date, last: dt.date) -> int:
    """Alerts of the agency raised on the local days first..last that retention purges have removed."""
    rows = PurgedAlertCount.objects.filter(agency_id=agency_id, day__gte=first, day__lte=last)
    return sum(rows.values_list("alerts", flat=True))
