"""Streaming stored read images to the console. Callers have already checked permission and logged the view."""

from __future__ import annotations

import io

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from PIL import Image, UnidentifiedImageError

NO_IMAGE = "This read has no image of that kind."
THUMBNAIL_SIZE = (240, 160)


def stored_image_response(path: str) -> FileResponse:
    if not path or not default_storage.exists(path):
        raise Http404(NO_IMAGE)
    return FileResponse(default_storage.open(path, "rb"), content_type="image/jpeg")


def thumbnail_response(*, plate_crop: str, image: str) -> HttpResponse:
    """The plate crop when there is one (already small), else the rear image scaled down. A file Pillow cannot
    decode is sent as stored: the browser scales it, and a thumbnail is not worth an error."""
    if plate_crop and default_storage.exists(plate_crop):
        return stored_image_response(plate_crop)
    if not image or not default_storage.exists(image):
        raise Http404(NO_IMAGE)
    with default_storage.open(image, "rb") as stored:
        data = stored.read()
    try:
        picture = Image.open(io.BytesIO(data))
        picture.thumbnail(THUMBNAIL_SIZE)
        out = io.BytesIO()
        picture.convert("RGB").save(out, format="JPEG", quality=80)
        data = out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        pass
    return HttpResponse(data, content_type="image/jpeg")
