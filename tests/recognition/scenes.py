"""Synthetic rear views of cars with a plate, drawn by the tests themselves (no dataset is copied)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

MONO_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf"
SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def plate_scene(text: str = "5KDJ244", *, size=(1280, 720), exif_time: str | None = None, fmt="JPEG") -> bytes:
    """A car's rear (red body, dark window) with a white California-style plate reading `text`."""
    width, height = size
    image = Image.new("RGB", size, (90, 100, 95))
    draw = ImageDraw.Draw(image)
    scale = width / 1280
    draw.rectangle([380 * scale, 220 * scale, 900 * scale, 600 * scale], fill=(150, 20, 25))
    draw.rectangle([440 * scale, 260 * scale, 840 * scale, 380 * scale], fill=(40, 50, 60))
    px, py = 560 * scale, 470 * scale
    draw.rectangle([px, py, px + 180 * scale, py + 90 * scale], fill=(245, 245, 245), outline=(20, 20, 20), width=3)
    draw.text(
        (px + 10 * scale, py + 24 * scale),
        text,
        fill=(20, 20, 120),
        font=ImageFont.truetype(MONO_BOLD, int(38 * scale)),
    )
    draw.text(
        (px + 55 * scale, py + 4 * scale),
        "California",
        fill=(180, 20, 20),
        font=ImageFont.truetype(SANS, int(14 * scale)),
    )
    return _encode(image, fmt, exif_time)


def empty_scene(fmt="JPEG") -> bytes:
    """A road with no vehicle and no plate."""
    image = Image.new("RGB", (1280, 720), (110, 110, 105))
    ImageDraw.Draw(image).rectangle([0, 500, 1280, 720], fill=(60, 60, 60))
    return _encode(image, fmt, None)


def _encode(image: Image.Image, fmt: str, exif_time: str | None) -> bytes:
    buffer = io.BytesIO()
    if exif_time:
        exif = Image.Exif()
        exif.get_ifd(0x8769)[0x9003] = exif_time
        image.save(buffer, fmt, exif=exif)
    else:
        image.save(buffer, fmt)
    return buffer.getvalue()


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]
