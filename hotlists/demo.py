"""Demo hotlists for Palm Vista PD: a CA DOJ stolen-vehicle list (CLEW extract) and a custom list (CSV), ~200
entries. Idempotent: the extracts are generated from a fixed seed and re-imported as replacements, so a second run
leaves every entry unchanged. A few plates are taken from the demo reads, so historical alerts show up."""

from __future__ import annotations

import datetime as dt
import random

from reads.models import Read

from .choices import AlertLevel, Category, HotlistSource, ImportFormat, MatchStrategy, Priority
from .models import Hotlist

STATE_LIST = "CA DOJ stolen vehicles"
CUSTOM_LIST = "Palm Vista PD vehicles of interest"
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def _ca_plate(rng: random.Random) -> str:
    return rng.choice("56789") + "".join(rng.choices(_LETTERS, k=3)) + "".join(rng.choices("0123456789", k=3))


def _seen_plates(agency, count: int) -> list[str]:
    """Plates the demo cameras read several times, most frequent first (stable across runs of the same demo)."""
    from django.db.models import Count

    rows = (
        Read.objects.filter(owner_agency=agency, plate_state="CA", plate_kind="full")
        .values("plate")
        .annotate(n=Count("id"))
        .order_by("-n", "plate")[:count]
    )
    return [row["plate"] for row in rows]


def seed(context: dict) -> None:
    from .services import hotlist_import

    agency = context["agencies"]["palm-vista-pd"]
    clerk = context["users"].get("pv-clerk")
    state_list, _ = Hotlist.objects.update_or_create(
        agency=agency,
        name=STATE_LIST,
        defaults={
            "source": HotlistSource.CA_DOJ_STOLEN_VEHICLES,
            "category": Category.STOLEN_VEHICLE,
            "priority": Priority.HIGH,
            "alert_level": AlertLevel.STANDARD,
            "match_strategy": MatchStrategy.CANONICAL,
            "drop_file_name": "svs.tbl",
        },
    )
    custom, _ = Hotlist.objects.update_or_create(
        agency=agency,
        name=CUSTOM_LIST,
        defaults={
            "source": HotlistSource.CUSTOM,
            "category": Category.CRIMINAL_INVESTIGATION,
            "priority": Priority.NORMAL,
            "match_strategy": MatchStrategy.CANDIDATES,
            "default_entry_lifetime": dt.timedelta(days=90),
        },
    )
    rng = random.Random(7284)
    seen = _seen_plates(agency, 6)
    stolen = sorted({_ca_plate(rng) for _ in range(150)} | set(seen[:4]))
    lines = ["DATE" + dt.date.today().strftime("%m/%d/%Y") + " 06:00"]
    lines += [f"{plate:<8}CA{rng.randint(1, 58):02d}{20250101 + rng.randint(0, 27):08d}" for plate in stolen]
    lines.append(f"TOTAL RECORD {len(stolen):07d}")
    state_import = hotlist_import(
        hotlist=state_list,
        content=("\n".join(lines) + "\n").encode(),
        file_name="svs.tbl",
        file_format=ImportFormat.CLEW,
        user=clerk,
        channel="demo",
    )
    rows = ["plate,state,reason,case_number,description"]
    colors = ["white", "black", "silver", "gray", "red", "blue"]
    for index in range(48):
        plate = _ca_plate(rng)
        rows.append(f"{plate},CA,criminal_investigation,PV-2026-{1000 + index:06d},{rng.choice(colors)} sedan")
    for index, plate in enumerate(seen[4:]):
        rows.append(f"{plate},CA,wanted_person,PV-2026-{2000 + index:06d},Warrant service")
    custom_import = hotlist_import(
        hotlist=custom,
        content=("\n".join(rows) + "\n").encode(),
        file_name="vehicles-of-interest.csv",
        file_format=ImportFormat.CSV,
        replace=True,
        user=clerk,
        channel="demo",
    )
    if "stdout" in context:
        context["stdout"].write(
            f"Demo hotlists: {state_import.added + state_import.unchanged + state_import.updated} + "
            f"{custom_import.added + custom_import.unchanged + custom_import.updated} entries, "
            f"{state_import.historical_alerts + custom_import.historical_alerts} historical alerts."
        )
    context["hotlists"] = {"state": state_list, "custom": custom}
