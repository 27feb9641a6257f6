"""Writes of the reads app: ingest, camera health and moves, evidence holds, the retention purge."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agencies.models import Agency

from .models import Camera, CameraMove, EvidenceHold, EvidenceHoldItem, PurgeRun, Read
from .partitions import forget_partition, partitions_ensure, partitions_existing, utc_day
from .plates import canonical_key
from .types import IngestedRead
from .validation import CameraInfo, ReadInput, validate_items

BATCH_TOO_LARGE = "A batch holds at most {limit} reads; this one has {count}."
BATCH_EMPTY = "The batch holds no reads."
HOLD_NO_READS = "Name at least one read to hold."
HOLD_READS_NOT_FOUND = "These reads are not your agency's or do not exist: {ids}."
HOLD_ALREADY_RELEASED = "This hold was already released."
RELEASE_NEEDS_REASON = "Say why the hold is released."

MAX_BATCH = 1000
NO_PARTITION_SQLSTATE = "23514"  # "no partition of relation ... found for row"


class IngestValidationError(Exception):
    """The batch was refused as a whole; `errors` lists each bad item and why. Nothing was stored."""

    def __init__(self, errors: list[dict], message: str = "Some reads are invalid; nothing was stored."):
        super().__init__(message)
        self.message = message
        self.errors = errors


@dataclass
class IngestResult:
    received: int
    stored: int
    duplicates: int
    reads: list[IngestedRead] = field(default_factory=list)
    alerts: int = 0


_INSERT_READS = """
WITH input AS (
    SELECT * FROM unnest(
        %(camera_id)s::bigint[], %(captured_at)s::text[]::timestamptz[], %(plate)s::text[], %(plate_state)s::text[],
        %(plate_kind)s::text[], %(confidence)s::float8[], %(vehicle_make)s::text[],
        %(vehicle_model)s::text[], %(vehicle_type)s::text[], %(vehicle_color)s::text[], %(direction)s::text[],
        %(heading)s::int[], %(latitude)s::float8[], %(longitude)s::float8[], %(image)s::text[],
        %(plate_crop)s::text[], %(source_id)s::text[]
    ) WITH ORDINALITY AS t(camera_id, captured_at, plate, plate_state, plate_kind, confidence, vehicle_make,
           vehicle_model, vehicle_type, vehicle_color, direction, heading, latitude, longitude, image,
           plate_crop, source_id, n)
)
INSERT INTO reads_read (
    owner_agency_id, camera_id, captured_at, received_at, plate, plate_state, plate_kind, confidence, candidates,
    vehicle_make, vehicle_model, vehicle_type, vehicle_color, direction, heading, location, own_location, image,
    plate_crop, source, source_id, recognition_job_id
)
SELECT %(agency_id)s, i.camera_id, i.captured_at, now(), i.plate, i.plate_state, i.plate_kind, i.confidence,
       %(candidates)s::jsonb -> (i.n::int - 1), i.vehicle_make, i.vehicle_model, i.vehicle_type, i.vehicle_color,
       i.direction, i.heading,
       CASE WHEN i.longitude IS NULL THEN c.location
            ELSE ST_SetSRID(ST_MakePoint(i.longitude, i.latitude), 4326)::geography END,
       i.longitude IS NOT NULL, i.image, i.plate_crop, %(source)s, i.source_id, %(recognition_job_id)s
