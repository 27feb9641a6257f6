"""Checks on uploaded images: size, type by content (not by name), and the capture time from EXIF."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

from django.conf import settings
from PIL import Image, UnidentifiedImageError

IMAGE_TOO_LARGE = "An image may be at most {mb:g} MB."
IMAGE_EMPTY = "The file is empty."
IMAGE_TYPE = "Only JPEG and PNG images are accepted."

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
