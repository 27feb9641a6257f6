"""Alert latency: a steady stream of reads through the ingest service (reads.services.read_ingest), a share of
them on an active hotlist; measures read received -> alert stored and notification queued (the ingest call's
return: matching, alert and outbox rows commit with the reads, and the after-commit enqueue has run).

    python bench/alert_latency.py                                # 1,000 reads/s for 60 s, 1,000,000 entries
    python bench/alert_latency.py --seconds 10 --entries 100000

A camera push of `--batch` reads arrives every batch/rate seconds; a read's latency is from its push's arrival to
the return of the ingest call that stored it. Prints `RESULT p50_ms=... p99_ms=...` as its last line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import string
import time

from setup_django import bench_agency, machine, percentile, setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=1000, help="reads per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=50, help="reads per camera push")
    parser.add_argument("--hit-rate", type=float, default=0.01, help="share of reads whose plate is listed")
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    setup()
    agency, _, cameras = bench_agency()
    from hotlist_fixture import ensure_active_entries, sample_plates

    from hotlists.choices import SubscriptionKind
    from hotlists.models import Alert, NotificationOutbox, NotificationSubscription
    from hotlists.notifications import notification_subscription_create
    from reads.choices import ReadSource
    from reads.services import read_ingest

    ensure_active_entries(args.entries)
    listed = sample_plates(2000)
    # A webhook subscription so that each alert also writes an outbox row and is handed to the broker after commit.
    # Its URL is a closed local port: a worker that picks the task up fails fast and reschedules; rows are removed
    # at the end.
    subscription = NotificationSubscription.objects.filter(agency=agency, name="bench latency").first()
    subscription = subscription or notification_subscription_create(
        agency=agency, name="bench latency", kind=SubscriptionKind.WEBHOOK, url="http://127.0.0.1:9/bench"
    )
    rng = random.Random(int(time.time()))
    letters = string.ascii_uppercase
    interval = args.batch / args.rate
    pushes = int(args.seconds / interval)
    run = int(time.time())
    alert_latencies: list[float] = []
    call_latencies: list[float] = []
    late = 0
    alerts_before = Alert.objects.filter(agency=agency).count()
    start = time.perf_counter() + 0.5
    for push in range(pushes):
        due = start + push * interval
        now = time.perf_counter()
        if now < due:
            time.sleep(due - now)
        else:
            late += 1
        arrived = max(due, time.perf_counter())
        captured = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        items, hits = [], 0
        for i in range(args.batch):
            if rng.random() < args.hit_rate:
                plate, hits = rng.choice(listed), hits + 1
            else:
                plate = rng.choice("56789") + "".join(rng.choices(letters, k=3)) + f"{rng.randrange(1000):03d}"
            items.append({"camera": cameras[(push + i) % len(cameras)].pk, "captured_at": captured.isoformat(),
                          "plate": plate, "plate_state": "CA", "source_id": f"lat-{run}-{push}-{i}"})  # fmt: skip
        result = read_ingest(agency=agency, items=items, source=ReadSource.CAMERA_PUSH)
        elapsed_ms = (time.perf_counter() - arrived) * 1000
        call_latencies.append(elapsed_ms)
        alert_latencies.extend([elapsed_ms] * result.alerts)
    wall = time.perf_counter() - start
    alerts = Alert.objects.filter(agency=agency).count() - alerts_before
    queued = NotificationOutbox.objects.filter(subscription=subscription).count()
    NotificationOutbox.objects.filter(subscription=subscription).delete()
    print(f"machine: {machine()}")
    print(f"{pushes * args.batch} reads in {wall:.1f} s ({pushes * args.batch / wall:.0f}/s), {alerts} alerts, "
          f"{queued} notifications queued, {late} pushes started late")  # fmt: skip
    print(f"ingest call: p50 {percentile(call_latencies, 50):.1f} ms, p99 {percentile(call_latencies, 99):.1f} ms")
    print(
        f"RESULT p50_ms={percentile(alert_latencies, 50):.1f} p99_ms={percentile(alert_latencies, 99):.1f} "
        f"alerts={len(alert_latencies)} reads_per_s={pushes * args.batch / wall:.0f} rate={args.rate}"
    )


if __name__ == "__main__":
    main()
