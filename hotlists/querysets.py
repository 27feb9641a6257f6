"""Chainable, side-effect-free querysets. `visible_to(user)` is each model's half of the permission choke point."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from agencies.access import Scope, agencies_visible_to, alpr_access_refusal, membership_of


def _own_agency_id(user) -> int | None:
    if alpr_access_refusal(user) is not None:
        return None
    return membership_of(user).agency_id


class HotlistQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's agency's hotlists, plus those of owners whose MOU grants the hotlists scope."""
        return self.filter(agency_id__in=agencies_visible_to(user, Scope.HOTLISTS))

    def owned_by(self, user):
        """Hotlists the user may change (entries, imports): their own agency's only."""
        agency_id = _own_agency_id(user)
        return self.filter(agency_id=agency_id) if agency_id else self.none()

    def active(self):
        return self.filter(is_active=True)


class HotlistEntryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(hotlist__agency_id__in=agencies_visible_to(user, Scope.HOTLISTS))

    def current(self, at=None):
        """Entries that still match: not expired. A query condition, so expiry needs no job."""
        at = at or timezone.now()
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=at))


class HotlistImportQuerySet(models.QuerySet):
    def visible_to(self, user):
        agency_id = _own_agency_id(user)
        return self.filter(hotlist__agency_id=agency_id) if agency_id else self.none()


class AlertQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An alert belongs to the hotlist's agency, and only that agency works it."""
        agency_id = _own_agency_id(user)
        return self.filter(agency_id=agency_id) if agency_id else self.none()


class AlertEventQuerySet(models.QuerySet):
    def visible_to(self, user):
        agency_id = _own_agency_id(user)
        return self.filter(alert__agency_id=agency_id) if agency_id else self.none()


class OwnAgencyQuerySet(models.QuerySet):
    """Subscriptions and their outbox rows: the owning agency's only."""

    def visible_to(self, user):
        agency_id = _own_agency_id(user)
        if not agency_id:
            return self.none()
        field = "agency_id" if any(f.name == "agency" for f in self.model._meta.fields) else "subscription__agency_id"
        return self.filter(**{field: agency_id})
