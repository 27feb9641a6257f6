"""A camera's position in admin: latitude and longitude inputs with a map beside them (console/static/console/map.js,
kind "point") where a click or a drag of the marker fills them in.

The two number inputs are the form's value, so the field works from the keyboard, with a screen reader, and with no
script or no map tiles at all; the map only writes into them. Nothing is inline: the page's script and styles come
from static files (MAP_MEDIA) and the inputs are named on the map's element with data- attributes, so the strict
Content-Security-Policy holds. This replaces the GIS admin's OpenLayers widget, which loads from a CDN.
"""

from __future__ import annotations

from django import forms
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point

LATITUDE_OUT_OF_RANGE = "Latitude must be a number of degrees between -90 and 90 (California is about 32.5 to 42)."
LONGITUDE_OUT_OF_RANGE = (
    "Longitude must be a number of degrees between -180 and 180 (California is about -124.5 to -114; west is negative)."
)
LOCATION_HALF_GIVEN = "Give both the latitude and the longitude, or neither."

# The map's files, all served from this site: Leaflet (copied from npm into static/vendor by ./dev) and the
# component that draws the console's maps too.
MAP_MEDIA = forms.Media(
    css={"all": ["vendor/leaflet/leaflet.css", "console/map.css"]},
    js=["vendor/leaflet/leaflet.js", "console/map.js"],
)


class CameraLocationWidget(forms.MultiWidget):
    """Latitude and longitude number inputs (`<name>_latitude`, `<name>_longitude`) and the map that sets them."""

    template_name = "reads/widgets/camera_location.html"

    def __init__(self, attrs=None):
        widgets = {
            "latitude": forms.NumberInput(attrs={"step": "any", "min": "-90", "max": "90", "inputmode": "decimal"}),
            "longitude": forms.NumberInput(attrs={"step": "any", "min": "-180", "max": "180", "inputmode": "decimal"}),
        }
        super().__init__(widgets, attrs)

    @property
    def media(self):
        return MAP_MEDIA

    def decompress(self, value):
        if not value:
            return [None, None]
        if isinstance(value, str):
            try:
                value = GEOSGeometry(value)
            except (GEOSException, ValueError):
                return [None, None]
        return [value.y, value.x]


class CameraLocationField(forms.MultiValueField):
    """A point from latitude and longitude in decimal degrees (WGS 84), or None when both are empty. Out of range,
    not a number, or only one of the two given: a form error naming what to type, and nothing is saved."""

    widget = CameraLocationWidget

    def __init__(self, **kwargs):
        def degrees(limit: float, message: str) -> forms.FloatField:
            return forms.FloatField(
                required=False,
                min_value=-limit,
                max_value=limit,
                error_messages={"invalid": message, "min_value": message, "max_value": message},
            )

        fields = (degrees(90, LATITUDE_OUT_OF_RANGE), degrees(180, LONGITUDE_OUT_OF_RANGE))
        kwargs.setdefault("required", False)
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        latitude, longitude = (list(data_list) + [None, None])[:2]
        if latitude is None and longitude is None:
            return None
        if latitude is None or longitude is None:
            raise forms.ValidationError(LOCATION_HALF_GIVEN, code="half")
        return Point(longitude, latitude, srid=4326)


def latitude_longitude(point) -> str:
    """A position as people read it ("34.052200, -118.243700"), or "-" for none."""
    return f"{point.y:.6f}, {point.x:.6f}" if point is not None else "-"
