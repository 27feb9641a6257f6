"""Writes about agencies and people."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Agency, Membership, User
from .roles import STAFF_ROLES, role_group_name

USER_IN_OTHER_AGENCY = "%(user)s already belongs to %(agency)s; a user acts for one agency only."


def membership_sync_groups(*, user: User) -> None:
    """Make the user's groups and staff flag follow their role: exactly the role's group, staff for admin roles."""
    membership = Membership.objects.filter(user=user).first()
    role_groups = Group.objects.filter(name__startswith="role:")
    user.groups.remove(*role_groups)
    if membership is None:
        return
    user.groups.add(Group.objects.get(name=role_group_name(membership.role)))
    is_staff = membership.role in STAFF_ROLES or user.is_superuser
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def membership_set(*, user: User, agency: Agency, role: str, job_title: str = "") -> Membership:
    """Put `user` in `agency` with `role`. Refuses a user who already belongs to another agency."""
    existing = Membership.objects.select_for_update().filter(user=user).first()
    if existing and existing.agency_id != agency.pk:
        raise ValidationError(USER_IN_OTHER_AGENCY % {"user": user, "agency": existing.agency})
    membership = existing or Membership(user=user, agency=agency)
    membership.role = role
    membership.job_title = job_title
    membership.full_clean()
    membership.save()
    membership_sync_groups(user=user)
    return membership
