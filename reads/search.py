"""Search of plate reads: criteria -> queryset (pure), and the logged search that every channel runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError

from agencies.access import Scope, access_of, membership_of
from common.prohibited import prohibited_purpose_check

from .access_log import access_log_write
from .choices import AccessAction, PlateKind
from .models import Plate, Read
from .plates import PlateError, canonical_key, is_wildcard, normalize_plate, wildcard_to_like
from .purpose import ATTESTATION_REQUIRED, PurposeStatement

WINDOW_REQUIRED = "Give the time window to search (start and end)."
WINDOW_REVERSED = "The window's end must come after its start."
WINDOW_TOO_LONG = "A search window spans at most {days} days."
NEEDS_A_CRITERION = "Give at least one criterion besides the time window: a plate, a vehicle, cameras or an area."
RADIUS_TOO_LARGE = "The search radius is at most {max} meters."
PLATE_KIND_UNKNOWN = "plate_kind is one of: {choices}."

MAX_WINDOW_DAYS = 366
AGENCIES_NOT_REACHABLE = (
    "You cannot search these agencies' data (no MOU shares it with your agency in the search scope, or no such "
    "agency): {ids}. Leave `agencies` out to search every agency you may reach."
)
COUNT_CAP = 10_000
PATTERN_PLATES_MAX = 5_000


@dataclass
class Near:
    latitude: float
    longitude: float
    radius_m: float


@dataclass
class SearchCriteria:
    start: dt.datetime | None
    end: dt.datetime | None
    plate: str = ""
    fuzzy: bool = False
    plate_state: str = ""
    plate_kind: str = ""
    vehicle_make: str = ""
    vehicle_model: str = ""
    vehicle_type: str = ""
    vehicle_color: str = ""
    cameras: list[int] = field(default_factory=list)
    agencies: list[int] = field(default_factory=list)
    near: Near | None = None

    def validate(self) -> SearchCriteria:
        errors: dict[str, list[str]] = {}
        if self.start is None or self.end is None:
            errors["start"] = [WINDOW_REQUIRED]
        elif self.end <= self.start:
            errors["end"] = [WINDOW_REVERSED]
        elif self.end - self.start > dt.timedelta(days=MAX_WINDOW_DAYS):
            errors["end"] = [WINDOW_TOO_LONG.format(days=MAX_WINDOW_DAYS)]
        if self.plate:
            try:
                if is_wildcard(self.plate):
                    wildcard_to_like(self.plate)
                else:
                    self.plate = normalize_plate(self.plate)
            except PlateError as exc:
                errors["plate"] = [str(exc)]
        if self.near and self.near.radius_m > settings.ALPR_SEARCH_RADIUS_MAX_M:
            errors["near"] = [RADIUS_TOO_LARGE.format(max=settings.ALPR_SEARCH_RADIUS_MAX_M)]
        if self.plate_kind and self.plate_kind not in PlateKind.values:
            errors["plate_kind"] = [PLATE_KIND_UNKNOWN.format(choices=", ".join(PlateKind.values))]
        vehicle = (self.vehicle_make, self.vehicle_model, self.vehicle_type, self.vehicle_color, self.plate_kind)
        if not (self.plate or any(vehicle) or self.cameras or self.near):
            errors.setdefault("non_field_errors", []).append(NEEDS_A_CRITERION)
        if errors:
            raise ValidationError(errors)
        return self

    def as_log(self) -> dict:
        """The data elements used to query, as the access log records them."""
        data = asdict(self)
        data["start"] = self.start.isoformat() if self.start else None
        data["end"] = self.end.isoformat() if self.end else None
        return {key: value for key, value in data.items() if value not in ("", [], None, False)}


def searched_agencies(*, user, criteria: SearchCriteria, access=None) -> list[int]:
    """The owner agencies a search of `user` reaches: those visible to them in the search scope (their own and
    those sharing with them now), narrowed to `criteria.agencies` if given. The query filters on exactly these and
    the access log records exactly these. `access`: the request's agencies.access.UserAccess, if at hand. Naming an
    agency the caller cannot reach is refused, not silently dropped: a search of nothing that answers "no results"
    reads as "the vehicle was not seen there"."""
    visible = (access or access_of(user)).agencies(Scope.SEARCH)
    if not criteria.agencies:
        return sorted(visible)
    unreachable = sorted(set(criteria.agencies) - set(visible))
    if unreachable:
        raise ValidationError({"agencies": [AGENCIES_NOT_REACHABLE.format(ids=", ".join(map(str, unreachable)))]})
    return sorted(set(criteria.agencies))


def search_queryset(*, user, criteria: SearchCriteria, agency_ids: list[int] | None = None):
    """The reads matching `criteria` that `user` may see, newest first, among `agency_ids` (by default
    `searched_agencies`). No side effects."""
    if agency_ids is None:
        agency_ids = searched_agencies(user=user, criteria=criteria)
    qs = Read.objects.filter(owner_agency_id__in=agency_ids).in_window(criteria.start, criteria.end)
    if criteria.agencies:
        qs = qs.filter(owner_agency_id__in=criteria.agencies)
    if criteria.plate:
        if is_wildcard(criteria.plate):
            # The pattern is matched against the distinct plates (trigram and prefix indexes), then each matching
            # plate is an index lookup in the reads (docs/benchmarks.md). The plates are fetched first: handed a
            # subquery, the planner often scans the whole plate table instead.
            like = wildcard_to_like(criteria.plate)
            if criteria.fuzzy:
                # OCR-tolerant pattern: "7D?" also finds 7O., 70., 7Q. (both sides folded to the confusion key).
                plates = Plate.objects.filter(canonical__like=canonical_key(like))
                qs = _filter_plates(qs, plates, broad={"plate__like": like})
            else:
                qs = _filter_plates(qs, Plate.objects.filter(plate__like=like), broad={"plate__like": like})
        elif criteria.fuzzy:
            qs = _filter_plates(qs, Plate.objects.filter(canonical=canonical_key(criteria.plate)))
        else:
            qs = qs.filter(plate=criteria.plate)
    if criteria.plate_state:
        qs = qs.filter(plate_state=criteria.plate_state.upper())
    if criteria.plate_kind:
        qs = qs.filter(plate_kind=criteria.plate_kind)
    for name in ("vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color"):
        value = getattr(criteria, name)
        if value:
            qs = qs.filter(**{f"{name}__iexact": value})
    if criteria.cameras:
        qs = qs.filter(camera_id__in=criteria.cameras)
    if criteria.near:
        point = Point(criteria.near.longitude, criteria.near.latitude, srid=4326)
        qs = qs.near(point, criteria.near.radius_m)
    return qs.select_related("camera", "owner_agency").order_by("-captured_at", "-id")


def _filter_plates(qs, plates_qs, broad: dict | None = None):
    """Reads whose plate is one of `plates_qs`; a pattern matching more plates than that is applied to the reads
    of the window directly."""
    plates = list(plates_qs.values_list("plate", flat=True)[: PATTERN_PLATES_MAX + 1])
    if len(plates) > PATTERN_PLATES_MAX and broad:
        return qs.filter(**broad)
    return qs.filter(plate__in=plates)


def attestation_check(*, user, reached, statement: PurposeStatement) -> None:
    """A search reaching another agency's data needs the searcher's per-search attestation, and its purpose must
    pass the prohibited-purpose terms that the owners of that data added (their own terms bind their data)."""
    membership = membership_of(user)
    own = membership.agency_id if membership else None
    others = set(reached) - {own}
    if others and not statement.attested:
        raise ValidationError({"attestation": [ATTESTATION_REQUIRED]})
    if others:
        prohibited_purpose_check(
            {"purpose_detail": statement.detail, "case_number": statement.case_number}, agency_ids=others
        )


@dataclass
class SearchPage:
    results: list[Read]
    count: int
    count_capped: bool
    access_log_id: int


def read_search(
    *,
    user,
    criteria: SearchCriteria,
    statement: PurposeStatement,
    channel: str,
    client_address: str | None,
    offset: int = 0,
    limit: int = 50,
    action: str = AccessAction.SEARCH,
) -> SearchPage:
    """Run a search and write its one access-log row (only once the search has run). Refused (ValidationError)
    when it reaches other agencies' data without the searcher's attestation."""
    criteria.validate()
    access = access_of(user)  # one per request; also one per call outside a request (bench, tasks)
    searched = searched_agencies(user=user, criteria=criteria, access=access)
    attestation_check(user=user, reached=searched, statement=statement)
    qs = search_queryset(user=user, criteria=criteria, agency_ids=searched)
    results = list(qs[offset : offset + limit])
    if offset == 0 and len(results) < limit:
        count = len(results)
        oldest = min((read.captured_at for read in results), default=None)
    else:
        count = qs.order_by()[: COUNT_CAP + 1].count()
        # The age of the oldest read the search reached, not of this page's (State Auditor 2019-118: retention is
        # justified by how old the searched data actually is). The last row of the search, by the same index.
        oldest = qs.order_by("captured_at", "id").values_list("captured_at", flat=True).first()
    entry = access_log_write(
        user=user,
        agency=access.agency,
        action=action,
        channel=channel,
        purpose=statement.purpose,
        purpose_detail=statement.detail,
        case_number=statement.case_number,
        query=criteria.as_log(),
        result_count=min(count, COUNT_CAP),
        oldest_result_at=oldest,
        agencies_searched=searched,
        client_address=client_address,
        on_behalf_of_id=statement.on_behalf_of_id,
        on_behalf_of_ori=statement.on_behalf_of_ori,
        attested=statement.attested,
    )
    return SearchPage(
        results=results, count=min(count, COUNT_CAP), count_capped=count > COUNT_CAP, access_log_id=entry.pk
    )
