"""Chainable, side-effect-free querysets. `visible_to(user)` is each model's half of the permission choke point."""

from __future__ import annotations

import datetime as dt

from django.contrib.gis.measure import D
from django.db import models

from agencies.access import Scope, agencies_visible_to, alpr_access_refusal, membership_of
from agencies.choices import Role


class CameraQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Cameras (and so their confidential locations) of agencies whose reads the user may search."""
        return self.filter(agency_id__in=agencies_visible_to(user, Scope.SEARCH))


class ReadQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(owner_agency_id__in=agencies_visible_to(user, Scope.SEARCH))

    def in_window(self, start: dt.datetime, end: dt.datetime):
        # Both bounds on the partition key, so PostgreSQL prunes partitions outside the window.
        return self.filter(captured_at__gte=start, captured_at__lt=end)

    def near(self, point, radius_m: float):
        """Reads taken within `radius_m` of `point`: those of cameras that stood near it (now or before a move),
        found by the camera index, and those that carry their own point (mobile), by the partial spatial index;
        each then by its own stored point."""
        from .models import Camera, CameraMove

        within = {"location__dwithin": (point, D(m=radius_m))}
        # Fetched first, so that the planner sees the ids and uses the (camera_id, captured_at) index.
        camera_ids = set(Camera.objects.filter(**within).values_list("id", flat=True))
        camera_ids |= set(CameraMove.objects.filter(**within).values_list("camera_id", flat=True))
        return self.filter(models.Q(camera_id__in=sorted(camera_ids)) | models.Q(own_location=True), **within)


class AccessLogQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Auditors and agency admins read their own agency's access log; nobody else reads it."""
        if alpr_access_refusal(user) is not None:
            return self.none()
        membership = membership_of(user)
        if membership.role not in (Role.AUDITOR, Role.AGENCY_ADMIN):
            return self.none()
        return self.filter(agency_id=membership.agency_id)

    def reaching(self, agency_id: int):
        """Rows of other agencies' people whose access reached `agency_id`'s data (a partner's searches)."""
        return self.filter(agencies_searched__contains=[agency_id]).exclude(agency_id=agency_id)

    def partner_searches_visible_to(self, user):
        """The owner's half of the audit trail: its auditors and agency admins see every access by another
        agency that reached their agency's data, with the person's name (Civil Code §1798.90.55(b))."""
        if alpr_access_refusal(user) is not None:
            return self.none()
        membership = membership_of(user)
        if membership.role not in (Role.AUDITOR, Role.AGENCY_ADMIN):
            return self.none()
        return self.reaching(membership.agency_id)


class PartnerSearchQuerySet(AccessLogQuerySet):
    def visible_to(self, user):
        return self.partner_searches_visible_to(user)


class EvidenceHoldQuerySet(models.QuerySet):
    def visible_to(self, user):
        if alpr_access_refusal(user) is not None:
            return self.none()
        return self.filter(agency_id=membership_of(user).agency_id)

    def active(self):
        return self.filter(released_at__isnull=True)


class PurgeRunQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self if alpr_access_refusal(user) is None else self.none()
