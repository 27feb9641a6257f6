"""Multiple places (multi-geo, stakeout): the vehicles read at several places, each in its own time window.

Each place is a point with a radius, or cameras chosen, with its own window. Each place's reads are selected by
the search's own queryset (the same scope, plate patterns, description filters and area rule as a search), the
branches are joined with UNION ALL (each keeps its literal window, so each prunes to its own partitions), and the
vehicles are counted per place and ranked in the same statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import IntegerField, Value

from ..choices import AccessAction, PlateKind
from ..models import Camera, Read
from ..plates import PlateError, is_wildcard, normalize_plate, wildcard_to_like
from ..search import Near, SearchCriteria, search_queryset
from .common import Caller, analysis_log, evidence_reads, iso, radius_errors, raise_if, window_errors

PLACES_COUNT = "Give from {min} to {max} places; this request gives {n}."
PLACE_NEEDS_WHERE = "Give each place either a point with a radius or the cameras chosen."
PLACE_BOTH_WHERE = "Give each place a point with a radius or cameras, not both."
CAMERAS_NOT_SEARCHABLE = "Camera {ids} is not a camera whose reads you may search."
PLACE_PROBLEM = "Place {n}: {problem}"
MIN_PLACES_RANGE = "min_places is from 1 to the number of places ({n})."
PLATE_KIND_UNKNOWN = "plate_kind is one of: {choices}."

MIN_PLACES, MAX_PLACES = 2, 10


@dataclass
class Place:
    start: dt.datetime | None
    end: dt.datetime | None
    near: Near | None = None
    cameras: list[int] = field(default_factory=list)

    def as_log(self) -> dict:
        data: dict = {"start": iso(self.start), "end": iso(self.end)}
        if self.near:
            data["near"] = {
                "latitude": self.near.latitude,
                "longitude": self.near.longitude,
                "radius_m": self.near.radius_m,
            }
        if self.cameras:
            data["cameras"] = sorted(self.cameras)
        return data


@dataclass
class PlacesCriteria:
    places: list[Place]
    plate: str = ""
    plate_kind: str = ""
    vehicle_make: str = ""
    vehicle_model: str = ""
    vehicle_type: str = ""
    vehicle_color: str = ""
    min_places: int | None = None
    limit: int = 50

    def as_log(self) -> dict:
        data = {
            "places": [place.as_log() for place in self.places],
            "plate": self.plate,
            "plate_kind": self.plate_kind,
            "vehicle_make": self.vehicle_make,
            "vehicle_model": self.vehicle_model,
            "vehicle_type": self.vehicle_type,
            "vehicle_color": self.vehicle_color,
            "min_places": self.min_places,
        }
        return {key: value for key, value in data.items() if value not in ("", None)}

    def validate(self, caller: Caller) -> PlacesCriteria:
        errors: dict[str, list] = {}
        n = len(self.places)
        if not MIN_PLACES <= n <= MAX_PLACES:
            raise_if({"places": [PLACES_COUNT.format(min=MIN_PLACES, max=MAX_PLACES, n=n)]})
        problems: list[str] = []
        asked: set[int] = set()
        for place in self.places:
            asked |= set(place.cameras)
        searchable = Camera.objects.filter(id__in=asked, agency_id__in=caller.agency_ids).values_list("id", flat=True)
        refused = asked - set(searchable)
        for number, place in enumerate(self.places, 1):
            found = window_errors(place.start, place.end, agency=caller.agency)
            if place.near is None and not place.cameras:
                found.append(PLACE_NEEDS_WHERE)
            elif place.near is not None and place.cameras:
                found.append(PLACE_BOTH_WHERE)
            if place.near is not None:
                found += radius_errors(place.near.radius_m)
            theirs = [camera for camera in place.cameras if camera in refused]
            if theirs:
                found.append(CAMERAS_NOT_SEARCHABLE.format(ids=", ".join(map(str, theirs))))
            problems += [PLACE_PROBLEM.format(n=number, problem=problem) for problem in found]
        if problems:
            errors["places"] = problems
        if self.min_places is not None and not 1 <= self.min_places <= n:
            errors["min_places"] = [MIN_PLACES_RANGE.format(n=n)]
        if self.plate:
            try:
                if is_wildcard(self.plate):
                    wildcard_to_like(self.plate)
                else:
                    self.plate = normalize_plate(self.plate)
            except PlateError as exc:
                errors["plate"] = [str(exc)]
        if self.plate_kind and self.plate_kind not in PlateKind.values:
            errors["plate_kind"] = [PLATE_KIND_UNKNOWN.format(choices=", ".join(PlateKind.values))]
        raise_if(errors)
        return self


@dataclass
class PlaceEvidence:
    place: int  # index in the request's places
    reads: int
    read: Read | None


@dataclass
class PlacesResult:
    plate: str
    plate_state: str
    places_matched: int
    reads: int
    score: float
    evidence: list[PlaceEvidence]


@dataclass
class PlacesAnalysis:
    count: int
    results: list[PlacesResult]
    access_log_id: int | None = None


_RANKED = """
WITH hits AS ({branches}),
per_place AS (
    SELECT plate, plate_state, place, count(*) AS reads, (array_agg(id ORDER BY captured_at DESC))[1] AS read_id
    FROM hits GROUP BY plate, plate_state, place
)
SELECT plate, plate_state, count(*) AS places_matched, sum(reads)::int AS reads,
       array_agg(place ORDER BY place), array_agg(reads ORDER BY place), array_agg(read_id ORDER BY place),
       count(*) OVER () AS total
