"""Synthetic US licence plates for training the plate OCR (tools/train_ocr.py), and the augmentation that makes
a clean plate look like a detector crop of a street photo.

``render_plate(rng) -> (BGR image, registration, state class)`` draws one plate:

* **a design per issuing state** (``STATE_DESIGNS``, all 50 states and DC): background colours and the kind of
  background art (gradient, bands, mountains, sun, waves, flag stripes, a faint repeated watermark), the serial's
  ink, where the state's name is printed (top or bottom) and the state's slogans, written from the states'
  current and recent general-issue plates (approximations: the model must learn what a plate of that state
  looks like at 20-60 px tall, not read the fine print); 12 % **specialty plates** (any colours and art, a cause
  printed where the slogan goes) and 4 % **paper temporary plates** (thin print, "TEMPORARY", an expiry date);
* **the serial** in one of ten Debian fonts, in a common US layout or a random one, with an optional separator;
  in 10 % a pair of **stacked small characters** beside it, which US plate labels leave out (``BR 2515`` is
  ``2515``), so the model learns not to read them;
* **clutter at the edges**, where real misreads happen: registration stickers, **mounting bolts** (sometimes
  touching the first or last character), and in 40 % a **licence-plate frame** whose bars lie over the plate's
  edges (dealer text on them; the bottom bar may cover the lower part of the serial, the top bar the state name).

``augment(img, rng)`` then imitates what the camera and the detector do: box jitter up to the detector's loose
margins, rotation, shear and **perspective**, lighting and shadow, **night and infrared** looks (grey, bright
retroreflective plate, dark surroundings, bloom, sensor noise), **partial occlusion** (a tow ball or bracket),
down-scaling to 40-220 px wide, **focus and motion blur** in any direction, noise and JPEG.

Everything is drawn from the ``random.Random`` passed in: the same seed gives the same plates. Only PIL, OpenCV
and numpy are needed (no torch), with the fonts of Debian's ``fonts-dejavu-core``, ``fonts-dejavu-extra`` and
``fonts-liberation``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from recognition.engine.ocr import STATE_CLASSES
from recognition.engine.plates import COMMON_SHAPES, US_STATE_NAMES

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]
SERIAL_FONTS = [
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationSansNarrow-Bold.ttf",
    "LiberationMono-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSerif-Bold.ttf",
    "LiberationSans-Regular.ttf",
]
SMALL_FONTS = [
    "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSans-Bold.ttf",
    "LiberationSerif-BoldItalic.ttf",
    "LiberationSans-Italic.ttf",
    "DejaVuSerif.ttf",
    "LiberationSerif-Bold.ttf",
]
THIN_FONTS = ["DejaVuSansMono.ttf", "LiberationMono-Regular.ttf", "DejaVuSans.ttf"]

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Design:
    """How a state's general-issue plate looks, roughly."""

    top: str  # background colour at the top (#rrggbb)
    bottom: str  # ... and at the bottom (the same for a plain background)
    ink: str  # the serial's colour
    name_ink: str  # the state's name
    art: str = "plain"  # plain | gradient | bands | mountains | sun | waves | flag | watermark
    accent: str = "#1b3a8a"  # the art's colour
    name_at: str = "top"  # where the state's name is printed: top | bottom
    slogans: tuple[str, ...] = ()


