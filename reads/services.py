"""Writes of the reads app: ingest, camera health and moves, evidence holds, the retention purge."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agencies.models import Agency
from common.prohibited import prohibited_purpose_check

from . import retention as retention_hooks
from .files import day_folder, files_delete, folder_clear, read_file_store
from .models import Camera, CameraMove, EvidenceHold, EvidenceHoldItem, PurgeRun, Read
from .partitions import forget_partition, partitions_ensure, partitions_existing, utc_day
from .passes import PASS_LOCK_SQL, StoredPass, pass_merge, pass_reads_drop, pass_reads_find, pass_update
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
    updated: list[int] = field(default_factory=list)  # ids of reads a later message of their pass improved


@dataclass(eq=False)
class IngestBatch:
    """One caller's reads, validated and ready to store (ingest_validate). ingest_store stores it alone, or in one
    transaction with other callers' batches of the same agency, source and pass window (reads.ingest_groups)."""

    agency: Agency
    source: str
    items: Sequence
    reads: list[ReadInput]
    now: dt.datetime
    images: Mapping[str, bytes]
    plate_crops: Mapping[str, bytes]
    recognition_job_id: int | None = None
    pass_window: dt.timedelta | None = None

    def pass_keys(self) -> set[str]:
        """What this batch's passes are found by: their pass ids and aliases, and the cameras of passes found by
        plate. Two batches that share one may describe the same pass, so they are never stored together."""
        keys = set()
        for read, item in zip(self.reads, self.items, strict=True):
            keys.add(read.source_id)
            keys.update(str(alias) for alias in item.get("pass_aliases") or ())
            if item.get("pass_by_plate_s"):
                keys.add(f"camera:{read.camera_id}")
        return keys


