"""Likely locations (locate analysis): where and when a vehicle is most often read.

One statement over the plate's reads in the window (the (plate, captured_at) index, pruned to the window's
partitions) counts them by camera, local hour of day and day of week; cameras close to each other are then
grouped into one place, and the places are ranked by reads.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from ..choices import AccessAction
from ..models import Camera, Read
from ..plates import PlateError, normalize_plate
from .common import Caller, analysis_log, evidence_reads, iso, raise_if, window_errors

PLATE_REQUIRED = "Give the plate to locate."
PLATE_NOT_FOUND = "No read of plate {plate} in this window that you may search."
GROUP_RADIUS_RANGE = "group_m is from 0 to {max} meters."

DEFAULT_GROUP_M = 150
MAX_GROUP_M = 2_000
EVIDENCE_PER_PLACE = 10
SLOTS_SHOWN = 5
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# ISODOW is 1 (Monday) to 7 (Sunday); hours and days are the agency's local ones (settings.TIME_ZONE).
_COUNTS = """
SELECT r.camera_id,
       CASE WHEN r.own_location OR r.camera_id IS NULL
            THEN round(ST_Y(r.location::geometry)::numeric, 3) END AS lat,
       CASE WHEN r.own_location OR r.camera_id IS NULL
            THEN round(ST_X(r.location::geometry)::numeric, 3) END AS lon,
       extract(hour FROM r.captured_at AT TIME ZONE %(tz)s)::int AS hour,
       extract(isodow FROM r.captured_at AT TIME ZONE %(tz)s)::int - 1 AS weekday,
       count(*) AS reads,
       array_agg(DISTINCT (r.captured_at AT TIME ZONE %(tz)s)::date) AS days,
       (array_agg(r.id ORDER BY r.captured_at DESC))[1:%(keep)s] AS read_ids,
       min(r.captured_at), max(r.captured_at)
FROM reads_read r
WHERE r.plate = %(plate)s AND r.captured_at >= %(start)s AND r.captured_at < %(end)s
  AND r.owner_agency_id = ANY(%(agencies)s) {state}