BLUE, NAVY, RED, GREEN, BLACK, MAROON = "#1b3a8a", "#14245c", "#b22222", "#13683a", "#101010", "#6b1a1a"
STATE_DESIGNS: dict[str, Design] = {
    "AL": Design("#ffffff", "#e6eefa", NAVY, RED, "bands", "#3b6fb6", "bottom", ("Sweet Home Alabama", "Stars Fell on Alabama")),  # noqa: E501
    "AK": Design("#f4cf1d", "#f4cf1d", NAVY, NAVY, "flag", "#1f3f9a", "top", ("The Last Frontier",)),
    "AZ": Design("#f5e6c4", "#8a4f9e", MAROON, BLACK, "mountains", "#4a2a5a", "top", ("Grand Canyon State",)),
    "AR": Design("#ffffff", "#d8e8f4", NAVY, RED, "gradient", "#9ab8d8", "top", ("The Natural State",)),
    "CA": Design("#ffffff", "#ffffff", NAVY, RED, "plain", RED, "top", ("dmv.ca.gov", "Lake Tahoe")),
    "CO": Design("#ffffff", "#2f7d3c", GREEN, GREEN, "mountains", "#2f7d3c", "top", ("COLORFUL COLORADO",)),
    "CT": Design("#dfeefa", "#ffffff", NAVY, NAVY, "gradient", "#9cc3e6", "top", ("Constitution State",)),
    "DE": Design("#d8b45a", "#d8b45a", NAVY, NAVY, "plain", NAVY, "top", ("The First State",)),
    "DC": Design("#ffffff", "#ffffff", RED, BLUE, "bands", RED, "top", ("Taxation Without Representation", "End Taxation Without Representation")),  # noqa: E501
    "FL": Design("#ffffff", "#ffffff", GREEN, GREEN, "sun", "#f28c28", "top", ("Sunshine State", "myflorida.com")),
    "GA": Design("#ffffff", "#f6e3c8", BLACK, BLACK, "sun", "#f2a65a", "top", ("In God We Trust",)),
    "HI": Design("#ffffff", "#ffffff", BLACK, BLACK, "waves", "#c43c8c", "top", ("Aloha State",)),
    "ID": Design("#ffffff", "#d4e4f2", BLUE, RED, "mountains", "#7a94b8", "bottom", ("Famous Potatoes", "Scenic Idaho")),  # noqa: E501
    "IL": Design("#ffffff", "#e4ecf4", MAROON, BLACK, "watermark", "#a0b4c8", "top", ("Land of Lincoln",)),
    "IN": Design("#ffffff", "#e6ecf6", NAVY, NAVY, "flag", "#2a4a9a", "top", ("In God We Trust", "Crossroads of America")),  # noqa: E501
    "IA": Design("#ffffff", "#d8ecd0", BLACK, NAVY, "mountains", "#6a9a4a", "top", ()),
    "KS": Design("#dbe9f6", "#ffffff", NAVY, NAVY, "gradient", "#8fb3d9", "top", ("Ad Astra per Aspera",)),
    "KY": Design("#ffffff", "#cfe2f3", NAVY, NAVY, "gradient", "#5b8fc9", "bottom", ("Unbridled Spirit", "Kentucky Proud")),  # noqa: E501
    "LA": Design("#ffffff", "#ffffff", NAVY, RED, "watermark", "#c7d3e0", "top", ("Sportsman's Paradise",)),
    "ME": Design("#ffffff", "#e8f0e0", NAVY, NAVY, "mountains", "#557a3a", "top", ("Vacationland",)),
    "MD": Design("#ffffff", "#ffffff", BLACK, BLACK, "flag", "#c8102e", "top", ("My Maryland",)),
    "MA": Design("#ffffff", "#ffffff", RED, BLUE, "plain", BLUE, "top", ("Spirit of America", "The Spirit of America")),  # noqa: E501
    "MI": Design("#ffffff", "#ffffff", NAVY, NAVY, "plain", NAVY, "bottom", ("Pure Michigan", "Great Lakes")),
    "MN": Design("#ffffff", "#cfe0f2", NAVY, NAVY, "waves", "#4a78b8", "top", ("10,000 Lakes", "Explore Minnesota")),  # noqa: E501
    "MS": Design("#cfe0f0", "#5a8ac0", BLACK, NAVY, "gradient", "#5a8ac0", "top", ("In God We Trust",)),
    "MO": Design("#ffffff", "#e0f0ec", NAVY, NAVY, "waves", "#2a8a7a", "bottom", ("Show-Me State",)),
    "MT": Design("#14245c", "#2c4a8a", "#f4f4f4", "#f4f4f4", "mountains", "#0c183c", "top", ("Big Sky",)),
    "NE": Design("#d8e8f6", "#ffffff", BLACK, NAVY, "gradient", "#8fb3d9", "top", ("The Good Life",)),
    "NV": Design("#cfdcea", "#6a86a8", NAVY, NAVY, "mountains", "#4a5a78", "top", ("Home Means Nevada", "The Silver State")),  # noqa: E501
    "NH": Design("#ffffff", "#e6efe6", GREEN, GREEN, "mountains", "#7a9a7a", "top", ("Live Free or Die",)),
    "NJ": Design("#f2e3a2", "#ffffff", BLACK, BLACK, "gradient", "#e8c860", "top", ("Garden State",)),
    "NM": Design("#f5d634", "#f5d634", RED, RED, "sun", "#c8102e", "top", ("Land of Enchantment",)),
    "NY": Design("#f3c22d", "#ffffff", NAVY, NAVY, "bands", NAVY, "top", ("Excelsior", "Empire State")),
    "NC": Design("#ffffff", "#ffffff", NAVY, RED, "bands", "#2a4a9a", "top", ("First in Flight", "First in Freedom")),  # noqa: E501
    "ND": Design("#ffffff", "#e8dcc0", NAVY, BLACK, "mountains", "#a88a5a", "top", ("Legendary", "Discover the Spirit")),  # noqa: E501
    "OH": Design("#ffffff", "#e8eef8", BLACK, RED, "bands", "#c8102e", "bottom", ("Birthplace of Aviation",)),
    "OK": Design("#cfe2f3", "#ffffff", NAVY, NAVY, "gradient", "#5b8fc9", "top", ("Native America", "Explore Oklahoma")),  # noqa: E501
    "OR": Design("#ffffff", "#dcecd8", NAVY, NAVY, "mountains", "#3a6a3a", "top", ()),
    "PA": Design("#ffffff", "#ffffff", NAVY, NAVY, "bands", "#f2c230", "top", ("visitPA.com", "Keystone State")),
    "RI": Design("#ffffff", "#dce8f4", NAVY, NAVY, "waves", "#3a6ab0", "top", ("Ocean State",)),
    "SC": Design("#f6e4c8", "#ffffff", NAVY, NAVY, "sun", "#f29a4a", "bottom", ("While I Breathe I Hope",)),
    "SD": Design("#ffffff", "#e0ecf6", MAROON, MAROON, "mountains", "#9ab0c8", "top", ("Great Faces. Great Places.",)),  # noqa: E501
    "TN": Design("#ffffff", "#c8e0d8", BLACK, NAVY, "gradient", "#5aa08a", "top", ()),
    "TX": Design("#ffffff", "#ffffff", BLACK, BLACK, "plain", BLACK, "top", ("The Lone Star State",)),
    "UT": Design("#ffffff", "#f0d8c0", BLACK, NAVY, "sun", "#c8642a", "top", ("Life Elevated", "Greatest Snow on Earth")),  # noqa: E501
    "VT": Design("#2d6a3e", "#2d6a3e", "#f4f4f4", "#f4f4f4", "plain", "#f4f4f4", "top", ("Green Mountain State",)),
    "VA": Design("#ffffff", "#ffffff", NAVY, NAVY, "plain", NAVY, "bottom", ("Virginia is for Lovers",)),
    "WA": Design("#ffffff", "#dde6f0", NAVY, MAROON, "mountains", "#8a9ab8", "top", ("Evergreen State",)),
    "WV": Design("#ffffff", "#ffffff", NAVY, NAVY, "bands", "#f2c230", "top", ("Wild, Wonderful", "Almost Heaven")),
    "WI": Design("#ffffff", "#e6eef6", BLACK, NAVY, "waves", "#6a90c0", "top", ("America's Dairyland",)),
    "WY": Design("#ffffff", "#d8e4ee", NAVY, BLACK, "mountains", "#5a6a88", "top", ("Like No Place on Earth",)),
}  # fmt: skip
assert set(STATE_DESIGNS) == set(US_STATE_NAMES), "one design per state and DC"

