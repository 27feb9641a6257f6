"""Hotlist matching: live, at ingest (`match_ingested_reads`), and historical, when entries are added.

Live matching is set-based: one SQL statement matches a whole batch of reads (unnest arrays joined to entries on
the indexed OCR-confusion key), then a constant handful of statements group repeated reads into open alerts, store
new alerts and queue their notifications, whatever the batch size. The key alone finds exact hits too (the key of
a plate equals itself), so one index serves all three match kinds; the strategy of each hotlist then narrows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from agencies.access import Scope
from agencies.models import Agency
from reads.models import Camera
from reads.plates import canonical_key
from reads.types import IngestedRead
from sharing.selectors import owner_ids_sharing_with, partner_ids_with_scope

from .choices import OPEN_ALERT_STATUSES, MatchKind, MatchStrategy
from .models import Alert, Hotlist, NotificationOutbox, NotificationSubscription

logger = logging.getLogger(__name__)

_KIND_ORDER = {MatchKind.EXACT: 0, MatchKind.CANONICAL: 1, MatchKind.CANDIDATE: 2}

# Both queries return the entry and hotlist columns in the order _alert_from_hit reads them (the historical one
# compares with MatchStrategy's values: 'exact').

# One probe per distinct OCR-confusion key of the batch (plates and candidates), sorted so that the index is walked
# in order; eligibility, state and each list's strategy are applied in Python to the few rows that come back. The
# keys travel as one comma-joined string (they hold only A-Z and 0-9): adapting a Python list of 2,000 strings to an
# array costs more than the lookups.
_LIVE_SQL = """
SELECT p.key,
    e.id, e.plate, e.plate_state, e.reason, e.case_number, e.ncic_code, e.description,
    h.id, h.agency_id, h.name, h.priority, h.alert_level, h.match_strategy
FROM unnest(string_to_array(%s, ',')) AS p(key)
JOIN hotlists_hotlistentry e ON e.canonical = p.key
JOIN hotlists_hotlist h ON h.id = e.hotlist_id
WHERE h.is_active AND h.agency_id = ANY(%s) AND (e.expires_at IS NULL OR e.expires_at > %s)
"""

# Reads of eligible owners within each owner's retention that match entries just added. Exact hits come straight
# from the reads' plate index; OCR-confusion hits go through reads_plate (distinct plates with their key), so no
# read is scanned for its key. OCR candidates of past reads are not searched (they are not indexed).
_HISTORICAL_SQL = """
WITH added AS ({entries}),
owners AS (SELECT * FROM unnest(%(owner_ids)s::bigint[], %(owner_since)s::timestamptz[]) AS o(id, since)),
probe AS (
    SELECT e.id AS entry_id, e.plate AS read_plate FROM added a JOIN hotlists_hotlistentry e ON e.id = a.id
    UNION
    SELECT e.id, rp.plate FROM added a
    JOIN hotlists_hotlistentry e ON e.id = a.id
    JOIN hotlists_hotlist h ON h.id = e.hotlist_id AND h.match_strategy <> 'exact'
    JOIN reads_plate rp ON rp.canonical = e.canonical AND rp.plate <> e.plate
)
SELECT r.id, r.owner_agency_id, r.camera_id, c.name, r.captured_at, r.plate, r.plate_state, r.image,
    e.id, e.plate, e.plate_state, e.reason, e.case_number, e.ncic_code, e.description,
    h.id, h.agency_id, h.name, h.priority, h.alert_level, h.match_strategy
FROM probe pr
JOIN hotlists_hotlistentry e ON e.id = pr.entry_id
JOIN hotlists_hotlist h ON h.id = e.hotlist_id
JOIN reads_read r ON r.plate = pr.read_plate AND r.captured_at >= %(since)s
JOIN owners o ON o.id = r.owner_agency_id AND r.captured_at >= o.since
LEFT JOIN reads_camera c ON c.id = r.camera_id
WHERE (e.expires_at IS NULL OR e.expires_at > %(now)s)
  AND (r.plate_state = '' OR e.plate_state = '' OR e.plate_state = r.plate_state)
