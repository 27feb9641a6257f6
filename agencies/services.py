"""Writes about agencies and people."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import Agency, ApiToken, Membership, User
from .roles import STAFF_ROLES, role_group_name, sync_role_groups

USER_IN_OTHER_AGENCY = "%(user)s already belongs to %(agency)s; a user acts for one agency only."


def _role_group(role: str) -> Group:
    """The role's group. `migrate` creates the groups; should they be gone (a database flushed without the
    post-migrate step, a group deleted by hand), they are created again from ROLE_PERMISSIONS, never guessed."""
    group = Group.objects.filter(name=role_group_name(role)).first()
    if group is None:
        sync_role_groups()
        group = Group.objects.get(name=role_group_name(role))
    return group


# Apps above agencies that keep something in step with a user's membership (sharing: the agency group that holds
# the MOU object permissions) register here in their AppConfig.ready(); agencies imports none of them.
_membership_hooks: list[Callable[..., None]] = []


def on_membership_change(hook: Callable[..., None]) -> None:
    """Register `hook(user=User)`, called whenever a user's membership may have changed."""
    if hook not in _membership_hooks:
        _membership_hooks.append(hook)


def membership_sync_groups(*, user: User) -> None:
    """Make the user's groups and staff flag follow their role: exactly the role's group, staff for admin roles."""
    membership = Membership.objects.filter(user=user).first()
    role_groups = Group.objects.filter(name__startswith="role:")
    user.groups.remove(*role_groups)
    for hook in _membership_hooks:
        hook(user=user)
    if membership is None:
        return
    user.groups.add(_role_group(membership.role))
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


@transaction.atomic
def accounts_deactivate(*, users, deactivated_by: User) -> int:
    """Deactivate `users` (State Auditor 2019-118: people who left or whose training lapsed) and revoke their API
    tokens. Saved one by one so that the change history records each. Never deactivates `deactivated_by`."""
    count = 0
    for user in User.objects.select_for_update().filter(pk__in=[u.pk for u in users], is_active=True):
        if user.pk == deactivated_by.pk:
            continue
        user.is_active = False
        user.save(update_fields=["is_active"])
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        count += 1
    return count
