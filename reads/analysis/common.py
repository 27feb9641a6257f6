"""What every analysis shares: the caller's context, the window rule, the one access-log row, evidence reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError

from agencies.access import Scope, agencies_visible_to, membership_of
from agencies.models import Agency

from ..access_log import access_log_write
from ..choices import AccessAction
from ..models import Read
from ..purpose import PurposeStatement
from ..search import MAX_WINDOW_DAYS, WINDOW_REQUIRED, WINDOW_REVERSED, attestation_check

WINDOW_TOO_LONG = "An analysis window spans at most {days} days for your agency; this one spans {span} days."
RADIUS_TOO_LARGE = "A radius is at most {max} meters."


@dataclass
class Caller:
    """Who runs an analysis, why, and through which channel. The agencies they may search are computed once here
    (the one choke point, agencies_visible_to) and used by every query of the analysis."""

    user: object
    statement: PurposeStatement
    channel: str
    client_address: str | None = None
    agency_ids: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, *, user, statement: PurposeStatement, channel: str, client_address: str | None = None) -> Caller:
        """The caller of an analysis; refuses (like a search) one that reaches another agency's data without the
        searcher's attestation, or with a purpose the owners' own prohibited terms refuse."""
        agency_ids = agencies_visible_to(user, Scope.SEARCH)
        attestation_check(user=user, reached=agency_ids, statement=statement)
        return cls(
            user=user, statement=statement, channel=channel, client_address=client_address, agency_ids=agency_ids
        )

    @property
    def agency(self) -> Agency:
        return membership_of(self.user).agency


def window_max_days(agency: Agency) -> int:
    """The longest window an agency's users may analyse: a search's longest window, or the agency's retention
    period where that is longer (reads kept that long may be analysed over it)."""
    return max(MAX_WINDOW_DAYS, agency.retention_days)


def window_errors(start: dt.datetime | None, end: dt.datetime | None, *, agency: Agency) -> list[str]:
    """Why a window cannot be used (empty if it can)."""
    if start is None or end is None:
        return [WINDOW_REQUIRED]
    if end <= start:
        return [WINDOW_REVERSED]
    limit = window_max_days(agency)
    if end - start > dt.timedelta(days=limit):
        span = (end - start).total_seconds() / 86400
        return [WINDOW_TOO_LONG.format(days=limit, span=f"{span:.4g}")]
    return []


def radius_errors(radius_m: float | None) -> list[str]:
    bound = settings.ALPR_SEARCH_RADIUS_MAX_M
    if radius_m is not None and radius_m > bound:
        return [RADIUS_TOO_LARGE.format(max=bound)]
    return []


def raise_if(errors: dict[str, list]) -> None:
    if errors:
        raise ValidationError(errors)


def analysis_log(
    *,
    caller: Caller,
    analysis: str,
    criteria: dict,
    result_count: int,
    evidence: Iterable[Read] = (),
    action: str = AccessAction.SEARCH,
) -> int:
    """The analysis's one access-log row: a search (or an export) whose query names the analysis and its criteria,
    so that audits, the owner agencies and the transparency counts see it like any other search."""
    evidence = list(evidence)
    entry = access_log_write(
        user=caller.user,
        agency=caller.agency,
        action=action,
        channel=caller.channel,
        purpose=caller.statement.purpose,
        purpose_detail=caller.statement.detail,
        case_number=caller.statement.case_number,
        query={"analysis": analysis, **criteria},
        result_count=result_count,
        oldest_result_at=min((read.captured_at for read in evidence), default=None),
        agencies_searched=caller.agency_ids,
        client_address=caller.client_address,
        on_behalf_of_id=caller.statement.on_behalf_of_id,
        on_behalf_of_ori=caller.statement.on_behalf_of_ori,
        attested=caller.statement.attested,
    )
    return entry.pk


def evidence_reads(ids: Iterable[int], start: dt.datetime, end: dt.datetime, *, caller: Caller) -> dict[int, Read]:
    """The evidence reads by id, loaded in one query bounded by the window (partition pruning) and the caller's
    search scope (a read that left the scope in between is not shown)."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    reads = (
        Read.objects.filter(id__in=ids, owner_agency_id__in=caller.agency_ids)
        .in_window(start, end)
        .select_related("camera", "owner_agency")
    )
    return {read.pk: read for read in reads}


def iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
