"""Axis License Plate Verifier: HTTP push as multipart with two files, `event` (JSON) and `image` (JPEG), or the
event alone as JSON.

One car sends `new`, `update` and `lost` events with the same `carID`: they update one read (source_id
`axis:<serial>:<carID>`). The camera is known by its serial number (`camera_info.SerialNumber`), or its MAC
address. `plateCountry` is an ISO alpha-3 country, so an Axis read carries no state unless a `plateRegion` names
one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .common import (
    FIELD_TYPE,
    TIME_BAD,
    LocalTime,
    PeerError,
    PeerRead,
    confidence,
    direction,
    epoch_time,
    number,
    plate_text,
    state_name,
    text,
)

NOT_AN_OBJECT = "An Axis event is a JSON object (the multipart file `event`)."
CAMERA_REQUIRED = "camera_info.SerialNumber (or MACAddress) is required to know which camera sent the event."
# A car is followed for seconds: carID numbers come round again, so its messages update its read for 10 minutes.
PASS_WINDOW_S = 600


def axis_reads(document, *, image: bytes | None = None) -> list[PeerRead]:
    if not isinstance(document, Mapping):
        raise PeerError(NOT_AN_OBJECT)
    info = document.get("camera_info") if isinstance(document.get("camera_info"), Mapping) else {}
    serial = text(info.get("SerialNumber") or document.get("serialNumber"), 64)
    mac = text(info.get("MACAddress"), 64)
    if not serial and not mac:
        raise PeerError(CAMERA_REQUIRED)
    camera = serial or mac
    plate = None
    for name in ("plateText", "plateUTF8", "plateUnicode", "plateASCII"):
        if isinstance(document.get(name), str) and document[name].strip():
            plate = document[name]
            break
    plate = plate_text(plate, "plateText")
    if document.get("capture_timestamp") not in (None, ""):
        when = epoch_time(document["capture_timestamp"], "capture_timestamp", millis=True)
    else:
        when = _datetime(document.get("datetime"))
    car = document.get("carID")
    # Without a carID, the time itself keys the message (a re-sent event stores nothing twice).
    stamp = document.get("capture_timestamp") or document.get("datetime")
    pass_key = str(car) if car not in (None, "") else f"t{stamp}"
    geotag = document.get("geotag") if isinstance(document.get("geotag"), Mapping) else {}
    lat, lon = number(geotag.get("lat"), "geotag.lat"), number(geotag.get("lon"), "geotag.lon")
    if (lat, lon) == (0, 0):
        lat = lon = None  # an unset GPS reports 0, 0
    return [
        PeerRead(
            camera=camera,
            camera_keys=tuple(key for key in (serial, mac, mac.replace(":", "")) if key),
            pass_id=f"axis:{camera}:{pass_key}",
            time=when,
            plate=plate,
            plate_state=state_name(document.get("plateRegion") or document.get("plateState")),
            confidence=confidence(document.get("plateConfidence"), "plateConfidence", percent=None),
            vehicle_type=text(document.get("vehicleType") or document.get("carType"), 24),
            vehicle_color=text(document.get("vehicleColor") or document.get("carColor"), 24),
            vehicle_make=text(document.get("vehicleMake") or document.get("carMake"), 40),
            vehicle_model=text(document.get("vehicleModel") or document.get("carModel"), 40),
            direction=direction(document.get("carMoveDirection")),
            latitude=lat,
            longitude=lon,
            image=image,
        )
    ]


def _datetime(value) -> LocalTime:
    """`YYYYMMDD HHMMSSmmm`, the camera's local time with no offset."""
    if not isinstance(value, str) or not value.strip():
        raise PeerError(FIELD_TYPE.format(field="capture_timestamp (or datetime)", kind="given"))
    raw = value.strip()
    try:
        naive = dt.datetime.strptime(raw[:15], "%Y%m%d %H%M%S")
        millis = raw[15:18]
        if millis:
            naive = naive.replace(microsecond=int(millis) * 1000)
    except ValueError:
        raise PeerError(TIME_BAD.format(field="datetime", value=value)) from None
    return LocalTime(naive, "datetime", raw)