# Causes and groups printed on specialty plates (where a general-issue plate has its slogan).
SPECIALTY_WORDS = ["Support Education", "Veteran", "Save the Whales", "Keep Tahoe Blue", "Arts Council",
                   "Protect Wildlife", "State Parks", "Firefighter", "Purple Heart", "Agriculture",
                   "Collegiate", "Breast Cancer Awareness", "Choose Life", "Autism Awareness"]  # fmt: skip
# Text seen on licence plate frames (dealers, slogans): the model must learn to ignore it.
FRAME_WORDS = ["TOYOTA OF", "HONDA", "FORD", "AUTO MALL", "MOTORS", "1-800-555-0199", "CHEVROLET", "NISSAN",
               "MY OTHER CAR", "SALES & SERVICE", "DEALER", "WWW.CARS.COM", "ALUMNI", "KIA", "SUBARU"]  # fmt: skip

LETTERS, DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"


@cache
def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for d in FONT_DIRS:
        p = d / name
        if p.is_file():
            return ImageFont.truetype(str(p), size)
    raise SystemExit(f"font {name} not found (apt-get install fonts-dejavu-core fonts-dejavu-extra fonts-liberation)")


def rgb(value: str) -> RGB:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def jitter(colour: RGB, rng: random.Random, amount: int = 20) -> RGB:
    return tuple(max(0, min(255, c + rng.randint(-amount, amount))) for c in colour)


