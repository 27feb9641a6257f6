"""From a peer's parsed reads to the one ingest service: find the camera the peer names, place its times, and
store the reads with pass merging (reads.services.read_ingest's two halves with a pass window, the second through
reads.ingest_groups, so that messages arriving together share one transaction).

A read is refused when its camera is not mapped, or not active, in the receiving agency: no camera is ever
created by a read (a public agency's camera is enabled only after its public comment meeting).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import connection

from agencies.models import Agency

from ..choices import CameraPeer, ReadSource
from ..ingest_groups import ingest_groups
from ..services import IngestResult, ingest_validate
from ..validation import CameraInfo
from .common import PeerError, PeerRead, place_time

UNKNOWN_CAMERA = (
    "No camera of your agency is mapped to {peer} camera {identifier!r}; a records clerk sets it as the camera's "
    "external_id in admin (peer {peer})."
)
INACTIVE_CAMERA = "The {peer} camera {identifier!r} is mapped to camera {name!r}, which is not active."

SOURCES = {
    CameraPeer.OPENALPR: ReadSource.OPENALPR_AGENT,
    CameraPeer.FRIGATE: ReadSource.FRIGATE,
    CameraPeer.PLATERECOGNIZER: ReadSource.PLATERECOGNIZER,
    CameraPeer.AXIS: ReadSource.AXIS,
    CameraPeer.HIKVISION: ReadSource.HIKVISION,
    CameraPeer.GENETEC: ReadSource.GENETEC,
}


class PeerCameraError(PeerError):
    """The camera a read names is unknown or inactive: answered as an error on the `camera` field."""


@dataclass(frozen=True, slots=True)
class PeerCamera:
    """What ingest needs of the camera a peer names: its id, what validation checks (kind, active) and how to place
    its times. Read with one hand-written statement per message, not as a Camera (the ORM's query and the camera's
    geography field cost several times the lookup itself)."""

    id: int
    name: str
    kind: str
    is_active: bool
    time_zone: str
    date_order: str

    @property
    def pk(self) -> int:
        return self.id


# Matched on lower(external_id) among the agency's cameras of that peer (the agency_id index narrows it to one
# agency's cameras); in id order, so that two cameras whose ids differ only in case resolve the same way each time.
_CAMERA_SQL = """
SELECT lower(external_id), id, name, kind, is_active, time_zone, date_order FROM reads_camera
WHERE agency_id = %s AND peer = %s AND lower(external_id) = ANY(%s) ORDER BY id
"""


def _keys(read: PeerRead) -> tuple[str, ...]:
    return tuple(key.lower() for key in (read.camera, *read.camera_keys) if key)


def _cameras_named(*, agency: Agency, peer: str, keys) -> dict[str, PeerCamera]:
    """{lower-cased identifier: camera} of the agency's cameras of `peer` that the identifiers name: one statement."""
    found: dict[str, PeerCamera] = {}
    with connection.cursor() as cursor:
        cursor.execute(_CAMERA_SQL, [agency.pk, peer, sorted(set(keys))])
        for lowered, *row in cursor.fetchall():
            found.setdefault(lowered, PeerCamera(*row))
    return found


def _usable(camera: PeerCamera | None, *, peer: str, read: PeerRead) -> PeerCamera:
    label = CameraPeer(peer).label
    if camera is None:
        raise PeerCameraError(UNKNOWN_CAMERA.format(peer=label, identifier=read.camera))
    if not camera.is_active:
        raise PeerCameraError(INACTIVE_CAMERA.format(peer=label, identifier=read.camera, name=camera.name))
    return camera


# The OpenALPR agent's camera: by agent_uid and agent number, else (the same statement) by external_id.
_AGENT_CAMERA_SQL = """
SELECT agent_uid = %(agent)s AND agent_camera_id = %(number)s, lower(external_id), id, name, kind, is_active,
       time_zone, date_order
FROM reads_camera
WHERE agency_id = %(agency)s AND (
    (agent_uid = %(agent)s AND agent_camera_id = %(number)s)
    OR (peer = %(peer)s AND lower(external_id) = ANY(%(keys)s))
)
ORDER BY 1 DESC, id
"""