FROM per_place
GROUP BY plate, plate_state
HAVING count(*) >= %s
ORDER BY places_matched DESC, reads DESC, plate, plate_state
LIMIT %s
"""


def _branch(caller: Caller, criteria: PlacesCriteria, index: int, place: Place):
    search = SearchCriteria(
        start=place.start,
        end=place.end,
        plate=criteria.plate,
        vehicle_make=criteria.vehicle_make,
        vehicle_model=criteria.vehicle_model,
        vehicle_type=criteria.vehicle_type,
        vehicle_color=criteria.vehicle_color,
        cameras=place.cameras,
        near=place.near,
    )
    # A read with no plate carries a placeholder text, which is no vehicle to follow from place to place.
    qs = search_queryset(user=caller.user, criteria=search, agency_ids=caller.agency_ids)
    qs = qs.exclude(plate="").exclude(plate_kind=PlateKind.NONE)
    if criteria.plate_kind:
        qs = qs.filter(plate_kind=criteria.plate_kind)
    qs = qs.annotate(place=Value(index, output_field=IntegerField())).order_by()
    sql, params = qs.values("id", "plate", "plate_state", "captured_at", "place").query.sql_with_params()
    return f"({sql})", list(params)


def places_analyse(*, caller: Caller, criteria: PlacesCriteria, action: str = AccessAction.SEARCH) -> PlacesAnalysis:
    """Vehicles read in at least `min_places` of the places (default all), each place in its own window; ranked by
    places matched, then reads. score = places matched / places asked."""
    criteria.validate(caller)
    need = criteria.min_places or len(criteria.places)
    branches, params = [], []
    for index, place in enumerate(criteria.places):
        sql, branch_params = _branch(caller, criteria, index, place)
        branches.append(sql)
        params += branch_params
    with transaction.atomic(), connection.cursor() as cursor:
        # Serial: each branch is one bitmap scan of a few thousand rows; starting parallel workers for them cost more
        # than the scans (92 ms of which 67 ms in the Gather, against 62 ms serial; docs/benchmarks.md).
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        cursor.execute(_RANKED.format(branches=" UNION ALL ".join(branches)), [*params, need, criteria.limit])
        rows = cursor.fetchall()
    start = min(place.start for place in criteria.places)
    end = max(place.end for place in criteria.places)
    reads = evidence_reads((r for row in rows for r in row[6]), start, end, caller=caller)
    results = [
        PlacesResult(
            plate=plate,
            plate_state=plate_state,
            places_matched=matched,
            reads=total_reads,
            score=round(matched / len(criteria.places), 3),
            evidence=[
                PlaceEvidence(place=place, reads=count, read=reads.get(read_id))
                for place, count, read_id in zip(places, counts, read_ids, strict=True)
            ],
        )
        for plate, plate_state, matched, total_reads, places, counts, read_ids, _total in rows
    ]
    analysis = PlacesAnalysis(count=rows[0][7] if rows else 0, results=results)
    analysis.access_log_id = analysis_log(
        caller=caller,
        analysis="places",
        criteria=criteria.as_log(),
        result_count=analysis.count,
        evidence=[e.read for result in results for e in result.evidence if e.read],
        action=action,
    )
    return analysis
