"""Validation of reads arriving for ingest: plain Python, fast enough for 1,000-read batches at line rate.

A DRF serializer per item costs more than storing the read; this checks the same things in one pass and
collects every problem of every item, so a refused batch says exactly what to fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from agencies.choices import US_STATES

from .choices import CameraKind, Direction, PlateKind
from .plates import PlateError, normalize_plate

NOT_AN_OBJECT = "Each read must be a JSON object."
REQUIRED = "This field is required."
UNKNOWN_CAMERA = "Unknown camera for this agency."
CAMERA_NOT_A_NUMBER = "A camera is given by its id, a whole number (not true, false or text)."
CAMERA_INACTIVE = "This camera is not active."
TIME_FORMAT = "Use an ISO 8601 date and time with a time zone, e.g. 2026-11-21T08:15:30-08:00."
TIME_NO_ZONE = "The time has no time zone; add one (e.g. Z or -08:00)."
TIME_FUTURE = "The time is in the future."
TIME_PAST_RETENTION = "The time is older than the agency's retention period; the read would be purged at once."
STATE_UNKNOWN = "Unknown state; use a two-letter USPS code such as CA."
NUMBER_RANGE = "Must be a number from {low} to {high}."
LATLON_PAIR = "Give both latitude and longitude, or neither."
MOBILE_NEEDS_LOCATION = "A mobile camera's read needs its own latitude and longitude."
SOURCE_ID_REPEATED = "This source_id appears more than once in the batch."
CHOICE = "Must be one of: {choices}."
TEXT_TOO_LONG = "At most {n} characters."
TEXT_NUL = "Text may not hold NUL characters."
CANDIDATES_FORMAT = "candidates is a list of {plate, confidence} objects."

FUTURE_SKEW = dt.timedelta(minutes=5)
# Django's `Choices.values` builds a new list on every access: too slow to ask per read.
_PLATE_KINDS = frozenset(PlateKind.values)
_DIRECTIONS = frozenset(Direction.values)
_TEXT_FIELDS = {"vehicle_make": 40, "vehicle_model": 40, "vehicle_type": 24, "vehicle_color": 24}


@dataclass(slots=True)
class ReadInput:
    """One validated, normalized read, ready to store."""

    camera_id: int
    captured_at: dt.datetime
    plate: str
    source_id: str
    plate_state: str = ""
    plate_kind: str = PlateKind.FULL
    confidence: float | None = None
    candidates: list[dict] = field(default_factory=list)
    vehicle_make: str = ""
    vehicle_model: str = ""
    vehicle_type: str = ""
    vehicle_color: str = ""
    direction: str = ""
    heading: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    image: str = ""
    plate_crop: str = ""


@dataclass(frozen=True, slots=True)
class CameraInfo:
    id: int
    kind: str
    is_active: bool


def parse_time(value) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError(TIME_FORMAT)
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(TIME_FORMAT) from exc
    if moment.tzinfo is None:
        raise ValueError(TIME_NO_ZONE)
    # In UTC: Python reads offsets up to ±23:59, PostgreSQL takes at most ±15:59 (and the text goes to it as is).
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError as exc:  # past year 9999 once in UTC
        raise ValueError(TIME_FORMAT) from exc


def _number(value, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValueError(NUMBER_RANGE.format(low=low, high=high))
    return float(value)


def _state(value) -> str:
    state = (value or "").upper() if isinstance(value, str) else None
    if state is None or (state and state not in US_STATES):
        raise ValueError(STATE_UNKNOWN)
    return state


def _candidates(value) -> list[dict]:
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValueError(CANDIDATES_FORMAT)
    result = []
    for candidate in value[:10]:
        if not isinstance(candidate, Mapping) or "plate" not in candidate:
            raise ValueError(CANDIDATES_FORMAT)
        try:
            plate = normalize_plate(str(candidate["plate"]))
        except PlateError as exc:
            raise ValueError(f"candidate {candidate.get('plate')!r}: {exc}") from exc
        confidence = candidate.get("confidence")
        result.append({"plate": plate, "confidence": None if confidence is None else _number(confidence, 0, 1)})
    return result


def validate_items(
    items: Sequence,
    *,
    cameras: Mapping[int, CameraInfo],
    now: dt.datetime,
    oldest_allowed: dt.datetime,
) -> tuple[list[ReadInput], list[dict]]:
    """Return (reads, errors). errors is [{"index": i, "errors": {field: [message]}}], empty when all are valid."""
    reads: list[ReadInput] = []
    errors: list[dict] = []
    seen_source_ids: set[str] = set()
    latest_allowed = now + FUTURE_SKEW
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            errors.append({"index": index, "errors": {"non_field_errors": [NOT_AN_OBJECT]}})
            continue
        problems: dict[str, list[str]] = {}

        def fail(name: str, message: str, problems=problems) -> None:
            problems.setdefault(name, []).append(message)

        for name in ("camera", "captured_at", "plate", "source_id"):
            if item.get(name) in (None, ""):
                fail(name, REQUIRED)
        camera = None
        if item.get("camera") not in (None, ""):
            number = item["camera"]
            # JSON's true is Python's 1: without the bool test, `"camera": true` would be taken as camera 1.
            if isinstance(number, bool) or not isinstance(number, int):
                fail("camera", CAMERA_NOT_A_NUMBER)
            elif (camera := cameras.get(number)) is None:
                fail("camera", UNKNOWN_CAMERA)
            elif not camera.is_active:
                fail("camera", CAMERA_INACTIVE)
        captured_at = None
        if item.get("captured_at") not in (None, ""):
            try:
                captured_at = parse_time(item["captured_at"])
                if captured_at > latest_allowed:
                    fail("captured_at", TIME_FUTURE)
                elif captured_at < oldest_allowed:
                    fail("captured_at", TIME_PAST_RETENTION)
            except ValueError as exc:
                fail("captured_at", str(exc))
        plate = ""
        if item.get("plate") not in (None, ""):
            try:
                plate = normalize_plate(str(item["plate"]))
            except PlateError as exc:
                fail("plate", str(exc))
        source_id = str(item.get("source_id") or "")
        if len(source_id) > 128:
            fail("source_id", TEXT_TOO_LONG.format(n=128))
        elif "\x00" in source_id:  # PostgreSQL text holds no NUL: refuse it here rather than fail at the INSERT
            fail("source_id", TEXT_NUL)
        elif source_id in seen_source_ids:
            fail("source_id", SOURCE_ID_REPEATED)
        seen_source_ids.add(source_id)
        read = ReadInput(
            camera_id=camera.id if camera else 0, captured_at=captured_at, plate=plate, source_id=source_id
        )
        try:
            read.plate_state = _state(item.get("plate_state", ""))
        except ValueError as exc:
            fail("plate_state", str(exc))
        kind = item.get("plate_kind") or PlateKind.FULL
        if not isinstance(kind, str) or kind not in _PLATE_KINDS:
            fail("plate_kind", CHOICE.format(choices=", ".join(PlateKind.values)))
        read.plate_kind = kind
        for name, low, high in (("confidence", 0, 1), ("heading", 0, 359.999)):
            if item.get(name) is not None:
                try:
                    value = _number(item[name], low, high)
                    setattr(read, name, value if name == "confidence" else int(value))
                except ValueError as exc:
                    fail(name, str(exc))
        try:
            read.candidates = _candidates(item.get("candidates"))
        except ValueError as exc:
            fail("candidates", str(exc))
        for name, limit in _TEXT_FIELDS.items():
            value = item.get(name) or ""
            if not isinstance(value, str) or len(value) > limit:
                fail(name, TEXT_TOO_LONG.format(n=limit))
            elif "\x00" in value:
                fail(name, TEXT_NUL)
            else:
                setattr(read, name, value.strip().lower() if name == "vehicle_color" else value.strip())
        direction = item.get("direction") or ""
        if direction and (not isinstance(direction, str) or direction not in _DIRECTIONS):
            fail("direction", CHOICE.format(choices=", ".join(Direction.values)))
        read.direction = direction
        lat, lon = item.get("latitude"), item.get("longitude")
        if (lat is None) != (lon is None):
            fail("latitude", LATLON_PAIR)
        elif lat is not None:
            try:
                read.latitude = _number(lat, -90, 90)
                read.longitude = _number(lon, -180, 180)
            except ValueError as exc:
                fail("latitude", str(exc))
        elif camera is not None and camera.kind == CameraKind.MOBILE:
            fail("latitude", MOBILE_NEEDS_LOCATION)
        if problems:
            errors.append({"index": index, "errors": problems})
        else:
            reads.append(read)
    return reads, errors
