"""The one permission choke point for ALPR data.

Every API view (through common.api.AlprDataPermission) and every console view asks `alpr_access_refusal`
whether the caller may reach ALPR data at all, and each model's `visible_to(user)` queryset asks
`agencies_visible_to` whose data that is. Nothing else decides either question.
"""

from __future__ import annotations

from django.utils import timezone

from .models import Agency, Membership, TrainingRecord

NOT_SIGNED_IN = "Sign in to reach ALPR data."
ACCOUNT_INACTIVE = "This account is deactivated."
NO_AGENCY = "This account belongs to no agency, so it reaches no ALPR data."
AGENCY_INACTIVE = "Your agency is deactivated in this system."
TRAINING_REQUIRED = (
    "ALPR data is open only to users with current ALPR training. "
    "Your training record is missing or has lapsed; ask your agency's records clerk."
)


class Scope:
    """What a user may do with another agency's data. Own-agency data is always in every scope."""

    SEARCH = "search"  # search the owner's reads, view their images
    ALERTS = "alerts"  # receive alerts when the owner's cameras read a plate on the partner's hotlists
    HOTLISTS = "hotlists"  # see the owner's hotlists


def membership_of(user) -> Membership | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def alpr_access_refusal(user) -> str | None:
    """Why `user` may not reach ALPR data right now, or None if they may. Checked on every request."""
    if not getattr(user, "is_authenticated", False):
        return NOT_SIGNED_IN
    if not user.is_active:
        return ACCOUNT_INACTIVE
    membership = membership_of(user)
    if membership is None:
        return NO_AGENCY
    if not membership.agency.is_active:
        return AGENCY_INACTIVE
    if not TrainingRecord.objects.filter(user=user).current(timezone.localdate()).exists():
        return TRAINING_REQUIRED
    return None


def agencies_visible_to(user, scope: str = Scope.SEARCH) -> list[int]:
    """Ids of agencies whose data `user` may reach in `scope`: their own, plus owners whose MOU grants it."""
    if alpr_access_refusal(user) is not None:
        return []
    membership = membership_of(user)
    ids = [membership.agency_id]
    ids.extend(_shared_agency_ids(membership.agency, scope))
    return ids


def _shared_agency_ids(partner: Agency, scope: str) -> list[int]:
    """Owner agencies sharing with `partner` in `scope`. Filled in by the sharing app."""
    from sharing.selectors import owner_ids_sharing_with

    return owner_ids_sharing_with(partner=partner, scope=scope)
