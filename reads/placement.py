"""Where a camera stands, and the residential rule: a camera is never placed permanently in a residential
neighbourhood, only moved there until a stated end date to answer a stated crime trend (the rule of the city
programs this system is modelled on). The rule is in Camera.clean (admin and API forms), in a database check
constraint (every other write), and here (the service both go through); a daily task reminds the clerks when a
temporary placement's end date has passed."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .choices import CameraPlacement
from .models import Camera, CameraPlacementNotice

PLACEMENT_END_IN_PAST = "The temporary placement's end date has already passed ({ends_on}): choose a later date."
PLACEMENT_UNKNOWN = "Not a placement: {placement}. Choose one of: {choices}."


@transaction.atomic
def camera_placement_set(
    *, camera: Camera, placement: str, ends_on: dt.date | None = None, crime_trend: str = "", user=None
) -> Camera:
    """Record where `camera` stands. A residential placement needs an end date (not already past) and the crime
    trend it answers; any other placement is permanent and carries neither."""
    if placement not in CameraPlacement.values:
        raise ValidationError(
            {"placement": PLACEMENT_UNKNOWN.format(placement=placement, choices=", ".join(CameraPlacement.values))}
        )
    camera = Camera.objects.select_for_update().get(pk=camera.pk)
    if placement == CameraPlacement.RESIDENTIAL and ends_on is not None and ends_on < timezone.localdate():
        raise ValidationError({"placement_ends_on": PLACEMENT_END_IN_PAST.format(ends_on=ends_on.isoformat())})
    camera.placement = placement
    camera.placement_ends_on = ends_on
    camera.crime_trend = (crime_trend or "").strip()
    camera.full_clean()
    camera.save(update_fields=["placement", "placement_ends_on", "crime_trend"])
    return camera


def cameras_past_placement_end(today: dt.date | None = None):
    """Active cameras whose temporary placement ended before today."""
    today = today or timezone.localdate()
    return Camera.objects.filter(
        placement=CameraPlacement.RESIDENTIAL, placement_ends_on__lt=today, is_active=True
    ).select_related("agency")


@transaction.atomic
def camera_placement_remind(*, today: dt.date | None = None) -> list[CameraPlacementNotice]:
    """One reminder per camera and ended placement (idempotent: the task may run twice a day, or be retried)."""
    created = []
    for camera in cameras_past_placement_end(today):
        notice, was_created = CameraPlacementNotice.objects.get_or_create(
            camera=camera, placement_ended_on=camera.placement_ends_on, defaults={"agency": camera.agency}
        )
        if was_created:
            created.append(notice)
    return created


@transaction.atomic
def camera_placement_notice_resolve(*, notice: CameraPlacementNotice, user) -> CameraPlacementNotice:
    notice = CameraPlacementNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.resolved_at is None:
        notice.resolved_at = timezone.now()
        notice.resolved_by = user
        notice.save(update_fields=["resolved_at", "resolved_by"])
    return notice
