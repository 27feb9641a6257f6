"""Plain data passed between the ingest service and the code that hooks into it (hotlist matching)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class IngestedRead:
    """A read as stored by this ingest call: what hotlist matching and alerting need, with no further query."""

    id: int
    owner_agency_id: int
    camera_id: int | None
    captured_at: dt.datetime
    plate: str
    plate_state: str
    candidates: tuple[str, ...] = field(default=())  # the OCR's alternative readings, normalized, best first
    image: str = ""  # storage path of the rear image, "" when none
    source: str = ""
    source_id: str = ""  # the caller's id of the read (or of its vehicle pass)
