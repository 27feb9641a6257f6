"""Scheduled jobs that must not run twice at once, and the heartbeats that /healthz reads.

Beat sends a job on its schedule whatever happened to the last one: a drop-folder import or a purge that runs longer
than its interval would be picked up again by a second worker while the first is still at it (two imports of one
extract, two purges of one day). `run_alone` takes a PostgreSQL session advisory lock named after the job and
skips the run if another holds it. The lock lives as long as the holder's database session, so a worker that is
killed, or stopped by its hard time limit, releases it with its connection: no expiry to guess, nothing to clean.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.cache import cache
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

SKIPPED = "skipped: the previous run is still going"
HEARTBEAT_KEY = "health:heartbeat:{name}"
HEARTBEAT_TTL_S = 24 * 3600


def job_lock_key(name: str) -> int:
    """A stable signed 64-bit key per job name (the advisory lock space is shared by the whole database)."""
    return int.from_bytes(hashlib.blake2b(f"job:{name}".encode(), digest_size=8).digest(), "big", signed=True)


@contextmanager
def run_alone(name: str) -> Iterator[bool]:
    """Yield True while this process holds the job's lock, False (and nothing held) when another run holds it."""
    key = job_lock_key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    if not acquired:
        logger.warning("job %s: %s", name, SKIPPED)
        yield False
        return
    try:
        yield True
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        except DatabaseError:
            connection.close()  # ending the session releases its advisory locks


def single_flight(name: str) -> Callable:
    """Decorator for a scheduled task's body: run it only when no other run of `name` is in progress; a run that
    finds one returns SKIPPED. A run that completes records its time as the job's heartbeat (shown by /healthz)."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with run_alone(name) as acquired:
                if not acquired:
                    return SKIPPED
                result = func(*args, **kwargs)
            heartbeat_write(name)
            return result

        return wrapper

    return decorate


def heartbeat_write(name: str) -> None:
    """Record now as `name`'s last sign of life (best effort: a cache outage must not fail the job)."""
    try:
        cache.set(HEARTBEAT_KEY.format(name=name), time.time(), HEARTBEAT_TTL_S)
    except Exception:  # noqa: BLE001
        logger.warning("heartbeat %s not recorded (cache unavailable)", name)


def heartbeat_age(name: str) -> float | None:
    """Seconds since `name` last wrote its heartbeat; None when it never did (or the record expired)."""
    value = cache.get(HEARTBEAT_KEY.format(name=name))
    return None if value is None else max(time.time() - float(value), 0.0)