def agent_camera(*, agency: Agency, agent_uid: str, number, read: PeerRead) -> tuple[PeerCamera | None, PeerCamera]:
    """The camera an OpenALPR agent document names, in one statement: (the camera mapped by `agent_uid` and agent
    camera `number`, or None; else the one mapped by external_id as peer_camera finds it). PeerCameraError from the
    second when neither maps it, or the one found is not active."""
    params = {"agency": agency.pk, "agent": agent_uid or None, "number": number if agent_uid else None,
              "peer": CameraPeer.OPENALPR, "keys": list(_keys(read))}  # fmt: skip
    by_agent, found = None, {}
    with connection.cursor() as cursor:
        cursor.execute(_AGENT_CAMERA_SQL, params)
        for is_agent, lowered, *row in cursor.fetchall():
            if is_agent and by_agent is None:
                by_agent = PeerCamera(*row)
            elif lowered is not None:
                found.setdefault(lowered, PeerCamera(*row))
    if by_agent is not None:
        return by_agent, by_agent
    camera = next((found[key] for key in _keys(read) if key in found), None)
    return None, _usable(camera, peer=CameraPeer.OPENALPR, read=read)


def peer_camera(*, agency: Agency, peer: str, read: PeerRead, cameras: dict | None = None) -> PeerCamera:
    """The agency's camera the peer calls `read.camera` (or one of `read.camera_keys`), matched without regard to
    case; PeerCameraError naming the identifier received when there is none or it is not active. `cameras` keeps
    the answers for the caller (the Frigate subscriber's few seconds)."""
    keys = _keys(read)
    if cameras is not None and keys in cameras:
        camera = cameras[keys]
    else:
        found = _cameras_named(agency=agency, peer=peer, keys=keys)
        camera = next((found[key] for key in keys if key in found), None)
        if cameras is not None:
            cameras[keys] = camera
    return _usable(camera, peer=peer, read=read)


def peer_reads_ingest(
    *,
    agency: Agency,
    peer: str,
    reads: Sequence[PeerRead],
    pass_window_s: int,
    camera=None,
    now: dt.datetime | None = None,
) -> IngestResult:
    """Store a peer's reads through read_ingest; PeerError for a camera or time that cannot be placed,
    IngestValidationError for a read the ingest rules refuse. Nothing is stored unless every read is good.
    `camera` (a Camera or PeerCamera) is the camera of every read when the caller has found it already."""
    items, images, crops = [], {}, {}
    infos: dict[int, CameraInfo] = {}
    # The cameras of all the reads in one statement (a subscriber's batch names many), read afresh for each call:
    # a camera deactivated a moment ago refuses the next message.
    found = {} if camera else _cameras_named(agency=agency, peer=peer, keys=[key for r in reads for key in _keys(r)])
    for read in reads:
        mapped = camera or _usable(
            next((found[key] for key in _keys(read) if key in found), None), peer=peer, read=read
        )
        infos[mapped.pk] = CameraInfo(mapped.pk, mapped.kind, mapped.is_active)
        captured_at = place_time(
            read.time, camera=read.camera, time_zone=mapped.time_zone, date_order=mapped.date_order
        )
        items.append(read.item(camera_id=mapped.pk, captured_at=captured_at))
        if read.image:
            images[read.pass_id[:128]] = read.image
        if read.plate_crop:
            crops[read.pass_id[:128]] = read.plate_crop
    batch = ingest_validate(
        agency=agency,
        items=items,
        source=SOURCES[peer],
        images=images,
        plate_crops=crops,
        now=now,
        pass_window=dt.timedelta(seconds=pass_window_s),
        cameras=infos,
    )
    # Stored with the messages other threads of this process are storing at this moment (reads.ingest_groups).
    return ingest_groups.store(batch)
