"""Retention purge of one day of 1,000,000 reads, at two table sizes, both ways the purge works:
a day past every agency's retention is dropped as a partition; a day past only one agency's retention is
deleted row by row for that agency. The cost should follow the day's size, not the table's.

    python bench/purge.py                            # one day of 1,000,000 reads; tables of 3M and 12M reads
    python bench/purge.py --day 100000 --sizes 1,3   # a quick run (table sizes in millions)
    python bench/purge.py --files                    # also one image file per read, laid out by agency and day

With --files each purged day also holds one stored image per read (as fixed cameras send), in the day's folder
(reads.files: reads/<agency>/<YYYY>/<MM>/<DD>/), under var/bench-media; the purge removes them in the same run.
The purge record's phase timings (rows, files, plate index) are printed for each run.

Prints `RESULT day_reads=... drop_ms_at_<N>M=... delete_ms_at_<N>M=...` as its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from search import DAY_SQL, POOL_SQL
from setup_django import READS_DB, ROOT, bench_agency, machine, setup

JPEG = b"\xff\xd8\xff\xe0" + bytes(2_000) + b"\xff\xd9"  # about the size of a small plate crop


def _write_files(agency_id: int, day: dt.date, n: int) -> float:
    """One image file per read of the day, in the day's folder; returns seconds taken."""
    from django.core.files.storage import default_storage

    from reads.files import day_folder

    folder = default_storage.path(day_folder(agency_id, day))
    os.makedirs(folder, exist_ok=True)
    started = time.perf_counter()
    for i in range(n):
        with open(os.path.join(folder, f"gen-{i}-rear.jpg"), "wb") as handle:
            handle.write(JPEG)
    return time.perf_counter() - started


def _fill_day(cursor, agency, cameras, day: dt.date, n: int, key: str) -> None:
    from reads.partitions import partitions_ensure

    partitions_ensure([day])
    cursor.execute("SELECT count(*) FROM bench_plates")
    pool = cursor.fetchone()[0]
    cursor.execute(
        DAY_SQL,
        {"agency": agency.pk, "cameras": [c.pk for c in cameras], "ncam": len(cameras), "n": n,
         "day": dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC), "daykey": f"{key}-{day}", "offset": 17,
         "pool": pool},
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--day", type=int, default=1_000_000, help="reads in the day to purge")
    parser.add_argument("--sizes", default="3,12", help="total table sizes, in millions of reads")
    parser.add_argument("--files", action="store_true", help="one image file per purged read")
    args = parser.parse_args()
    os.environ.setdefault("MEDIA_ROOT", str(ROOT / "var" / "bench-media"))
    setup(READS_DB)
    from django.db import connection

    from reads.models import Read
    from reads.partitions import partitions_existing
    from reads.services import read_purge_expired

    # A 30-day agency (whose days are purged) beside a 45-day one (which keeps a 35-day-old day partition alive).
    agency, _, cameras = bench_agency("purge-pd", "CA0990100")
    agency.retention_days = 30
    agency.save()
    keeper, _, _ = bench_agency("bench-pd", "CA0990000")
    today = dt.datetime.now(dt.UTC).date()
    figures = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_plates')")
        if cursor.fetchone()[0] is None:
            cursor.execute(POOL_SQL, {"pool": 100_000})
    for size in [int(s) for s in args.sizes.split(",")]:
        filler_days = 25
        per_filler_day = max(0, (size * 1_000_000 - 2 * args.day) // filler_days)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM reads_read WHERE owner_agency_id = %s", [agency.pk])
            for offset in range(1, filler_days + 1):  # within retention: stays
                _fill_day(cursor, agency, cameras, today - dt.timedelta(days=offset), per_filler_day, f"f{size}")
            drop_day, delete_day = today - dt.timedelta(days=60), today - dt.timedelta(days=35)
            _fill_day(cursor, agency, cameras, drop_day, args.day, "drop")
            _fill_day(cursor, agency, cameras, delete_day, args.day, "delete")
            cursor.execute("VACUUM ANALYZE reads_read")
        if args.files:
            for day in (drop_day, delete_day):
                print(f"  wrote {args.day:,} files for {day} in {_write_files(agency.pk, day, args.day):.1f} s")
        total = Read.objects.count()
        started = time.perf_counter()
        run = read_purge_expired()
        elapsed = (time.perf_counter() - started) * 1000
        assert drop_day not in {day for _, day in partitions_existing()}
        assert run.removed_by_agency.get(str(agency.pk)) == 2 * args.day, run.removed_by_agency
        # Time each path on its own from the run's two kinds of work.
        figures[f"table_reads_at_{size}M"] = total
        figures[f"purge_ms_at_{size}M"] = elapsed
        print(f"  table {total:>11,} reads: purge removed {run.removed_total:,} in {elapsed:.0f} ms "
              f"(dropped {run.partitions_dropped}, deleted the rest); {run.files_removed:,} files, "
              f"{run.plates_removed:,} plate-index entries; phases {run.timings_ms}")  # fmt: skip
        for phase, ms in run.timings_ms.items():
            figures[f"both_{phase}_ms_at_{size}M"] = ms
        # Separate timings: drop alone, then delete alone.
        for path, day, key in (("drop", drop_day, "drop2"), ("delete", delete_day, "delete2")):
            with connection.cursor() as cursor:
                _fill_day(cursor, agency, cameras, day, args.day, key)
                cursor.execute("ANALYZE reads_read")
            if args.files:
                _write_files(agency.pk, day, args.day)
            started = time.perf_counter()
            run = read_purge_expired()
            figures[f"{path}_ms_at_{size}M"] = (time.perf_counter() - started) * 1000
            for phase, ms in run.timings_ms.items():
                figures[f"{path}_{phase}_ms_at_{size}M"] = ms
            print(f"    {path} path: phases {run.timings_ms}, {run.files_removed:,} files")
        drop_ms, delete_ms = figures[f"drop_ms_at_{size}M"], figures[f"delete_ms_at_{size}M"]
        print(f"    drop path {drop_ms:.0f} ms, delete path {delete_ms:.0f} ms")
    del keeper
    print(f"machine: {machine()}; day_reads={args.day}")
    print(f"RESULT day_reads={args.day} " + " ".join(f"{k}={v:.0f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
