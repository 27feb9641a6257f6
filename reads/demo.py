"""Demo cameras and a week of synthetic reads.

Plates follow California formats (with some out-of-state and paper plates), makes and colors follow their rough
shares on California roads, and traffic peaks at the morning and evening commutes. A pool of regular vehicles
passes again and again, so that timelines have something to show. Deterministic: the same seed, the same week.
"""

from __future__ import annotations

import datetime as dt
import random
import string

from django.contrib.gis.geos import Point
from django.utils import timezone

from .choices import CameraKind, ReadSource
from .models import Camera, Read
from .services import read_ingest

CAMERAS = {
    # agency slug: [(name, kind, (lat, lon) or None, heading)]
    "palm-vista-pd": [
        ("Palm Canyon Dr & Tahquitz Canyon Way NB", CameraKind.FIXED, (33.8237, -116.5468), 0),
        ("Palm Canyon Dr & Ramon Rd SB", CameraKind.FIXED, (33.8094, -116.5466), 180),
        ("Vista Chino & Gene Autry Trail EB", CameraKind.FIXED, (33.8543, -116.5042), 90),
        ("E Tahquitz Canyon Way & Farrell Dr WB", CameraKind.FIXED, (33.8238, -116.5198), 270),
        ("Interstate 10 off-ramp at Indian Canyon", CameraKind.FIXED, (33.8886, -116.5459), 200),
        ("Ramon Rd & Sunrise Way EB", CameraKind.FIXED, (33.8095, -116.5290), 90),
        ("Patrol unit 14 (mobile)", CameraKind.MOBILE, None, None),
    ],
    "desert-springs-pd": [
        ("Date Palm Dr & Dinah Shore Dr NB", CameraKind.FIXED, (33.8036, -116.4598), 0),
        ("Bob Hope Dr & Country Club Dr SB", CameraKind.FIXED, (33.7597, -116.4183), 180),
    ],
    "cathedral-hills-pd": [("Highway 111 & Monterey Ave EB", CameraKind.FIXED, (33.7411, -116.3740), 90)],
    "mesa-county-so": [("Highway 62 at Dillon Rd NB", CameraKind.FIXED, (33.9365, -116.5012), 0)],
    "palm-vista-town-center": [
        ("Town Center north lot entrance", CameraKind.PRIVATE_SHARED, (33.8180, -116.5405), 90),
        ("Town Center garage exit", CameraKind.PRIVATE_SHARED, (33.8171, -116.5397), 270),
    ],
}

MAKES = [
    ("Toyota", 17, ["Camry", "Corolla", "RAV4", "Tacoma", "Prius", "Highlander"]),
    ("Honda", 10, ["Civic", "Accord", "CR-V", "Odyssey"]),
    ("Ford", 9, ["F-150", "Explorer", "Escape", "Mustang"]),
    ("Chevrolet", 8, ["Silverado", "Malibu", "Equinox", "Tahoe"]),
    ("Tesla", 6, ["Model 3", "Model Y", "Model S"]),
    ("Nissan", 6, ["Altima", "Sentra", "Rogue", "Frontier"]),
    ("BMW", 4, ["3 Series", "X3", "X5"]),
    ("Mercedes-Benz", 4, ["C-Class", "GLC", "E-Class"]),
    ("Hyundai", 4, ["Elantra", "Tucson", "Sonata"]),
    ("Kia", 4, ["Forte", "Sportage", "Sorento"]),
    ("Lexus", 3, ["RX", "ES", "NX"]),
    ("Jeep", 3, ["Wrangler", "Grand Cherokee"]),
    ("Ram", 3, ["1500", "2500"]),
    ("Subaru", 3, ["Outback", "Forester"]),
    ("Volkswagen", 3, ["Jetta", "Tiguan"]),
    ("Mazda", 2, ["CX-5", "Mazda3"]),
    ("GMC", 2, ["Sierra", "Yukon"]),
    ("Dodge", 2, ["Charger", "Durango"]),
    ("Audi", 2, ["A4", "Q5"]),
]
TYPES = {"F-150": "pickup", "Tacoma": "pickup", "Silverado": "pickup", "Frontier": "pickup", "1500": "pickup",
         "2500": "pickup", "Sierra": "pickup", "Odyssey": "minivan", "Mustang": "coupe"}  # fmt: skip
COLORS = [("white", 25), ("black", 22), ("gray", 18), ("silver", 12), ("blue", 9), ("red", 8), ("brown", 2),
          ("green", 1), ("gold", 1), ("orange", 1), ("yellow", 1)]  # fmt: skip
