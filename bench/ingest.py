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


def _new_plate(rng: random.Random) -> str:
    return rng.choice("56789") + "".join(rng.choices(LETTERS, k=3)) + f"{rng.randrange(1000):03d}"


def _plates(rng: random.Random, n: int, known: list[str], new_share: float) -> list[str]:
    """Plates as a camera network sees them in steady state: mostly vehicles seen before (already in the plate
    index), `new_share` of them never seen. With no pool of known plates, every plate is new."""
    return [_new_plate(rng) if not known or rng.random() < new_share else rng.choice(known) for _ in range(n)]


def _known_plates() -> list[str]:
    """Plates already in the plate index (bench/search.py's generated month), a sample of up to 500,000."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT plate FROM reads_plate TABLESAMPLE SYSTEM (25) LIMIT 500000")
        return [row[0] for row in cursor.fetchall()]


def _worker(args: tuple[int, int, int, int, float, float]) -> tuple[int, float]:
    worker, batches, batch_size, run_id, start_at, new_share = args
    setup(READS_DB)
    from django.db import connection

    from agencies.models import Agency
    from reads.choices import ReadSource
    from reads.models import Camera
    from reads.services import read_ingest

    agency = Agency.objects.get(slug="bench-pd")
    cameras = list(Camera.objects.filter(agency=agency).values_list("id", flat=True))
    rng = random.Random(worker * 7919 + run_id)
    known = _known_plates()
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=6)
    payloads = []
    for b in range(batches):
        plates = _plates(rng, batch_size, known, new_share)
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
    parser.add_argument(
        "--new-plates", type=float, default=0.1, help="share of plates never seen before (1.0: every plate new)"
    )
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
        results = pool.map(
            _worker, [(w, batches, args.batch, run_id, start_at, args.new_plates) for w in range(args.workers)]
        )
    stored = sum(r[0] for r in results)
    wall = max(r[1] for r in results)
    settings = f"workers={args.workers} batch={args.batch} new_plates={args.new_plates} hotlist_entries={entries}"
    print(f"machine: {machine()}; {settings}")
    print(f"RESULT reads_per_s={stored / wall:.0f} reads={stored} seconds={wall:.2f} entries={entries}")


if __name__ == "__main__":
    main()
