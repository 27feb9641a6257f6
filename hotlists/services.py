"""Writes of the hotlists app: entries, imports (API, admin, command, drop folder) and the alert workflow."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from agencies.access import membership_of
from common.prohibited import agency_terms, prohibited_purpose_check
from reads.models import EvidenceHold
from reads.plates import PlateError, canonical_key, normalize_plate
from reads.services import hold_purge_lock

from .choices import ALERT_TRANSITIONS, AlertStatus, Category, ImportFormat, ImportOutcome, ImportStage
from .import_preview import import_lines, import_replaces, parse_import_lines
from .matching import match_historical
from .models import Alert, AlertEvent, AlertHoldItem, Hotlist, HotlistEntry, HotlistImport
from .parsers import ImportFileError, ParsedEntry, ParsedFile
from .rules import PROHIBITED_REASON, normalize_state, states_immigration_purpose

logger = logging.getLogger(__name__)

ENTRY_DUPLICATE = "This plate and state are already on this list."
ENTRY_UNKNOWN_REASON = "Unknown reason; authorized reasons: " + ", ".join(Category.values) + "."
ENTRY_BAD_STATE = "'{state}' is not a two-letter state or province code."
IMPORT_UNKNOWN_FORMAT = "Unknown import format '{format}'; use one of: " + ", ".join(ImportFormat.values) + "."

ALERT_STEP_REFUSED = "An alert cannot go from {current} to {target}. Allowed next steps: {allowed}."
ALERT_CONFIRM_NEEDS_VERIFICATION = (
    "Confirming a hit requires recording both that the plate was visually verified (against the read's image, or "
    "the vehicle itself when the read has none) and "
    "that the hit was checked against the state (CLETS) or NCIC database."
)
HOLD_NO_ALERTS = "Name at least one alert to hold."
HOLD_ALERTS_NOT_FOUND = "These alerts are not your agency's or do not exist: {ids}."
ALERT_REASON_REQUIRED = "Marking an alert {target} requires a reason."
_REASON_REQUIRED = frozenset({AlertStatus.MISREAD, AlertStatus.CLEARED})


# Entries ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def hotlist_entry_create(
    *,
    hotlist: Hotlist,
    user,
    plate: str,
    plate_state: str = "",
    reason: str = "",
    case_number: str = "",
    description: str = "",
    expires_at=None,
    vehicle_year: int | None = None,
    vehicle_make: str = "",
    vehicle_model: str = "",
    vehicle_color: str = "",
    ncic_code: str = "",
) -> HotlistEntry:
    """Add one plate to a list by hand and check the reads already stored against it (historical alerts)."""
    if states_immigration_purpose(reason, description, case_number, extra_terms=agency_terms([hotlist.agency_id])):
        raise ValidationError({"reason": PROHIBITED_REASON})
    try:
        normalized = normalize_plate(plate)
    except PlateError as exc:
        raise ValidationError({"plate": str(exc)}) from exc
    state = ""
    if plate_state:
        state = normalize_state(plate_state)
        if state is None:
            raise ValidationError({"plate_state": ENTRY_BAD_STATE.format(state=plate_state)})
    reason = reason or hotlist.category
    if reason not in Category.values:
        raise ValidationError({"reason": ENTRY_UNKNOWN_REASON})
    if HotlistEntry.objects.filter(hotlist=hotlist, plate=normalized, plate_state=state).exists():
        raise ValidationError({"plate": ENTRY_DUPLICATE})
    if expires_at is None and hotlist.default_entry_lifetime:
        expires_at = timezone.now() + hotlist.default_entry_lifetime
    entry = HotlistEntry(
        hotlist=hotlist,
        plate=normalized,
        canonical=canonical_key(normalized),
        plate_state=state,
        ncic_code=ncic_code,
        reason=reason,
        case_number=case_number,
        description=description,
        vehicle_year=vehicle_year,
        vehicle_make=vehicle_make,
        vehicle_model=vehicle_model,
        vehicle_color=vehicle_color,
        entered_by=user,
        expires_at=expires_at,
    )
    entry.full_clean()
    entry.save()
    entry.historical_alerts = match_historical(hotlist=hotlist, entry_ids=[entry.pk])
    return entry


@transaction.atomic
def hotlist_entry_delete(*, entry: HotlistEntry, user) -> None:
    """Remove a plate from a list. Its alerts keep their snapshot of it."""
    logger.info("hotlist entry %s (%s) removed by %s", entry.pk, entry.plate, user)
    entry.delete()


# Imports ---------------------------------------------------------------------------------------------------------

# The stage lives for the session (loaded over several short transactions, dropped at the end, or with the session
# if the worker dies); the ids added live for the applying transaction. Temporary tables need one database session
# for the whole import: behind a transaction-pooling proxy (PgBouncer) the worker must connect directly.
_STAGE_DDL = """
DROP TABLE IF EXISTS hotlist_stage, hotlist_added;
CREATE TEMP TABLE hotlist_stage (
    plate varchar(10), canonical varchar(10), plate_state varchar(2), ncic_code varchar(1), reason varchar(32),
    case_number varchar(64), description varchar(500), listed_on date, expires_at timestamptz, vehicle_year smallint,
    vehicle_make varchar(40), vehicle_model varchar(40), vehicle_color varchar(24), source_ref varchar(64)
);
"""
_ADDED_DDL = "CREATE TEMP TABLE hotlist_added (id bigint PRIMARY KEY) ON COMMIT DROP"
# Alerts keep their snapshot of an entry that leaves the list (the SET_NULL Django does for ORM deletes).
_DETACH_ALERTS_SQL = """
UPDATE hotlists_alert a SET entry_id = NULL
FROM hotlists_hotlistentry e
WHERE a.entry_id = e.id AND e.hotlist_id = %s
AND NOT EXISTS (SELECT 1 FROM hotlist_stage s WHERE s.plate = e.plate AND s.plate_state = e.plate_state)
"""
_REMOVE_SQL = """
DELETE FROM hotlists_hotlistentry e WHERE e.hotlist_id = %s
AND NOT EXISTS (SELECT 1 FROM hotlist_stage s WHERE s.plate = e.plate AND s.plate_state = e.plate_state)
"""
_UPDATE_SQL = """
UPDATE hotlists_hotlistentry e
SET (ncic_code, reason, case_number, description, listed_on, source_ref,
     vehicle_year, vehicle_make, vehicle_model, vehicle_color, expires_at)
  = (s.ncic_code, s.reason, s.case_number, s.description, s.listed_on, s.source_ref,
     s.vehicle_year, s.vehicle_make, s.vehicle_model, s.vehicle_color, COALESCE(s.expires_at, e.expires_at))
