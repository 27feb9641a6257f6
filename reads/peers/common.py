"""What every peer parser shares: the normalised read they return, and the conversions of confidences, times,
regions, directions and images whose forms differ from one product to the next.

Pure Python, no Django: a document in, PeerRead objects out, or a PeerError that names the field at fault.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from agencies.choices import US_STATES

PLATE_MISSING = "No plate in this message ({field} is missing or empty); nothing was stored."
FIELD_TYPE = "{field} must be {kind}."
CONFIDENCE_BAD = "{field} {value!r} is not a confidence (a number from 0 to 1 or 0 to 100)."
TIME_MISSING = "{field} is required: the time of the read."
TIME_BAD = "{field} {value!r} is not a time this system can read."
TIME_RANGE = "{field} {value!r} is not a time this system can store."
TIME_NEEDS_ZONE = (
    "{field} {value!r} carries no UTC offset and camera {camera!r} has no time zone set; set the camera's time zone "
    "in admin (a time that cannot be placed is refused, not guessed)."
)
DATE_AMBIGUOUS = (
    "{field} {value!r} could be day/month or month/day and camera {camera!r} has no date order set; set it in admin."
)
IMAGE_BAD = "{field} is not valid base64."
IMAGE_TOO_LARGE = "{field} is larger than {limit} bytes."

MAX_IMAGE_BYTES = 8 * 1024 * 1024
# Year 2000 to 9999: before that a camera's clock is unset; after, there is no datetime for it.
_EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# Alpha-3 and numeric country codes of the United States: an Axis or Hikvision read that says "USA" has no state.
_COUNTRY_USA = {"USA", "US", "840"}


class PeerError(ValueError):
    """A peer's message that cannot become a read; the message names the field and says why."""


@dataclass(frozen=True, slots=True)
class LocalTime:
    """A time with no UTC offset: placed with the camera's time zone, or refused when the camera has none."""

    value: dt.datetime  # naive
    field: str
    text: str


@dataclass(frozen=True, slots=True)
class SlashDateTime:
    """A date written with slashes (`10/24/2024`) and a time, in UTC or local time: placed with the camera's date
    order (and time zone, when local), or refused when the day and month cannot be told apart."""

    date: str
    time: str
    utc: bool
    field: str


@dataclass(slots=True)
class PeerRead:
    """One read as a peer describes it, normalised: what the receiving view turns into one ingest item.

    `camera` is the identifier the peer uses for its camera (Camera.external_id), with `camera_keys` the other
    spellings it may be mapped by; `pass_id` is the peer's own id of the vehicle pass (the read's source_id), with
    `pass_aliases` other ids under which the same pass may already be stored."""

    camera: str
    pass_id: str
    time: dt.datetime | LocalTime | SlashDateTime
    plate: str
    camera_keys: tuple[str, ...] = ()
    plate_state: str = ""
    confidence: float | None = None
    candidates: list[dict] = field(default_factory=list)
    vehicle_make: str = ""
    vehicle_model: str = ""
    vehicle_type: str = ""
    vehicle_color: str = ""
    direction: str = ""
    heading: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    image: bytes | None = None
    plate_crop: bytes | None = None
    pass_aliases: tuple[str, ...] = ()
    pass_by_plate_s: int = 0

    def item(self, *, camera_id: int, captured_at: dt.datetime) -> dict:
        """The ingest item for reads.services.read_ingest."""
        item = {
            "camera": camera_id,
            "captured_at": captured_at.isoformat(),
            "plate": self.plate,
            "source_id": self.pass_id[:128],
            "plate_state": self.plate_state,
            "candidates": self.candidates,
            "vehicle_make": self.vehicle_make[:40],
            "vehicle_model": self.vehicle_model[:40],
            "vehicle_type": self.vehicle_type[:24],
            "vehicle_color": self.vehicle_color[:24],
            "direction": self.direction,
            "pass_aliases": list(self.pass_aliases),
            "pass_by_plate_s": self.pass_by_plate_s,
        }
        if self.confidence is not None:
            item["confidence"] = self.confidence
        if self.heading is not None:
            item["heading"] = self.heading % 360
        if self.latitude is not None and self.longitude is not None:
            item["latitude"], item["longitude"] = self.latitude, self.longitude
        return item


