"""Operator access: superusers and the people who run the servers are not exempt from Civil Code §1798.90.52.

They belong to no agency, so the permission choke point (agencies.access) gives them no ALPR data through the
console or the API. When they must look at an agency's reads (a support ticket, a court order served on the
system's operator), they go through `operator_read_lookup`: the same purpose statement (reads.purpose) and the same
access-log writer as anyone, channel "operator", filed under the agency whose data it is, so that agency's auditors
and agency admins see it in their access log (AccessLogQuerySet / the admin's access log) and it is counted in the
agency's quarterly compliance report. The admin page (reads.operator_admin) is the way in, and calls this.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from agencies.models import Agency

from .access_log import access_log_write
from .choices import AccessAction, Channel
from .models import Read
from .plates import PlateError, normalize_plate
from .purpose import purpose_validate

OPERATOR_ONLY = "Operator access is for superusers (system administrators) only."
OPERATOR_PLATE_REQUIRED = "Give the plate to look up."
OPERATOR_MAX_RESULTS = 200


def is_operator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


@transaction.atomic
def operator_read_lookup(
    *,
    user,
    agency: Agency,
    plate: str,
    purpose: str,
    case_number: str,
    purpose_detail: str = "",
    client_address: str | None = None,
) -> list[Read]:
    """An operator's look-up of one agency's reads of a plate: refused without a purpose and a case or ticket
    number, logged before anything is returned (same transaction: no row, no data)."""
    if not is_operator(user):
        raise ValidationError(OPERATOR_ONLY)
    statement = purpose_validate(purpose=purpose, case_number=case_number, detail=purpose_detail)
    if not (plate or "").strip():
        raise ValidationError({"plate": OPERATOR_PLATE_REQUIRED})
    try:
        plate = normalize_plate(plate)
    except PlateError as error:
        raise ValidationError({"plate": str(error)}) from None
    reads = list(
        Read.objects.filter(owner_agency_id=agency.pk, plate=plate)
        .select_related("camera")
        .order_by("-captured_at")[:OPERATOR_MAX_RESULTS]
    )
    access_log_write(
        user=user,
        agency=agency,
        action=AccessAction.SEARCH,
        channel=Channel.OPERATOR,
        purpose=statement.purpose,
        purpose_detail=statement.detail,
        case_number=statement.case_number,
        query={"plate": plate},
        result_count=len(reads),
        oldest_result_at=min((read.captured_at for read in reads), default=None),
        agencies_searched=[agency.pk],
        client_address=client_address,
    )
    return reads
