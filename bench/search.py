"""Search latency over 30 days of generated reads: exact, wildcard, OCR-tolerant and area searches, measured
through the search service (visibility, query, count, access-log row), as an investigator's request runs it.

    python bench/search.py                               # 30 days x 666,667 reads/day = 20,000,000 reads
    python bench/search.py --per-day 50000 --queries 50  # a quick run

Data is generated once per size in database alpr_bench (reused by later runs).
Prints `RESULT rows=... exact_p50_ms=... exact_p95_ms=... wildcard_p95_ms=... ...` as its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from setup_django import READS_DB, bench_agency, machine, percentile, setup

POOL_SQL = """
DROP TABLE IF EXISTS bench_plates;
CREATE UNLOGGED TABLE bench_plates AS
SELECT i, (5 + floor(random() * 5))::int::text
        || chr(65 + floor(random() * 26)::int) || chr(65 + floor(random() * 26)::int)
        || chr(65 + floor(random() * 26)::int) || lpad(floor(random() * 1000)::int::text, 3, '0') AS plate
FROM generate_series(0, %(pool)s - 1) i;
CREATE UNIQUE INDEX ON bench_plates (i);
"""

DAY_SQL = """
INSERT INTO reads_read (owner_agency_id, camera_id, captured_at, plate, plate_state, plate_kind, confidence,
                        vehicle_make, vehicle_type, vehicle_color, location, source, source_id)
SELECT %(agency)s, (%(cameras)s::bigint[])[1 + g %% %(ncam)s],
       %(day)s::timestamptz + (g * interval '86399 seconds' / %(n)s),
       p.plate, 'CA', 'full', 0.9,
       (ARRAY['Toyota','Honda','Ford','Chevrolet','Tesla','Nissan'])[1 + g %% 6],
       (ARRAY['sedan','suv','pickup'])[1 + g %% 3],
       (ARRAY['white','black','gray','silver','blue','red'])[1 + (g / 7) %% 6],
       ST_SetSRID(ST_MakePoint(-116.55 + (g %% %(ncam)s) * 0.004, 33.80 + (g %% %(ncam)s) * 0.003), 4326)::geography,
       'import', 'gen-' || %(daykey)s || '-' || g
FROM generate_series(0, %(n)s - 1) g
JOIN bench_plates p ON p.i = (g::bigint * 7919 + %(offset)s) %% %(pool)s
"""


def generate(agency, cameras, per_day: int, days: int) -> int:
    from django.db import connection

    from reads.models import Read
    from reads.partitions import partitions_ensure
    from reads.plates import canonical_key

    today = dt.datetime.now(dt.UTC).date()
    wanted = per_day * days
    existing = Read.objects.filter(owner_agency=agency, source="import").count()
    if existing == wanted:
        return existing
    pool = max(1000, wanted // 10)  # each vehicle read about ten times in the month
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reads_read WHERE owner_agency_id = %s", [agency.pk])
        cursor.execute(POOL_SQL, {"pool": pool})
        for offset in range(days):
            day = today - dt.timedelta(days=offset + 1)
            partitions_ensure([day])
            started = time.perf_counter()
            cursor.execute(
                DAY_SQL,
                {"agency": agency.pk, "cameras": [c.pk for c in cameras], "ncam": len(cameras), "n": per_day,
                 "day": dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC), "daykey": day.isoformat(),
                 "offset": offset * 104729, "pool": pool},
            )  # fmt: skip
            print(f"  day {day}: {per_day} reads in {time.perf_counter() - started:.1f} s", flush=True)
        cursor.execute("SELECT plate FROM bench_plates")
        plates = sorted({row[0] for row in cursor.fetchall()})
        for start in range(0, len(plates), 50_000):
            chunk = plates[start : start + 50_000]
            cursor.execute(
                "INSERT INTO reads_plate (plate, canonical) SELECT * FROM unnest(%s::text[], %s::text[]) "
                "ON CONFLICT DO NOTHING",
                [chunk, [canonical_key(p) for p in chunk]],
            )
        cursor.execute("ANALYZE reads_read; ANALYZE reads_plate")
    return wanted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-day", type=int, default=666_667)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    setup(READS_DB)
    from django.db import connection

    from reads.choices import Channel, Purpose
    from reads.purpose import PurposeStatement
    from reads.search import Near, SearchCriteria, read_search

    agency, user, cameras = bench_agency()
    rows = generate(agency, cameras, args.per_day, args.days)
    with connection.cursor() as cursor:
        cursor.execute("SELECT plate FROM bench_plates ORDER BY random() LIMIT %s", [args.queries])
        sample = [row[0] for row in cursor.fetchall()]
    end = dt.datetime.now(dt.UTC)
    start = end - dt.timedelta(days=args.days)
    statement = PurposeStatement(purpose=Purpose.CRIMINAL_INVESTIGATION, case_number="BENCH-1")
    rng = random.Random(5)

    def criteria_for(kind: str, plate: str) -> SearchCriteria:
        if kind == "exact":
            return SearchCriteria(start=start, end=end, plate=plate)
        if kind == "wildcard":
            return SearchCriteria(start=start, end=end, plate=f"{plate[:3]}*{plate[-2:]}")
        if kind == "wildcard_sparse":  # no run of three known characters: trigrams cannot narrow it
            return SearchCriteria(start=start, end=end, plate=f"?{plate[1:3]}?{plate[4:6]}?")
        if kind == "fuzzy":
            return SearchCriteria(start=start, end=end, plate=plate, fuzzy=True)
        camera = rng.choice(cameras)
        return SearchCriteria(
            start=end - dt.timedelta(days=1),
            end=end,
            near=Near(latitude=camera.location.y, longitude=camera.location.x, radius_m=200),
        )

    figures = {}
    for kind in ("exact", "wildcard", "wildcard_sparse", "fuzzy", "area"):
        timings = []
        for plate in sample:
            started = time.perf_counter()
            read_search(user=user, criteria=criteria_for(kind, plate), statement=statement, channel=Channel.API,
                        client_address="127.0.0.1")  # fmt: skip
            timings.append((time.perf_counter() - started) * 1000)
        figures[f"{kind}_p50_ms"] = percentile(timings, 50)
        figures[f"{kind}_p95_ms"] = percentile(timings, 95)
        print(f"  {kind:16} p50 {figures[f'{kind}_p50_ms']:7.1f} ms   p95 {figures[f'{kind}_p95_ms']:7.1f} ms")
    print(f"machine: {machine()}; rows={rows} days={args.days} queries per kind={len(sample)}")
    print(f"RESULT rows={rows} " + " ".join(f"{key}={value:.1f}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
