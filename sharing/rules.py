"""Who may receive ALPR information: the rule of Civil Code §1798.90.55(b), in one place, with its messages.

Pure functions of an Agency row; no queries. The selectors repeat the same rule in SQL
(`eligible_partner_q`), so that a request re-checks it without loading the partner again.
"""

from __future__ import annotations

from django.db.models import Q

from agencies.choices import NON_PUBLIC_KINDS, AgencyKind

CALIFORNIA = "CA"

PARTNER_FEDERAL = (
    "%(partner)s is a federal agency. California law allows ALPR data to be shared only with California public "
    "agencies, so a federal agency cannot be a partner (Civil Code §1798.90.55(b); Attorney General bulletin "
    "2023-DLE-06)."
)
PARTNER_OUT_OF_STATE = (
    "%(partner)s is an agency of %(state)s, not California. California law allows ALPR data to be shared only "
    "with California public agencies, so an out-of-state agency cannot be a partner (Civil Code §1798.90.55(b); "
    "Attorney General bulletin 2023-DLE-06)."
)
PARTNER_PRIVATE = (
    "%(partner)s is a private entity. A private entity may share its own camera data with a police agency (as the "
    "owner of an MOU), but it can never receive ALPR data (Civil Code §1798.90.55(b))."
)


def partner_refusal(partner) -> str | None:
    """Why `partner` may not receive ALPR information, or None if it may (a California public agency)."""
    if partner.kind == AgencyKind.PRIVATE_ENTITY:
        return PARTNER_PRIVATE % {"partner": partner.name}
    if partner.kind == AgencyKind.FEDERAL:
        return PARTNER_FEDERAL % {"partner": partner.name}
    if partner.state != CALIFORNIA:
        return PARTNER_OUT_OF_STATE % {"partner": partner.name, "state": partner.get_state_display()}
    return None


def eligible_partner_q(prefix: str = "partner__") -> Q:
    """The same rule as `partner_refusal`, as a filter on a relation to Agency."""
    return Q(**{f"{prefix}state": CALIFORNIA}) & ~Q(**{f"{prefix}kind__in": sorted(NON_PUBLIC_KINDS)})


AGENCY_GROUP_PREFIX = "agency:"


def agency_group_name(agency_id: int) -> str:
    """The group of every member of an agency: MOUs grant their object permissions to it (django-guardian)."""
    return f"{AGENCY_GROUP_PREFIX}{agency_id}"