"""


@dataclass(slots=True)
class _Hit:
    """One read matching one entry: the read's snapshot, the entry's, and how they matched."""

    read_id: int
    owner_agency_id: int
    camera_id: int | None
    camera_name: str
    captured_at: dt.datetime
    plate: str
    plate_state: str
    image: str
    entry: tuple  # the _ENTRY_COLUMNS values
    kind: str
    distance: int

    @property
    def entry_id(self) -> int:
        return self.entry[0]


def match_ingested_reads(reads: Sequence[IngestedRead]) -> list[Alert]:
    """Match reads just stored by the ingest service against the hotlists each read's owner may be alerted on: the
    owner's own active lists and those of partners to which the owner's MOU grants the alerts scope. Call inside
    the ingest transaction: alerts and their outbox rows commit (or roll back) with the reads.

    Returns the alerts created (grouped repeats only bump an existing alert and are not returned)."""
    if not reads:
        return []
    eligible = _eligible_agencies({read.owner_agency_id for read in reads})
    probes: dict[str, list[tuple[IngestedRead, int, str]]] = {}  # key -> (read, rank, probed plate)
    for read in reads:
        probes.setdefault(canonical_key(read.plate), []).append((read, 0, read.plate))
        for rank, candidate in enumerate(read.candidates, start=1):
            if candidate and candidate != read.plate:
                probes.setdefault(canonical_key(candidate), []).append((read, rank, candidate))
    agencies = sorted({agency for ids in eligible.values() for agency in ids})
    with connection.cursor() as cursor:
        cursor.execute(_LIVE_SQL, [",".join(sorted(probes)), agencies, timezone.now()])
        rows = cursor.fetchall()
    if not rows:
        return []
    best: dict[tuple[int, int], _Hit] = {}
    for row in rows:
        entry = row[1:]
        entry_plate, entry_state, agency_id, strategy = entry[1], entry[2], entry[8], entry[12]
        for read, rank, probed in probes[row[0]]:
            if agency_id not in eligible[read.owner_agency_id]:
                continue
            if read.plate_state and entry_state and read.plate_state != entry_state:
                continue
            if rank:
                if strategy != MatchStrategy.CANDIDATES or probed != entry_plate:
                    continue
                kind, distance = MatchKind.CANDIDATE, rank
            elif probed == entry_plate:
                kind, distance = MatchKind.EXACT, 0
            elif strategy != MatchStrategy.EXACT:
                kind, distance = MatchKind.CANONICAL, _hamming(read.plate, entry_plate)
            else:
                continue
            key = (read.id, entry[0])
            current = best.get(key)
            if current is not None and (_KIND_ORDER[current.kind], current.distance) <= (_KIND_ORDER[kind], distance):
                continue
            best[key] = _Hit(
                read.id,
                read.owner_agency_id,
                read.camera_id,
                "",
                read.captured_at,
                read.plate,
                read.plate_state or "",
                read.image,
                entry,
                kind,
                distance,
            )
    if not best:
        return []
    hits = list(best.values())
    camera_ids = {hit.camera_id for hit in hits if hit.camera_id is not None}
    if camera_ids:
        names = dict(Camera.objects.filter(id__in=camera_ids).values_list("id", "name"))
        for hit in hits:
            hit.camera_name = names.get(hit.camera_id, "")
    return _store_alerts(hits, historical=False)


def match_historical(*, hotlist: Hotlist, entry_ids: Sequence[int] | None = None, entries_sql: str = "") -> list[Alert]:
    """Check reads already stored against entries just added to `hotlist` (given as ids, or as SQL selecting `id`
    from a temporary table), within each read owner's retention; hits become alerts marked historical."""
    owner_ids = [hotlist.agency_id, *owner_ids_sharing_with(partner=hotlist.agency, scope=Scope.ALERTS)]
    now = timezone.now()
    retention = dict(Agency.objects.filter(id__in=owner_ids).values_list("id", "retention_days"))
    owner_since = [now - dt.timedelta(days=retention[owner]) for owner in retention]
    if entries_sql:
        entries = entries_sql
        params = {}
    else:
        entries = "SELECT unnest(%(entry_ids)s::bigint[]) AS id"
        params = {"entry_ids": list(entry_ids or [])}
    params.update(owner_ids=list(retention), owner_since=owner_since, since=min(owner_since, default=now), now=now)
    with connection.cursor() as cursor:
        cursor.execute(_HISTORICAL_SQL.format(entries=entries), params)
        rows = cursor.fetchall()
    hits = []
    for row in rows:
        entry = row[8:]
        exact = row[5] == entry[1]
        hits.append(
            _Hit(
                row[0],
                row[1],
                row[2],
                row[3] or "",
                row[4],
                row[5],
                row[6],
                row[7],
                entry,
                MatchKind.EXACT if exact else MatchKind.CANONICAL,
                0 if exact else _hamming(row[5], entry[1]),
            )
        )
    return _store_alerts(hits, historical=True)


