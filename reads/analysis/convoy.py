"""Convoy (associate) analysis: the vehicles read at the same cameras as a target within seconds of it, again and
again, at more than one place or on more than one day.

Query design (docs/benchmarks.md): the target's reads are fetched first (plate index), then one bounded lookup
per target read is written into a single UNION ALL statement, each branch with its own literal camera and time
bounds. The planner prunes every branch to the one or two daily partitions it touches and reads them through the
(camera_id, captured_at) index; a join of the target's reads to all reads cannot be pruned that way and scans
every partition of the window. The pairs are then ranked in the same statement (set-based), and only the shown
results' evidence reads are loaded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from ..choices import AccessAction
from ..models import Read
from ..plates import PlateError, normalize_plate
from .common import Caller, analysis_log, evidence_reads, iso, raise_if, window_errors

TARGET_REQUIRED = "Give the target: a plate or the id of one of its reads."
TARGET_READ_UNKNOWN = "No read {id} that you may search."
TARGET_NOT_FOUND = "No read of plate {plate} in this window that you may search."
TARGET_NO_CAMERA = "The target's reads in this window carry no camera, so no vehicle can be read beside them."

DEFAULT_SECONDS = 60
MAX_SECONDS = 900
DEFAULT_MIN_TOGETHER = 2
# Bounded fan-out: at most this many target reads (the newest) are looked around, one bounded lookup each.
TARGET_READS_MAX = 500
EVIDENCE_PAIRS_MAX = 50

_BRANCH = (
    "(SELECT %s::bigint AS target_id, r.id, r.plate, r.plate_state, r.camera_id, r.captured_at FROM reads_read r "
    "WHERE r.camera_id = %s AND r.captured_at >= %s AND r.captured_at <= %s AND r.owner_agency_id = ANY(%s) "
    "AND r.plate <> %s AND r.plate <> '' AND r.plate_kind <> 'none')"
)
_RANKED = """
WITH pairs AS ({branches})
SELECT plate, plate_state, count(DISTINCT target_id) AS together, count(DISTINCT camera_id) AS places,
       count(DISTINCT (captured_at AT TIME ZONE %s)::date) AS days,
       array_agg(target_id ORDER BY captured_at) AS target_ids, array_agg(id ORDER BY captured_at) AS read_ids,
       count(*) OVER () AS total
FROM pairs
GROUP BY plate, plate_state
HAVING count(DISTINCT target_id) >= %s
   AND (count(DISTINCT camera_id) >= 2 OR count(DISTINCT (captured_at AT TIME ZONE %s)::date) >= 2)
ORDER BY together DESC, places DESC, days DESC, plate, plate_state
LIMIT %s
"""


@dataclass
class ConvoyCriteria:
    start: dt.datetime | None
    end: dt.datetime | None
    plate: str = ""
    plate_state: str = ""
    read_id: int | None = None
    seconds: int = DEFAULT_SECONDS
    min_together: int = DEFAULT_MIN_TOGETHER
    limit: int = 50

    def as_log(self) -> dict:
        data = {
            "start": iso(self.start),
            "end": iso(self.end),
            "plate": self.plate,
            "plate_state": self.plate_state,
            "read_id": self.read_id,
            "seconds": self.seconds,
            "min_together": self.min_together,
        }
        return {key: value for key, value in data.items() if value not in ("", None)}


@dataclass
class EvidencePair:
    target: Read
    companion: Read

    @property
    def seconds_apart(self) -> int:
        return round((self.companion.captured_at - self.target.captured_at).total_seconds())


@dataclass
class ConvoyResult:
    plate: str
    plate_state: str
    score: float
    together: int
    places: int
    days: int
    evidence: list[EvidencePair] = field(default_factory=list)


@dataclass
class ConvoyAnalysis:
    plate: str
    plate_state: str
    target_reads: int
    target_reads_capped: bool
    count: int
    results: list[ConvoyResult]
    access_log_id: int | None = None


def _target_reads(caller: Caller, criteria: ConvoyCriteria) -> list[tuple[int, int, dt.datetime]]:
    """(id, camera, time) of the target's reads in the window that the caller may search, newest first."""
    errors: dict[str, list[str]] = {}
    window = window_errors(criteria.start, criteria.end, agency=caller.agency)
    if window:
        errors["end" if criteria.start and criteria.end else "start"] = window
    if criteria.read_id is None and not criteria.plate:
        errors["plate"] = [TARGET_REQUIRED]
    elif criteria.plate:
        try:
            criteria.plate = normalize_plate(criteria.plate)
        except PlateError as exc:
            errors["plate"] = [str(exc)]
    raise_if(errors)
    if criteria.read_id is not None:
        seed = Read.objects.filter(pk=criteria.read_id, owner_agency_id__in=caller.agency_ids).first()
        if seed is None:
            raise_if({"read_id": [TARGET_READ_UNKNOWN.format(id=criteria.read_id)]})
        criteria.plate, criteria.plate_state = seed.plate, seed.plate_state
    qs = Read.objects.filter(owner_agency_id__in=caller.agency_ids, plate=criteria.plate).in_window(
        criteria.start, criteria.end
    )
    if criteria.plate_state:
        criteria.plate_state = criteria.plate_state.upper()
        qs = qs.filter(plate_state=criteria.plate_state)
    targets = list(qs.order_by("-captured_at").values_list("id", "camera_id", "captured_at")[: TARGET_READS_MAX + 1])
    if not targets:
        raise_if({"plate": [TARGET_NOT_FOUND.format(plate=criteria.plate)]})
    return targets


