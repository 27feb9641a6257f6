"""Writes of the hotlists app: entries, imports (API, admin, command, drop folder) and the alert workflow."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from agencies.access import membership_of
from common.prohibited import agency_terms, prohibited_purpose_check
from reads.plates import PlateError, canonical_key, normalize_plate

from .choices import ALERT_TRANSITIONS, AlertStatus, Category, ImportFormat, ImportOutcome
from .matching import match_historical
from .models import Alert, AlertEvent, Hotlist, HotlistEntry, HotlistImport
from .parsers import ImportFileError, ParsedEntry, ParsedFile, parse_clew, parse_csv, parse_ncic
from .rules import PROHIBITED_REASON, normalize_state, states_immigration_purpose

logger = logging.getLogger(__name__)

ENTRY_DUPLICATE = "This plate and state are already on this list."
ENTRY_UNKNOWN_REASON = "Unknown reason; authorized reasons: " + ", ".join(Category.values) + "."
ENTRY_BAD_STATE = "'{state}' is not a two-letter state or province code."
IMPORT_UNKNOWN_FORMAT = "Unknown import format '{format}'; use one of: " + ", ".join(ImportFormat.values) + "."

ALERT_STEP_REFUSED = "An alert cannot go from {current} to {target}. Allowed next steps: {allowed}."
ALERT_CONFIRM_NEEDS_VERIFICATION = (
    "Confirming a hit requires recording both that the plate was visually verified against the read's image and "
    "that the hit was checked against the state (CLETS) or NCIC database."
)
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

_STAGE_DDL = """
DROP TABLE IF EXISTS hotlist_stage, hotlist_added;
CREATE TEMP TABLE hotlist_stage (
    plate varchar(10), canonical varchar(10), plate_state varchar(2), ncic_code varchar(1), reason varchar(32),
    case_number varchar(64), description varchar(500), listed_on date, expires_at timestamptz, vehicle_year smallint,
    vehicle_make varchar(40), vehicle_model varchar(40), vehicle_color varchar(24), source_ref varchar(64)
) ON COMMIT DROP;
CREATE TEMP TABLE hotlist_added (id bigint PRIMARY KEY) ON COMMIT DROP;
"""
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
    """Import a file into `hotlist`, all or nothing, and record the import whatever happens.

    A state or NCIC extract (default for CLEW and NCIC) replaces the whole list in one transaction: entries absent
    from the file are removed, new ones added, changed ones updated; a CSV adds to the list unless `replace`. A file
    with any bad line is refused whole (outcome REFUSED, `errors` lists each line and why) and the list stays as it
    was. `progress` may wrap the lines (a tqdm bar). New entries are checked against stored reads (historical)."""
    started_at = timezone.now()
    clock = time.monotonic()
    if replace is None:
        replace = file_format in (ImportFormat.CLEW, ImportFormat.NCIC)
    record = HotlistImport(
        hotlist=hotlist,
        user=user if getattr(user, "is_authenticated", False) else None,
        channel=channel,
        started_at=started_at,
        file_name=file_name[:255],
        sha256=hashlib.sha256(content).hexdigest(),
        file_format=file_format,
        replace=replace,
    )
    try:
        parsed = _parse(hotlist, content, file_format, progress)
    except ImportFileError as exc:
        return _finish(record, clock, outcome=ImportOutcome.REFUSED, errors=exc.errors, error_count=exc.total)
    if parsed.header_date is not None:
        record.header_date = timezone.make_aware(parsed.header_date)
    record.records_read = len(parsed.entries)
    try:
        with transaction.atomic():
            counts = _apply(hotlist, parsed.entries, replace=replace, user=record.user)
            for name, value in counts.items():
                setattr(record, name, value)
            return _finish(record, clock, outcome=ImportOutcome.SUCCEEDED)
    except Exception as exc:
        logger.exception("import of %s into hotlist %s failed", file_name, hotlist.pk)
        _finish(record, clock, outcome=ImportOutcome.FAILED, errors=[(0, f"System error: {exc}"[:500])], error_count=1)
        raise


def _parse(hotlist: Hotlist, content: bytes, file_format: str, progress) -> ParsedFile:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")  # fixed-width extracts from older systems
    lines = text.splitlines()
    if progress is not None:
        lines = progress(lines)
    if file_format == ImportFormat.CLEW:
        return parse_clew(lines, reason=hotlist.category)
    if file_format == ImportFormat.NCIC:
        return parse_ncic(lines)
    if file_format == ImportFormat.CSV:
        return parse_csv(lines, default_reason=hotlist.category, extra_terms=agency_terms([hotlist.agency_id]))
    raise ImportFileError([(0, IMPORT_UNKNOWN_FORMAT.format(format=file_format))])


def _finish(record: HotlistImport, clock: float, *, outcome: str, errors=(), error_count: int = 0) -> HotlistImport:
    record.outcome = outcome
    record.errors = [{"line": line, "reason": reason} for line, reason in errors]
    record.error_count = error_count
    record.finished_at = timezone.now()
    record.duration_ms = int((time.monotonic() - clock) * 1000)
    record.save()
    return record


def _apply(hotlist: Hotlist, entries: list[ParsedEntry], *, replace: bool, user) -> dict[str, int]:
    """Stage the entries with COPY, then diff set-wise against the list. Runs inside the caller's transaction."""
    # The row lock serializes imports into one list; matching at ingest reads entries and is not blocked.
    hotlist = Hotlist.objects.select_for_update().get(pk=hotlist.pk)
    now = timezone.now()
    default_expiry = now + hotlist.default_entry_lifetime if hotlist.default_entry_lifetime else None
    with connection.cursor() as cursor:
        cursor.execute(_STAGE_DDL)
        duplicates = _copy_stage(cursor, entries)
        # Temporary tables get no autovacuum statistics, and the list's own statistics may predate a big import:
        # with an index on the stage, a misestimated nested-loop diff probes it instead of scanning it per row.
        cursor.execute("CREATE INDEX ON hotlist_stage (plate, plate_state)")
        cursor.execute("ANALYZE hotlist_stage")
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
    unique = len(entries) - duplicates
    return {
        "added": added,
        "updated": updated,
        "removed": removed,
        "unchanged": unique - added - updated,
        "duplicates": duplicates,
        "historical_alerts": len(alerts),
    }


def _copy_stage(cursor, entries: list[ParsedEntry]) -> int:
    """COPY the entries into hotlist_stage, keeping the first of repeated (plate, state). Returns the repeats."""
    seen: set[str] = set()
    duplicates = 0
    chunk: list[str] = []
    esc = _COPY_ESCAPE
    with cursor.copy("COPY hotlist_stage FROM STDIN") as copy:
        for e in entries:
            key = e[0] + " " + e[2]
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            chunk.append(
                f"{e[0]}\t{e[1]}\t{e[2]}\t{e[3]}\t{e[4]}\t{e[5].translate(esc)}\t{e[6].translate(esc)}\t"
                f"{e[7] or chr(92) + 'N'}\t{e[8] or chr(92) + 'N'}\t{e[9] or chr(92) + 'N'}\t"
                f"{e[10].translate(esc)}\t{e[11].translate(esc)}\t{e[12].translate(esc)}\t{e[13].translate(esc)}\n"
            )
            if len(chunk) >= _COPY_CHUNK:
                copy.write("".join(chunk))
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
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