def _eligible_agencies(owner_ids: set[int]) -> dict[int, list[int]]:
    """Per read owner: whose hotlists its reads are matched against. Asked once per owner per call."""
    return {owner: [owner, *partner_ids_with_scope(owner_id=owner, scope=Scope.ALERTS)] for owner in sorted(owner_ids)}


def _hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=False)) + abs(len(a) - len(b))


class _Group:
    """An alert that repeated reads of one plate by one camera fold into, existing or about to be created."""

    __slots__ = ("alert", "added", "last_seen", "last_read_id")

    def __init__(self, alert: Alert):
        self.alert = alert
        self.added = 0
        self.last_seen = alert.last_seen_at
        self.last_read_id = alert.last_read_id

    def absorb(self, hit: _Hit) -> None:
        self.added += 1
        if hit.captured_at >= self.last_seen:
            self.last_seen, self.last_read_id = hit.captured_at, hit.read_id


def _store_alerts(hits: list[_Hit], *, historical: bool) -> list[Alert]:
    """Group hits into alerts, store the new ones, bump the grouped ones, queue notifications. Constant queries."""
    if not hits:
        return []
    window = dt.timedelta(minutes=settings.HOTLIST_ALERT_GROUP_MINUTES)
    hits.sort(key=lambda hit: hit.captured_at)
    groups: dict[tuple[int, int], _Group] = {}
    if not historical:
        keyed = [hit for hit in hits if hit.camera_id is not None]
        if keyed:
            _lock_alert_groups({(hit.entry_id, hit.camera_id) for hit in keyed})
            existing = Alert.objects.filter(
                historical=False,
                status__in=OPEN_ALERT_STATUSES,
                entry_id__in={hit.entry_id for hit in keyed},
                camera_id__in={hit.camera_id for hit in keyed},
                last_seen_at__gte=keyed[0].captured_at - window,
            ).only("id", "entry_id", "camera_id", "last_seen_at", "last_read_id")
            for alert in existing.order_by("last_seen_at"):
                groups[(alert.entry_id, alert.camera_id)] = _Group(alert)
    now = timezone.now()
    new_alerts: list[Alert] = []
    for hit in hits:
        key = (hit.entry_id, hit.camera_id) if hit.camera_id is not None else None
        group = groups.get(key) if key else None
        if group is not None and abs(hit.captured_at - group.last_seen) <= window:
            group.absorb(hit)
            continue
        alert = _alert_from_hit(hit, historical=historical, now=now)
        new_alerts.append(alert)
        if key:
            groups[key] = _Group(alert)
    existing_updates = []
    for group in groups.values():
        if not group.added:
            continue
        if group.alert.pk is None:
            group.alert.read_count += group.added
            group.alert.last_seen_at, group.alert.last_read_id = group.last_seen, group.last_read_id
        else:
            existing_updates.append(group)
    if new_alerts:
        Alert.objects.bulk_create(new_alerts)
    if existing_updates:
        _bump_grouped(existing_updates)
    outbox_ids = _queue_notifications(new_alerts)
    if new_alerts:
        transaction.on_commit(partial(_after_commit, outbox_ids, {a.agency_id for a in new_alerts}))
    return new_alerts


def _alert_group_lock_key(entry_id: int, camera_id: int) -> int:
    digest = hashlib.blake2b(f"alert-group:{entry_id}:{camera_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _lock_alert_groups(keys: set[tuple[int, int]]) -> None:
    """Serialize concurrent ingest transactions that may fold reads into the same (entry, camera) alert.

    Without it two batches read by one camera at the same moment both find no open alert (neither sees the other's
    uncommitted one) and both create one. A transaction-scoped advisory lock per group, taken before looking up open
    alerts, makes the second wait for the first to commit; under READ COMMITTED its lookup, a new statement, then
    sees the first's alert and bumps it. No constraint can do this: grouping is by a time window, not a key.
    Locks are taken in one sorted statement, so two batches never wait on each other in opposite orders (deadlock);
    a batch without hotlist hits takes none."""
    lock_keys = sorted({_alert_group_lock_key(entry_id, camera_id) for entry_id, camera_id in keys})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_advisory_xact_lock(k)) FROM (SELECT k FROM unnest(%s::bigint[]) AS k ORDER BY k) AS s",
            [lock_keys],
        )


