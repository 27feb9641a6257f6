"""The transparency portal's figures over ~1,000,000 reads: the 90-day reads-per-day chart (one grouped
date_trunc query on the partitioned reads table, restricted to the agency and the window) and the whole
transparency_figures selector, uncached and cached.

    python bench/transparency_portal.py                      # 90 days x 11,112 reads for the agency, same again for
                                                             # another agency (2,000,000 rows in the table)
    python bench/transparency_portal.py --per-day 2000       # a quick run

Data is generated once per size in database alpr_bench_tr (its own, so that other benchmarks' tables are left
alone). Prints `RESULT reads=... chart_p50_ms=... figures_p50_ms=... cached_p50_ms=...` as its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import time

from search import DAY_SQL, POOL_SQL
from setup_django import bench_agency, machine, percentile, setup

DAYS = 90


def generate(agency, cameras, per_day: int) -> int:
    from django.db import connection

    from reads.models import Read
    from reads.partitions import partitions_ensure

    today = dt.datetime.now(dt.UTC).date()
    if Read.objects.filter(owner_agency=agency).count() == per_day * DAYS:
        return per_day * DAYS
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reads_read WHERE owner_agency_id = %s", [agency.pk])
        cursor.execute(POOL_SQL, {"pool": max(1000, per_day * DAYS // 10)})
        cursor.execute("SELECT count(*) FROM bench_plates")
        pool = cursor.fetchone()[0]
        for offset in range(DAYS):
            day = today - dt.timedelta(days=offset)
            partitions_ensure([day])
            cursor.execute(
                DAY_SQL,
                {"agency": agency.pk, "cameras": [c.pk for c in cameras], "ncam": len(cameras), "n": per_day,
                 "day": dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC), "daykey": f"{agency.slug}-{day}",
                 "offset": offset * 104729, "pool": pool},
            )  # fmt: skip
        cursor.execute("VACUUM ANALYZE reads_read")
    return per_day * DAYS


def timed(call, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-day", type=int, default=11_112, help="reads per day for each of the two agencies")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    setup("alpr_bench_tr")

    from django.core.cache import cache
    from django.db import connection
    from django.db.models import Count
    from django.db.models.functions import TruncDay
    from django.utils import timezone

    from reads.models import Read
    from transparency.selectors import _daily, _midnight, portal_figures, portal_window, transparency_figures

    agency, _, cameras = bench_agency("bench-tr-pd", "CA0990100")
    other, _, other_cameras = bench_agency("bench-tr-other-pd", "CA0990200")
    print("generating..." if Read.objects.filter(owner_agency=agency).count() == 0 else "reusing data", flush=True)
    reads = generate(agency, cameras, args.per_day)
    generate(other, other_cameras, args.per_day)
    total = Read.objects.count()
    period_start, period_end, chart_start = portal_window()
    start, end = _midnight(chart_start), _midnight(period_end + dt.timedelta(days=1))
    base = Read.objects.filter(owner_agency_id=agency.pk)

    def chart():
        return _daily(base, "captured_at", start, end)

    days = chart()
    assert sum(days.values()) <= reads
    with connection.cursor() as cursor:
        query = (
            base.filter(captured_at__gte=start, captured_at__lt=end)
            .annotate(day=TruncDay("captured_at", tzinfo=timezone.get_default_timezone()))
            .values("day")
            .annotate(n=Count("pk"))
            .order_by()
        )
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    scanned = len(set(re.findall(r"on (reads_read_p\d{8})", plan)))
    chart_ms = timed(chart, args.runs)

    def figures():
        return transparency_figures(agency, period_start=period_start, period_end=period_end, chart_start=chart_start)

    figures_ms = timed(figures, args.runs)
    cache.clear()
    portal_figures(agency)
    cached_ms = timed(lambda: portal_figures(agency), args.runs)
    print(plan)
    print(f"machine: {machine()}")
    print(
        f"reads in table: {total:,}; this agency's: {reads:,}; days charted: {len(days)}; partitions scanned: {scanned}"
    )
    print(
        f"RESULT reads={reads} table={total} chart_p50_ms={statistics.median(chart_ms):.1f} "
        f"chart_p95_ms={percentile(chart_ms, 95):.1f} figures_p50_ms={statistics.median(figures_ms):.1f} "
        f"figures_p95_ms={percentile(figures_ms, 95):.1f} cached_p50_ms={statistics.median(cached_ms):.2f}"
    )


if __name__ == "__main__":
    main()
