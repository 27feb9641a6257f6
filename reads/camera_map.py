"""Camera health in words, and admin's camera map (the camera changelist's "Map").

Camera locations are confidential: camera_map_points is given only the cameras the admin's get_queryset returns
(agencies.access.restrict: a clerk's own agency's), and the map page is behind the camera admin's view permission.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models
from django.utils import timezone

from .models import Camera


class CameraHealth(models.TextChoices):
    """What a camera's heartbeat says: heard from within its expected interval, silent longer than that (or never
    heard from), or switched off (not expected to report)."""

    ONLINE = "online", "Online"
    OFFLINE = "offline", "Offline"
    INACTIVE = "inactive", "Inactive"


HEALTH_MEANING = {
    CameraHealth.ONLINE: "heard from within its expected interval",
    CameraHealth.OFFLINE: "silent for longer than its expected interval, or never heard from",
    CameraHealth.INACTIVE: "switched off: its reads are refused and it is not expected to report",
}


def camera_health(camera: Camera) -> CameraHealth:
    if not camera.is_active:
        return CameraHealth.INACTIVE
    return CameraHealth.ONLINE if camera.is_online else CameraHealth.OFFLINE


def last_heard(camera: Camera) -> str:
    if camera.last_heartbeat_at is None:
        return "never"
    return timezone.localtime(camera.last_heartbeat_at).strftime("%Y-%m-%d %H:%M:%S")


def camera_map_points(cameras: Iterable[Camera], *, url_of: Callable[[Camera], str]) -> list[dict]:
    """One point per camera with a location: name, health (key and words) and the URL of its admin page."""
    points = []
    for camera in cameras:
        if camera.location is None:
            continue
        health = camera_health(camera)
        points.append(
            {
                "id": camera.pk,
                "lat": round(camera.location.y, 6),
                "lon": round(camera.location.x, 6),
                "name": camera.name,
                "health": health.value,
                "health_label": f"{health.label}, last heard {last_heard(camera)}",
                "url": url_of(camera),
            }
        )
    return points