# The reads and, in the same statement, the plate index entries of the reads stored. The plate index takes its rows
# from what the insert returned, so the reads are written (and their unique keys claimed) before any plate row is
# locked, in plate order: the order in which concurrent batches take locks is the same as when these were two
# statements. DO UPDATE ... WHERE false writes nothing but locks a plate already indexed until the batch commits,
# so that the plate-index prune (_plates_prune) cannot remove it between this insert and the commit of its read.
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
), stored AS (
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
RETURNING id, source_id, plate
), plates AS (
INSERT INTO reads_plate (plate, canonical)
SELECT k.plate, k.canonical FROM unnest(%(plates)s::text[], %(canonicals)s::text[]) AS k(plate, canonical)
WHERE k.plate IN (SELECT plate FROM stored)
ORDER BY k.plate
ON CONFLICT (plate) DO UPDATE SET canonical = EXCLUDED.canonical WHERE false
)
SELECT id, source_id FROM stored
"""

# Cameras heard from. Concurrent batches of the same cameras used to lock these rows in whatever order the UPDATE
# met them and deadlocked (found by bench/load.py); rows are now locked in id order, and a row another batch is
# updating right now is skipped (that batch records a heartbeat of the same moment), so ingest never waits here.
_HEARTBEAT_SQL = """
UPDATE reads_camera c SET last_heartbeat_at = GREATEST(c.last_heartbeat_at, %s)
FROM (SELECT id FROM reads_camera WHERE id = ANY(%s) ORDER BY id FOR UPDATE SKIP LOCKED) s
WHERE c.id = s.id
"""
# A camera's heartbeat is kept to the second: each process remembers when it last recorded one per camera (once
# committed) and does not write the camera's row again until a read at least that much later. A camera whose
# messages arrive one per request would otherwise have its row updated by every one of them.
HEARTBEAT_EVERY = dt.timedelta(seconds=1)
_heartbeats_recorded: dict[int, dt.datetime] = {}

# The plates of improved readings of vehicle passes (a read updated, not inserted), locked as _INSERT_READS does.
# Plates are sorted by the caller, so concurrent batches lock them in one order.
_INSERT_PLATES = """
INSERT INTO reads_plate (plate, canonical)
SELECT * FROM unnest(%s::text[], %s::text[])
ON CONFLICT (plate) DO UPDATE SET canonical = EXCLUDED.canonical WHERE false
"""


def _camera_infos(agency: Agency) -> dict[int, CameraInfo]:
    return {
        row[0]: CameraInfo(*row) for row in Camera.objects.filter(agency=agency).values_list("id", "kind", "is_active")
    }


def read_ingest(
    *,
    agency: Agency,
    items: Sequence,
    source: str,
    images: Mapping[str, bytes] | None = None,
    plate_crops: Mapping[str, bytes] | None = None,
    recognition_job_id: int | None = None,
    now: dt.datetime | None = None,
    pass_window: dt.timedelta | None = None,
    cameras: Mapping[int, CameraInfo] | None = None,
) -> IngestResult:
    """The one ingest path for every source (batch API, OpenALPR agent, other peers, recognition, import).

    Validates the whole batch first (all-or-nothing), stores the reads in one multi-row statement, records their
    plates in the plate index, and runs hotlist matching in the same transaction, so an alert exists exactly when
    its read does. Idempotent on (agency, source_id, captured_at): a replayed batch stores nothing twice.
    `images` and `plate_crops` map source_id -> JPEG bytes (internal callers only).

    With a `pass_window`, each item's source_id is the peer's id of a vehicle pass, and a read of the same pass
    already stored (that source_id, or one of the item's `pass_aliases`, captured within the window; or, with
    `pass_by_plate_s`, a read of the same camera with the same plate key that many seconds apart) is updated
    instead of storing another: the best reading wins, and a reading that changed is matched again unless its
    pass already raised an alert (one alert at most per pass).

    `cameras` are the cameras the items name when the caller has just read them (peer ingest finds each message's
    camera by the peer's identifier): validation then uses them instead of reading all of the agency's cameras.
    """
    batch = ingest_validate(
        agency=agency, items=items, source=source, images=images, plate_crops=plate_crops,
        recognition_job_id=recognition_job_id, now=now, pass_window=pass_window, cameras=cameras,
    )  # fmt: skip
    return ingest_store([batch])[0]


def ingest_validate(
    *,
    agency: Agency,
    items: Sequence,
    source: str,
    images: Mapping[str, bytes] | None = None,
    plate_crops: Mapping[str, bytes] | None = None,
    recognition_job_id: int | None = None,
    now: dt.datetime | None = None,
    pass_window: dt.timedelta | None = None,
    cameras: Mapping[int, CameraInfo] | None = None,
) -> IngestBatch:
    """read_ingest's first half: the items validated (IngestValidationError listing every bad one), nothing
    written."""
    if not items:
        raise IngestValidationError([], BATCH_EMPTY)
    if len(items) > MAX_BATCH:
        raise IngestValidationError([], BATCH_TOO_LARGE.format(limit=MAX_BATCH, count=len(items)))
    now = now or timezone.now()
    oldest_allowed = now - dt.timedelta(days=agency.retention_days)
    if cameras is None:
        cameras = _camera_infos(agency)
    reads, errors = validate_items(items, cameras=cameras, now=now, oldest_allowed=oldest_allowed)
    if errors:
        raise IngestValidationError(errors)
    return IngestBatch(
        agency=agency, source=source, items=items, reads=reads, now=now, images=images or {},
        plate_crops=plate_crops or {}, recognition_job_id=recognition_job_id, pass_window=pass_window,
    )  # fmt: skip


def ingest_store(batches: Sequence[IngestBatch]) -> list[IngestResult]:
    """read_ingest's second half: store validated batches in one transaction and answer each with its own result.
    Several batches go together only with a pass window, of one agency and source, and sharing no pass key
    (IngestBatch.pass_keys; reads.ingest_groups sees to it)."""
    first = batches[0]
    agency, source, window = first.agency, first.source, first.pass_window
    if len(batches) > 1 and (
        window is None or any((b.agency.pk, b.source, b.pass_window) != (agency.pk, source, window) for b in batches)
    ):
        raise ValueError("Only peer batches of one agency, source and pass window are stored together.")
    reads = [read for batch in batches for read in batch.reads]
    items = [item for batch in batches for item in batch.items]
    now = max(batch.now for batch in batches)
    files = _Files(
        agency,
        {key: data for batch in batches for key, data in batch.images.items()},
        {key: data for batch in batches for key, data in batch.plate_crops.items()},
    )
    if window is None:
        for read in reads:
            files.attach(read)
    days = {utc_day(read.captured_at) for read in reads}

    def store() -> tuple[list[IngestedRead], list[int], list[tuple[str, int]]]:
        if window is None:
            return (*_store(agency, reads, source, first.recognition_job_id, now), [])
        return _store_passes(agency, reads, items, source, now, window, files)

    # Partition DDL runs before the ingest transaction, so that a long batch never holds its locks.
    partitions_ensure(days)
    try:
        stored, alerted, updated = store()
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != NO_PARTITION_SQLSTATE:
            raise
        # A partition this process believed in is gone (dropped by the purge, or created in a transaction
        # that rolled back): ask the database again and retry once.
        for day in days:
            forget_partition(day)
        partitions_ensure(days)
        stored, alerted, updated = store()
    results = []
    for batch in batches:
        mine = {read.source_id for read in batch.reads}
        batch_stored = [read for read in stored if read.source_id in mine]
        batch_updated = [read_id for source_id, read_id in updated if source_id in mine]
        ids = {read.id for read in batch_stored} | set(batch_updated)
        results.append(
            IngestResult(
                received=len(batch.items),
                stored=len(batch_stored),
                duplicates=len(batch.reads) - len(batch_stored) - len(batch_updated),
                reads=batch_stored,
                alerts=sum(1 for read_id in alerted if read_id in ids),
                updated=batch_updated,
            )
        )
    return results


class _Files:
    """Images that came with a batch, stored when their read is stored (or improved, for a pass)."""

    def __init__(self, agency: Agency, images: Mapping[str, bytes], plate_crops: Mapping[str, bytes]):
        self.agency, self.images, self.plate_crops = agency, images, plate_crops

    def attach(
        self,
        read: ReadInput,
        *,
        key: str | None = None,
        captured_at: dt.datetime | None = None,
        kinds: tuple[str, ...] = ("image", "plate_crop"),
    ) -> None:
        """Store the read's images of `kinds` (under `key`, the stored pass's source_id, when updating one)."""
        key, captured_at = key or read.source_id, captured_at or read.captured_at
        if "image" in kinds and read.source_id in self.images:
            read.image = read_file_store(
                agency_id=self.agency.pk, captured_at=captured_at, source_id=key, suffix="rear",
                data=self.images[read.source_id],
            )  # fmt: skip
        if "plate_crop" in kinds and read.source_id in self.plate_crops:
            read.plate_crop = read_file_store(
                agency_id=self.agency.pk, captured_at=captured_at, source_id=key, suffix="plate",
                data=self.plate_crops[read.source_id],
            )  # fmt: skip


@transaction.atomic
def _store_passes(
    agency: Agency, reads: list[ReadInput], items: Sequence, source: str, now, window: dt.timedelta, files: _Files
) -> tuple[list[IngestedRead], list[int], list[tuple[str, int]]]:
    aliases = [[str(alias) for alias in item.get("pass_aliases") or ()] for item in items]
    by_plate_s = [int(item.get("pass_by_plate_s") or 0) for item in items]
    locks = {f"{agency.pk}:{source}:{read.source_id}" for read in reads}
    locks |= {f"{agency.pk}:{source}:camera:{read.camera_id}" for read, s in zip(reads, by_plate_s, strict=True) if s}
    with connection.cursor() as cursor:
        cursor.execute(PASS_LOCK_SQL, [sorted(locks)])
    found = pass_reads_find(
        agency_id=agency.pk, source=source, reads=reads, aliases=aliases, by_plate_s=by_plate_s, window=window
    )
    new = [read for read, rows in zip(reads, found, strict=True) if not rows]
    for read in new:
        files.attach(read)
    stored = _insert(agency, new, source, None) if new else []
    alerted = _match(stored)
    updated: list[tuple[str, int]] = []  # (the message's source_id, the id of the read it improved)
    rematch: list[StoredPass] = []
    for read, rows in zip(reads, found, strict=True):
        if not rows:
            continue
        # The read stored under the message's own id stays (its alerts name it); else the pass's first read.
        keep = next((row for row in rows if row.source_id == read.source_id), rows[0])
        merged = [row for row in rows if row is not keep]
        changes, reading_changed = pass_merge(keep, read)
        better = "confidence" in changes or "plate" in changes
        # An image replaces the stored one only with the better reading; otherwise it fills in a missing one.
        kinds = tuple(name for name in ("image", "plate_crop") if better or not getattr(keep, name))
        files.attach(read, key=keep.source_id, captured_at=keep.captured_at, kinds=kinds)
        changes.update({name: getattr(read, name) for name in kinds if getattr(read, name)})
        pass_reads_drop(agency_id=agency.pk, rows=merged)
        if changes or merged:
            pass_update(agency_id=agency.pk, stored=keep, changes=changes)
            updated.append((read.source_id, keep.id))
        if reading_changed:
            rematch.append(keep)
        # A read of the pass merged away may have raised the pass's alert: the kept read stands for it now.
        keep.merged_ids = [row.id for row in merged]
    if rematch:
        alerted += _rematch(agency, rematch, source)
    _heartbeat(reads, now)
    return stored, alerted, updated


def _heartbeat(reads: list[ReadInput], now: dt.datetime) -> None:
    """Record that the reads' cameras were heard from at `now` (in the caller's transaction), except cameras this
    process recorded less than HEARTBEAT_EVERY before `now`."""
    recorded = _heartbeats_recorded
    due = sorted(
        {
            read.camera_id
            for read in reads
            if read.camera_id not in recorded or recorded[read.camera_id] <= now - HEARTBEAT_EVERY
        }
    )
    if not due:
        return
    with connection.cursor() as cursor:
        cursor.execute(_HEARTBEAT_SQL, [now, due])
    transaction.on_commit(lambda: recorded.update(dict.fromkeys(due, now)))


def _rematch(agency: Agency, rows: list[StoredPass], source: str) -> list[int]:
    """Match improved readings of passes against the hotlists, except passes that already raised an alert."""
    ids = {row.id for row in rows} | {merged for row in rows for merged in row.merged_ids}
    from .hooks import ingest_alerted  # the hotlists app answers (reads imports nothing of hotlists)

    alerted = ingest_alerted(ids)
    fresh = [row for row in rows if row.id not in alerted and not alerted & set(row.merged_ids)]
    if not fresh:
        return []
    plates = sorted({row.plate for row in fresh})
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_PLATES, [plates, [canonical_key(plate) for plate in plates]])
    return _match(
        [
            IngestedRead(
                id=row.id,
                owner_agency_id=agency.pk,
                camera_id=row.camera_id,
                captured_at=row.captured_at,
                plate=row.plate,
                plate_state=row.plate_state,
                candidates=tuple(c["plate"] for c in row.candidates or () if c.get("plate") != row.plate),
                image=row.image,
                source=source,
                source_id=row.source_id,
            )
            for row in fresh
        ]
    )


@transaction.atomic
def _store(agency, reads, source, recognition_job_id, now) -> tuple[list[IngestedRead], list[int]]:
    stored = _insert(agency, reads, source, recognition_job_id)
    alerted = _match(stored)
    _heartbeat(reads, now)
    return stored, alerted


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
    plates = sorted({read.plate for read in reads})
    # A psycopg cursor with server-side binding: the 18 arrays travel as bound parameters instead of being
    # rendered into the SQL text (Django's cursor quotes each of the 18,000 values in Python, which cost more
    # than the insert itself). Same connection, so the same transaction.
    connection.ensure_connection()
    # wrap_database_errors: psycopg's errors become Django's, as the rest of the code (and the 503 handler) expects.
    with connection.wrap_database_errors, connection.connection.cursor() as cursor:
        cursor.execute(
            _INSERT_READS,
            {
                **columns,
                "agency_id": agency.pk,
                "source": source,
                "recognition_job_id": recognition_job_id,
                "plates": plates,
                "canonicals": [canonical_key(plate) for plate in plates],
            },
        )
        returned = cursor.fetchall()
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
            source_id=source_id,
        )
        for read_id, source_id in returned
    ]


def _match(stored: list[IngestedRead]) -> list[int]:
    """Match reads just stored; the read ids of the alerts raised (a read folded into an open alert raises none)."""
    if not stored:
        return []
    from .hooks import ingest_match  # the hotlists app's matcher (reads imports nothing of hotlists)

    return [alert.read_id for alert in ingest_match(stored)]


def camera_heartbeat(*, camera_ids: Sequence[int], at: dt.datetime | None = None) -> int:
    return Camera.objects.filter(id__in=camera_ids).update(last_heartbeat_at=at or timezone.now())


CAMERA_NOT_YOURS = "Only your own agency's cameras can be changed."


@transaction.atomic
def camera_save(*, agency: Agency, camera: Camera | None = None, fields: Mapping, moved_by=None) -> Camera:
    """Create a camera of `agency`, or change one of its cameras (a new position is recorded as a move). The model's
    rules apply (public comment before activation, a peer's camera needs its external_id, unique per agency and
    peer), so the API cannot do what admin refuses."""
    fields = dict(fields)
    latitude, longitude = fields.pop("latitude", ...), fields.pop("longitude", ...)
    heading = fields.pop("heading", ...)
    location = ... if latitude is ... else (None if latitude is None else Point(longitude, latitude, srid=4326))
    if camera is None:
        camera = Camera(agency=agency, location=None if location is ... else location, **fields)
        camera.heading = None if heading is ... else heading
        camera.full_clean()
        camera.save()
        return camera
    if camera.agency_id != agency.pk:
        raise ValidationError(CAMERA_NOT_YOURS)
    for name, value in fields.items():
        setattr(camera, name, value)
    new_location = camera.location if location is ... else location
    new_heading = camera.heading if heading is ... else heading
    if (new_location, new_heading) != (camera.location, camera.heading):
        candidate = Camera(**{f.attname: getattr(camera, f.attname) for f in Camera._meta.concrete_fields})
        candidate.location, candidate.heading = new_location, new_heading
        candidate.full_clean()  # the whole camera as it will be, before anything is written
        camera.save(update_fields=list(fields))
        return camera_move(camera=camera, location=new_location, heading=new_heading, moved_by=moved_by, reason="api")
    camera.full_clean()
    camera.save(update_fields=list(fields) or None)
    return camera


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


# The advisory lock that serializes hold placement with the purge (any constant, distinct from the log's chain lock).
_HOLD_PURGE_LOCK_KEY = 1_798_905_500


def hold_purge_lock(*, shared: bool) -> None:
    """Take the transaction-level advisory lock that orders holds and the purge, before either touches a read.

    Holds share it (they do not exclude each other); each day's purge transaction takes it alone, for the second or
    so that day's delete lasts. Without it a hold committed after the purge had read the held ids, and the purge
    deleted a read its active hold names. With it, whichever comes second sees what the first committed: the purge
    sees the hold, or the hold finds the read gone and is refused. One key rather than one per day: a hold knows
    its read ids, not their days, and taking it before the first read is looked up means a hold never holds a
    partition's lock while waiting for the purge, which could otherwise deadlock with the purge's DROP TABLE.
    """
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s)", [_HOLD_PURGE_LOCK_KEY])


@transaction.atomic
def hold_place(*, user, agency: Agency, case_number: str, reason: str, read_ids: Sequence[int]) -> EvidenceHold:
    """Keep reads of the user's own agency past retention for a case. The owner's retention governs its reads, so
    a partner asks the owner agency to hold them. Serialized with the purge (hold_purge_lock), so a read the purge
    removes meanwhile is refused rather than held in name only."""
    prohibited_purpose_check({"reason": reason, "case_number": case_number}, agency_ids=[agency.pk])
    if not read_ids:
        raise ValidationError(HOLD_NO_READS)
    hold_purge_lock(shared=True)
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


def _held_files(held: list[int], day_start: dt.datetime, day_end: dt.datetime) -> dict[int, set[str]]:
    """{owner agency id: image and crop paths} of the held reads of one day: their files stay with them."""
    files: dict[int, set[str]] = {}
    rows = Read.objects.filter(id__in=held, captured_at__gte=day_start, captured_at__lt=day_end).values_list(
        "owner_agency_id", "image", "plate_crop"
    )
    for agency_id, image, crop in rows:
        files.setdefault(agency_id, set()).update({image, crop} - {""})
    return files


_PLATES_PRUNE_CHUNK = 1000


def _plates_prune(plates: set[str]) -> int:
    """Remove from the plate index the plates that no read names any more; returns how many went.

    Race with ingest closed by row locks (docs/law.md): the candidates are locked first (FOR UPDATE, in plate order,
    as ingest locks them), then deleted by a later statement only if no read names them. That statement's snapshot
    is taken after the locks are held, so it sees the read of any ingest that upserted the plate before (its lock
    was held until it committed); an ingest that comes after waits for this transaction and re-inserts the plate.
    """
    removed = 0
    ordered = sorted(plates)
    for start in range(0, len(ordered), _PLATES_PRUNE_CHUNK):
        chunk = ordered[start : start + _PLATES_PRUNE_CHUNK]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT plate FROM reads_plate WHERE plate = ANY(%s) ORDER BY plate FOR UPDATE", [chunk])
            locked = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "DELETE FROM reads_plate p WHERE p.plate = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM reads_read r WHERE r.plate = p.plate)",
                [locked],
            )
            removed += cursor.rowcount
    return removed


def read_purge_expired(*, now: dt.datetime | None = None) -> PurgeRun:
    """Remove reads past their owner agency's retention, never held ones, with every trace of them, and record the
    run.

    A day partition past every agency's retention and holding no held read is dropped whole: its cost does not
    depend on the table's size. Otherwise expired rows of that day are deleted per agency (cost in proportion to
    what is removed). Once each day's removal has committed, its files go: a whole agency-day folder at once
    (reads.files), less the files of held reads and those other apps still show. Before the reads, alerts past the
    agency's alert retention go (hotlists, through reads.retention's hooks); after them, uploads with no read left
    (recognition) and plate-index entries no read names. The access log is another table and is never touched. In
    the same transaction as each removal, the reads removed are counted per owner agency and local day
    (PurgedReadCount), so that the transparency figures keep counting them. Serialized with hold placement
    (hold_purge_lock).
    """
    started = time.monotonic()
    now = now or timezone.now()
    run = PurgeRun.objects.create(started_at=now)
    retention = dict(Agency.objects.values_list("id", "retention_days"))
    ctx = retention_hooks.PurgeContext(now=now, retention=retention)
    retention_hooks.run_before(ctx)
    longest = max(retention.values(), default=30)
    removed: dict[str, int] = {}
    dropped: list[str] = []
    plates: set[str] = set()
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
        whole_folders: list[int] = []  # agencies whose every unheld read of the day went: their folder is cleared
        loose_files: dict[int, list[str]] = {}  # files of reads removed from a day partly kept, per agency
        with transaction.atomic(), connection.cursor() as cursor:
            hold_purge_lock(shared=False)  # holds wait for this day's removal, or it waits for them (hold_place)
            held_reads = _held_reads(day_start, day_end)
            held = list(held_reads)
            cursor.execute(
                f"SELECT owner_agency_id, {local_day}, count(*) FROM {table} GROUP BY 1, 2",  # noqa: S608
                midnights,
            )
            by_day = [(aid, first_day + dt.timedelta(days=n), count) for aid, n, count in cursor.fetchall()]
            held_files = _held_files(held, day_start, day_end) if held else {}
            if not held and day_end <= now - dt.timedelta(days=longest):
                with ctx.timed("plates"):
                    cursor.execute(f"SELECT DISTINCT plate FROM {table}")  # noqa: S608
                    plates.update(row[0] for row in cursor.fetchall())
                cursor.execute(f"DROP TABLE {table}")
                forget_partition(day)
                dropped.append(name)
                _purged_count_add(cursor, by_day)
                for aid, _, count in by_day:
                    removed[str(aid)] = removed.get(str(aid), 0) + count
                whole_folders = sorted({aid for aid, _, _ in by_day})
                due = {}
            present = {aid for aid, _, _ in by_day}
            for aid, cutoff in due.items():
                if aid not in present:
                    continue
                if cutoff >= day_end:
                    # The whole day is past this agency's retention: everything of it goes but its held reads,
                    # so the counts per local day are the ones just taken less the held reads (ingest refuses
                    # reads past retention, so nothing is added meanwhile). No RETURNING: 40 % faster.
                    with ctx.timed("plates"):
                        cursor.execute(
                            f"SELECT DISTINCT plate FROM {table} WHERE owner_agency_id = %s AND id <> ALL(%s)",  # noqa: S608
                            [aid, held],
                        )
                        plates.update(row[0] for row in cursor.fetchall())
                    cursor.execute(
                        f"DELETE FROM {table} WHERE owner_agency_id = %s AND id <> ALL(%s)",  # noqa: S608
                        [aid, held],
                    )
                    kept_by_day = Counter(local for owner, local in held_reads.values() if owner == aid)
                    gone = [(a, local, n - kept_by_day[local]) for a, local, n in by_day if a == aid]
                    gone = [row for row in gone if row[2] > 0]
                    whole_folders.append(aid)
                else:  # the retention boundary falls inside this day: what the DELETE returns is what went
                    cursor.execute(
                        f"DELETE FROM {table} WHERE owner_agency_id = %s AND captured_at < %s "  # noqa: S608
                        f"AND id <> ALL(%s) RETURNING {local_day}, plate, image, plate_crop",
                        [aid, cutoff, held, *midnights],
                    )
                    rows = cursor.fetchall()
                    counted = Counter(n for n, _, _, _ in rows)
                    gone = [(aid, first_day + dt.timedelta(days=n), count) for n, count in sorted(counted.items())]
                    plates.update(plate for _, plate, _, _ in rows)
                    loose_files[aid] = [path for _, _, image, crop in rows for path in (image, crop) if path]
                _purged_count_add(cursor, gone)
                count = sum(n for _, _, n in gone)
                if count:
                    removed[str(aid)] = removed.get(str(aid), 0) + count
            kept += len(held)
        # Committed: the rows are gone, so their files go (never before: a rolled-back purge keeps its files).
        with ctx.timed("files"):
            for aid in whole_folders:
                folder = day_folder(aid, day)
                keep = held_files.get(aid, set()) | retention_hooks.files_needed(folder)
                ctx.counts["files"] += folder_clear(folder, keep=keep)
            for aid, paths in loose_files.items():
                keep = held_files.get(aid, set()) | retention_hooks.files_needed(day_folder(aid, day))
                ctx.counts["files"] += files_delete(paths, keep=keep)
    with ctx.timed("plates"):
        ctx.counts["plates"] += _plates_prune(plates)
    retention_hooks.run_after(ctx)
    run.finished_at = timezone.now()
    run.duration_ms = int((time.monotonic() - started) * 1000)
    run.removed_by_agency = removed
    run.removed_total = sum(removed.values())
    run.partitions_dropped = dropped
    run.kept_for_holds = kept
    run.files_removed = ctx.counts["files"]
    run.alerts_removed = ctx.counts["alerts"]
    run.uploads_removed = ctx.counts["uploads"]
    run.plates_removed = ctx.counts["plates"]
    total = (time.monotonic() - started) * 1000
    run.timings_ms = {"rows": round(total - sum(ctx.timings.values())), **{k: round(v) for k, v in ctx.timings.items()}}
    run.save()
    return run
