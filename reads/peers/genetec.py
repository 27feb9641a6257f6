"""Genetec AutoVu: the SharpV / SharpZ3 HTTP extension (one read per request, JSON or XML) and the flat webhook
seen in the field (`Plate`, `State`, `ConfidenceScore`, `CameraName`, `DateUtc` + `TimeUtc`...).

The camera is known by its name (`LprCameraName`, `CameraName`, else `SharpName` / `ContextCameraName`). Times
without an offset are placed with the camera's time zone; `DateUtc` `10/24/2024` with its date order. A read's
`Id` is its source_id; a flat webhook without one is keyed on camera, time and plate, so a re-send stores nothing
twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.etree.ElementTree import Element  # noqa: S405 (the type only)

from .common import (
    FIELD_TYPE,
    TIME_MISSING,
    PeerError,
    PeerRead,
    SlashDateTime,
    confidence,
    direction,
    image_base64,
    iso_time,
    number,
    plate_text,
    state_name,
    text,
)
from .xml import xml_parse

NOT_AN_OBJECT = "A Genetec read is a JSON object or an XML document."
CAMERA_REQUIRED = "LprCameraName (or CameraName / SharpName) is required to know which camera read the plate."
PASS_WINDOW_S = 3600


def genetec_reads_xml(data: bytes | str) -> list[PeerRead]:
    """The SharpV HTTP extension's XML: the same names as its JSON, as child elements of the root."""
    return genetec_reads(_element_dict(xml_parse(data)))


def _element_dict(element: Element) -> dict:
    """<Read><PlateRead>X</PlateRead><PlateAnalytics><PlateAnalytic><Key>..</Key>...</PlateAnalytics></Read> ->
    {"PlateRead": "X", "PlateAnalytics": [{"Key": ..}]}; attributes count as children."""
    result: dict = dict(element.attrib)
    for child in element:
        if len(child) or child.attrib:
            value = _element_dict(child)
            if child.tag in ("PlateAnalytics", "Attributes") and all(len(item) or item.attrib for item in child):
                value = [_element_dict(item) for item in child]
        else:
            value = (child.text or "").strip()
        result[child.tag] = value
    return result


def genetec_reads(document) -> list[PeerRead]:
    """A read (SharpV or flat), or a list of them (a sender that batches), -> PeerReads."""
    if isinstance(document, list) and document:
        return [read for item in document for read in genetec_reads(item if isinstance(item, Mapping) else None)]
    if not isinstance(document, Mapping):
        raise PeerError(NOT_AN_OBJECT)
    if "PlateRead" in document or "LprCameraName" in document or "PlateAnalytics" in document:
        return [_sharpv(document)]
    return [_flat(document)]


def _analytics(value) -> dict[str, tuple[str, object]]:
    """PlateAnalytics [{Key, Score, Value}] (or a {key: value} object) -> {lowercased key: (value, score)}."""
    found: dict[str, tuple[str, object]] = {}
    if isinstance(value, Mapping):
        value = [{"Key": key, "Value": item} for key, item in value.items()]
    if not isinstance(value, list):
        return found
    for item in value:
        if isinstance(item, Mapping) and item.get("Key"):
            found[str(item["Key"]).strip().lower()] = (text(item.get("Value")), item.get("Score"))
    return found


def _camera(document: Mapping, *names: str) -> tuple[str, tuple[str, ...]]:
    keys = tuple(dict.fromkeys(text(document.get(name), 128) for name in names if text(document.get(name))))
    if not keys:
        raise PeerError(CAMERA_REQUIRED)
    return keys[0], keys


def _position(document: Mapping) -> tuple[float | None, float | None]:
    lat, lon = number(document.get("Latitude"), "Latitude"), number(document.get("Longitude"), "Longitude")
    if lat is None or lon is None or (lat, lon) == (0, 0):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise PeerError(FIELD_TYPE.format(field="Latitude / Longitude", kind="a position in degrees"))
    return lat, lon


