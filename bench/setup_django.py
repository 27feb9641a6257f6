"""Django set-up for benchmark scripts: a database of their own (alpr_bench), migrated, never the demo's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The reads benchmarks (ingest, search, purge) share a database of their own, apart from alpr_bench, which the
# hotlist and load benchmarks use, so that one's tens of millions of generated reads do not skew the other's.
READS_DB = "alpr_bench_reads"


def setup(database: str = "alpr_bench") -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DATABASE_URL", f"postgis://postgres@localhost:5432/{database}")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    os.environ.setdefault("YOLO_OFFLINE", "1")
    import psycopg

    admin = os.environ["DATABASE_URL"].replace("postgis://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    name = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def machine() -> str:
    import platform

    cpus = os.cpu_count()
    with open("/proc/meminfo") as meminfo:
        mem_gb = int(meminfo.readline().split()[1]) / 1024 / 1024
    return f"{platform.processor() or platform.machine()}, {cpus} cores, {mem_gb:.0f} GiB"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_agency(slug: str = "bench-pd", ori: str = "CA0990000"):
    """An agency, trained investigator and camera set for benchmarks (idempotent)."""
    import datetime as dt

    from django.contrib.gis.geos import Point
    from django.utils import timezone

    from agencies.choices import AgencyKind, Role
    from agencies.models import Agency, TrainingRecord, User
    from agencies.services import membership_set
    from reads.models import Camera

    agency, _ = Agency.objects.get_or_create(
        slug=slug,
        defaults={"name": f"Benchmark {slug}", "ori": ori, "kind": AgencyKind.MUNICIPAL_POLICE, "state": "CA",
                  "retention_days": 45, "public_comment_meeting_on": dt.date(2024, 1, 1)},
    )  # fmt: skip
    user, _ = User.objects.get_or_create(username=f"{slug}-investigator")
    membership_set(user=user, agency=agency, role=Role.INVESTIGATOR)
    today = timezone.localdate()
    TrainingRecord.objects.get_or_create(
        user=user, course="bench", defaults={"completed_on": today, "expires_on": today + dt.timedelta(days=365)}
    )
    cameras = []
    for n in range(20):
        camera, _ = Camera.objects.get_or_create(
            agency=agency,
            name=f"bench camera {n}",
            defaults={"location": Point(-116.55 + n * 0.004, 33.80 + n * 0.003, srid=4326), "is_active": True},
        )
        cameras.append(camera)
    return agency, user, cameras
