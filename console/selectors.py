"""Reads of the console that span models: the home page's summary, a logged result's reads, the timeline's map,
and the CSV export's rows. No side effects here: everything that is logged is logged by the views, through
`reads.search.read_search` and `reads.access_log.access_log_write`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from agencies.access import CHANGE, VIEW, has_model_permission, membership_of, restrict
from hotlists.choices import OPEN_ALERT_STATUSES, AlertLevel, Priority
from hotlists.models import Alert, HotlistImport
from reads.choices import AccessAction
from reads.models import AccessLogEntry, Camera, EvidenceHoldItem, Read, SearchAudit
from sharing.models import MOU, SharingRefusal

from .state import SearchState

HOME_ALERTS = 10
HOME_SEARCHES = 10
HOME_ROWS = 10
HOME_MOU_EXPIRING = dt.timedelta(days=30)


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
    """What the home page shows; a section is None when the user's role may not see (or do) it, so that a clerk
    or an auditor lands on their own work, not on searches they cannot make."""

    open_alerts: list[AlertRow] | None
    open_alert_count: int
    recent_searches: list[AccessLogEntry] | None
    cameras: CameraHealth | None
    pending_mous: list[MOU] | None = None
    imports: list[HotlistImport] | None = None
    open_audits: list[SearchAudit] | None = None
    recent_access: list[AccessLogEntry] | None = None
    refusals: list[SharingRefusal] | None = None


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
    recent = None
    if user.has_perm("reads.search_read"):
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
    return HomeSummary(
        open_alerts=open_alerts,
        open_alert_count=open_count,
        recent_searches=recent,
        cameras=cameras,
        **_records_work(user),
        **_audit_work(user),
    )


def _records_work(user) -> dict:
    """A records clerk's: MOUs awaiting activation or expiring within HOME_MOU_EXPIRING, and recent imports. Rows
    through the admin's own choke point (agencies.access.restrict), so the page shows what the admin would."""
    work = {}
    if has_model_permission(user, MOU, CHANGE):
        soon = timezone.localdate() + HOME_MOU_EXPIRING
        pending = Q(status=MOU.Status.DRAFT) | Q(status=MOU.Status.ACTIVE, expires_on__lte=soon)
        mous = restrict(MOU.objects.all(), user, VIEW).filter(pending).select_related("owner", "partner")
        work["pending_mous"] = list(mous.order_by("expires_on", "id")[:HOME_ROWS])
    if has_model_permission(user, HotlistImport, VIEW) and user.has_perm("hotlists.import_hotlist"):
        imports = restrict(HotlistImport.objects.all(), user, VIEW).select_related("hotlist")
        work["imports"] = list(imports.order_by("-started_at", "-id")[:HOME_ROWS])
    return work


def _audit_work(user) -> dict:
    """An auditor's: open audits, the agency's latest access-log rows, and the latest sharing refusals."""
    work = {}
    audits = SearchAudit.objects.visible_to(user)
    if user.has_perm("reads.view_searchaudit"):
        work["open_audits"] = list(audits.filter(closed_at__isnull=True).order_by("-opened_at")[:HOME_ROWS])
    if user.has_perm("reads.view_accesslogentry"):
        work["recent_access"] = list(AccessLogEntry.objects.visible_to(user).order_by("-at", "-id")[:HOME_ROWS])
    if user.has_perm("sharing.view_sharingrefusal"):
        refusals = restrict(SharingRefusal.objects.all(), user, VIEW).select_related("owner", "partner")
        work["refusals"] = list(refusals.order_by("-at", "-id")[:HOME_ROWS])
    return work


@dataclass
class AlertGroup:
    """The alerts of one plate in one part of the alert list, shown as one row. The first (most urgent, newest
    read) stands for the group; a historical match on an old entry can otherwise fill the screen with one plate."""

    alerts: list[Alert]
    is_high: bool

    @property
    def alert(self) -> Alert:
        return self.alerts[0]

    @property
    def count(self) -> int:
        return len(self.alerts)


def alert_groups(alerts: Iterable[Alert]) -> list[AlertGroup]:
    """Group alerts (already in list order) by plate and state, keeping the order of each group's first alert."""
    groups: dict[tuple[str, str], AlertGroup] = {}
    for alert in alerts:
        group = groups.get((alert.plate, alert.plate_state))
        if group is None:
            groups[(alert.plate, alert.plate_state)] = AlertGroup(alerts=[alert], is_high=is_high_priority(alert))
        else:
            group.alerts.append(alert)
            group.is_high = group.is_high or is_high_priority(alert)
    return list(groups.values())


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
