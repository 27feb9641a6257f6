"""Hikvision ANPR cameras: the HTTP "listening" push, multipart with `anpr.xml` (an EventNotificationAlert) and the
pictures it names (`licensePlatePicture.jpg`, `detectionPicture.jpg`), in any order; or the XML alone.

The camera is known as `<device>:<channelID>`, the device being its MAC address or IP address, or by its channel
name. An event re-sent after an outage (`isDataRetransmission`) has the same UUID (or device, channel and time)
and stores nothing twice (source_id `hikvision:<UUID>`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from xml.etree.ElementTree import Element  # noqa: S405 (the type only)

from .common import (
    PLATE_MISSING,
    PeerError,
    PeerRead,
    confidence,
    direction,
    is_usa,
    iso_time,
    state_name,
    text,
)
from .xml import child_text, xml_parse

NOT_AN_EVENT = "The XML root is {tag!r}; a Hikvision event is an EventNotificationAlert."
NOT_ANPR = "eventType {value!r} is not ANPR; only plate reads are taken."
CAMERA_REQUIRED = "macAddress or ipAddress (and channelID) is required to know which camera sent the event."
XML_MISSING = "No XML event in this request: send the EventNotificationAlert (anpr.xml) as a part or as the body."
PASS_WINDOW_S = 7 * 24 * 3600  # re-sends after an outage can come days later; their id and time are unchanged
# A plate the camera could not read.
_NO_PLATE = {"unknown", "none", "noplate", "无车牌"}
# pictureInfoList types -> which of the read's images the picture is.
_PLATE_PICTURES = {"licenseplatepicture", "plateimage", "platepicture"}
_VEHICLE_PICTURES = {"detectionpicture", "vehiclepicture", "scenepicture", "closeuppicture"}


def hikvision_reads(xml: bytes | str, *, files: Mapping[str, bytes] | None = None) -> list[PeerRead]:
    """The event XML and the pictures that came with it ({part or file name: bytes}) -> one PeerRead."""
    root = xml_parse(xml)
    if root.tag != "EventNotificationAlert":
        raise PeerError(NOT_AN_EVENT.format(tag=root.tag))
    event_type = child_text(root, "eventType")
    if event_type and event_type.upper() != "ANPR":
        raise PeerError(NOT_ANPR.format(value=event_type))
    anpr = root.find("ANPR")
    plate = child_text(anpr, "licensePlate") or child_text(anpr, "originalLicensePlate")
    if re.sub(r"\s", "", plate).lower() in _NO_PLATE:
        plate = ""
    if not plate:
        raise PeerError(PLATE_MISSING.format(field="ANPR/licensePlate"))
    mac, ip = child_text(root, "macAddress"), child_text(root, "ipAddress")
    channel = child_text(root, "channelID") or child_text(root, "dynChannelID") or "1"
    channel_name = child_text(root, "channelName")
    device = mac or ip or child_text(root, "deviceID")
    if not device:
        raise PeerError(CAMERA_REQUIRED)
    when = iso_time(child_text(root, "dateTime"), "dateTime")
    uuid = child_text(root, "UUID") or child_text(anpr, "UUID")
    pass_key = uuid or f"{device}:{channel}:{child_text(root, 'dateTime')}"
    country = child_text(anpr, "countryAbbreviation") or child_text(root, "countryAbbreviation")
    state = ""
    for name in ("plateState", "province", "region", "area"):
        state = state_name(child_text(anpr, name))
        if state:
            break
    if not state and country and not is_usa(country):
        state = state_name(country)  # some North American firmware writes the state here
    vehicle = anpr.find("vehicleInfo") if anpr is not None else None
    logo = child_text(vehicle, "vehicleLogoRecog")
    latitude, longitude = _gps(root.find("DeviceGPSInfo"))
    image, plate_crop = _pictures(anpr, files or {})
    return [
        PeerRead(
            camera=f"{device}:{channel}",
            camera_keys=_camera_keys(mac, ip, child_text(root, "deviceID"), channel, channel_name),
            pass_id=f"hikvision:{pass_key}",
            time=when,
            plate=plate,
            plate_state=state,
            confidence=confidence(child_text(anpr, "confidenceLevel"), "ANPR/confidenceLevel", percent=True),
            vehicle_type=text(child_text(anpr, "vehicleType") or child_text(vehicle, "vehicleType"), 24),
            vehicle_color=text(child_text(vehicle, "color"), 24),
            # vehicleLogoRecog is a numeric brand code in Hikvision's own table: kept only when it is a name.
            vehicle_make="" if logo.isdigit() else text(logo, 40),
            vehicle_model=text(child_text(vehicle, "vehicleModel"), 40),
            direction=direction(child_text(anpr, "direction")),
            latitude=latitude,
            longitude=longitude,
            image=image,
            plate_crop=plate_crop,
        )
    ]


def _camera_keys(mac: str, ip: str, device_id: str, channel: str, channel_name: str) -> tuple[str, ...]:
    keys = []
    for device in (mac, mac.replace(":", "").replace("-", ""), ip, device_id):
        if device:
            keys += [f"{device}:{channel}", f"{device}/{channel}", f"{device}-{channel}", f"{device}#{channel}"]
    keys += [key for key in (channel_name, mac, ip, device_id) if key]
    return tuple(dict.fromkeys(keys))


def _pictures(anpr: Element | None, files: Mapping[str, bytes]) -> tuple[bytes | None, bytes | None]:
    """(vehicle picture, plate picture): named by pictureInfoList when it lists them, else by the files' names."""
    lowered = {name.lower(): data for name, data in files.items()}
    image = plate_crop = None
    pictures = anpr.find("pictureInfoList") if anpr is not None else None
    for info in pictures.findall("pictureInfo") if pictures is not None else []:
        data = lowered.get(child_text(info, "fileName").lower())
        kind = child_text(info, "type").lower()
        if data is None:
            continue
        if kind in _PLATE_PICTURES and plate_crop is None:
            plate_crop = data
        elif kind in _VEHICLE_PICTURES and image is None:
            image = data
    for name, data in lowered.items():
        stem = name.rsplit(".", 1)[0]
        if plate_crop is None and stem in _PLATE_PICTURES:
            plate_crop = data
        elif image is None and stem in _VEHICLE_PICTURES:
            image = data
    return image, plate_crop


def _gps(info: Element | None) -> tuple[float | None, float | None]:
    """DeviceGPSInfo's degrees, minutes and seconds (with N/S, E/W) -> decimal degrees; (None, None) if absent."""
    if info is None:
        return None, None

    def degrees(name: str, negative: str, kind: str, limit: float) -> float | None:
        part = info.find(name)
        if part is None:
            return None
        try:
            value = sum(
                float(child_text(part, unit) or 0) / div for unit, div in (("degree", 1), ("minute", 60), ("sec", 3600))
            )
        except ValueError:
            return None
        if child_text(info, kind).upper() == negative:
            value = -value
        return value if abs(value) <= limit else None

    lat = degrees("Latitude", "S", "latitudeType", 90)
    lon = degrees("Longitude", "W", "longitudeType", 180)
    if lat is None or lon is None or (lat, lon) == (0, 0):
        return None, None
    return lat, lon