def random_serial(rng: random.Random) -> str:
    if rng.random() < 0.6:
        shapes, weights = zip(*COMMON_SHAPES.items(), strict=False)
        shape = rng.choices(shapes, weights)[0]
    else:
        shape = "".join(rng.choice("LD") for _ in range(rng.randint(3, 8)))
    return "".join(rng.choice(LETTERS if s == "L" else DIGITS) for s in shape)


# -- background --------------------------------------------------------------------------------------------------


def background(W: int, H: int, design: Design, watermark: str, rng: random.Random) -> Image.Image:
    """The plate's background: its colours and art. Art behind the serial stays pale (the serial must keep its
    contrast in grey); ``watermark`` is the word repeated across a watermark background."""
    top, bottom = jitter(rgb(design.top), rng, 12), jitter(rgb(design.bottom), rng, 12)
    t = np.linspace(0.0, 1.0, H, dtype=np.float32)[:, None, None]
    grad = (1 - t) * np.array(top, np.float32) + t * np.array(bottom, np.float32)
    img = Image.fromarray(np.repeat(grad, W, axis=1).astype(np.uint8))
    d = ImageDraw.Draw(img)
    accent = jitter(rgb(design.accent), rng, 25)
    art = design.art
    if art == "bands":
        for y0, y1 in ((0, int(H * rng.uniform(0.06, 0.14))), (int(H * rng.uniform(0.84, 0.92)), H)):
            if rng.random() < 0.8:
                d.rectangle([0, y0, W, y1], fill=accent)
    elif art == "mountains":
        base = H * rng.uniform(0.6, 0.85)
        points = [(0, H)]
        for x in range(0, W + 40, rng.randint(25, 60)):
            points.append((x, base - rng.uniform(0, H * 0.35)))
        points.append((W, H))
        d.polygon(points, fill=blend(accent, bottom, rng.uniform(0.3, 0.8)))
    elif art == "sun":
        r = rng.randint(H // 5, H // 2)
        cx, cy = rng.randint(W // 4, 3 * W // 4), rng.randint(H // 4, 3 * H // 4)
        d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=blend(accent, top, rng.uniform(0.15, 0.45)))
    elif art == "waves":
        for k in range(rng.randint(2, 5)):
            y0, amp, period = rng.uniform(0.55, 0.95) * H, rng.uniform(2, 8), rng.uniform(40, 120)
            pts = [(x, y0 + amp * math.sin(x / period * 2 * math.pi + k)) for x in range(0, W + 4, 4)]
            d.line(pts, fill=blend(accent, top, rng.uniform(0.2, 0.6)), width=rng.randint(2, 6))
    elif art == "flag":
        x0 = rng.choice([0, W - rng.randint(30, 60)])
        d.rectangle([x0, 0, x0 + rng.randint(30, 60), H], fill=blend(accent, top, rng.uniform(0.3, 0.8)))
    elif art == "watermark":
        f = font(rng.choice(SMALL_FONTS), rng.randint(12, 20))
        ink = blend(accent, top, rng.uniform(0.3, 0.6))
        for y in range(0, H, rng.randint(18, 30)):
            d.text((rng.randint(-40, 0), y), (watermark + "  ") * 6, fill=ink, font=f)
    elif art == "gradient" and rng.random() < 0.5:
        for _ in range(rng.randint(1, 3)):
            x0, y0 = rng.randint(-50, W), rng.randint(-50, H)
            d.ellipse(
                [x0, y0, x0 + rng.randint(40, 250), y0 + rng.randint(20, 120)],
                fill=blend(accent, top, rng.uniform(0.2, 0.5)),
            )
    return img


def blend(a: RGB, b: RGB, weight: float) -> RGB:
    """``a`` mixed with ``b``: weight 1 is ``a`` alone."""
    return tuple(int(weight * x + (1 - weight) * y) for x, y in zip(a, b, strict=True))


# -- the plate ---------------------------------------------------------------------------------------------------


def specialty_design(rng: random.Random) -> Design:
    top = "#" + "".join(f"{rng.randint(120, 255):02x}" for _ in range(3))
    bottom = "#" + "".join(f"{rng.randint(60, 255):02x}" for _ in range(3))
    ink = "#" + "".join(f"{rng.randint(0, 90):02x}" for _ in range(3))
    accent = "#" + "".join(f"{rng.randint(0, 255):02x}" for _ in range(3))
    art = rng.choice(["gradient", "bands", "mountains", "sun", "waves", "flag", "watermark"])
    return Design(top, bottom, ink, ink, art, accent, rng.choice(["top", "bottom"]), (rng.choice(SPECIALTY_WORDS),))


def render_plate(rng: random.Random) -> tuple[np.ndarray, str, int]:
    """One synthetic plate: (BGR image, registration, index of its state in STATE_CLASSES)."""
    W, H = rng.randint(300, 340), rng.randint(150, 172)
    code = rng.choice(STATE_CLASSES[1:])
    kind = rng.random()
    paper, specialty = kind < 0.04, 0.04 <= kind < 0.16
    if paper:
        design = Design("#f6f6f0", "#ecece4", BLACK, BLACK, "plain", BLACK, "top", ("TEMPORARY",))
    elif specialty:
        design = specialty_design(rng)
    else:
        design = STATE_DESIGNS[code]
    watermark = design.slogans[0] if specialty or paper else US_STATE_NAMES[code]
    img = background(W, H, design, watermark, rng)
    d = ImageDraw.Draw(img)
    ink, name_ink = jitter(rgb(design.ink), rng), jitter(rgb(design.name_ink), rng)
    if rng.random() < 0.5:
        d.rectangle([2, 2, W - 3, H - 3], outline=ink, width=rng.randint(1, 4))
    # the state's name, and a slogan on the other side; in 12 % no name: the state is then told by its design or
    # slogan, and a paper or specialty plate, or a plain one without a slogan, is "not told"
    slogan = rng.choice(design.slogans + ("",)) if design.slogans else ""
    named = rng.random() >= 0.12
    if not named and (paper or specialty or (design.art == "plain" and not slogan)):
        code = ""
    name_y, slogan_y = rng.randint(4, 16), H - rng.randint(24, 34)
    if design.name_at == "bottom":
        name_y, slogan_y = H - rng.randint(30, 40), rng.randint(4, 12)
    if named:
        word = US_STATE_NAMES[code]
        word = word.upper() if rng.random() < 0.4 else word
        centred_text(d, word, SMALL_FONTS, rng.randint(18, 34), W, name_y, name_ink, rng, spread=10)
    if slogan:
        centred_text(d, slogan, SMALL_FONTS, rng.randint(12, 22), W, slogan_y, name_ink, rng, spread=20)
    if paper:
        expiry = f"EXPIRES {rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2024, 2027)}"
        centred_text(d, expiry, THIN_FONTS, rng.randint(11, 16), W, H - rng.randint(20, 28), ink, rng, spread=6)
    stickers(d, W, H, rng)
    text = random_serial(rng)
    x0, x1 = serial(img, text, ink, paper, rng)
    if rng.random() < 0.1:
        stacked_pair(img, ink, x0, x1, rng)
    if rng.random() < 0.35:
        bolts(img, x0, x1, rng)
    if rng.random() < 0.4:
        img = frame(img, rng)
    return cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR), text, STATE_CLASSES.index(code)