FROM input i LEFT JOIN reads_camera c ON c.id = i.camera_id
ON CONFLICT (owner_agency_id, source_id, captured_at) DO NOTHING
RETURNING id, source_id
"""

# Cameras heard from. Concurrent batches of the same cameras used to lock these rows in whatever order the UPDATE
# met them and deadlocked (found by bench/load.py); rows are now locked in id order, and a row another batch is
# updating right now is skipped (that batch records a heartbeat of the same moment), so ingest never waits here.
_HEARTBEAT_SQL = """
UPDATE reads_camera c SET last_heartbeat_at = GREATEST(c.last_heartbeat_at, %s)
FROM (SELECT id FROM reads_camera WHERE id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED) s
WHERE c.id = s.id
"""

_INSERT_PLATES = """
INSERT INTO reads_plate (plate, canonical)
SELECT * FROM unnest(%s::text[], %s::text[])
ON CONFLICT (plate) DO NOTHING
"""


def _camera_infos(agency: Agency) -> dict[int, CameraInfo]:
    return {
        row[0]: CameraInfo(*row) for row in Camera.objects.filter(agency=agency).values_list("id", "kind", "is_active")
    }


def _store_file(agency: Agency, captured_at: dt.datetime, source_id: str, suffix: str, data: bytes) -> str:
    # Paths come from a hash, never from caller text, so no caller can name a path.
    digest = hashlib.sha256(f"{agency.pk}:{source_id}".encode()).hexdigest()[:32]
    path = f"reads/{agency.pk}/{captured_at:%Y/%m/%d}/{digest}-{suffix}.jpg"
    if default_storage.exists(path):
        default_storage.delete(path)
    return default_storage.save(path, ContentFile(data))


def read_ingest(
    *,
    agency: Agency,
    items: Sequence,
    source: str,
    images: Mapping[str, bytes] | None = None,
    plate_crops: Mapping[str, bytes] | None = None,
    recognition_job_id: int | None = None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """The one ingest path for every source (batch API, OpenALPR agent, recognition, import).

    Validates the whole batch first (all-or-nothing), stores the reads in one multi-row statement, records their
    plates in the plate index, and runs hotlist matching in the same transaction, so an alert exists exactly when
    its read does. Idempotent on (agency, source_id, captured_at): a replayed batch stores nothing twice.
    `images` and `plate_crops` map source_id -> JPEG bytes (internal callers only).
    """
    if not items:
        raise IngestValidationError([], BATCH_EMPTY)
    if len(items) > MAX_BATCH:
        raise IngestValidationError([], BATCH_TOO_LARGE.format(limit=MAX_BATCH, count=len(items)))
    now = now or timezone.now()
    oldest_allowed = now - dt.timedelta(days=agency.retention_days)
    reads, errors = validate_items(items, cameras=_camera_infos(agency), now=now, oldest_allowed=oldest_allowed)
    if errors:
        raise IngestValidationError(errors)
    for read in reads:
        if images and read.source_id in images:
            read.image = _store_file(agency, read.captured_at, read.source_id, "rear", images[read.source_id])
        if plate_crops and read.source_id in plate_crops:
            read.plate_crop = _store_file(
                agency, read.captured_at, read.source_id, "plate", plate_crops[read.source_id]
            )
    days = {utc_day(read.captured_at) for read in reads}
    # Partition DDL runs before the ingest transaction, so that a long batch never holds its locks.
    partitions_ensure(days)
    try:
        stored, alerts = _store(agency, reads, source, recognition_job_id, now)
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != NO_PARTITION_SQLSTATE:
            raise
        # A partition this process believed in is gone (dropped by the purge, or created in a transaction
        # that rolled back): ask the database again and retry once.
        for day in days:
            forget_partition(day)
        partitions_ensure(days)
        stored, alerts = _store(agency, reads, source, recognition_job_id, now)
    return IngestResult(
        received=len(items), stored=len(stored), duplicates=len(reads) - len(stored), reads=stored, alerts=alerts
    )


@transaction.atomic
def _store(agency, reads, source, recognition_job_id, now) -> tuple[list[IngestedRead], int]:
    stored = _insert(agency, reads, source, recognition_job_id)
    alerts = _match(stored)
    with connection.cursor() as cursor:
        cursor.execute(_HEARTBEAT_SQL, [now, sorted({read.camera_id for read in reads})])
    return stored, alerts


def _insert(agency: Agency, reads: list[ReadInput], source: str, recognition_job_id: int | None) -> list[IngestedRead]:
    columns = {
        name: [getattr(read, name) for read in reads]
        for name in (
            "camera_id", "captured_at", "plate", "plate_state", "plate_kind", "confidence", "vehicle_make",
            "vehicle_model", "vehicle_type", "vehicle_color", "direction", "heading", "latitude", "longitude",
            "image", "plate_crop", "source_id",
        )
    }  # fmt: skip
    # Bound as text and JSON documents: PostgreSQL parses these faster than psycopg adapts 1,000 datetimes
    # or 1,000 separate JSON values (measured: 4 ms and 11 ms a batch).
    columns["captured_at"] = [read.captured_at.isoformat() for read in reads]
    columns["candidates"] = json.dumps([read.candidates for read in reads])
    plates = sorted({read.plate for read in reads})  # sorted: concurrent batches lock index keys in one order
    # A psycopg cursor with server-side binding: the 18 arrays travel as bound parameters instead of being
    # rendered into the SQL text (Django's cursor quotes each of the 18,000 values in Python, which cost more
    # than the insert itself). Same connection, so the same transaction.
    connection.ensure_connection()
    # wrap_database_errors: psycopg's errors become Django's, as the rest of the code (and the 503 handler) expects.
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(
            _INSERT_READS,
            {**columns, "agency_id": agency.pk, "source": source, "recognition_job_id": recognition_job_id},
        )
        returned = cursor.fetchall()
        cursor.execute(_INSERT_PLATES, [plates, [canonical_key(plate) for plate in plates]])
    by_source = {read.source_id: read for read in reads}
    return [
        IngestedRead(
            id=read_id,
            owner_agency_id=agency.pk,
            camera_id=(read := by_source[source_id]).camera_id,
            captured_at=read.captured_at,
            plate=read.plate,
            plate_state=read.plate_state,
            candidates=tuple(candidate["plate"] for candidate in read.candidates if candidate["plate"] != read.plate),
            image=read.image,
            source=source,
        )
        for read_id, source_id in returned
    ]


def _match(stored: list[IngestedRead]) -> int:
    if not stored:
        return 0
    from .hooks import ingest_match  # the hotlists app's matcher (reads imports nothing of hotlists)

    return len(ingest_match(stored))


def camera_heartbeat(*, camera_ids: Sequence[int], at: dt.datetime | None = None) -> int:
    return Camera.objects.filter(id__in=camera_ids).update(last_heartbeat_at=at or timezone.now())


@transaction.atomic
def camera_move(*, camera: Camera, location: Point | None, heading: int | None, moved_by, reason: str = "") -> Camera:
    """Move a camera and keep the move as history (a camera moved for a crime trend and back keeps both stays).
    The first move also records where the camera stood before, so that area searches find its older reads."""
    if not camera.moves.exists():
        before = Camera.objects.get(pk=camera.pk)
        CameraMove.objects.create(
            camera=camera,
            location=before.location,
            heading=before.heading,
            moved_at=camera.created_at,
            reason="Position before the first recorded move",
        )
    camera.location = location
    camera.heading = heading
    camera.full_clean()
    camera.save(update_fields=["location", "heading"])
    CameraMove.objects.create(camera=camera, location=location, heading=heading, moved_by=moved_by, reason=reason)
    return camera


@transaction.atomic
def hold_place(*, user, agency: Agency, case_number: str, reason: str, read_ids: Sequence[int]) -> EvidenceHold:
    """Keep reads of the user's own agency past retention for a case. The owner's retention governs its reads, so
    a partner asks the owner agency to hold them."""
    if not read_ids:
        raise ValidationError(HOLD_NO_READS)
    found = dict(Read.objects.filter(owner_agency=agency, id__in=set(read_ids)).values_list("id", "captured_at"))
    missing = sorted(set(read_ids) - set(found))
    if missing:
        raise ValidationError(HOLD_READS_NOT_FOUND.format(ids=", ".join(map(str, missing))))
    hold = EvidenceHold(agency=agency, case_number=case_number, reason=reason, created_by=user)
    hold.full_clean()
    hold.save()
    EvidenceHoldItem.objects.bulk_create(
        [
            EvidenceHoldItem(hold=hold, read_id=read_id, captured_at=captured_at)
            for read_id, captured_at in found.items()
        ]
    )
    return hold


@transaction.atomic
def hold_release(*, hold: EvidenceHold, user, reason: str) -> EvidenceHold:
    hold = EvidenceHold.objects.select_for_update().get(pk=hold.pk)
    if hold.released_at is not None:
        raise ValidationError(HOLD_ALREADY_RELEASED)
    if not reason.strip():
        raise ValidationError(RELEASE_NEEDS_REASON)
    hold.released_at = timezone.now()
    hold.released_by = user
    hold.release_reason = reason
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    return hold


def _held_reads(day_start: dt.datetime, day_end: dt.datetime) -> dict[int, tuple[int, dt.date]]:
    """{read id: (owner agency id, local day)} of the reads captured in [day_start, day_end) that a hold keeps.
    A hold is placed by the reads' owner agency (hold_place), so the hold's agency is the owner."""
    items = EvidenceHoldItem.objects.filter(
        hold__released_at__isnull=True, captured_at__gte=day_start, captured_at__lt=day_end
    ).values_list("read_id", "hold__agency_id", "captured_at")
    return {read_id: (agency_id, timezone.localdate(at)) for read_id, agency_id, at in items}


def _purged_count_add(cursor, rows: list[tuple[int, dt.date, int]]) -> None:
    """Add (agency id, local day, reads removed) rows to PurgedReadCount, in the caller's transaction."""
    if rows:
        cursor.executemany(
            "INSERT INTO reads_purgedreadcount (agency_id, day, reads) VALUES (%s, %s, %s) "
            "ON CONFLICT (agency_id, day) DO UPDATE SET reads = reads_purgedreadcount.reads + EXCLUDED.reads",
            rows,
        )