def plate_text(value, field_name: str) -> str:
    """The plate as sent, or PeerError when there is none (a message with no plate is not a read)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise PeerError(PLATE_MISSING.format(field=field_name))
    if not isinstance(value, str):
        raise PeerError(FIELD_TYPE.format(field=field_name, kind="a string"))
    return value.strip()


def number(value, field_name: str) -> float | None:
    """A number sent as a number or as a string (`"87.5"`); None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PeerError(FIELD_TYPE.format(field=field_name, kind="a number"))
    if isinstance(value, str):
        try:
            value = float(value.strip().rstrip("%"))
        except ValueError:
            raise PeerError(FIELD_TYPE.format(field=field_name, kind="a number")) from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise PeerError(FIELD_TYPE.format(field=field_name, kind="a number"))
    return float(value)


def confidence(value, field_name: str, *, percent: bool | None) -> float | None:
    """A confidence as 0-1. `percent` True: the peer sends 0-100; False: 0-1; None: either (Genetec, Axis), told
    apart by size (above 1 is a percentage)."""
    try:
        score = number(value, field_name)
    except PeerError:
        raise PeerError(CONFIDENCE_BAD.format(field=field_name, value=value)) from None
    if score is None:
        return None
    if percent or (percent is None and score > 1):
        score /= 100
    if not 0 <= score <= 1:
        raise PeerError(CONFIDENCE_BAD.format(field=field_name, value=value))
    return round(score, 4)


def region_state(value) -> str:
    """`us-ca`, `ca`, `US-CA`, `CA` -> `CA`; a country alone or anything unknown -> "" (many reads carry none)."""
    if not isinstance(value, str):
        return ""
    code = value.strip().upper().replace("_", "-")
    code = code.removeprefix("US-").removeprefix("USA-")
    return code if code in US_STATES else ""