def centred_text(d, text, fonts, size, W, y, fill, rng, spread):
    f = font(rng.choice(fonts), size)
    width = d.textlength(text, font=f)
    if width > W - 10:
        f = font(rng.choice(fonts), max(10, int(size * (W - 10) / width)))
        width = d.textlength(text, font=f)
    d.text(((W - width) / 2 + rng.randint(-spread, spread), y), text, fill=fill, font=f)


def stickers(d, W, H, rng):
    for _ in range(rng.randint(0, 2)):
        sx = rng.choice([rng.randint(6, 40), rng.randint(W - 70, W - 30)])
        sy = rng.choice([rng.randint(6, 30), rng.randint(H - 50, H - 30)])
        d.rectangle(
            [sx, sy, sx + rng.randint(25, 50), sy + rng.randint(15, 28)],
            fill=tuple(rng.randint(0, 255) for _ in range(3)),
        )


def serial(img: Image.Image, text: str, ink: RGB, paper: bool, rng: random.Random) -> tuple[int, int]:
    """Draw the registration (with an optional separator) in the plate's middle; returns its left and right x."""
    W, H = img.size
    drawn = text
    if rng.random() < 0.35 and len(text) >= 5:
        cut = rng.randint(2, len(text) - 2)
        drawn = text[:cut] + rng.choice([" ", "-", " ", "\u00b7"]) + text[cut:]
    f = font(rng.choice(THIN_FONTS if paper else SERIAL_FONTS), rng.randint(64, 96))
    bbox = f.getbbox(drawn)
    tw, th = bbox[2] - bbox[0], bbox[3] - bbox[1]
    layer = Image.new("L", (tw + 8, th + 8), 0)
    ImageDraw.Draw(layer).text((4 - bbox[0], 4 - bbox[1]), drawn, fill=255, font=f)
    target_w = int(W * (rng.uniform(0.45, 0.7) if paper else rng.uniform(0.62, 0.92)))
    target_h = int(H * (rng.uniform(0.25, 0.38) if paper else rng.uniform(0.38, 0.55)))
    layer = layer.resize((target_w, target_h), Image.BILINEAR)
    x = (W - target_w) // 2 + rng.randint(-12, 12)
    y = int(H * rng.uniform(0.24, 0.34))
    img.paste(Image.new("RGB", layer.size, ink), (x, y), layer)
    return x, x + target_w