FROM hotlist_stage s
WHERE e.hotlist_id = %s AND e.plate = s.plate AND e.plate_state = s.plate_state
  AND ((e.ncic_code, e.reason, e.case_number, e.description, e.listed_on, e.source_ref,
        e.vehicle_year, e.vehicle_make, e.vehicle_model, e.vehicle_color)
       IS DISTINCT FROM
       (s.ncic_code, s.reason, s.case_number, s.description, s.listed_on, s.source_ref,
        s.vehicle_year, s.vehicle_make, s.vehicle_model, s.vehicle_color)
       OR (s.expires_at IS NOT NULL AND s.expires_at IS DISTINCT FROM e.expires_at))
"""
_INSERT_SQL = """
WITH ins AS (
    INSERT INTO hotlists_hotlistentry
        (hotlist_id, plate, canonical, plate_state, ncic_code, reason, case_number, description, listed_on,
         source_ref, vehicle_year, vehicle_make, vehicle_model, vehicle_color, entered_by_id, entered_at, expires_at)
    SELECT %(hotlist)s, s.plate, s.canonical, s.plate_state, s.ncic_code, s.reason, s.case_number, s.description,
           s.listed_on, s.source_ref, s.vehicle_year, s.vehicle_make, s.vehicle_model, s.vehicle_color,
           %(user)s, %(now)s, COALESCE(s.expires_at, %(default_expiry)s)
    FROM hotlist_stage s
    WHERE NOT EXISTS (
        SELECT 1 FROM hotlists_hotlistentry e
        WHERE e.hotlist_id = %(hotlist)s AND e.plate = s.plate AND e.plate_state = s.plate_state)
    RETURNING id
)
INSERT INTO hotlist_added (id) SELECT id FROM ins
"""
_COPY_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_CHUNK = 50_000


IMPORT_INTERRUPTED = (
    "The import was interrupted (the worker stopped: killed, restarted or out of time) before it finished; "
    "the list is unchanged. Upload the file again."
)
# A running import reports its progress at most this often (each report is one short UPDATE of its record).
_PROGRESS_EVERY_S = 1.0
_PROGRESS_EVERY_LINES = 20_000


def hotlist_import(
    *,
    hotlist: Hotlist,
    content: bytes,
    file_name: str,
    file_format: str,
    user=None,
    replace: bool | None = None,
    channel: str = "api",
    progress: Callable[[list[str]], Iterable[str]] | None = None,
) -> HotlistImport:
    """Import a file into `hotlist` here and now, all or nothing, and record the import whatever happens (the
    management command, the drop-folder job and the demo; the API and the admin queue a background job instead,
    `hotlist_import_queue`).

    A state or NCIC extract (default for CLEW and NCIC) replaces the whole list: entries absent from the file are
    removed, new ones added, changed ones updated; a CSV adds to the list unless `replace`. A file with any bad line
    is refused whole (outcome REFUSED, `errors` lists each line and why) and the list stays as it was. `progress`
    may wrap the lines (a tqdm bar). New entries are checked against stored reads (historical)."""
    record = _new_record(hotlist, content, file_name, file_format, user, replace, channel, ImportOutcome.RUNNING)
    record.stage = ImportStage.PARSING
    record.save()
    return _run(record, content, progress)


def hotlist_import_queue(
    *,
    hotlist: Hotlist,
    content: bytes,
    file_name: str,
    file_format: str,
    user=None,
    replace: bool | None = None,
    channel: str = "api",
) -> HotlistImport:
    """Record an import as queued and hand it to a worker after commit (`hotlist_import_run`). A state extract of a
    million entries takes about a minute, past any web server's timeout: the request only stores the file.
    The record then shows the import's stage and progress, and finally its outcome."""
    record = _new_record(hotlist, content, file_name, file_format, user, replace, channel, ImportOutcome.QUEUED)
    record.stage = ImportStage.WAITING
    name = f"hotlist-imports/{hotlist.agency_id}/{record.sha256}-{uuid.uuid4().hex}.txt"
    record.stored_file = default_storage.save(name, ContentFile(content))
    record.save()
    transaction.on_commit(partial(_enqueue_import, record.pk))
    return record


