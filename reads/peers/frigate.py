"""Frigate NVR: the `frigate/events` documents (`new` / `update` / `end`, the tracked object in `after`) and the
`frigate/tracked_object_update` documents of type `lpr`, received over MQTT or forwarded over HTTP.

All messages of one tracked object carry its id, so they update one read (source_id `frigate:<camera>:<id>`).
Frigate's snapshot is fetched from Frigate itself (`/api/events/<id>/snapshot.jpg`); an inline `thumbnail` or
`snapshot` (base64), when a forwarder adds one, is kept as the read's image.
"""

from __future__ import annotations

from collections.abc import Mapping

from .common import (
    FIELD_TYPE,
    PeerError,
    PeerRead,
    confidence,
    epoch_time,
    image_base64,
    plate_text,
    text,
)

NOT_AN_OBJECT = "A Frigate message is a JSON object (frigate/events or frigate/tracked_object_update)."
UNSUPPORTED_TYPE = (
    "Frigate message type {value!r} is not a plate read; this endpoint takes frigate/events (new, update, end) and "
    "tracked_object_update of type lpr."
)
FIELD_REQUIRED = "{field} is required in a Frigate message."
EVENT_TYPES = {"new", "update", "end"}
# A tracked object (a parked car) can be followed for hours: its messages update its read for a day.
PASS_WINDOW_S = 24 * 3600


def _required(document: Mapping, name: str, prefix: str) -> str:
    value = document.get(name)
    if value in (None, ""):
        raise PeerError(FIELD_REQUIRED.format(field=f"{prefix}{name}"))
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise PeerError(FIELD_TYPE.format(field=f"{prefix}{name}", kind="a string"))
    return str(value)


def pass_id(camera: str, event_id: str) -> str:
    return f"frigate:{camera}:{event_id}"


def frigate_reads(document) -> list[PeerRead]:
    """A Frigate message -> one PeerRead, or PeerError (no plate yet is an error: nothing to store)."""
    if not isinstance(document, Mapping):
        raise PeerError(NOT_AN_OBJECT)
    kind = document.get("type")
    if kind == "lpr":
        return [_lpr_update(document)]
    if kind in EVENT_TYPES or (kind is None and "after" in document):
        return [_event(document)]
    raise PeerError(UNSUPPORTED_TYPE.format(value=kind))


def _event(document: Mapping) -> PeerRead:
    after = document.get("after")
    if not isinstance(after, Mapping):
        raise PeerError(FIELD_REQUIRED.format(field="after"))
    camera = _required(after, "camera", "after.")
    event_id = _required(after, "id", "after.")
    plate = plate_text(after.get("recognized_license_plate"), "after.recognized_license_plate")
    started = after.get("start_time", after.get("frame_time"))
    image = image_base64(after.get("snapshot") if isinstance(after.get("snapshot"), str) else None, "after.snapshot")
    return PeerRead(
        camera=camera,
        pass_id=pass_id(camera, event_id),
        time=epoch_time(started, "after.start_time", millis=False),
        plate=plate,
        # A missing score happens in Frigate's dedicated LPR mode without a plate model.
        confidence=confidence(
            after.get("recognized_license_plate_score"), "after.recognized_license_plate_score", percent=False
        ),
        vehicle_type=text(after.get("label"), 24) if after.get("label") != "license_plate" else "",
        image=image or image_base64(after.get("thumbnail"), "after.thumbnail"),
    )


def _lpr_update(document: Mapping) -> PeerRead:
    camera = _required(document, "camera", "")
    event_id = _required(document, "id", "")
    return PeerRead(
        camera=camera,
        pass_id=pass_id(camera, event_id),
        time=epoch_time(document.get("timestamp"), "timestamp", millis=False),
        plate=plate_text(document.get("plate"), "plate"),
        confidence=confidence(document.get("score"), "score", percent=False),
        plate_crop=image_base64(document.get("plate_crop"), "plate_crop"),
    )
