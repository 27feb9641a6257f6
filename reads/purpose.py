"""The purpose statement every access of ALPR data needs: an authorized purpose and a case number."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from common.prohibited import IMMIGRATION_ENFORCEMENT_REFUSED, mentions_immigration_enforcement

from .choices import SYSTEM_PURPOSES, Purpose

PURPOSE_REQUIRED = "State the purpose of this access, chosen from the agency's authorized purposes."
CASE_NUMBER_REQUIRED = "Give the case or incident number this access is for."
DETAIL_REQUIRED = "Describe the purpose when it is 'other'."
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


def purpose_validate(*, purpose: str | None, case_number: str | None, detail: str | None = "") -> PurposeStatement:
    """Refuse a missing or unknown purpose, a missing case number, 'other' without a description, and any
    statement of immigration enforcement."""
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
    if mentions_immigration_enforcement(detail, case_number):
        errors["purpose_detail"] = [IMMIGRATION_ENFORCEMENT_REFUSED]
    if errors:
        raise ValidationError(errors)
    return PurposeStatement(purpose=purpose, case_number=case_number[:64], detail=detail[:500])
