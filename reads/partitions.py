"""Daily partitions of reads_read: created ahead by the scheduler and on demand by ingest, never by hand."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.db import ProgrammingError, connection, transaction

_PARTITION_NAME = re.compile(r"^reads_read_p(\d{8})$")
# Days this process has already seen to exist: ingest asks the database only about a day it has not seen.
_known_days: set[dt.date] = set()
DUPLICATE_TABLE = "42P07"


def partition_name(day: dt.date) -> str:
    return f"reads_read_p{day:%Y%m%d}"


def utc_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(dt.UTC).date()


def partitions_ensure(days: Iterable[dt.date]) -> None:
    """Create the partitions of `days` that do not exist yet (idempotent, safe under concurrency)."""
    missing = sorted(set(days) - _known_days)
    if not missing:
        return
    with connection.cursor() as cursor:
        for day in missing:
            try:
                with transaction.atomic():  # a savepoint when called inside a transaction
                    cursor.execute("SELECT reads_ensure_partition(%s)", [day])
            except ProgrammingError as exc:
                # Two workers raced on a new day: the loser's second look inside reads_ensure_partition can miss the
                # table the winner just committed (its catalog cache still says "absent"), and its CREATE fails.
                # The partition exists, which is all this wanted (found by bench/faults/postgres_restart.py).
                if getattr(exc.__cause__, "sqlstate", None) != DUPLICATE_TABLE:
                    raise
    # Remembered only once committed: a partition created in a transaction that rolls back is gone again.
    transaction.on_commit(lambda: _known_days.update(missing))


def partitions_ensure_ahead(*, days_ahead: int = 7, days_behind: int = 2, today: dt.date | None = None) -> list[str]:
    """The scheduler's job: partitions from a couple of days back to a week ahead always exist."""
    today = today or dt.datetime.now(dt.UTC).date()
    days = [today + dt.timedelta(days=offset) for offset in range(-days_behind, days_ahead + 1)]
    _known_days.difference_update(days)  # ask the database again: a partition may have been dropped meanwhile
    partitions_ensure(days)
    return [partition_name(day) for day in days]


def partitions_analyze_recent(*, today: dt.date | None = None) -> list[str]:
    """Refresh the planner's statistics of today's and yesterday's partitions, which fill during the day.

    A partition is created empty; until it is analyzed the planner believes it holds nothing and may pick a poor
    plan for a wildcard search over it. Autovacuum does this where it runs; the scheduler does it hourly so that
    the system does not depend on it. ANALYZE samples a fixed number of rows, so this costs the same every hour.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    names = [partition_name(today - dt.timedelta(days=offset)) for offset in (0, 1)]
    existing = {name for name, _ in partitions_existing()}
    with connection.cursor() as cursor:
        for name in names:
            if name in existing:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return [name for name in names if name in existing]


def partitions_existing() -> list[tuple[str, dt.date]]:
    """(name, day) of every existing partition, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'reads_read'::regclass"
        )
        names = [row[0] for row in cursor.fetchall()]
    result = []
    for name in names:
        match = _PARTITION_NAME.match(name)
        if match:
            result.append((name, dt.datetime.strptime(match.group(1), "%Y%m%d").date()))
    return sorted(result, key=lambda item: item[1])


def forget_partition(day: dt.date) -> None:
    """Called after a partition is dropped, so that this process re-creates it if a read for that day arrives."""
    _known_days.discard(day)


def partition_health() -> dict:
    """/healthz: tomorrow's partition (UTC) exists. The hourly scheduler job keeps a week ahead; a missing one
    means it has not run for days (ingest would still create it on demand, at the cost of DDL in the ingest path)."""
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    name = partition_name(tomorrow)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        exists = cursor.fetchone()[0]
    return {"status": "ok" if exists else "fail", "partition": name, "exists": exists}