def stacked_pair(img: Image.Image, ink: RGB, x0: int, x1: int, rng: random.Random) -> None:
    """Two small characters one above the other beside the serial (a plate-type code such as ``BR`` or ``DV``):
    the labels of US plates leave them out, so the model must too."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    f = font(rng.choice(SERIAL_FONTS), rng.randint(22, 30))
    chars = "".join(rng.choice(LETTERS) for _ in range(2))
    x = max(4, x0 - rng.randint(22, 34)) if rng.random() < 0.6 else min(W - 26, x1 + rng.randint(4, 12))
    y = int(H * rng.uniform(0.3, 0.38))
    d.text((x, y), chars[0], fill=ink, font=f)
    d.text((x, y + f.size), chars[1], fill=ink, font=f)


def bolts(img: Image.Image, x0: int, x1: int, rng: random.Random) -> None:
    """Mounting bolts, at the top (and sometimes the bottom) near the edges, at times touching the first or last
    character: a bolt read as a character, or a character lost under one, is a common misread."""
    W, H = img.size
    d = ImageDraw.Draw(img)
    r = rng.randint(5, 11)
    colour = rng.choice([(200, 200, 205), (60, 60, 65), (150, 130, 90)])
    ys = [int(H * rng.uniform(0.12, 0.3))] + ([int(H * rng.uniform(0.75, 0.88))] if rng.random() < 0.3 else [])
    for y in ys:
        for x in (x0 + rng.randint(-8, 20), x1 - rng.randint(-8, 20)):
            d.ellipse([x - r, y - r, x + r, y + r], fill=jitter(colour, rng), outline=(30, 30, 30))


def frame(plate: Image.Image, rng: random.Random) -> Image.Image:
    """Put the plate in a licence-plate frame: side bars beside the first and last characters, often dealer text
    on the top or bottom bar. In half the frames the bars lie over the plate's edges: the bottom bar may hide the
    lower part of the serial, the top one the state's name."""
    W, H = plate.size
    side, top, bottom = rng.randint(3, 14), rng.randint(3, 16), rng.randint(6, 30)
    colour = jitter(rng.choice([(15, 15, 15), (35, 35, 40), (190, 190, 195), (120, 120, 125), (90, 10, 10)]), rng, 15)
    framed = Image.new("RGB", (W + 2 * side, H + top + bottom), colour)
    framed.paste(plate, (side, top))
    d = ImageDraw.Draw(framed)
    if rng.random() < 0.5:  # the opening is smaller than the plate
        cover_top, cover_bottom = rng.randint(0, int(H * 0.14)), rng.randint(0, int(H * 0.22))
        d.rectangle([0, 0, W + 2 * side, top + cover_top], fill=colour)
        d.rectangle([0, H + top - cover_bottom, W + 2 * side, H + top + bottom], fill=colour)
        top, bottom = top + cover_top, bottom + cover_bottom
    ink = (235, 235, 235) if sum(colour) < 300 else (20, 20, 20)
    for y0, bar in ((0, top), (framed.size[1] - bottom, bottom)):
        if bar >= 12 and rng.random() < 0.6:
            f = font(rng.choice(SMALL_FONTS), max(8, min(bar - 4, 26)))
            word = rng.choice(FRAME_WORDS)
            width = d.textlength(word, font=f)
            d.text(((W + 2 * side - width) / 2, y0 + 1), word, fill=ink, font=f)
    return framed


