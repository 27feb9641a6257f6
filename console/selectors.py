"""Reads of the console that span models: the home page's summary, a logged result's reads, the timeline's map,
and the CSV export's rows. No side effects here: everything that is logged is logged by the views, through
`reads.search.read_search` and `reads.access_log.access_log_write`."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from agencies.access import membership_of
from hotlists.choices import OPEN_ALERT_STATUSES, AlertLevel, Priority
from hotlists.models import Alert
from reads.choices import AccessAction
from reads.models import AccessLogEntry, Camera, EvidenceHoldItem, Read

from .state import SearchState

HOME_ALERTS = 10
HOME_SEARCHES = 10


# Home ------------------------------------------------------------------------------------------------------------


@dataclass
class CameraHealth:
    online: list[Camera] = field(default_factory=list)
    offline: list[Camera] = field(default_factory=list)


@dataclass
class AlertRow:
    alert: Alert
    is_high: bool


@dataclass
class HomeSummary:
    open_alerts: list[AlertRow] | None
    open_alert_count: int
    recent_searches: list[AccessLogEntry]
    cameras: CameraHealth | None


def home_summary(*, user) -> HomeSummary:
    """The agency's open alerts, the user's own recent searches (from the access log) and the agency's cameras'
    health. Sections the user's role may not see are None."""
    agency_id = membership_of(user).agency_id
    open_alerts, open_count = None, 0
    if user.has_perm("hotlists.view_alert"):
        open_qs = Alert.objects.visible_to(user).filter(status__in=OPEN_ALERT_STATUSES)
        open_count = open_qs.count()
        open_alerts = [
            AlertRow(alert=alert, is_high=is_high_priority(alert))
            for alert in open_qs.order_by("-priority", "-created_at")[:HOME_ALERTS]
        ]
    recent = list(
        AccessLogEntry.objects.filter(user=user, action__in=[AccessAction.SEARCH, AccessAction.TIMELINE]).order_by(
            "-at", "-id"
        )[:HOME_SEARCHES]
    )
    cameras = None
    if user.has_perm("reads.view_camera"):
        cameras = CameraHealth()
        for camera in Camera.objects.filter(agency_id=agency_id, is_active=True).order_by("name"):
            (cameras.online if camera.is_online else cameras.offline).append(camera)
    return HomeSummary(open_alerts=open_alerts, open_alert_count=open_count, recent_searches=recent, cameras=cameras)


def is_high_priority(alert: Alert) -> bool:
    """Hits that get the sound and visual cue on the dispatch screen."""
    return alert.priority >= Priority.HIGH or alert.alert_level == AlertLevel.OFFICER_SAFETY


# Logged results --------------------------------------------------------------------------------------------------


def reads_of_state(*, user, state: SearchState) -> list[Read]:
    """The reads a logged search returned, in its order, still narrowed by `visible_to` (an MOU revoked since
    hides its reads at once). Bounded by the search's window so that PostgreSQL prunes partitions."""
    reads = (
        Read.objects.visible_to(user)
        .in_window(state.criteria.start, state.criteria.end)
        .filter(id__in=state.read_ids)
        .select_related("camera", "owner_agency")
    )
    by_id = {read.pk: read for read in reads}
    return [by_id[read_id] for read_id in state.read_ids if read_id in by_id]


def held_read_ids(*, user, read_ids: Iterable[int]) -> set[int]:
    """Which of these reads are under an active hold of the user's agency."""
    return set(
        EvidenceHoldItem.objects.filter(
            read_id__in=list(read_ids),
            hold__agency_id=membership_of(user).agency_id,
            hold__released_at__isnull=True,
        ).values_list("read_id", flat=True)
    )


# Timeline map ----------------------------------------------------------------------------------------------------

MAP_WIDTH = 640
MAP_HEIGHT = 400
MAP_MARGIN = 48
_EARTH_M_PER_DEGREE = 111_320


@dataclass
class MapCamera:
    x: float
    y: float
    name: str
    visits: list[int]  # 1-based positions in the timeline


@dataclass
class MapStep:
    x: float
    y: float
    number: int


@dataclass
class TimelineMap:
    width: int
    height: int
    cameras: list[MapCamera]
    steps: list[MapStep]
    path: str  # "x,y x,y ..." for an SVG polyline, in time order
    scale_px: float
    scale_label: str
    unplaced: int  # reads without a location

    # Where the scale bar and the north mark go (bottom left, top right).
    @property
    def scale_x2(self) -> float:
        return 16 + self.scale_px

    @property
    def scale_y(self) -> int:
        return self.height - 16

    @property
    def north_x(self) -> int:
        return self.width - 32