def _alert_from_hit(hit: _Hit, *, historical: bool, now: dt.datetime) -> Alert:
    (entry_id, entry_plate, entry_state, reason, case_number, ncic_code, description) = hit.entry[:7]
    (hotlist_id, agency_id, list_name, priority, alert_level, _strategy) = hit.entry[7:]
    return Alert(
        agency_id=agency_id,
        hotlist_id=hotlist_id,
        entry_id=entry_id,
        read_id=hit.read_id,
        read_captured_at=hit.captured_at,
        owner_agency_id=hit.owner_agency_id,
        camera_id=hit.camera_id,
        camera_name=hit.camera_name,
        plate=hit.plate,
        plate_state=hit.plate_state,
        image=hit.image,
        list_name=list_name,
        entry_plate=entry_plate,
        entry_plate_state=entry_state,
        reason=reason,
        case_number=case_number,
        ncic_code=ncic_code,
        entry_description=description,
        priority=priority,
        alert_level=alert_level,
        match_kind=hit.kind,
        distance=hit.distance,
        historical=historical,
        read_count=1,
        last_seen_at=hit.captured_at,
        last_read_id=hit.read_id,
        created_at=now,
    )


def _bump_grouped(groups: list[_Group]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE hotlists_alert a
            SET read_count = a.read_count + g.added,
                last_read_id = CASE WHEN g.last_seen >= a.last_seen_at THEN g.last_read_id ELSE a.last_read_id END,
                last_seen_at = GREATEST(a.last_seen_at, g.last_seen),
                updated_at = now()
            FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[], %s::bigint[])
                 AS g(id, added, last_seen, last_read_id)
            WHERE a.id = g.id
            """,
            [
                [g.alert.pk for g in groups],
                [g.added for g in groups],
                [g.last_seen for g in groups],
                [g.last_read_id for g in groups],
            ],
        )


def alert_payload(alert: Alert) -> dict:
    """What a notification says about an alert. No image and no camera location: those stay behind the API."""
    return {
        "alert_id": alert.pk,
        "agency_id": alert.agency_id,
        "list": alert.list_name,
        "plate": alert.plate,
        "plate_state": alert.plate_state,
        "entry_plate": alert.entry_plate,
        "entry_plate_state": alert.entry_plate_state,
        "reason": alert.reason,
        "case_number": alert.case_number,
        "ncic_code": alert.ncic_code,
        "priority": alert.priority,
        "alert_level": alert.alert_level,
        "match_kind": alert.match_kind,
        "distance": alert.distance,
        "historical": alert.historical,
        "captured_at": alert.read_captured_at.isoformat(),
        "camera_id": alert.camera_id,
        "camera_name": alert.camera_name,
        "created_at": alert.created_at.isoformat(),
    }


def _queue_notifications(alerts: list[Alert]) -> list[int]:
    """Outbox rows for each new alert and each subscription of its agency that wants it, in this transaction."""
    if not alerts:
        return []
    subscriptions: dict[int, list[NotificationSubscription]] = {}
    for sub in NotificationSubscription.objects.filter(agency_id__in={a.agency_id for a in alerts}, is_active=True):
        subscriptions.setdefault(sub.agency_id, []).append(sub)
    rows = [
        NotificationOutbox(alert=alert, subscription=sub, payload=alert_payload(alert))
        for alert in alerts
        for sub in subscriptions.get(alert.agency_id, ())
        if alert.priority >= sub.min_priority and (sub.include_historical or not alert.historical)
    ]
    if not rows:
        return []
    NotificationOutbox.objects.bulk_create(rows)
    return [row.pk for row in rows]


def _after_commit(outbox_ids: list[int], agency_ids: set[int]) -> None:
    """Best effort only: the broker or the cache may be down; the dispatcher job and the feed's own query cover it."""
    from .notifications import notification_enqueue
    from .selectors import alert_feed_bump

    notification_enqueue(outbox_ids=outbox_ids)
    alert_feed_bump(agency_ids=agency_ids)


def reads_alerted(read_ids: set[int]) -> set[int]:
    """The reads among `read_ids` that already raised an alert (reads asks, for a vehicle pass's better reading)."""
    return set(Alert.objects.filter(read_id__in=read_ids).values_list("read_id", flat=True))