GROUP BY 1, 2, 3, 4, 5
"""


@dataclass
class LocateCriteria:
    start: dt.datetime | None
    end: dt.datetime | None
    plate: str = ""
    plate_state: str = ""
    group_m: float = DEFAULT_GROUP_M

    def as_log(self) -> dict:
        data = {
            "start": iso(self.start),
            "end": iso(self.end),
            "plate": self.plate,
            "plate_state": self.plate_state,
            "group_m": self.group_m,
        }
        return {key: value for key, value in data.items() if value not in ("", None)}

    def validate(self, caller: Caller) -> LocateCriteria:
        errors: dict[str, list[str]] = {}
        window = window_errors(self.start, self.end, agency=caller.agency)
        if window:
            errors["end" if self.start and self.end else "start"] = window
        if not self.plate:
            errors["plate"] = [PLATE_REQUIRED]
        else:
            try:
                self.plate = normalize_plate(self.plate)
            except PlateError as exc:
                errors["plate"] = [str(exc)]
        self.plate_state = (self.plate_state or "").upper()
        if not 0 <= self.group_m <= MAX_GROUP_M:
            errors["group_m"] = [GROUP_RADIUS_RANGE.format(max=MAX_GROUP_M)]
        raise_if(errors)
        return self


@dataclass
class LikelyPlace:
    latitude: float | None
    longitude: float | None
    cameras: list[Camera]
    reads: int = 0
    days: set = field(default_factory=set)
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)
    by_weekday: list[int] = field(default_factory=lambda: [0] * 7)
    first_seen: dt.datetime | None = None
    last_seen: dt.datetime | None = None
    read_ids: list[int] = field(default_factory=list)
    score: float = 0.0
    evidence: list[Read] = field(default_factory=list)

    @property
    def peak_hour(self) -> int:
        return max(range(24), key=lambda hour: (self.by_hour[hour], -hour))

    @property
    def peak_weekday(self) -> int:
        return max(range(7), key=lambda day: (self.by_weekday[day], -day))


@dataclass
class LikelySlot:
    """A place, a day of the week and an hour: 'Tuesdays around 8 at the Main St camera'."""

    place: int
    weekday: int
    hour: int
    reads: int


@dataclass
class LocateAnalysis:
    plate: str
    plate_state: str
    reads: int
    days: int
    places: list[LikelyPlace]
    slots: list[LikelySlot]
    by_hour: list[int]
    by_weekday: list[int]
    access_log_id: int | None = None


def _meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance of two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def locate_analyse(*, caller: Caller, criteria: LocateCriteria, action: str = AccessAction.SEARCH) -> LocateAnalysis:
    """The places (cameras within `group_m` of each other grouped) where the plate is read most often, ranked by
    reads; score = the share of the plate's reads in the window taken there. Each place carries its reads by local
    hour and day of week, and the busiest (place, weekday, hour) slots answer 'when'."""
    criteria.validate(caller)
    state = "AND r.plate_state = %(state)s" if criteria.plate_state else ""
    with connection.cursor() as cursor:
        cursor.execute(
            _COUNTS.format(state=state),
            {
                "tz": settings.TIME_ZONE,
                "keep": EVIDENCE_PER_PLACE,
                "plate": criteria.plate,
                "state": criteria.plate_state,
                "start": criteria.start,
                "end": criteria.end,
                "agencies": caller.agency_ids,
            },
        )
        rows = cursor.fetchall()
    if not rows:
        raise_if({"plate": [PLATE_NOT_FOUND.format(plate=criteria.plate)]})
    cameras = Camera.objects.in_bulk({row[0] for row in rows if row[0] is not None})
    # A spot is a camera, or a rounded point for reads that carry their own (mobile cameras).
    spots: dict[tuple, list[tuple]] = {}
    for row in rows:
        key = ("camera", row[0]) if row[1] is None else ("point", float(row[1]), float(row[2]))
        spots.setdefault(key, []).append(row)

    def spot_point(key) -> tuple[float, float] | None:
        if key[0] == "point":
            return key[1], key[2]
        camera = cameras.get(key[1])
        return (camera.location.y, camera.location.x) if camera and camera.location else None

    # Busiest spots first, so that each group is centred on its busiest camera.
    ordered = sorted(spots.items(), key=lambda item: -sum(row[5] for row in item[1]))
    places: list[LikelyPlace] = []
    slots: dict[tuple[int, int, int], int] = {}
    for key, spot_rows in ordered:
        point = spot_point(key)
        place = next(
            (
                p
                for p in places
                if point and p.latitude is not None and _meters(point, (p.latitude, p.longitude)) <= criteria.group_m
            ),
            None,
        )
        if place is None:
            place = LikelyPlace(latitude=point[0] if point else None, longitude=point[1] if point else None, cameras=[])
            places.append(place)
        if key[0] == "camera" and key[1] in cameras:
            place.cameras.append(cameras[key[1]])
        index = places.index(place)
        for _camera, _lat, _lon, hour, weekday, count, days, read_ids, first, last in spot_rows:
            place.reads += count
            place.days.update(days)
            place.by_hour[hour] += count
            place.by_weekday[weekday] += count
            place.first_seen = min(filter(None, (place.first_seen, first)))
            place.last_seen = max(filter(None, (place.last_seen, last)))
            place.read_ids += read_ids
            slots[(index, weekday, hour)] = slots.get((index, weekday, hour), 0) + count
    total = sum(place.reads for place in places)
    for place in places:
        place.score = round(place.reads / total, 3)
    order = sorted(range(len(places)), key=lambda i: (-places[i].reads, -len(places[i].days), i))
    renumber = {old: new for new, old in enumerate(order)}
    places = [places[i] for i in order]
    wanted = []
    for place in places:
        wanted += sorted(place.read_ids, reverse=True)[:EVIDENCE_PER_PLACE]
    first = min(place.first_seen for place in places)
    last = max(place.last_seen for place in places) + dt.timedelta(seconds=1)
    reads = evidence_reads(wanted, first, last, caller=caller)  # only the partitions the plate was read in
    for place in places:
        place.evidence = sorted(
            (reads[i] for i in place.read_ids if i in reads), key=lambda read: read.captured_at, reverse=True
        )[:EVIDENCE_PER_PLACE]
    ranked_slots = sorted(slots.items(), key=lambda item: (-item[1], renumber[item[0][0]], item[0][1], item[0][2]))
    analysis = LocateAnalysis(
        plate=criteria.plate,
        plate_state=criteria.plate_state,
        reads=total,
        days=len(set().union(*(place.days for place in places))),
        places=places,
        slots=[
            LikelySlot(place=renumber[index], weekday=weekday, hour=hour, reads=count)
            for (index, weekday, hour), count in ranked_slots[:SLOTS_SHOWN]
        ],
        by_hour=[sum(place.by_hour[h] for place in places) for h in range(24)],
        by_weekday=[sum(place.by_weekday[d] for place in places) for d in range(7)],
    )
    analysis.access_log_id = analysis_log(
        caller=caller,
        analysis="locate",
        criteria=criteria.as_log(),
        result_count=len(places),
        evidence=[read for place in places for read in place.evidence],
        action=action,
    )
    return analysis