def _read_point(read: Read):
    if read.location is not None:
        return read.location
    return read.camera.location if read.camera_id and read.camera else None


def _round_distance(meters: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above `meters`."""
    if meters <= 0:
        return 0
    power = 10 ** math.floor(math.log10(meters))
    return max(step * power for step in (1, 2, 5) if step * power <= meters)


def _without_repeats(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Consecutive reads at one camera are one point of the path (a zero-length segment draws a stray arrow)."""
    kept: list[tuple[float, float]] = []
    for point in points:
        if not kept or kept[-1] != point:
            kept.append(point)
    return kept


def timeline_map(reads: list[Read]) -> TimelineMap | None:
    """Camera positions and the vehicle's path, projected onto a plain SVG canvas (equirectangular around the
    points' mean latitude: accurate enough over a city; no map tiles, since nothing may be fetched from the
    internet). None when no read has a location."""
    placed = [(index, read, point) for index, read in enumerate(reads, start=1) if (point := _read_point(read))]
    if not placed:
        return None
    lats = [point.y for _, _, point in placed]
    lons = [point.x for _, _, point in placed]
    mean_lat = math.radians(sum(lats) / len(lats))
    # Meters east / north of the south-west corner.
    xs_m = [(lon - min(lons)) * _EARTH_M_PER_DEGREE * math.cos(mean_lat) for lon in lons]
    ys_m = [(lat - min(lats)) * _EARTH_M_PER_DEGREE for lat in lats]
    span_m = max(max(xs_m), max(ys_m), 200.0)  # at least 200 m across, so one camera is not a huge zoom
    inner_w, inner_h = MAP_WIDTH - 2 * MAP_MARGIN, MAP_HEIGHT - 2 * MAP_MARGIN
    scale = min(inner_w, inner_h) / span_m  # px per meter
    offset_x = MAP_MARGIN + (inner_w - max(xs_m) * scale) / 2
    offset_y = MAP_MARGIN + (inner_h - max(ys_m) * scale) / 2

    def project(x_m: float, y_m: float) -> tuple[float, float]:
        return round(offset_x + x_m * scale, 1), round(MAP_HEIGHT - (offset_y + y_m * scale), 1)

    cameras: dict[tuple[float, float], MapCamera] = {}
    steps: list[MapStep] = []
    for (number, read, _), x_m, y_m in zip(placed, xs_m, ys_m, strict=True):
        x, y = project(x_m, y_m)
        name = read.camera.name if read.camera_id and read.camera else "Unknown camera"
        mark = cameras.setdefault((x, y), MapCamera(x=x, y=y, name=name, visits=[]))
        mark.visits.append(number)
        steps.append(MapStep(x=x, y=y, number=number))
    scale_m = _round_distance(span_m / 4)
    label = f"{scale_m / 1000:g} km" if scale_m >= 1000 else f"{scale_m:g} m"
    return TimelineMap(
        width=MAP_WIDTH,
        height=MAP_HEIGHT,
        cameras=list(cameras.values()),
        steps=steps,
        path=" ".join(f"{x},{y}" for x, y in _without_repeats((step.x, step.y) for step in steps)),
        scale_px=round(scale_m * scale, 1),
        scale_label=label,
        unplaced=len(reads) - len(placed),
    )


# CSV export ------------------------------------------------------------------------------------------------------

CSV_HEADER = [
    "read_id", "captured_at", "agency", "camera", "plate", "plate_state", "plate_kind", "confidence",
    "vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color", "direction", "heading",
    "latitude", "longitude",
]  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """Text for a CSV cell; a text a spreadsheet would run as a formula is prefixed with a quote. Numbers stay
    numbers (a negative longitude is a number, not a formula), so the file can be mapped and summed."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_rows(reads: Iterable[Read]) -> Iterator[list[str]]:
    yield CSV_HEADER
    for read in reads:
        yield [
            _cell(value)
            for value in (
                read.pk,
                timezone.localtime(read.captured_at).isoformat(),
                read.owner_agency.name,
                read.camera.name if read.camera_id and read.camera else "",
                read.plate,
                read.plate_state,
                read.get_plate_kind_display(),
                None if read.confidence is None else round(read.confidence, 2),
                read.vehicle_make,
                read.vehicle_model,
                read.vehicle_type,
                read.vehicle_color,
                read.get_direction_display() if read.direction else "",
                read.heading,
                None if read.location is None else round(read.location.y, 6),
                None if read.location is None else round(read.location.x, 6),
            )
        ]
