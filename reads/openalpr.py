"""Mapping of the OpenALPR agent's webhook documents (alpr_group, heartbeat) to ingest items.

Pure functions: a document in, plain dicts out, or a WebhookError saying what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping

from agencies.choices import US_STATES

NOT_AN_OBJECT = "The webhook body must be a JSON object."
UNSUPPORTED_TYPE = "data_type {value!r} is not handled; this endpoint takes alpr_results, alpr_group and heartbeat."
FIELD_REQUIRED = "{name} is required in an alpr_group document."
FIELD_TYPE = "{name} must be {kind}."
BAD_IMAGE = "vehicle_crop_jpeg is not valid base64."
EPOCH_RANGE = "epoch_start is not a time this system can store."


class WebhookError(ValueError):
    pass


def _best(options) -> str:
    """The first (best) name of an OpenALPR [{name, confidence}] list."""
    if isinstance(options, list) and options and isinstance(options[0], Mapping):
        return str(options[0].get("name") or "")
    return ""


def region_to_state(region) -> str:
    """`ca` or `us-ca` -> `CA`; anything else (other countries, unknown) -> ""."""
    if not isinstance(region, str):
        return ""
    code = region.lower().removeprefix("us-").upper()
    return code if code in US_STATES else ""


def _require(document: Mapping, name: str, kind: type | tuple, kind_name: str):
    if name not in document or document[name] in (None, ""):
        raise WebhookError(FIELD_REQUIRED.format(name=name))
    value = document[name]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise WebhookError(FIELD_TYPE.format(name=name, kind=kind_name))
    return value


def group_to_item(document: Mapping, *, camera_id: int) -> tuple[dict, bytes | None]:
    """An alpr_group document -> (ingest item, vehicle image bytes or None)."""
    epoch_ms = _require(document, "epoch_start", int | float, "milliseconds since the epoch")
    try:  # a time past year 9999 (or infinite, which JSON's 1e400 gives) has no datetime
        captured_at = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise WebhookError(EPOCH_RANGE) from exc
    plate = _require(document, "best_plate_number", str, "a string")
    best_plate = document.get("best_plate") if isinstance(document.get("best_plate"), Mapping) else {}
    uuids = document.get("uuids") if isinstance(document.get("uuids"), list) else []
    source_id = str(document.get("best_uuid") or (uuids[0] if uuids else "")) or (
        f"{document.get('agent_uid', '')}-{document.get('camera_id', '')}-{int(epoch_ms)}"
    )
    candidates = []
    for candidate in best_plate.get("candidates") or []:
        if isinstance(candidate, Mapping) and candidate.get("plate"):
            confidence = candidate.get("confidence")
            candidates.append(
                {
                    "plate": str(candidate["plate"]),
                    "confidence": round(float(confidence) / 100, 4) if isinstance(confidence, int | float) else None,
                }
            )
    vehicle = document.get("vehicle") if isinstance(document.get("vehicle"), Mapping) else {}
    make_model = _best(vehicle.get("make_model"))
    make = _best(vehicle.get("make"))
    item = {
        "camera": camera_id,
        "captured_at": captured_at.isoformat(),
        "plate": plate,
        "plate_state": region_to_state(document.get("best_region")),
        "source_id": source_id[:128],
        "candidates": candidates,
        "vehicle_make": make[:40],
        # OpenALPR names models "make_model" (e.g. "honda_civic"); keep the model part.
        "vehicle_model": make_model.split("_", 1)[-1][:40] if make_model else "",
        "vehicle_type": _best(vehicle.get("body_type"))[:24],
        "vehicle_color": _best(vehicle.get("color"))[:24],
    }
    confidence = document.get("best_confidence")
    if isinstance(confidence, int | float) and not isinstance(confidence, bool):
        item["confidence"] = max(0.0, min(1.0, confidence / 100))
    direction = document.get("travel_direction")
    if isinstance(direction, int | float) and not isinstance(direction, bool):
        item["heading"] = float(direction) % 360
    lat, lon = document.get("gps_latitude"), document.get("gps_longitude")
    if isinstance(lat, int | float) and isinstance(lon, int | float) and (lat, lon) != (0, 0):
        item["latitude"], item["longitude"] = lat, lon
    image = None
    if document.get("vehicle_crop_jpeg"):
        try:
            image = base64.b64decode(document["vehicle_crop_jpeg"], validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise WebhookError(BAD_IMAGE) from exc
    return item, image


def heartbeat_streams(document: Mapping) -> list[int]:
    """Camera numbers a heartbeat reports as streaming."""
    streams = document.get("video_streams")
    if not isinstance(streams, list):
        return []
    return [
        stream["camera_id"]
        for stream in streams
        if isinstance(stream, Mapping) and stream.get("is_streaming") and is_whole_number(stream.get("camera_id"))
    ]


def is_whole_number(value) -> bool:
    """An int that is not a bool: JSON's true and false are Python's 1 and 0, and are not camera numbers."""
    return isinstance(value, int) and not isinstance(value, bool)
