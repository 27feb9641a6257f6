"""Scheduled jobs of the reads app (see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from .partitions import partitions_analyze_recent, partitions_ensure_ahead
from .placement import camera_placement_remind
from .services import read_purge_expired


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def ensure_partitions() -> list[str]:
    names = partitions_ensure_ahead()
    partitions_analyze_recent()
    return names


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def purge_expired_reads() -> int:
    return read_purge_expired().pk


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def camera_placement_reminders() -> int:
    """Remind clerks of temporary (residential) placements whose end date has passed."""
    return len(camera_placement_remind())