def _enqueue_import(import_id: int) -> None:
    from .tasks import hotlist_import_task

    try:
        hotlist_import_task.delay(import_id)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the upload; the sweeper queues it again
        logger.warning("hotlist import %s not queued (broker unavailable); the sweeper will queue it", import_id)


def hotlist_import_run(*, import_id: int) -> HotlistImport:
    """The worker's part of a queued import. Runs it once: a record already finished is returned as it is, and a
    record still marked running is one whose worker died mid-import (the broker handed the message on): nothing of
    it was committed, since the list changes and the record's outcome commit together, so it is marked failed."""
    with transaction.atomic():
        record = (
            HotlistImport.objects.select_for_update(of=("self",)).select_related("hotlist", "user").get(pk=import_id)
        )
        if record.outcome == ImportOutcome.RUNNING:
            return _interrupted(record)
        if record.outcome != ImportOutcome.QUEUED:
            return record
        record.outcome = ImportOutcome.RUNNING
        record.stage = ImportStage.PARSING
        record.started_at = record.progress_at = timezone.now()
        record.save(update_fields=["outcome", "stage", "started_at", "progress_at"])
    try:
        with default_storage.open(record.stored_file, "rb") as handle:
            content = handle.read()
        return _run(record, content, None)
    except Exception as exc:
        if record.outcome == ImportOutcome.RUNNING:  # failed before _run could record it (the file is gone)
            _finish(record, time.monotonic(), outcome=ImportOutcome.FAILED, errors=[(0, _system_error(exc))],
                    error_count=1)  # fmt: skip
        raise
    finally:
        _discard_file(record)


def hotlist_imports_sweep(*, queued_after: dt.timedelta = dt.timedelta(minutes=10)) -> dict[str, int]:
    """Beat: mark failed the imports still "running" past the import task's hard time limit (their worker is gone:
    killed, or stopped by the limit), and queue again those "queued" for too long (the broker was down)."""
    from .tasks import IMPORT_TIME_LIMIT_S

    now = timezone.now()
    stale = HotlistImport.objects.filter(
        outcome=ImportOutcome.RUNNING, started_at__lt=now - dt.timedelta(seconds=IMPORT_TIME_LIMIT_S + 60)
    )
    failed = 0
    for import_id in stale.values_list("id", flat=True)[:100]:
        with transaction.atomic():
            record = HotlistImport.objects.select_for_update(skip_locked=True).filter(pk=import_id).first()
            if record is not None and record.outcome == ImportOutcome.RUNNING:
                _interrupted(record)
                _discard_file(record)
                failed += 1
    waiting = HotlistImport.objects.filter(outcome=ImportOutcome.QUEUED, started_at__lt=now - queued_after)
    requeued = 0
    for import_id in waiting.values_list("id", flat=True)[:100]:
        _enqueue_import(import_id)
        requeued += 1
    return {"failed": failed, "requeued": requeued}