def _sharpv(document: Mapping) -> PeerRead:
    camera, keys = _camera(document, "LprCameraName", "ContextCameraName", "SharpName", "CameraName")
    plate = plate_text(document.get("PlateRead"), "PlateRead")
    analytics = _analytics(document.get("PlateAnalytics"))
    score = analytics.get("confidence score", (None, None))
    state = analytics.get("state name", analytics.get("state", ("", None)))[0]
    lat, lon = _position(document)
    read_id = text(document.get("Id"), 100) or f"{camera}:{document.get('Timestamp')}:{plate}"
    return PeerRead(
        camera=camera,
        camera_keys=keys,
        pass_id=f"genetec:{read_id}",
        time=iso_time(document.get("Timestamp"), "Timestamp"),
        plate=plate,
        plate_state=state_name(state),
        confidence=confidence(
            score[0] or score[1] or document.get("ConfidenceScore"), "Confidence Score", percent=None
        ),
        vehicle_type=text(analytics.get("vehicle type", ("", None))[0], 24),
        vehicle_color=text(analytics.get("vehicle color", ("", None))[0], 24),
        vehicle_make=text(analytics.get("vehicle make", ("", None))[0], 40),
        vehicle_model=text(analytics.get("vehicle model", ("", None))[0], 40),
        direction=direction(analytics.get("relative motion", ("", None))[0]),
        latitude=lat,
        longitude=lon,
        image=image_base64(document.get("ContextImage"), "ContextImage"),
        plate_crop=image_base64(document.get("PlateImage"), "PlateImage"),
    )


def _flat(document: Mapping) -> PeerRead:
    camera, keys = _camera(document, "CameraName", "SharpName", "LprCameraName")
    plate = plate_text(document.get("Plate"), "Plate")
    if document.get("DateUtc") not in (None, ""):
        when = SlashDateTime(str(document["DateUtc"]), str(document.get("TimeUtc") or ""), True, "DateUtc / TimeUtc")
    elif document.get("DateLocal") not in (None, ""):
        when = SlashDateTime(
            str(document["DateLocal"]), str(document.get("TimeLocal") or ""), False, "DateLocal / TimeLocal"
        )
    elif document.get("Timestamp") not in (None, ""):
        when = iso_time(document["Timestamp"], "Timestamp")
    else:
        raise PeerError(TIME_MISSING.format(field="DateUtc and TimeUtc"))
    if isinstance(when, SlashDateTime) and not when.time:
        raise PeerError(TIME_MISSING.format(field=when.field))
    attributes = _analytics(document.get("Attributes"))
    lat, lon = _position(document)
    stamp = f"{document.get('DateUtc') or document.get('DateLocal') or document.get('Timestamp')}"
    stamp += f" {document.get('TimeUtc') or document.get('TimeLocal') or ''}"
    read_id = text(document.get("Id") or document.get("ReadId"), 100) or f"{camera}:{stamp.strip()}:{plate}"
    return PeerRead(
        camera=camera,
        camera_keys=keys,
        pass_id=f"genetec:{read_id}",
        time=when,
        plate=plate,
        plate_state=state_name(document.get("State") or attributes.get("state name", ("", None))[0]),
        confidence=confidence(document.get("ConfidenceScore"), "ConfidenceScore", percent=None),
        vehicle_type=text(attributes.get("vehicle type", ("", None))[0], 24),
        vehicle_color=text(attributes.get("vehicle color", ("", None))[0], 24),
        vehicle_make=text(attributes.get("vehicle make", ("", None))[0], 40),
        vehicle_model=text(attributes.get("vehicle model", ("", None))[0], 40),
        direction=direction(attributes.get("relative motion", ("", None))[0]),
        latitude=lat,
        longitude=lon,
        image=image_base64(document.get("ContextImage"), "ContextImage"),
        plate_crop=image_base64(document.get("PlateImage"), "PlateImage"),
    )
