"""OpenALPR frames: the `alpr_results` document the agent (and the open-source alprd daemon) sends for every
frame, one result per plate seen in it.

A frame carries no id of the vehicle pass it belongs to: frames of one camera reading plates with the same
OCR-confusion key within a few seconds are one pass (one read, improved by each better frame), and the
`alpr_group` that follows names the frames' uuids, so it updates that read rather than storing another.
"""

from __future__ import annotations

from collections.abc import Mapping

from .common import (
    FIELD_TYPE,
    PLATE_MISSING,
    PeerError,
    PeerRead,
    as_list,
    confidence,
    epoch_time,
    plate_text,
    region_state,
    text,
)

CAMERA_REQUIRED = "camera_id (with agent_uid or site_id) is required in an alpr_results document."
FRAME_GAP_S = 5  # frames of one vehicle come a fraction of a second apart; five seconds covers a slow car
PASS_WINDOW_S = 600


def frame_camera_keys(document: Mapping) -> tuple[str, ...]:
    """The spellings a camera of an agent may be mapped by in external_id: `<agent_uid>:<camera_id>` first."""
    number = document.get("camera_id")
    keys = []
    for owner in (document.get("agent_uid"), document.get("site_id")):
        if owner not in (None, "") and number not in (None, ""):
            keys += [f"{owner}:{number}", f"{owner}/{number}", f"{owner}-cam{number}"]
    if number not in (None, ""):
        keys.append(str(number))
    return tuple(dict.fromkeys(keys))


def frame_reads(document: Mapping) -> list[PeerRead]:
    keys = frame_camera_keys(document)
    if not keys:
        raise PeerError(CAMERA_REQUIRED)
    when = epoch_time(document.get("epoch_time"), "epoch_time", millis=True)
    results = document.get("results")
    if results is not None and not isinstance(results, list):
        raise PeerError(FIELD_TYPE.format(field="results", kind="a list"))
    if not results:
        raise PeerError(PLATE_MISSING.format(field="results"))
    uuid = text(document.get("uuid"), 120) or f"{keys[0]}-{int(when.timestamp() * 1000)}"
    reads = []
    for index, result in enumerate(results):
        if not isinstance(result, Mapping):
            raise PeerError(FIELD_TYPE.format(field=f"results[{index}]", kind="an object"))
        name = f"results[{index}]"
        candidates = []
        for n, candidate in enumerate(as_list(result.get("candidates"))):
            if isinstance(candidate, Mapping) and candidate.get("plate"):
                candidates.append(
                    {
                        "plate": str(candidate["plate"]),
                        "confidence": confidence(
                            candidate.get("confidence"), f"{name}.candidates[{n}].confidence", percent=True
                        ),
                    }
                )
        reads.append(
            PeerRead(
                camera=keys[0],
                camera_keys=keys,
                # The frame's uuid, as the group's `uuids` name it (a second plate in one frame gets a suffix).
                pass_id=uuid if index == 0 else f"{uuid}#{index}",
                time=when,
                plate=plate_text(result.get("plate"), f"{name}.plate"),
                plate_state=region_state(result.get("region")),
                confidence=confidence(result.get("confidence"), f"{name}.confidence", percent=True),
                candidates=candidates,
                pass_by_plate_s=FRAME_GAP_S,
            )
        )
    return reads