# -- the camera and the detector ---------------------------------------------------------------------------------


def augment(img: np.ndarray, rng: random.Random, strength: float = 1.0) -> np.ndarray:
    """A plate image (BGR, plate filling it) made to look like a detector's crop of a street photo."""
    h, w = img.shape[:2]
    # box jitter: expand (positive) or cut (negative) each side
    # (the fastanpr detector's boxes are loose: median 1.13x the plate width, 1.3x its height,
    # up to 1.4x / 1.7x), so margins go up to ~20 % of the width and ~35 % of the height per side
    if rng.random() < 0.5:
        wr, hr = (-0.04, 0.10), (-0.06, 0.14)
    else:
        wr, hr = (0.0, 0.22), (0.0, 0.36)
    left, r = int(rng.uniform(*wr) * strength * w), int(rng.uniform(*wr) * strength * w)
    t, b = int(rng.uniform(*hr) * strength * h), int(rng.uniform(*hr) * strength * h)
    pad = max(0, left, r, t, b) + 2
    border = cv2.BORDER_REPLICATE if rng.random() < 0.5 else cv2.BORDER_CONSTANT
    val = tuple(rng.randint(0, 255) for _ in range(3))
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, border, value=val)
    big = warp(big, rng, strength)
    img = big[pad - t : pad + h + b, pad - left : pad + w + r]
    if img.size == 0:
        img = big
    night = rng.random() < 0.15 * strength
    img = night_look(img, rng) if night else lighting(img, rng)
    if rng.random() < 0.08 * strength:
        occlude(img, rng)
    # resolution loss: plates in 1080p photos are ~50-150 px wide
    tw = int(math.exp(rng.uniform(math.log(40), math.log(220))))
    th = max(8, int(tw * img.shape[0] / max(img.shape[1], 1)))
    img = cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
    blur = rng.random()
    if blur < 0.25:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.0))
    elif blur < 0.37:
        img = cv2.filter2D(img, -1, motion_kernel(rng))
    if rng.random() < (0.6 if night else 0.3):
        sigma = rng.uniform(6, 16) if night else rng.uniform(2, 10)
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, sigma, img.shape)
        img = np.clip(img + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 90)])
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return img


