"""Active hotlist entries for benchmarks, created quickly in SQL: `ensure_active_entries(n)`.

The plates follow the same California pattern as bench/ingest.py's reads ([5-9][A-Z]{3}[0-9]{3}), so that a run
really hits (about n / 88 million of random reads match exactly, more through the OCR-confusion key). Idempotent:
a second call with the same n does nothing. Call after setup_django.setup() and bench_agency().
"""

from __future__ import annotations

import time

BENCH_HOTLIST = "bench: CA DOJ stolen vehicles"

_FILL = """
INSERT INTO hotlists_hotlistentry
    (hotlist_id, plate, canonical, plate_state, ncic_code, reason, case_number, description, source_ref,
     vehicle_make, vehicle_model, vehicle_color, entered_at, listed_on)
SELECT %(hotlist)s, plate, translate(plate, 'OQDILZSBG', '000112586'), 'CA', 'V', 'stolen_vehicle', '', '', '',
       '', '', '', now(), DATE '2025-01-01' + (h %% 365)::int
FROM (
    SELECT DISTINCT ON (plate) plate, h FROM (
        SELECT chr(53 + (h %% 5)::int) || chr(65 + ((h / 5) %% 26)::int) || chr(65 + ((h / 130) %% 26)::int)
               || chr(65 + ((h / 3380) %% 26)::int) || lpad(((h / 87880) %% 1000)::text, 3, '0') AS plate, h
        FROM (SELECT (hashtextextended(i::text, %(seed)s) & 9223372036854775807) AS h
              FROM generate_series(1, %(generate)s) AS i) AS hashed
    ) AS plates
) AS distinct_plates
LIMIT %(limit)s
ON CONFLICT (hotlist_id, plate, plate_state) DO NOTHING
"""


def bench_hotlist(agency=None):
    """The benchmark agency's state list (created if missing)."""
    from agencies.models import Agency
    from hotlists.choices import Category, HotlistSource, MatchStrategy
    from hotlists.models import Hotlist

    agency = agency or Agency.objects.get(slug="bench-pd")
    hotlist, _ = Hotlist.objects.get_or_create(
        agency=agency,
        name=BENCH_HOTLIST,
        defaults={
            "source": HotlistSource.CA_DOJ_STOLEN_VEHICLES,
            "category": Category.STOLEN_VEHICLE,
            "match_strategy": MatchStrategy.CANDIDATES,
        },
    )
    return hotlist


def ensure_active_entries(n: int = 1_000_000, *, agency=None) -> int:
    """Make the benchmark agency hold `n` active (unexpired) entries on its bench list; returns the count."""
    from django.db import connection

    from hotlists.models import HotlistEntry

    hotlist = bench_hotlist(agency)
    current = HotlistEntry.objects.filter(hotlist=hotlist).current()
    have = current.count()
    if have >= n:
        return have
    started = time.perf_counter()
    seed = 1
    with connection.cursor() as cursor:
        while have < n:
            missing = n - have
            # Over-generate: a few hashes fall on the same plate; ON CONFLICT skips plates already listed.
            cursor.execute(_FILL, {"hotlist": hotlist.pk, "seed": seed, "generate": int(missing * 1.05) + 100,
                                   "limit": missing})  # fmt: skip
            have += cursor.rowcount
            seed += 1
        cursor.execute("ANALYZE hotlists_hotlistentry")
    print(f"hotlist fixture: {have} active entries ({time.perf_counter() - started:.1f} s)")
    return have


def sample_plates(k: int, *, agency=None) -> list[str]:
    """k plates on the bench list (for reads that should hit)."""
    from hotlists.models import HotlistEntry

    hotlist = bench_hotlist(agency)
    return list(HotlistEntry.objects.filter(hotlist=hotlist).order_by("?").values_list("plate", flat=True)[:k])


if __name__ == "__main__":
    import argparse

    from setup_django import bench_agency, setup

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    setup()
    bench_agency()
    count = ensure_active_entries(args.entries)
    print(f"RESULT active_entries={count}")