# Relative traffic by hour of day: low at night, peaks at the 7-9 and 16-18 commutes.
HOURLY = [2, 1, 1, 1, 2, 4, 8, 14, 15, 10, 8, 8, 9, 9, 9, 11, 14, 15, 12, 8, 6, 5, 4, 3]
SUV_MODELS = {"RAV4", "CR-V", "Highlander", "Explorer", "Escape", "Equinox", "Tahoe", "Model Y", "Rogue", "X3",
              "X5", "GLC", "Tucson", "Sportage", "Sorento", "RX", "NX", "Wrangler", "Grand Cherokee", "Outback",
              "Forester", "Tiguan", "CX-5", "Yukon", "Durango", "Q5"}  # fmt: skip

READS_PER_CAMERA_DAY = 400
DAYS = 7


def _plate(rng: random.Random) -> tuple[str, str, str]:
    """(plate, state, kind) in proportions a Southern California camera sees."""
    roll = rng.random()
    letters, digits = string.ascii_uppercase, string.digits
    if roll < 0.80:  # California standard: digit, three letters, three digits (e.g. 8KDJ244)
        plate = rng.choice("56789") + "".join(rng.choices(letters, k=3)) + "".join(rng.choices(digits, k=3))
        return plate, "CA", "full"
    if roll < 0.85:  # California commercial: digit, letter, five digits
        return rng.choice("4567") + rng.choice(letters) + "".join(rng.choices(digits, k=5)), "CA", "full"
    if roll < 0.90:  # Arizona
        return "".join(rng.choices(letters, k=3)) + "".join(rng.choices(digits, k=4)), "AZ", "full"
    if roll < 0.93:  # Nevada
        return (
            "".join(rng.choices(digits, k=3)) + "".join(rng.choices(letters, k=1)) + "".join(rng.choices(digits, k=2)),
            "NV",
            "full",
        )
    if roll < 0.97:  # California paper temporary plate (CA DMV temporary tags since 2019)
        return "".join(rng.choices(digits, k=8)), "CA", "paper"
    return "".join(rng.choices(letters + digits, k=4)), "", "partial"


def _vehicle(rng: random.Random) -> dict:
    make, _, models = rng.choices(MAKES, weights=[m[1] for m in MAKES])[0]
    model = rng.choice(models)
    kind = TYPES.get(model) or ("suv" if model in SUV_MODELS else "sedan")
    color = rng.choices(COLORS, weights=[c[1] for c in COLORS])[0][0]
    return {"vehicle_make": make, "vehicle_model": model, "vehicle_type": kind, "vehicle_color": color}


def _cameras(agencies) -> dict[str, list[Camera]]:
    result = {}
    for slug, specs in CAMERAS.items():
        agency = agencies[slug]
        result[slug] = []
        for name, kind, at, heading in specs:
            camera, _ = Camera.objects.update_or_create(
                agency=agency,
                name=name,
                defaults={
                    "kind": kind,
                    "location": Point(at[1], at[0], srid=4326) if at else None,
                    "heading": heading,
                    "is_active": True,
                    "expected_interval_s": 900,
                },
            )
            result[slug].append(camera)
    return result


def seed(context: dict) -> None:
    cameras = _cameras(context["agencies"])
    context["cameras"] = cameras
    rng = random.Random(1798)
    # Regular vehicles (commuters, residents) pass many times; most others once.
    regulars = [(*_plate(rng), _vehicle(rng)) for _ in range(1500)]
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    total = 0
    for slug, agency_cameras in cameras.items():
        agency = context["agencies"][slug]
        if Read.objects.filter(owner_agency=agency, source_id__startswith="demo-").exists():
            continue
        items = []
        for camera in agency_cameras:
            for n in range(READS_PER_CAMERA_DAY * DAYS):
                day = rng.randrange(DAYS)
                hour = rng.choices(range(24), weights=HOURLY)[0]
                at = now - dt.timedelta(days=day + 1) + dt.timedelta(hours=hour - now.hour, seconds=rng.randrange(3600))
                if rng.random() < 0.45:
                    plate, state, kind, vehicle = rng.choice(regulars)
                else:
                    plate, state, kind = _plate(rng)
                    vehicle = _vehicle(rng)
                item = {
                    "camera": camera.pk,
                    "captured_at": at.isoformat(),
                    "plate": plate,
                    "plate_state": state,
                    "plate_kind": kind,
                    "confidence": round(rng.uniform(0.78, 0.99), 3),
                    "source_id": f"demo-{camera.pk}-{n}",
                    **vehicle,
                }
                if camera.kind == CameraKind.MOBILE:
                    item["latitude"] = 33.80 + rng.random() * 0.07
                    item["longitude"] = -116.56 + rng.random() * 0.06
                items.append(item)
        for start in range(0, len(items), 1000):
            total += read_ingest(agency=agency, items=items[start : start + 1000], source=ReadSource.IMPORT).stored
    context["stdout"].write(f"Demo reads stored: {total}")
