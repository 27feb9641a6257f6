"""Reads of the hotlists app that span more than a queryset: the dispatch screens' live alert feed."""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db.models import Q
from django.db.models.expressions import RawSQL

from agencies.access import membership_of
from reads.models import Read

from .models import Alert

logger = logging.getLogger(__name__)

FEED_WAIT_MAX_S = 20
FEED_LIMIT = 100
FEED_BAD_CURSOR = "The cursor is not one this feed returned."
_FEED_KEY = "hotlists:feed:{agency_id}"
_CACHE_POLL_S = 0.25
_DB_POLL_S = 2.0

# An alert is handed out only once every transaction that could still commit an alert before it has finished (its
# txid is below the lowest such transaction's), or when it is the caller's own. Ordering by (txid, id) then never
# skips an alert that a slower transaction commits after a later one: the cursor cannot pass it. The transactions
# that could still commit an alert are those running in the statement's snapshot, less those of other databases on
# the same server (pg_stat_activity says whose a transaction id is): they cannot write this database's alerts, and
# counting them made every feed wait on unrelated work. One that has ended since the snapshot is counted, which only
# waits a moment longer.
_SETTLED_BELOW = """coalesce(
    (SELECT min(running) FROM pg_snapshot_xip(pg_current_snapshot()) AS running
     WHERE NOT EXISTS (SELECT FROM pg_stat_activity AS elsewhere
                       WHERE elsewhere.backend_xid = running::xid AND elsewhere.datname <> current_database())),
    pg_snapshot_xmax(pg_current_snapshot())
)::text::bigint"""
_SETTLED = Q(txid__lt=RawSQL(_SETTLED_BELOW, [])) | Q(  # noqa: S611 - constant SQL, no input in it
    txid=RawSQL("pg_current_xact_id_if_assigned()::text::bigint", [])
)


class FeedCursorError(ValueError):
    pass


def _parse_cursor(cursor: str) -> tuple[int, int]:
    try:
        txid, alert_id = (int(part) for part in cursor.split("-", 1))
    except (ValueError, AttributeError) as exc:
        raise FeedCursorError(FEED_BAD_CURSOR) from exc
    return txid, alert_id


def _format_cursor(txid: int, alert_id: int) -> str:
    return f"{txid}-{alert_id}"


def alert_feed_version(*, agency_id: int) -> int | None:
    try:
        return cache.get(_FEED_KEY.format(agency_id=agency_id))
    except Exception:  # noqa: BLE001 - the cache is an optimization; the feed also polls the database
        return None


def alert_feed_bump(*, agency_ids) -> None:
    """Tell waiting feeds of these agencies that alerts arrived (best effort, after commit)."""
    for agency_id in agency_ids:
        key = _FEED_KEY.format(agency_id=agency_id)
        try:
            cache.add(key, 0, timeout=None)
            cache.incr(key)
        except Exception as exc:  # noqa: BLE001
            logger.debug("feed bump failed: %s", exc)


def alert_feed_covers(cursor: str) -> Q:
    """The alerts at or before `cursor`. A screen that shows a list and then follows the feed from the cursor it
    started with shows only these: the feed hands out the others, an alert committed but not yet settled when the
    cursor was made among them, and showing it in the list as well would show it twice."""
    txid, alert_id = _parse_cursor(cursor)
    return Q(txid__lt=txid) | Q(txid=txid, id__lte=alert_id)


def alert_feed(*, user, cursor: str | None, wait_s: float = FEED_WAIT_MAX_S) -> tuple[list[Alert], str]:
    """New alerts of the user's agency after `cursor`, waiting up to `wait_s` for some to arrive, and the cursor to
    pass next time (never behind the one passed). Without a cursor, returns none and the cursor of the newest settled
    alert (start of a screen's feed: alerts after it, settled or not, come through the feed; `alert_feed_covers` says
    which alerts a list shown with it may hold). While waiting it checks a cache counter every 0.25 s and the
    database every 2 s."""
    membership = membership_of(user)
    base = Alert.objects.filter(agency_id=membership.agency_id).filter(_SETTLED)
    if not cursor:
        head = base.order_by("-txid", "-id").values_list("txid", "id").first()
        return [], _format_cursor(*(head or (0, 0)))
    txid, alert_id = _parse_cursor(cursor)
    after = base.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=alert_id)).order_by("txid", "id")
    deadline = time.monotonic() + max(0.0, min(wait_s, FEED_WAIT_MAX_S))
    version = alert_feed_version(agency_id=membership.agency_id)
    while True:
        alerts = list(after[:FEED_LIMIT])
        if alerts:
            return alerts, _format_cursor(alerts[-1].txid, alerts[-1].pk)
        if time.monotonic() >= deadline:
            return [], cursor
        recheck = min(deadline, time.monotonic() + _DB_POLL_S)
        while time.monotonic() < recheck:
            time.sleep(_CACHE_POLL_S)
            current = alert_feed_version(agency_id=membership.agency_id)
            if current != version:
                version = current
                break


# The alert list ------------------------------------------------------------------------------------------------

# What an officer must see first: the most urgent list, then the most recent read (the time the list shows).
ALERT_LIST_ORDER = ("-priority", "-last_seen_at", "-id")


def alert_vehicle_descriptions(alerts) -> dict[int, str]:
    """Per alert id, the read's make, model and colour ("" when the camera recorded none or the read is purged).
    Read from the reads table rather than copied into alerts: bounded by the alerts' read times, so that
    PostgreSQL looks only into the partitions that can hold them, in one query."""
    by_read = {alert.read_id: alert.pk for alert in alerts}
    if not by_read:
        return {}
    times = [alert.read_captured_at for alert in alerts]
    rows = Read.objects.filter(
        pk__in=list(by_read), captured_at__gte=min(times), captured_at__lte=max(times)
    ).values_list("pk", "vehicle_make", "vehicle_model", "vehicle_color")
    described = {}
    for read_id, make, model, color in rows:
        text = ", ".join(part for part in (f"{make} {model}".strip(), color) if part)
        if text:
            described[by_read[read_id]] = text
    return described