def _new_record(hotlist, content, file_name, file_format, user, replace, channel, outcome) -> HotlistImport:
    replace = import_replaces(file_format, replace)
    return HotlistImport(
        hotlist=hotlist,
        user=user if getattr(user, "is_authenticated", False) else None,
        channel=channel,
        started_at=timezone.now(),
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        file_format=file_format,
        replace=replace,
        outcome=outcome,
    )


def _interrupted(record: HotlistImport) -> HotlistImport:
    logger.error("hotlist import %s into hotlist %s was interrupted", record.pk, record.hotlist_id)
    record.outcome = ImportOutcome.FAILED
    record.stage = ImportStage.DONE
    record.errors = [{"line": 0, "reason": IMPORT_INTERRUPTED}]
    record.error_count = 1
    record.finished_at = timezone.now()
    record.save(update_fields=["outcome", "stage", "errors", "error_count", "finished_at"])
    return record


def _discard_file(record: HotlistImport) -> None:
    if record.stored_file:
        default_storage.delete(record.stored_file)
        HotlistImport.objects.filter(pk=record.pk).update(stored_file="")
        record.stored_file = ""


class _Progress:
    """Reports a running import's stage and progress on its record, in short autocommit UPDATEs, at most once a
    second (outside the import's own transaction, so that the admin and the API see it while it runs)."""

    def __init__(self, record: HotlistImport):
        self.record = record
        self.last = 0.0

    def __call__(self, stage: str, done: int, *, total_lines: int | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < _PROGRESS_EVERY_S:
            return
        self.last = now
        fields = {"stage": stage, "progress": done, "progress_at": timezone.now()}
        if total_lines is not None:
            fields["total_lines"] = total_lines
        HotlistImport.objects.filter(pk=self.record.pk).update(**fields)
        for name, value in fields.items():
            setattr(self.record, name, value)

    def counting(self, lines: list[str]) -> Iterator[str]:
        for number, line in enumerate(lines, start=1):
            if number % _PROGRESS_EVERY_LINES == 0:
                self(ImportStage.PARSING, number)
            yield line


def _run(record: HotlistImport, content: bytes, progress) -> HotlistImport:
    """Parse, stage and apply one import whose record is saved as running; finish the record."""
    clock = time.monotonic()
    hotlist = record.hotlist
    tracker = _Progress(record)
    try:
        parsed = _parse(hotlist, content, record.file_format, progress, tracker)
    except ImportFileError as exc:
        return _finish(record, clock, outcome=ImportOutcome.REFUSED, errors=exc.errors, error_count=exc.total)
    except Exception as exc:
        logger.exception("import of %s into hotlist %s failed", record.file_name, hotlist.pk)
        _finish(record, clock, outcome=ImportOutcome.FAILED, errors=[(0, _system_error(exc))], error_count=1)
        raise
    if parsed.header_date is not None:
        record.header_date = timezone.make_aware(parsed.header_date)
    record.records_read = len(parsed.entries)
    try:
        return _apply(record, parsed.entries, tracker, clock)
    except Exception as exc:
        logger.exception("import of %s into hotlist %s failed", record.file_name, hotlist.pk)
        _finish(record, clock, outcome=ImportOutcome.FAILED, errors=[(0, _system_error(exc))], error_count=1)
        raise


def _system_error(exc: Exception) -> str:
    return f"System error: {str(exc) or exc.__class__.__name__}"[:500]


def _parse(hotlist: Hotlist, content: bytes, file_format: str, progress, tracker: _Progress) -> ParsedFile:
    lines = import_lines(content)
    tracker(ImportStage.PARSING, 0, total_lines=len(lines), force=True)
    lines = tracker.counting(lines) if progress is None else progress(lines)
    parsed = parse_import_lines(hotlist, lines, file_format)
    if parsed is None:
        raise ImportFileError([(0, IMPORT_UNKNOWN_FORMAT.format(format=file_format))])
    return parsed


def _finish(record: HotlistImport, clock: float, *, outcome: str, errors=(), error_count: int = 0) -> HotlistImport:
    record.outcome = outcome
    record.stage = ImportStage.DONE
    record.errors = [{"line": line, "reason": reason} for line, reason in errors]
    record.error_count = error_count
    record.finished_at = timezone.now()
    record.duration_ms = int((time.monotonic() - clock) * 1000)
    record.save()
    return record


def _apply(record: HotlistImport, entries: list[ParsedEntry], tracker: _Progress, clock: float) -> HotlistImport:
    """Load the entries into a session temporary table in short COPY statements (each its own transaction when
    the caller has none open), then diff them set-wise against the list and finish the record in one transaction:
    the list changes, the historical alerts and the record's outcome commit together or not at all. Only that last
    step holds a transaction open for long (it is what all-or-nothing costs); loading, the bulk of the bytes,
    does not."""
    hotlist = record.hotlist
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        try:
            record.duplicates = _copy_stage(cursor, entries, tracker)
            # Temporary tables get no autovacuum statistics, and the list's own statistics may predate a big
            # import: with an index on the stage, a misestimated nested-loop diff probes it instead of scanning it.
            cursor.execute("CREATE INDEX ON hotlist_stage (plate, plate_state)")
            cursor.execute("ANALYZE hotlist_stage")
            tracker(ImportStage.APPLYING, 0, force=True)
            with transaction.atomic():
                counts = _diff(cursor, hotlist, replace=record.replace, user=record.user)
                for name, value in counts.items():
                    setattr(record, name, value)
                record.unchanged = len(entries) - record.duplicates - record.added - record.updated
                return _finish(record, clock, outcome=ImportOutcome.SUCCEEDED)
        finally:
            try:
                cursor.execute("DROP TABLE IF EXISTS hotlist_stage, hotlist_added")
            except DatabaseError:
                logger.warning("hotlist_stage not dropped (the session ends with it)")


def _diff(cursor, hotlist: Hotlist, *, replace: bool, user) -> dict[str, int]:
    # The row lock serializes imports into one list; matching at ingest reads entries and is not blocked.
    hotlist = Hotlist.objects.select_for_update().get(pk=hotlist.pk)
    now = timezone.now()
    default_expiry = now + hotlist.default_entry_lifetime if hotlist.default_entry_lifetime else None
    cursor.execute(_ADDED_DDL)
    removed = 0
    if replace:
        cursor.execute(_DETACH_ALERTS_SQL, [hotlist.pk])
        cursor.execute(_REMOVE_SQL, [hotlist.pk])
        removed = cursor.rowcount
    cursor.execute(_UPDATE_SQL, [hotlist.pk])
    updated = cursor.rowcount
    cursor.execute(
        _INSERT_SQL,
        {"hotlist": hotlist.pk, "user": getattr(user, "pk", None), "now": now, "default_expiry": default_expiry},
    )
    added = cursor.rowcount
    alerts = match_historical(hotlist=hotlist, entries_sql="SELECT id FROM hotlist_added") if added else []
    return {"added": added, "updated": updated, "removed": removed, "historical_alerts": len(alerts)}


def _copy_stage(cursor, entries: list[ParsedEntry], tracker: _Progress) -> int:
    """COPY the entries into hotlist_stage, keeping the first of repeated (plate, state). Returns the repeats.
    One COPY statement per chunk: each is a short transaction of its own, and progress is reported between them."""
    seen: set[str] = set()
    duplicates = 0
    chunk: list[str] = []
    esc = _COPY_ESCAPE
    staged = 0

    def flush():
        with cursor.copy("COPY hotlist_stage FROM STDIN") as copy:
            copy.write("".join(chunk))
        chunk.clear()
        tracker(ImportStage.STAGING, staged)

    for e in entries:
        key = e[0] + " " + e[2]
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        staged += 1
        chunk.append(
            f"{e[0]}\t{e[1]}\t{e[2]}\t{e[3]}\t{e[4]}\t{e[5].translate(esc)}\t{e[6].translate(esc)}\t"
            f"{e[7] or chr(92) + 'N'}\t{e[8] or chr(92) + 'N'}\t{e[9] or chr(92) + 'N'}\t"
            f"{e[10].translate(esc)}\t{e[11].translate(esc)}\t{e[12].translate(esc)}\t{e[13].translate(esc)}\n"
        )
        if len(chunk) >= _COPY_CHUNK:
            flush()
    if chunk:
        flush()
    return duplicates


def hotlist_import_drop_folder() -> list[int]:
    """Import extracts dropped in HOTLIST_DROP_DIR/<agency slug>/<file>, where <file> is a hotlist's
    `drop_file_name` (e.g. svs.tbl). Each file replaces its list; it then moves to processed/ or refused/ beside it.
    Files younger than HOTLIST_DROP_SETTLE_S are left alone: they may still be being written."""
    root = Path(settings.HOTLIST_DROP_DIR)
    if not root.is_dir():
        return []
    settle = settings.HOTLIST_DROP_SETTLE_S
    imported = []
    for agency_dir in sorted(path for path in root.iterdir() if path.is_dir()):
        for path in sorted(path for path in agency_dir.iterdir() if path.is_file()):
            if time.time() - path.stat().st_mtime < settle:
                continue
            hotlist = Hotlist.objects.filter(agency__slug=agency_dir.name, drop_file_name=path.name).first()
            if hotlist is None:
                logger.warning("drop folder: no hotlist of %s takes %s", agency_dir.name, path.name)
                continue
            record = hotlist_import(
                hotlist=hotlist,
                content=path.read_bytes(),
                file_name=path.name,
                file_format=hotlist.import_format,
                replace=True,
                channel="drop_folder",
            )
            folder = agency_dir / ("processed" if record.outcome == ImportOutcome.SUCCEEDED else "refused")
            folder.mkdir(exist_ok=True)
            path.rename(folder / f"{timezone.now():%Y%m%dT%H%M%S}-{path.name}")
            imported.append(record.pk)
    return imported


# Alerts ----------------------------------------------------------------------------------------------------------


@transaction.atomic
def alert_transition(
    *,
    alert: Alert,
    user,
    to_status: str,
    note: str = "",
    plate_verified: bool = False,
    database_checked: bool = False,
) -> Alert:
    """Move an alert one step along its workflow and record the step. A hit is confirmed only with both the visual
    plate check and the database check recorded; misread and cleared need a reason; steps cannot be skipped."""
    # Lock: two officers working the same alert must not both move it from the same state.
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    allowed = ALERT_TRANSITIONS.get(alert.status, frozenset())
    if to_status not in allowed:
        raise ValidationError(
            {
                "to_status": ALERT_STEP_REFUSED.format(
                    current=alert.status, target=to_status, allowed=", ".join(sorted(allowed)) or "none"
                )
            }
        )
    if to_status == AlertStatus.CONFIRMED and not (plate_verified and database_checked):
        raise ValidationError({"to_status": ALERT_CONFIRM_NEEDS_VERIFICATION})
    if to_status in _REASON_REQUIRED and not note.strip():
        raise ValidationError({"note": ALERT_REASON_REQUIRED.format(target=to_status)})
    if note:
        membership = membership_of(user)
        prohibited_purpose_check({"note": note}, agency_ids=[membership.agency_id if membership else None])
    event = AlertEvent.objects.create(
        alert=alert,
        actor=user,
        from_status=alert.status,
        to_status=to_status,
        note=note,
        plate_verified=plate_verified,
        database_checked=database_checked,
    )
    alert.status = to_status
    alert.plate_verified = alert.plate_verified or plate_verified
    alert.database_checked = alert.database_checked or database_checked
    if note:
        alert.disposition_note = note[:500]
    alert.updated_at = event.at
    alert.save(update_fields=["status", "plate_verified", "database_checked", "disposition_note", "updated_at"])
    return alert


@transaction.atomic
def alert_hold_place(*, user, agency, case_number: str, reason: str, alert_ids: Iterable[int]) -> EvidenceHold:
    """Keep alerts of the user's agency (and their images) past the alert retention for a case, in an evidence hold
    like a read's (released the same way). Serialized with the purge like hold_place, so an alert the purge removed
    meanwhile is refused rather than held in name only."""
    alert_ids = set(alert_ids)
    if not alert_ids:
        raise ValidationError(HOLD_NO_ALERTS)
    hold_purge_lock(shared=True)
    found = set(Alert.objects.filter(agency=agency, id__in=alert_ids).values_list("id", flat=True))
    missing = sorted(alert_ids - found)
    if missing:
        raise ValidationError(HOLD_ALERTS_NOT_FOUND.format(ids=", ".join(map(str, missing))))
    hold = EvidenceHold(agency=agency, case_number=case_number, reason=reason, created_by=user)
    hold.full_clean()
    hold.save()
    AlertHoldItem.objects.bulk_create([AlertHoldItem(hold=hold, alert_id=alert_id) for alert_id in sorted(found)])
    return hold
