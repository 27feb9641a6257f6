"""Plate Recognizer Stream and Snapshot webhooks (and ParkPow's): `{"hook": {...}, "data": {"camera_id",
"timestamp", "results": [...]}}`, sent as JSON or as multipart with the document in the `json` field and the
image as the file `upload`.

Stream sends one result per vehicle once it has left the view, so each result is one pass; a webhook retried
by the sender stores nothing twice (source_id `platerecognizer:<camera_id>:<timestamp>:<n>`).
"""

from __future__ import annotations

from collections.abc import Mapping

from .common import (
    FIELD_TYPE,
    PLATE_MISSING,
    PeerError,
    PeerRead,
    as_list,
    best_name,
    confidence,
    direction,
    image_base64,
    iso_time,
    number,
    plate_text,
    region_state,
    text,
)

NOT_AN_OBJECT = "A Plate Recognizer webhook is a JSON object with hook and data."
FIELD_REQUIRED = "{field} is required in a Plate Recognizer webhook."
UNSUPPORTED_EVENT = "hook.event {value!r} is not a recognition; this endpoint takes recognition and image.done."
EVENTS = {"recognition", "image.done", None, ""}
PASS_WINDOW_S = 3600


def platerecognizer_reads(document, *, image: bytes | None = None) -> list[PeerRead]:
    """A webhook document (and the uploaded image, when multipart) -> one PeerRead per result."""
    if not isinstance(document, Mapping):
        raise PeerError(NOT_AN_OBJECT)
    hook = document.get("hook") if isinstance(document.get("hook"), Mapping) else {}
    if hook.get("event") not in EVENTS:
        raise PeerError(UNSUPPORTED_EVENT.format(value=hook.get("event")))
    data = document.get("data")
    if not isinstance(data, Mapping):
        raise PeerError(FIELD_REQUIRED.format(field="data"))
    camera = data.get("camera_id")
    if camera in (None, ""):
        raise PeerError(FIELD_REQUIRED.format(field="data.camera_id"))
    camera = str(camera)
    stamp = data.get("timestamp") or data.get("timestamp_local")
    when = iso_time(stamp, "data.timestamp")
    results = data.get("results")
    if results is not None and not isinstance(results, list):
        raise PeerError(FIELD_TYPE.format(field="data.results", kind="a list"))
    if not results:
        raise PeerError(PLATE_MISSING.format(field="data.results"))
    image = image or image_base64(data.get("image"), "data.image")
    reads = []
    for index, result in enumerate(results):
        if not isinstance(result, Mapping):
            raise PeerError(FIELD_TYPE.format(field=f"data.results[{index}]", kind="an object"))
        reads.append(_result(result, index, camera=camera, when=when, stamp=str(stamp), image=image))
    return reads


def _result(result: Mapping, index: int, *, camera: str, when, stamp: str, image: bytes | None) -> PeerRead:
    name = f"data.results[{index}]"
    plate = plate_text(result.get("plate"), f"{name}.plate")
    region = result.get("region")
    candidates = []
    for n, candidate in enumerate(as_list(result.get("candidates"))):
        if isinstance(candidate, Mapping) and candidate.get("plate"):
            candidates.append(
                {
                    "plate": str(candidate["plate"]),
                    "confidence": confidence(candidate.get("score"), f"{name}.candidates[{n}].score", percent=False),
                }
            )
    vehicle = result.get("vehicle") if isinstance(result.get("vehicle"), Mapping) else {}
    model_make = result.get("model_make")
    heading = number(result.get("direction"), f"{name}.direction")
    return PeerRead(
        camera=camera,
        pass_id=f"platerecognizer:{camera}:{stamp}:{index}",
        time=when,
        plate=plate,
        plate_state=region_state(region.get("code") if isinstance(region, Mapping) else region),
        confidence=confidence(result.get("score"), f"{name}.score", percent=False),
        candidates=candidates,
        vehicle_type=text(best_name(vehicle, "type"), 24),
        vehicle_make=text(best_name(model_make, "make"), 40),
        vehicle_model=text(best_name(model_make, "model"), 40),
        vehicle_color=text(best_name(result.get("color"), "color"), 24),
        direction=direction(best_name(result.get("orientation"), "orientation")),
        heading=heading,
        image=image,
    )
