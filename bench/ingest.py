"""Sustained ingest throughput through the ingest service (validation, bulk insert, plate index, hotlist matching).

    python bench/ingest.py                      # 200,000 reads in 1,000-read batches, 1,000,000 active entries
    python bench/ingest.py --reads 20000 --entries 0 --workers 2

Prints `RESULT reads_per_s=... ` as its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import random
import string
import time

from setup_django import READS_DB, bench_agency, machine, setup

LETTERS = string.ascii_uppercase


def _plates(rng: random.Random, n: int) -> list[str]:
    return [rng.choice("56789") + "".join(rng.choices(LETTERS, k=3)) + f"{rng.randrange(1000):03d}" for _ in range(n)]


def _worker(args: tuple[int, int, int, int, float]) -> tuple[int, float]:
    worker, batches, batch_size, run_id, start_at = args
    setup(READS_DB)
    from django.db import connection

    from agencies.models import Agency
    from reads.choices import ReadSource
    from reads.models import Camera
    from reads.services import read_ingest

    agency = Agency.objects.get(slug="bench-pd")
    cameras = list(Camera.objects.filter(agency=agency).values_list("id", flat=True))
    rng = random.Random(worker * 7919 + run_id)
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    payloads = []
    for b in range(batches):
        plates = _plates(rng, batch_size)
        payloads.append(
            [
                {
                    "camera": cameras[i % len(cameras)],
                    "captured_at": (base + dt.timedelta(milliseconds=(b * batch_size + i) * 7)).isoformat(),
                    "plate": plates[i],
                    "plate_state": "CA",
                    "confidence": 0.91,
                    "candidates": [{"plate": plates[i][:-1] + "8", "confidence": 0.3}],
                    "vehicle_make": "Toyota",
                    "vehicle_color": "white",
                    "source_id": f"bench-{run_id}-{worker}-{b}-{i}",
                }
                for i in range(batch_size)
            ]
        )
    while time.time() < start_at:
        time.sleep(0.01)
    started = time.perf_counter()
    stored = 0
    for items in payloads:
        stored += read_ingest(agency=agency, items=items, source=ReadSource.CAMERA_PUSH).stored
    elapsed = time.perf_counter() - started
    connection.close()
    return stored, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=1_000_000, help="active hotlist entries to match against")
    parser.add_argument("--workers", type=int, default=2, help="processes ingesting at once (as web workers would)")
    args = parser.parse_args()
    setup(READS_DB)
    bench_agency()
    if args.entries:
        from hotlist_fixture import ensure_active_entries

        ensure_active_entries(args.entries)
    from hotlists.models import HotlistEntry

    entries = HotlistEntry.objects.count()
    batches = max(1, args.reads // args.batch // args.workers)
    run_id = int(time.time())
    start_at = time.time() + 3
    with mp.get_context("spawn").Pool(args.workers) as pool:
        results = pool.map(_worker, [(w, batches, args.batch, run_id, start_at) for w in range(args.workers)])
    stored = sum(r[0] for r in results)
    wall = max(r[1] for r in results)
    print(f"machine: {machine()}; workers={args.workers} batch={args.batch} hotlist_entries={entries}")
    print(f"RESULT reads_per_s={stored / wall:.0f} reads={stored} seconds={wall:.2f} entries={entries}")


if __name__ == "__main__":
    main()
