"""Rough vehicle colour from the car body around the plate.

Samples two regions beside/above the plate (bumper / trunk lid, about one to two plate heights
away), ignores very dark shadows and specular highlights where possible, takes the median HSV
and maps it to a small vocabulary: white, silver, gray, black, red, orange, yellow, green, blue,
brown, beige.  Returns None when there is not enough body visible.  This is a heuristic (no
model): good enough for search filters, not for evidence.
"""

from __future__ import annotations

import numpy as np

COLORS = ("white", "silver", "gray", "black", "red", "orange", "yellow", "green", "blue", "brown", "beige")


def _regions(shape, box):
    H, W = shape[:2]
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    regs = [
        (x1 - int(1.2 * w), y1 - int(0.2 * h), x1 - int(0.15 * w), y2 + int(0.2 * h)),  # left of plate
        (x2 + int(0.15 * w), y1 - int(0.2 * h), x2 + int(1.2 * w), y2 + int(0.2 * h)),  # right of plate
        (x1 - int(0.5 * w), y1 - int(2.2 * h), x2 + int(0.5 * w), y1 - int(0.6 * h)),  # above (trunk)
    ]
    out = []
    for a, b, c, d in regs:
        a, b, c, d = max(0, a), max(0, b), min(W, c), min(H, d)
        if c - a >= 4 and d - b >= 4:
            out.append((a, b, c, d))
    return out


def name_color(h: float, s: float, v: float) -> str:
    """OpenCV HSV (h 0..180, s,v 0..255) -> colour name."""
    if v < 50:
        return "black"
    if s < 40:
        if v > 185:
            return "white"
        if v > 120:
            return "silver"
        return "gray" if v > 70 else "black"
    if s < 80 and v > 150 and 10 <= h <= 35:
        return "beige"
    if h < 8 or h >= 165:
        return "red" if v > 60 else "black"
    if h < 20:
        return "orange" if v > 150 and s > 120 else "brown"
    if h < 35:
        return "yellow" if v > 130 and s > 100 else ("beige" if v > 130 else "brown")
    if h < 85:
        return "green"
    if h < 135:
        return "blue"
    return "red" if s > 120 else "gray"


def vehicle_color(image_bgr: np.ndarray, box: tuple[int, int, int, int]) -> str | None:
    import cv2

    regs = _regions(image_bgr.shape, box)
    if not regs:
        return None
    pixels = []
    for a, b, c, d in regs:
        patch = image_bgr[b:d, a:c]
        step = max(1, int(np.sqrt(patch.shape[0] * patch.shape[1] / 400)))
        pixels.append(patch[::step, ::step].reshape(-1, 3))
    px = np.concatenate(pixels)
    if len(px) < 20:
        return None
    hsv = cv2.cvtColor(px[None].astype(np.uint8), cv2.COLOR_BGR2HSV)[0].astype(np.float32)
    # hue median on the circle is awkward for red; vote by named colour instead
    names = [name_color(*p) for p in hsv[:: max(1, len(hsv) // 300)]]
    counts = {n: names.count(n) for n in set(names)}
    best = max(counts, key=counts.get)
    return best
