"""Chainable, side-effect-free querysets of the sharing app."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone

from agencies.access import alpr_access_refusal, membership_of


def _own_agency_id(user) -> int | None:
    if alpr_access_refusal(user) is not None:
        return None
    return membership_of(user).agency_id


class MOUQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An agency's own agreements, as owner or as partner. Nobody else's: who shares with whom is the
        parties' business (the public sees the list on the transparency portal, not through this API)."""
        agency_id = _own_agency_id(user)
        if agency_id is None:
            return self.none()
        return self.filter(models.Q(owner_id=agency_id) | models.Q(partner_id=agency_id))

    def in_effect(self, on: dt.date | None = None):
        """Active and within its dates. The partner rule is a separate filter (rules.eligible_partner_q)."""
        on = on or timezone.localdate()
        return self.filter(status="active", effective_on__lte=on, expires_on__gte=on)

    def expiring_within(self, days: int, on: dt.date | None = None):
        on = on or timezone.localdate()
        return self.filter(status="active", expires_on__gte=on, expires_on__lte=on + dt.timedelta(days=days))


class SharingRefusalQuerySet(models.QuerySet):
    def visible_to(self, user):
        agency_id = _own_agency_id(user)
        if agency_id is None:
            return self.none()
        return self.filter(models.Q(owner_id=agency_id) | models.Q(partner_id=agency_id))


class SharingEventQuerySet(SharingRefusalQuerySet):
    """A sharing change is seen by both parties (the same rule as refusals)."""

    def of_owner(self, agency_id: int):
        return self.filter(owner_id=agency_id)