def state_name(value) -> str:
    """A state given by code or by name (`California`) -> its USPS code, else ""."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    code = region_state(text)
    if code:
        return code
    return _STATE_NAMES.get(re.sub(r"[^a-z]", "", text.lower()), "")


def is_usa(country) -> bool:
    return isinstance(country, str | int) and str(country).strip().upper() in _COUNTRY_USA


def _checked(moment: dt.datetime, field_name: str, raw) -> dt.datetime:
    if moment < _EARLIEST:
        raise PeerError(TIME_RANGE.format(field=field_name, value=raw))
    return moment


def epoch_time(value, field_name: str, *, millis: bool) -> dt.datetime:
    """Seconds (Frigate) or milliseconds (OpenALPR, Axis) since the epoch, as a number or a string."""
    if value is None or value == "":
        raise PeerError(TIME_MISSING.format(field=field_name))
    seconds = number(value, field_name)
    if millis:
        seconds /= 1000
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise PeerError(TIME_RANGE.format(field=field_name, value=value)) from None
    return _checked(moment, field_name, value)


def iso_time(value, field_name: str) -> dt.datetime | LocalTime:
    """ISO 8601: with an offset (Hikvision, most), or without (a Genetec example), placed later by the camera."""
    if value is None or value == "":
        raise PeerError(TIME_MISSING.format(field=field_name))
    if not isinstance(value, str):
        raise PeerError(TIME_BAD.format(field=field_name, value=value))
    text = value.strip()
    try:
        moment = dt.datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise PeerError(TIME_BAD.format(field=field_name, value=value)) from None
    if moment.tzinfo is None:
        if moment.year < _EARLIEST.year:
            raise PeerError(TIME_RANGE.format(field=field_name, value=value))
        return LocalTime(moment, field_name, text)
    try:
        return _checked(moment.astimezone(dt.UTC), field_name, value)
    except OverflowError:
        raise PeerError(TIME_RANGE.format(field=field_name, value=value)) from None


def place_time(value, *, camera: str, time_zone: str, date_order: str) -> dt.datetime:
    """An aware datetime for a peer's time, using the camera's time zone and date order where the time needs them."""
    from zoneinfo import ZoneInfo

    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, SlashDateTime):
        day = _slash_date(value, camera=camera, date_order=date_order)
        try:
            clock = dt.time.fromisoformat(value.time.strip())
        except ValueError:
            raise PeerError(TIME_BAD.format(field=value.field, value=value.time)) from None
        naive = dt.datetime.combine(day, clock.replace(tzinfo=None))
        if value.utc or clock.tzinfo is not None:
            return _checked(naive.replace(tzinfo=clock.tzinfo or dt.UTC).astimezone(dt.UTC), value.field, value.date)
        value = LocalTime(naive, value.field, f"{value.date} {value.time}")
    if not time_zone:
        raise PeerError(TIME_NEEDS_ZONE.format(field=value.field, value=value.text, camera=camera))
    return _checked(value.value.replace(tzinfo=ZoneInfo(time_zone)).astimezone(dt.UTC), value.field, value.text)


def _slash_date(value: SlashDateTime, *, camera: str, date_order: str) -> dt.date:
    parts = re.split(r"[/.-]", value.date.strip())
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise PeerError(TIME_BAD.format(field=value.field, value=value.date))
    a, b, c = (int(part) for part in parts)
    if len(parts[0]) == 4:
        order = "ymd"
    elif date_order in ("mdy", "dmy"):
        order = date_order
    elif a > 12 >= b:
        order = "dmy"  # only one reading is a date: that is reading, not guessing
    elif b > 12 >= a or a == b:
        order = "mdy"
    else:
        raise PeerError(DATE_AMBIGUOUS.format(field=value.field, value=value.date, camera=camera))
    year, month, day = {"ymd": (a, b, c), "mdy": (c, a, b), "dmy": (c, b, a)}[order]
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise PeerError(TIME_BAD.format(field=value.field, value=value.date)) from None


def image_base64(value, field_name: str) -> bytes | None:
    """An inline base64 image (a `data:image/jpeg;base64,` prefix allowed), or None when absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise PeerError(IMAGE_BAD.format(field=field_name))
    text = value.split(",", 1)[1] if value.startswith("data:") else value
    try:
        data = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise PeerError(IMAGE_BAD.format(field=field_name)) from None
    if len(data) > MAX_IMAGE_BYTES:
        raise PeerError(IMAGE_TOO_LARGE.format(field=field_name, limit=MAX_IMAGE_BYTES))
    return data or None


def direction(value) -> str:
    """A peer's word for the vehicle's motion -> `approaching` / `receding` (the Read's vocabulary), else ""."""
    if not isinstance(value, str):
        return ""
    word = re.sub(r"[^a-z]", "", value.lower())
    if word in {"approaching", "in", "forward", "front", "toward", "towards", "coming", "incoming", "entering"}:
        return "approaching"
    if word in {"receding", "out", "reverse", "rear", "back", "away", "goingaway", "leaving", "outgoing", "exiting"}:
        return "receding"
    return ""


def best_name(options, key: str = "name") -> str:
    """The first (best) `key` of a [{name, score}] list, or the string itself."""
    if isinstance(options, str):
        return options
    if isinstance(options, list) and options and isinstance(options[0], Mapping):
        return str(options[0].get(key) or "")
    if isinstance(options, Mapping):
        return str(options.get(key) or "")
    return ""


def as_list(value) -> list:
    """A list field as sent, or [] when it is missing or not a list (a peer's optional lists are often absent)."""
    return value if isinstance(value, list) else []


def text(value, limit: int = 64) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ("" if value is None else str(value)[:limit])


_STATE_NAMES = {re.sub(r"[^a-z]", "", name.lower()): code for code, name in US_STATES.items()}