def _ranked(caller: Caller, criteria: ConvoyCriteria, targets) -> list[tuple]:
    """One statement: a bounded lookup per target read (literal bounds), the pairs ranked by companion."""
    spread = dt.timedelta(seconds=criteria.seconds)
    branches, params = [], []
    for target_id, camera_id, at in targets:
        low, high = max(at - spread, criteria.start), min(at + spread, criteria.end)
        branches.append(_BRANCH)
        params += [target_id, camera_id, low, high, caller.agency_ids, criteria.plate]
    tz = settings.TIME_ZONE
    sql = _RANKED.format(branches=" UNION ALL ".join(branches))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, tz, criteria.min_together, tz, criteria.limit])
        return cursor.fetchall()


def convoy_analyse(*, caller: Caller, criteria: ConvoyCriteria, action: str = AccessAction.SEARCH) -> ConvoyAnalysis:
    """Vehicles read within ±`seconds` of the target's reads at the same cameras, at least `min_together` times,
    at two or more cameras or days; ranked by times together, then distinct places (cameras), then days.

    score = together + places / (target cameras + 1): the count of co-occurrences, with the places as a fraction
    that can only break ties, so the score orders results exactly as the ranking does."""
    targets = _target_reads(caller, criteria)
    used = [t for t in targets[:TARGET_READS_MAX] if t[1] is not None]
    if not used:
        raise_if({"plate": [TARGET_NO_CAMERA]})
    rows = _ranked(caller, criteria, used)
    target_cameras = len({camera for _, camera, _ in used})
    spread = dt.timedelta(seconds=criteria.seconds)
    wanted = {t_id for row in rows for t_id in row[5][:EVIDENCE_PAIRS_MAX]}
    wanted |= {r_id for row in rows for r_id in row[6][:EVIDENCE_PAIRS_MAX]}
    # Bounded by the shown pairs' target reads (a pair is within `spread` of its target), not the whole window.
    times = [at for target_id, _, at in used if target_id in wanted] or [criteria.start]
    reads = evidence_reads(wanted, min(times) - spread, max(times) + spread + dt.timedelta(seconds=1), caller=caller)
    results = []
    for plate, plate_state, together, places, days, target_ids, read_ids, _total in rows:
        pairs = [
            EvidencePair(target=reads[t], companion=reads[r])
            for t, r in list(zip(target_ids, read_ids, strict=True))[:EVIDENCE_PAIRS_MAX]
            if t in reads and r in reads
        ]
        results.append(
            ConvoyResult(
                plate=plate,
                plate_state=plate_state,
                score=round(together + places / (target_cameras + 1), 3),
                together=together,
                places=places,
                days=days,
                evidence=pairs,
            )
        )
    analysis = ConvoyAnalysis(
        plate=criteria.plate,
        plate_state=criteria.plate_state,
        target_reads=len(used),
        target_reads_capped=len(targets) > TARGET_READS_MAX,
        count=rows[0][7] if rows else 0,
        results=results,
    )
    analysis.access_log_id = analysis_log(
        caller=caller,
        analysis="convoy",
        criteria=criteria.as_log(),
        result_count=analysis.count,
        evidence=[pair.companion for result in results for pair in result.evidence],
        action=action,
    )
    return analysis
