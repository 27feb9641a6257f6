"""What the console's maps draw (console/static/console/map.js): points as plain data, never HTML.

Camera and read locations are confidential: these functions are only given reads and cameras the caller may
already see (a logged result's reads, the cameras the search form offers), and the data goes only into pages
behind the console's permission checks.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone

from reads.models import Camera, Read


def map_config() -> dict:
    return {"tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION}


def context(request) -> dict:
    """Template context processor: the tile server every console map uses."""
    return {"map_config": map_config()}


def _point(read: Read):
    if read.location is not None:
        return read.location
    return read.camera.location if read.camera_id and read.camera else None


def read_points(reads: Iterable[Read]) -> list[dict]:
    """One point per read with a location, in the order given (a timeline's is time order), numbered from 1 as the
    page's table numbers them."""
    points = []
    for number, read in enumerate(reads, start=1):
        point = _point(read)
        if point is None:
            continue
        points.append(
            {
                "n": number,
                "lat": round(point.y, 6),
                "lon": round(point.x, 6),
                "plate": read.plate,
                "time": timezone.localtime(read.captured_at).strftime("%Y-%m-%d %H:%M:%S"),
                "camera": read.camera.name if read.camera_id and read.camera else "",
            }
        )
    return points


def camera_points(cameras: Iterable[Camera]) -> list[dict]:
    """The cameras with a location, for choosing an area or cameras on the search form's map."""
    return [
        {"id": camera.pk, "lat": round(camera.location.y, 6), "lon": round(camera.location.x, 6), "name": camera.name}
        for camera in cameras
        if camera.location is not None
    ]
