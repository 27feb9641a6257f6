"""Vehicle description search, grouped by vehicle: one row per plate (its reads, first and last seen), and reads
with no plate or a paper plate grouped by their description and camera, so that a witness's description ("a
white Toyota pickup, paper plate, near the school") or partial plate leads to a short list of vehicles.

The reads are the search's own (`reads.search.search_queryset`: the same scope, criteria and windows); this module
only groups them, ranks them, and writes the search's one access-log row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Min, Q

from agencies.access import membership_of

from ..access_log import access_log_write
from ..choices import AccessAction, PlateKind
from ..models import Camera
from ..plates import canonical_key, is_wildcard, wildcard_to_like
from ..purpose import PurposeStatement
from ..search import COUNT_CAP, SearchCriteria, attestation_check, search_queryset, searched_agencies

GROUP_BY_VEHICLE = "vehicle"
_UNPLATED = (PlateKind.NONE, PlateKind.PAPER)
_DESCRIPTION = ("plate_kind", "vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color", "camera_id")


@dataclass
class VehicleGroup:
    kind: str  # "plate": one vehicle by its plate; "description": unplated reads of one description at one camera
    plate: str
    plate_state: str
    plate_kind: str
    vehicle_make: str
    vehicle_model: str
    vehicle_type: str
    vehicle_color: str
    camera: Camera | None
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime
    last_read_id: int
    confusions: int = 0  # characters of the plate that differ from the typed pattern only by an OCR confusion


@dataclass
class VehicleGroupPage:
    results: list[VehicleGroup]
    count: int
    count_capped: bool
    access_log_id: int


def confusions(plate: str, pattern: str) -> int:
    """How many of the pattern's known characters the plate matches only through an OCR confusion ("7D?" against
    "70X" is 1). Zero for an exact match of the pattern; plates of another shape count every position."""
    like = wildcard_to_like(pattern) if is_wildcard(pattern) else pattern
    if "%" in like:
        # A run of any characters: compare the known characters before and after it, aligned at each end.
        head, _, tail = like.partition("%")
        tail = tail.replace("%", "")
        pairs = list(zip(head, plate, strict=False)) + list(zip(reversed(tail), reversed(plate), strict=False))
    else:
        pairs = list(zip(like, plate, strict=False)) if len(like) == len(plate) else []
        if not pairs:
            return len(like)
    return sum(
        1 for want, got in pairs if want not in "_" and want != got and canonical_key(want) == canonical_key(got)
    )


def vehicle_search_grouped(
    *,
    user,
    criteria: SearchCriteria,
    statement: PurposeStatement,
    channel: str,
    client_address: str | None,
    offset: int = 0,
    limit: int = 50,
) -> VehicleGroupPage:
    """The search's reads grouped by vehicle: plates first (closest to a typed pattern first, then most reads,
    then last seen), then unplated reads by description and camera. Logged once, as a search."""
    criteria.validate()
    searched = searched_agencies(user=user, criteria=criteria)
    attestation_check(user=user, reached=searched, statement=statement)
    qs = search_queryset(user=user, criteria=criteria, agency_ids=searched).order_by()
    unplated = Q(plate_kind__in=_UNPLATED) | Q(plate="")
    stats = {"count": Count("id"), "first_seen": Min("captured_at"), "last_seen": Max("captured_at"),
             "last_read_id": Max("id")}  # fmt: skip
    plated = list(
        qs.exclude(unplated)
        .values("plate", "plate_state")
        .annotate(**stats)
        .order_by("-count", "-last_seen")[: COUNT_CAP + 1]
    )
    described = list(
        qs.filter(unplated).values(*_DESCRIPTION).annotate(**stats).order_by("-count", "-last_seen")[: COUNT_CAP + 1]
    )
    cameras = Camera.objects.in_bulk({row["camera_id"] for row in described if row["camera_id"]})
    groups = [
        VehicleGroup(kind="plate", plate_kind=PlateKind.FULL, vehicle_make="", vehicle_model="", vehicle_type="",
                     vehicle_color="", camera=None, **row,
                     confusions=confusions(row["plate"], criteria.plate) if criteria.fuzzy and criteria.plate else 0)
        for row in plated
    ]  # fmt: skip
    groups.sort(key=lambda group: group.confusions)  # stable: most reads, then last seen, within each rank
    groups += [
        VehicleGroup(kind="description", plate="", plate_state="", camera=cameras.get(row.pop("camera_id")), **row)
        for row in described
    ]
    capped = len(groups) > COUNT_CAP
    page = groups[offset : offset + limit]
    entry = access_log_write(
        user=user,
        agency=membership_of(user).agency,
        action=AccessAction.SEARCH,
        channel=channel,
        purpose=statement.purpose,
        purpose_detail=statement.detail,
        case_number=statement.case_number,
        query={**criteria.as_log(), "group_by": GROUP_BY_VEHICLE},
        result_count=min(len(groups), COUNT_CAP),
        oldest_result_at=min((group.first_seen for group in page), default=None),
        agencies_searched=searched,
        client_address=client_address,
        on_behalf_of_id=statement.on_behalf_of_id,
        on_behalf_of_ori=statement.on_behalf_of_ori,
        attested=statement.attested,
    )
    return VehicleGroupPage(
        results=page, count=min(len(groups), COUNT_CAP), count_capped=capped, access_log_id=entry.pk
    )
