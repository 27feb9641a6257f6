"""Hotlist import: generate a CA DOJ CLEW extract, import it into an empty list, then import the next day's
extract (1 % of plates replaced) as a whole-list replacement. Both through hotlists.services.hotlist_import, the
path the API, admin, command and drop folder use (parse, COPY into a staging table, set-based diff, historical
matching of the added entries against stored reads).

    python bench/hotlist_import.py                     # 1,000,000 entries
    python bench/hotlist_import.py --entries 100000

Prints `RESULT import_s=... replace_s=...` as its last line.
"""

from __future__ import annotations

import argparse
import random
import string
import time

from setup_django import bench_agency, machine, setup

LIST_NAME = "bench: CLEW import"


def _plates(n: int, rng: random.Random) -> list[str]:
    seen: set[str] = set()
    letters = string.ascii_uppercase
    while len(seen) < n:
        seen.add(rng.choice("56789") + "".join(rng.choices(letters, k=3)) + f"{rng.randrange(1000):03d}")
    return list(seen)


def clew_bytes(plates: list[str], rng: random.Random) -> bytes:
    lines = ["DATE07/02/2026 06:00"]
    # County and date of loss follow from the plate, so that a plate on both days' extracts is unchanged.
    lines += [f"{plate:<8}CA{hash(plate) % 58 + 1:02d}2025{hash(plate) % 12 + 1:02d}{hash(plate) % 28 + 1:02d}"
              for plate in plates]  # fmt: skip
    lines.append(f"TOTAL RECORD {len(plates):07d}")
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--change", type=float, default=0.01, help="fraction of plates replaced the next day")
    args = parser.parse_args()
    setup()
    agency, user, _ = bench_agency()
    from hotlists.choices import Category, HotlistSource, ImportFormat, MatchStrategy
    from hotlists.models import Hotlist
    from hotlists.services import hotlist_import

    hotlist, _ = Hotlist.objects.get_or_create(
        agency=agency,
        name=LIST_NAME,
        defaults={"source": HotlistSource.CA_DOJ_STOLEN_VEHICLES, "category": Category.STOLEN_VEHICLE,
                  "match_strategy": MatchStrategy.CANONICAL, "is_active": False},
    )  # fmt: skip
    from django.db import connection

    with connection.cursor() as cursor:  # start from an empty list (in SQL: the ORM would audit-log each row)
        cursor.execute("UPDATE hotlists_alert SET entry_id = NULL WHERE hotlist_id = %s", [hotlist.pk])
        cursor.execute("DELETE FROM hotlists_hotlistentry WHERE hotlist_id = %s", [hotlist.pk])
    rng = random.Random(2026)
    started = time.perf_counter()
    plates = _plates(args.entries, rng)
    day1 = clew_bytes(plates, rng)
    changed = int(len(plates) * args.change)
    listed = set(plates)
    fresh = [plate for plate in _plates(changed * 2, random.Random(99)) if plate not in listed][:changed]
    day2 = clew_bytes(plates[changed:] + fresh, rng)
    generate_s = time.perf_counter() - started
    print(f"generated {len(day1) / 1e6:.1f} MB extract in {generate_s:.1f} s")

    first = hotlist_import(hotlist=hotlist, content=day1, file_name="svs.tbl", file_format=ImportFormat.CLEW,
                           user=user, channel="bench")  # fmt: skip
    assert first.outcome == "succeeded", first.errors[:3]
    print(f"day 1: {first.added} added in {first.duration_ms / 1000:.2f} s "
          f"({first.historical_alerts} historical alerts)")  # fmt: skip
    second = hotlist_import(hotlist=hotlist, content=day2, file_name="svs.tbl", file_format=ImportFormat.CLEW,
                            user=user, channel="bench")  # fmt: skip
    assert second.outcome == "succeeded", second.errors[:3]
    print(f"day 2 (replace): {second.added} added, {second.removed} removed, {second.unchanged} unchanged "
          f"in {second.duration_ms / 1000:.2f} s")  # fmt: skip
    print(f"machine: {machine()}")
    print(
        f"RESULT import_s={first.duration_ms / 1000:.2f} replace_s={second.duration_ms / 1000:.2f} "
        f"entries={first.added} rows_per_s={first.added / (first.duration_ms / 1000):.0f} "
        f"replace_added={second.added} replace_removed={second.removed}"
    )


if __name__ == "__main__":
    main()