def warp(img: np.ndarray, rng: random.Random, strength: float) -> np.ndarray:
    """Small rotation and shear; in a third of the plates a perspective (the camera beside or above the lane)."""
    H, W = img.shape[:2]
    cx, cy = W / 2, H / 2
    M = cv2.getRotationMatrix2D((cx, cy), rng.gauss(0, 3.0) * strength, 1.0)
    M[0, 1] += rng.gauss(0, 0.06) * strength
    img = cv2.warpAffine(img, M, (W, H), borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < 0.33 * strength:
        src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
        dx, dy = 0.08 * W, 0.1 * H
        dst = src + np.float32([[rng.uniform(-dx, dx), rng.uniform(-dy, dy)] for _ in range(4)])
        img = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (W, H), borderMode=cv2.BORDER_REPLICATE)
    return img


def lighting(img: np.ndarray, rng: random.Random) -> np.ndarray:
    a, beta = rng.uniform(0.6, 1.3), rng.uniform(-50, 40)
    out = np.clip(img.astype(np.float32) * a + beta, 0, 255)
    if rng.random() < 0.3:
        out = 255.0 * (out / 255.0) ** rng.uniform(0.6, 1.6)
    if rng.random() < 0.3:  # shadow gradient
        grad = np.linspace(rng.uniform(0.5, 1), rng.uniform(0.5, 1), out.shape[1], dtype=np.float32)
        out = out * grad[None, :, None]
    return out.astype(np.uint8)


def night_look(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """Night: an infrared camera's grey picture (the retroreflective plate bright, often saturated, its
    surroundings dark, light bleeding around the bright parts), or a colour camera's dark, warm, noisy one."""
    f = img.astype(np.float32)
    if rng.random() < 0.6:  # infrared
        g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.float32)
        g = np.clip(g * rng.uniform(1.1, 1.8) + rng.uniform(-20, 30), 0, 255)
        H, W = g.shape
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        fall = np.exp(-(((xx - W / 2) / (0.7 * W)) ** 2 + ((yy - H / 2) / (0.7 * H)) ** 2))
        g = g * (0.35 + 0.65 * fall)
        if rng.random() < 0.5:  # bloom
            g = np.clip(g + 0.5 * cv2.GaussianBlur(g, (0, 0), rng.uniform(2, 5)), 0, 255)
        f = np.repeat(g[:, :, None], 3, axis=2)
    else:
        f = f * rng.uniform(0.25, 0.6) * np.array([0.8, 0.95, 1.1], np.float32)  # dim, sodium-lamp warm
    return np.clip(f, 0, 255).astype(np.uint8)


def occlude(img: np.ndarray, rng: random.Random) -> None:
    """Partial occlusion, in place: a tow ball or a bracket in front of the plate's lower part (at most a
    third of a character's height, so that the registration stays readable to a person)."""
    H, W = img.shape[:2]
    colour = tuple(rng.randint(0, 80) for _ in range(3))
    if rng.random() < 0.5:
        r = int(H * rng.uniform(0.08, 0.14))
        cx, cy = rng.randint(int(W * 0.3), int(W * 0.7)), int(H * rng.uniform(0.82, 0.95))
        cv2.circle(img, (cx, cy), r, colour, -1)
    else:
        x = rng.randint(int(W * 0.15), int(W * 0.85))
        cv2.rectangle(img, (x, int(H * rng.uniform(0.75, 0.85))), (x + max(2, W // 40), H), colour, -1)


def motion_kernel(rng: random.Random) -> np.ndarray:
    """A line blur of 3-7 px in any direction (a moving car, a slow shutter)."""
    k = rng.choice([3, 5, 7])
    kern = np.zeros((k, k), np.float32)
    angle = rng.uniform(0, math.pi)
    c = (k - 1) / 2
    for s in np.linspace(-c, c, 4 * k):
        kern[int(round(c + s * math.sin(angle))), int(round(c + s * math.cos(angle)))] = 1.0
    return kern / kern.sum()
