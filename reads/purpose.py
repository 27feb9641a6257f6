"""The purpose statement every access of ALPR data needs: an authorized purpose, a case number, for whom the
access is made (the searcher's own agency, or another agency named by ORI or record), and, when a search reaches
other agencies' data, the searcher's attestation that it is lawful to share with that agency.

Why "on behalf of" is asked and checked (Civil Code §1798.90.55(b), AG bulletin 2023-DLE-06): in 2025-2026 ALPR
data reached federal and out-of-state agencies mostly through searches that California agencies ran *for* them.
A search stated on behalf of an agency that may not receive the data is refused, and the refusal is recorded as
a sharing refusal (sharing.SharingRefusal, where "on_behalf"), so the owner's auditors see it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from agencies.access import membership_of
from agencies.models import Agency
from agencies.validators import validate_ori
from common.prohibited import IMMIGRATION_ENFORCEMENT_REFUSED, agency_terms, prohibited_term_in
from sharing.models import SharingRefusal
from sharing.rules import partner_refusal
from sharing.services import sharing_refusal_record

from .choices import SYSTEM_PURPOSES, OnBehalfOf, Purpose

PURPOSE_REQUIRED = "State the purpose of this access, chosen from the agency's authorized purposes."
CASE_NUMBER_REQUIRED = "Give the case or incident number this access is for."
DETAIL_REQUIRED = "Describe the purpose when it is 'other'."
ON_BEHALF_NEEDS_AGENCY = "Name the agency this search is made for: its ORI, or the agency's record."
ON_BEHALF_CONFLICT = "You said the search is for your own agency, and also named another agency. Choose one."
ON_BEHALF_UNKNOWN_ORI = (
    "No agency with ORI {ori} is known here, so it cannot be checked to be a California public agency. Name a known "
    "agency, or ask your records clerk to add this one."
)
ON_BEHALF_UNKNOWN_AGENCY = "No agency with id {id} exists."
ON_BEHALF_REFUSED = "ALPR data cannot be searched on behalf of {agency}. {why}"
ON_BEHALF_REFUSED_ORI = (
    "ALPR data cannot be searched on behalf of ORI {ori}: it is not a California agency's (Civil Code "
    "§1798.90.55(b); Attorney General bulletin 2023-DLE-06)."
)
ATTESTATION_TEXT = (
    "I confirm that this search is not for immigration enforcement, and not for any agency that may not receive "
    "California ALPR data (a federal or out-of-state agency, or a private entity)."
)
ATTESTATION_REQUIRED = (
    "This search reaches other agencies' data: confirm that it is not for immigration enforcement nor for an agency "
    "that may not receive the data (attestation)."
)
PURPOSE_UNKNOWN = (
    "'{input}' is not an authorized purpose. Use one of: "
    + ", ".join(value for value in Purpose.values if value not in SYSTEM_PURPOSES)
    + "."
)


@dataclass(frozen=True)
class PurposeStatement:
    purpose: str
    case_number: str
    detail: str = ""
    on_behalf_of_id: int | None = None  # another agency the access is made for; None: the searcher's own
    on_behalf_of_ori: str = ""
    attested: bool = False

    @property
    def is_on_behalf(self) -> bool:
        return self.on_behalf_of_id is not None


def purpose_validate(
    *,
    purpose: str | None,
    case_number: str | None,
    detail: str | None = "",
    user=None,
    on_behalf_of: str | None = None,
    on_behalf_of_ori: str | None = None,
    on_behalf_of_agency: int | Agency | None = None,
    attested: bool = False,
) -> PurposeStatement:
    """Refuse a missing or unknown purpose, a missing case number, 'other' without a description, any statement of
    immigration enforcement (common.prohibited, with the terms of the user's agency), and a search on behalf of an
    agency that may not receive ALPR data (recorded). Naming an ORI or an agency implies "on behalf of another"."""
    errors: dict[str, list[str]] = {}
    purpose = (purpose or "").strip()
    case_number = (case_number or "").strip()
    detail = (detail or "").strip()
    if not purpose:
        errors["purpose"] = [PURPOSE_REQUIRED]
    elif purpose not in Purpose.values or purpose in SYSTEM_PURPOSES:
        errors["purpose"] = [PURPOSE_UNKNOWN.format(input=purpose)]
    if not case_number:
        errors["case_number"] = [CASE_NUMBER_REQUIRED]
    if purpose == Purpose.OTHER and not detail:
        errors["purpose_detail"] = [DETAIL_REQUIRED]
    membership = membership_of(user) if user is not None else None
    extra = agency_terms([membership.agency_id]) if membership else ()
    if prohibited_term_in(detail, extra_terms=extra):
        errors["purpose_detail"] = [IMMIGRATION_ENFORCEMENT_REFUSED]
    if prohibited_term_in(case_number, extra_terms=extra):
        errors["case_number"] = [IMMIGRATION_ENFORCEMENT_REFUSED]
    behalf: Agency | None = None
    ori = (on_behalf_of_ori or "").strip().upper()
    try:
        behalf, ori = _on_behalf_resolve(
            user=user, on_behalf_of=on_behalf_of, ori=ori, agency=on_behalf_of_agency, own=membership
        )
    except ValidationError as exc:
        errors["on_behalf_of"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return PurposeStatement(
        purpose=purpose,
        case_number=case_number[:64],
        detail=detail[:500],
        on_behalf_of_id=behalf.pk if behalf else None,
        on_behalf_of_ori=ori if behalf else "",
        attested=bool(attested),
    )


def _on_behalf_resolve(*, user, on_behalf_of, ori: str, agency, own) -> tuple[Agency | None, str]:
    """(the other agency, its ORI), or (None, "") for the searcher's own agency. Refusals are recorded."""
    named = bool(ori) or agency not in (None, "")
    choice = (on_behalf_of or "").strip().lower() or (OnBehalfOf.OTHER if named else OnBehalfOf.OWN)
    if choice not in OnBehalfOf.values:
        raise ValidationError(f"Say '{OnBehalfOf.OWN}' or '{OnBehalfOf.OTHER}'.")
    if choice == OnBehalfOf.OWN:
        if named:
            raise ValidationError(ON_BEHALF_CONFLICT)
        return None, ""
    if not named:
        raise ValidationError(ON_BEHALF_NEEDS_AGENCY)
    record = _agency_named(ori=ori, agency=agency, user=user, own=own)
    if own is not None and record.pk == own.agency_id:
        return None, ""  # named their own agency
    why = partner_refusal(record)  # the one statement of who may receive ALPR data
    if why:
        _refusal_record(user=user, own=own, partner=record, reason=ON_BEHALF_REFUSED.format(agency=record, why=why))
        raise ValidationError(ON_BEHALF_REFUSED.format(agency=record, why=why))
    return record, record.ori


def _agency_named(*, ori: str, agency, user, own) -> Agency:
    if isinstance(agency, Agency):
        return agency
    if agency not in (None, ""):
        try:
            return Agency.objects.get(pk=int(agency))
        except (TypeError, ValueError, Agency.DoesNotExist):
            message = ON_BEHALF_UNKNOWN_AGENCY.format(id=agency)
            _refusal_record(user=user, own=own, partner=None, reason=message)
            raise ValidationError(message) from None
    try:
        validate_ori(ori)
    except ValidationError as exc:
        raise ValidationError(exc.messages) from None
    found = Agency.objects.filter(ori=ori).first()
    if found is not None:
        return found
    # Unknown: refused either way, since nothing says it is a California public agency; an ORI of another state
    # says outright that it is not.
    message = ON_BEHALF_UNKNOWN_ORI.format(ori=ori) if ori[:2] == "CA" else ON_BEHALF_REFUSED_ORI.format(ori=ori)
    _refusal_record(user=user, own=own, partner=None, reason=message)
    raise ValidationError(message)


def _refusal_record(*, user, own, partner: Agency | None, reason: str) -> None:
    sharing_refusal_record(
        where=SharingRefusal.Where.ON_BEHALF,
        reason=reason,
        owner_id=own.agency_id if own else None,
        partner=partner,
        user=user,
    )