def _local_day_number(day_start: dt.datetime, day_end: dt.datetime) -> tuple[str, list[dt.datetime], dt.date]:
    """An SQL expression giving each read of the UTC day [day_start, day_end) the number of its local day
    (settings.TIME_ZONE) counted from the local day of day_start, with its parameters and that first day.

    A UTC day overlaps two local days (three on a daylight-saving change): comparing captured_at with the local
    midnights in between costs far less than converting every row's time zone."""
    zone = timezone.get_default_timezone()
    first = day_start.astimezone(zone).date()
    midnights = []
    day = first + dt.timedelta(days=1)
    while (midnight := timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)) < day_end:
        midnights.append(midnight)
        day += dt.timedelta(days=1)
    return " + ".join(["(captured_at >= %s)::int"] * len(midnights)) or "0", midnights, first


def read_purge_expired(*, now: dt.datetime | None = None) -> PurgeRun:
    """Remove reads past their owner agency's retention, never held ones, and record the run.

    A day partition past every agency's retention and holding no held read is dropped whole: its cost does not
    depend on the table's size. Otherwise expired rows of that day are deleted per agency (cost in proportion to
    what is removed). The access log is another table and is never touched. In the same transaction as each
    removal, the reads removed are counted per owner agency and local day (PurgedReadCount), so that the
    transparency figures keep counting them.
    """
    started = time.monotonic()
    now = now or timezone.now()
    run = PurgeRun.objects.create(started_at=now)
    retention = dict(Agency.objects.values_list("id", "retention_days"))
    longest = max(retention.values(), default=30)
    removed: dict[str, int] = {}
    dropped: list[str] = []
    kept = 0
    for name, day in partitions_existing():
        day_start = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
        day_end = day_start + dt.timedelta(days=1)
        due = {aid: now - dt.timedelta(days=days) for aid, days in retention.items()}
        due = {aid: cutoff for aid, cutoff in due.items() if cutoff > day_start}
        if not due:
            continue
        table = connection.ops.quote_name(name)  # a name read from pg_class, not caller input
        local_day, midnights, first_day = _local_day_number(day_start, day_end)
        with transaction.atomic(), connection.cursor() as cursor:
            held_reads = _held_reads(day_start, day_end)
            held = list(held_reads)
            cursor.execute(
                f"SELECT owner_agency_id, {local_day}, count(*) FROM {table} GROUP BY 1, 2",  # noqa: S608
                midnights,
            )
            by_day = [(aid, first_day + dt.timedelta(days=n), count) for aid, n, count in cursor.fetchall()]
            if not held and day_end <= now - dt.timedelta(days=longest):
                cursor.execute(f"DROP TABLE {table}")
                forget_partition(day)
                dropped.append(name)
                _purged_count_add(cursor, by_day)
                for aid, _, count in by_day:
                    removed[str(aid)] = removed.get(str(aid), 0) + count
                continue
            present = {aid for aid, _, _ in by_day}
            for aid, cutoff in due.items():
                if aid not in present:
                    continue
                if cutoff >= day_end:
                    # The whole day is past this agency's retention: everything of it goes but its held reads,
                    # so the counts per local day are the ones just taken less the held reads (ingest refuses
                    # reads past retention, so nothing is added meanwhile). No RETURNING: 40 % faster.
                    cursor.execute(
                        f"DELETE FROM {table} WHERE owner_agency_id = %s AND id <> ALL(%s)",  # noqa: S608
                        [aid, held],
                    )
                    kept_by_day = Counter(local for owner, local in held_reads.values() if owner == aid)
                    gone = [(a, local, n - kept_by_day[local]) for a, local, n in by_day if a == aid]
                    gone = [row for row in gone if row[2] > 0]
                else:  # the retention boundary falls inside this day: count what the DELETE returns
                    cursor.execute(
                        f"WITH gone AS (DELETE FROM {table} WHERE owner_agency_id = %s AND captured_at < %s "  # noqa: S608
                        f"AND id <> ALL(%s) RETURNING {local_day} AS n) SELECT n, count(*) FROM gone GROUP BY 1",
                        [aid, cutoff, held, *midnights],
                    )
                    gone = [(aid, first_day + dt.timedelta(days=n), count) for n, count in cursor.fetchall()]
                _purged_count_add(cursor, gone)
                count = sum(n for _, _, n in gone)
                if count:
                    removed[str(aid)] = removed.get(str(aid), 0) + count
            kept += len(held)
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.removed_by_agency = removed
    run.removed_total = sum(removed.values())
    run.partitions_dropped = dropped
    run.kept_for_holds = kept
    run.save()
    return run
