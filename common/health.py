"""/healthz: one cheap JSON answer saying, check by check, whether the system can do its work.

Each check returns a dict with its `status` ("ok", "warn" or "fail") and the figures behind it. A failing critical
check (the database, the broker, disk space) answers 503, so a load balancer or orchestrator takes the node out; any
other failure or warning answers 200 with the overall status "degraded", for monitoring to alert on without taking
the web tier down (ingest and search still work while, say, the notification worker is away).

Apps add their own checks in `AppConfig.ready()` with `register_check` (this module imports no app): the reads app
checks tomorrow's partition, the hotlists app the notification backlog. Every check is one indexed query, one cache
read or one system call; the whole answer takes a few milliseconds.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse

from .jobs import heartbeat_age

logger = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "fail"

_checks: dict[str, tuple[Callable[[], dict], bool]] = {}


def register_check(name: str, check: Callable[[], dict], *, critical: bool = False) -> None:
    """Add a check to /healthz; a failing critical check makes it answer 503."""
    _checks[name] = (check, critical)


def health_report() -> tuple[dict, bool]:
    """(report, healthy): every check's result, and False when a critical one failed."""
    results = {}
    healthy = True
    degraded = False
    for name, (check, critical) in _checks.items():
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 - a check that cannot run is a failed check, named as such
            result = {"status": FAIL, "error": exc.__class__.__name__}
        result["critical"] = critical
        results[name] = result
        if result["status"] == FAIL and critical:
            healthy = False
        elif result["status"] != OK:
            degraded = True
    overall = "down" if not healthy else ("degraded" if degraded else "ok")
    return {"status": overall, "checks": results}, healthy


def healthz(request):
    report, healthy = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


# Checks of the platform ---------------------------------------------------------------------------------------------


def check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": OK}


def check_broker() -> dict:
    redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    return {"status": OK}


def check_workers() -> dict:
    """Each queue's worker ran the heartbeat task beat sends it every 30 s (config/celery_app.py)."""
    ages = {queue: heartbeat_age(f"worker:{queue}") for queue in settings.CELERY_WORKER_QUEUES}
    stale = sorted(queue for queue, age in ages.items() if age is None or age > settings.HEALTH_HEARTBEAT_STALE_S)
    return {
        "status": FAIL if stale else OK,
        "last_heartbeat_s": {queue: _round(age) for queue, age in ages.items()},
        "stale_queues": stale,
    }


def check_scheduler() -> dict:
    """Beat's own heartbeat (written every 15 s while it runs), and when each guarded scheduled job last ran."""
    age = heartbeat_age("beat")
    jobs = {
        entry["task"]: _round(heartbeat_age(entry["task"]))
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if not name.startswith("health-")
    }
    stale = age is None or age > settings.HEALTH_HEARTBEAT_STALE_S
    return {"status": FAIL if stale else OK, "last_heartbeat_s": _round(age), "jobs_last_run_s": jobs}


def check_oldest_transaction() -> dict:
    """The oldest transaction open on this database (another session's): while it stays open the live alert feed
    cannot move past it, and vacuum cannot clean behind it."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT extract(epoch FROM now() - xact_start), state, pid FROM pg_stat_activity
            WHERE datname = current_database() AND backend_type = 'client backend'
              AND xact_start IS NOT NULL AND pid <> pg_backend_pid()
            ORDER BY xact_start LIMIT 1
            """
        )
        row = cursor.fetchone()
    if row is None:
        return {"status": OK, "age_s": 0}
    age, state, pid = row
    status = WARN if float(age) > settings.HEALTH_OLDEST_TRANSACTION_WARN_S else OK
    return {"status": status, "age_s": _round(float(age)), "state": state, "pid": pid}


def check_disk() -> dict:
    """Free space where read images and uploads are written (MEDIA_ROOT)."""
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path != path.parent:
        path = path.parent
    usage = shutil.disk_usage(path)
    free_percent = 100.0 * usage.free / usage.total if usage.total else 0.0
    low = usage.free < settings.HEALTH_DISK_MIN_FREE_BYTES or free_percent < settings.HEALTH_DISK_MIN_FREE_PERCENT
    return {"status": FAIL if low else OK, "free_bytes": usage.free, "free_percent": round(free_percent, 1)}


def _round(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 1)


register_check("database", check_database, critical=True)
register_check("broker", check_broker, critical=True)
register_check("disk", check_disk, critical=True)
register_check("worker", check_workers)
register_check("scheduler", check_scheduler)
register_check("oldest_transaction", check_oldest_transaction)
