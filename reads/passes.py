"""One read per vehicle pass: finding the read a peer's later message about the same pass belongs to, and deciding
what of the new message improves it.

Peers describe one pass in several messages (Frigate's new / update / end, Axis's new / update / lost, OpenALPR's
frames then its group, Hikvision's re-sends after an outage). The ingest service (reads.services.read_ingest with
a pass window) stores the first message as a read whose source_id is the peer's own id of the pass, and calls
these helpers for each later one. Plain SQL and plain Python; no hotlist knowledge here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection

from .plates import canonical_key
from .validation import ReadInput

# Fields a later message may fill in when the stored read has none, or replace when its reading is the better one.
_DESCRIPTIVE = ("vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color", "direction", "heading")
_COLUMNS = (
    "id", "captured_at", "camera_id", "source_id", "plate", "plate_state", "plate_kind", "confidence", "candidates",
    "vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color", "direction", "heading", "image", "plate_crop",
)  # fmt: skip
_SELECT = "SELECT " + ", ".join(_COLUMNS) + " FROM reads_read "  # noqa: S608 (this module's column names)
# One index probe per pass id, on (owner_agency_id, source_id, captured_at). Written as a lateral join, with OFFSET 0
# to keep the planner from flattening it: `source_id = ANY(...)` over a day's partition not yet analyzed (a new day,
# stats of an empty table) was planned as a scan of all the agency's reads in the window, filtered by source_id.
_BY_SOURCE_ID = (
    "SELECT r.* FROM unnest(%s::text[]) AS k(pass_id) CROSS JOIN LATERAL ("  # noqa: S608 (this module's SQL)
    + _SELECT
    + "WHERE owner_agency_id = %s AND source = %s AND source_id = k.pass_id "
    "AND captured_at >= %s AND captured_at <= %s OFFSET 0) AS r"
)

# Serialises the messages of one pass (or, for passes found by plate, of one camera) across processes, for the
# length of the ingest transaction: two messages of one pass arriving together must not both store a read.
# Keys are locked in one statement, in sorted order, so two batches never wait on each other in a circle.
PASS_LOCK_SQL = (
    "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7321))) "
    "FROM (SELECT k FROM unnest(%s::text[]) AS k ORDER BY k) AS s"
)


@dataclass(slots=True)
class StoredPass:
    """A read already stored for a pass, as the update needs it."""

    id: int
    captured_at: dt.datetime
    camera_id: int | None
    source_id: str
    plate: str
    plate_state: str
    plate_kind: str
    confidence: float | None
    candidates: list
    vehicle_make: str
    vehicle_model: str
    vehicle_type: str
    vehicle_color: str
    direction: str
    heading: int | None
    image: str
    plate_crop: str
    merged_ids: list[int] = field(default_factory=list)  # reads of the same pass merged into this one


def pass_reads_find(
    *,
    agency_id: int,
    source: str,
    reads: Sequence[ReadInput],
    aliases: Sequence[Sequence[str]],
    by_plate_s: Sequence[int],
    window: dt.timedelta,
) -> list[list[StoredPass]]:
    """For each read, the stored reads of its pass, oldest first: those whose source_id is the read's or one of its
    aliases, captured within `window` of it; or, for a read given a plate window (OpenALPR frames, which carry no
    id of their pass), a read of the same camera and source within that many seconds whose plate has the same
    OCR-confusion key."""
    keys = sorted({key for read, more in zip(reads, aliases, strict=True) for key in (read.source_id, *more)})
    times = [read.captured_at for read in reads]
    with connection.cursor() as cursor:
        cursor.execute(_BY_SOURCE_ID, [keys, agency_id, source, min(times) - window, max(times) + window])
        rows = [_stored(row) for row in cursor.fetchall()]
        found: list[list[StoredPass]] = []
        for read, more, seconds in zip(reads, aliases, by_plate_s, strict=True):
            names = {read.source_id, *more}
            mine = [row for row in rows if row.source_id in names and abs(row.captured_at - read.captured_at) <= window]
            if not mine and seconds:
                gap = dt.timedelta(seconds=seconds)
                cursor.execute(
                    _SELECT + "WHERE owner_agency_id = %s AND source = %s AND camera_id = %s "
                    "AND captured_at >= %s AND captured_at <= %s",
                    [agency_id, source, read.camera_id, read.captured_at - gap, read.captured_at + gap],
                )
                key = canonical_key(read.plate)
                mine = [row for row in map(_stored, cursor.fetchall()) if canonical_key(row.plate) == key]
            found.append(sorted(mine, key=lambda row: (row.captured_at, row.id)))
    return found


def _stored(row: tuple) -> StoredPass:
    stored = StoredPass(*row)
    if isinstance(stored.candidates, str):  # Django's psycopg setup hands jsonb over as text
        stored.candidates = json.loads(stored.candidates)
    return stored


def _score(confidence: float | None) -> float:
    return -1.0 if confidence is None else confidence


def pass_merge(stored: StoredPass, read: ReadInput) -> tuple[dict, bool]:
    """What a later message of a pass changes on its stored read: (columns to set, whether the reading changed).

    The best plate reading wins: the new one replaces the stored plate, state, confidence and candidates when its
    confidence is higher (or, neither having one, when it reads another plate: the peer refined it). Descriptive
    fields come from the better reading, and otherwise fill in only what the stored read lacks."""
    better = _score(read.confidence) > _score(stored.confidence) or (
        read.confidence is None and stored.confidence is None and read.plate != stored.plate
    )
    changes: dict = {}
    if better:
        for name in ("plate", "plate_kind", "confidence", "candidates"):
            if getattr(read, name) != getattr(stored, name):
                changes[name] = getattr(read, name)
        if read.plate_state and read.plate_state != stored.plate_state:
            changes["plate_state"] = read.plate_state
    elif read.plate_state and not stored.plate_state and read.plate == stored.plate:
        changes["plate_state"] = read.plate_state
    for name in _DESCRIPTIVE:
        value = getattr(read, name)
        if value in ("", None) or value == getattr(stored, name):
            continue
        if better or getattr(stored, name) in ("", None):
            changes[name] = value
    reading_changed = bool({"plate", "plate_state", "candidates"} & set(changes))
    return changes, reading_changed


def pass_update(*, agency_id: int, stored: StoredPass, changes: dict) -> None:
    """Write `changes` to the stored read (in the caller's transaction)."""
    if not changes:
        return
    names = sorted(changes)
    values = [json.dumps(changes[name]) if name == "candidates" else changes[name] for name in names]
    assignments = ", ".join(f"{name} = %s" + ("::jsonb" if name == "candidates" else "") for name in names)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE reads_read SET {assignments} WHERE owner_agency_id = %s AND id = %s AND captured_at = %s",  # noqa: S608 (names are this module's)
            [*values, agency_id, stored.id, stored.captured_at],
        )
    for name, value in changes.items():
        setattr(stored, name, value)


def pass_reads_drop(*, agency_id: int, rows: Sequence[StoredPass]) -> None:
    """Remove reads found to be of a pass already stored under another read (OpenALPR frames whose plates differed,
    gathered by the group that names them all)."""
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reads_read WHERE owner_agency_id = %s AND id = ANY(%s) AND captured_at >= %s "
            "AND captured_at <= %s",
            [agency_id, [row.id for row in rows], min(r.captured_at for r in rows), max(r.captured_at for r in rows)],
        )
