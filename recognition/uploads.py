"""Checks on uploaded images: size, type by content (not by name), a full decode, and the capture time from EXIF."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

from django.conf import settings
from PIL import Image, UnidentifiedImageError

IMAGE_TOO_LARGE = "An image may be at most {mb:g} MB."
IMAGE_EMPTY = "The file is empty."
IMAGE_TYPE = "Only JPEG and PNG images are accepted."
IMAGE_UNREADABLE = "The image cannot be decoded ({reason}); send the whole, undamaged file."
IMAGE_TOO_MANY_PIXELS = "An image may have at most {limit:,} pixels; this one has {width:,} x {height:,}."

# Magic numbers: the first bytes of the formats we take.
_SIGNATURES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}
_EXIF_IFD = 0x8769
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132


class UploadRejected(ValueError):
    """An upload refused before any job exists; `status` is the HTTP status that says why (413 or 415)."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def sniff_type(data: bytes) -> str:
    """The image type told by content, or UploadRejected(415)."""
    if not data:
        raise UploadRejected(IMAGE_EMPTY, 415)
    for signature, content_type in _SIGNATURES.items():
        if data.startswith(signature):
            return content_type
    raise UploadRejected(IMAGE_TYPE, 415)


def check_size(size: int) -> None:
    if size > settings.RECOGNITION_MAX_IMAGE_BYTES:
        raise UploadRejected(IMAGE_TOO_LARGE.format(mb=settings.RECOGNITION_MAX_IMAGE_BYTES / 1_000_000), 413)


def check_decodes(data: bytes) -> None:
    """Decode the whole image now, so that a truncated, header-only or otherwise damaged file is refused at upload
    (400) rather than accepted (202) and failed later in the worker; and bound its pixel count (413) before any
    pixel is decoded, since a small file can declare an enormous image. `verify` checks the structure (PNG's
    checksums); only a full `load` finds a JPEG whose data stops early."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > settings.RECOGNITION_MAX_IMAGE_PIXELS:
                limit = settings.RECOGNITION_MAX_IMAGE_PIXELS
                raise UploadRejected(IMAGE_TOO_MANY_PIXELS.format(limit=limit, width=width, height=height), 413)
            image.verify()
        with Image.open(io.BytesIO(data)) as image:  # verify leaves the image unusable: open it again to decode
            image.load()
    except UploadRejected:
        raise
    except Exception as exc:  # noqa: BLE001 - a decoder fed a hostile file fails in many ways; each means "unreadable"
        raise UploadRejected(IMAGE_UNREADABLE.format(reason=str(exc) or type(exc).__name__), 400) from exc


def check_image(data: bytes) -> str:
    """Every check an upload passes before it is stored, in order of cost: size, type by content, a full decode.
    Returns the content type; raises UploadRejected with the status that says why."""
    check_size(len(data))
    content_type = sniff_type(data)
    check_decodes(data)
    return content_type


def exif_time(data: bytes, tz_name: str) -> dt.datetime | None:
    """DateTimeOriginal (else DateTime) from EXIF, read in the agency's time zone; None when absent or unreadable.
    A corrupt image is not refused here: the recognition job reports it."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            value = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    if not isinstance(value, str):
        return None
    try:
        naive = dt.datetime.strptime(value.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return naive.replace(tzinfo=zoneinfo.ZoneInfo(tz_name))
