"""Scheduled jobs of the reads app (see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from common.jobs import single_flight

from .access_log import access_log_checkpoint_write
from .partitions import partitions_analyze_recent, partitions_ensure_ahead
from .placement import camera_placement_remind
from .retention import files_sweep_orphans
from .services import read_purge_expired


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
@single_flight("reads.tasks.ensure_partitions")
def ensure_partitions() -> list[str]:
    names = partitions_ensure_ahead()
    partitions_analyze_recent()
    return names


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
@single_flight("reads.tasks.purge_expired_reads")
def purge_expired_reads() -> int:
    return read_purge_expired().pk


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
@single_flight("reads.tasks.access_log_checkpoint")
def access_log_checkpoint() -> int:
    return access_log_checkpoint_write().pk


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
@single_flight("reads.tasks.sweep_orphan_files")
def sweep_orphan_files() -> int:
    return files_sweep_orphans()


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
@single_flight("reads.tasks.camera_placement_reminders")
def camera_placement_reminders() -> int:
    """Remind clerks of temporary (residential) placements whose end date has passed."""
    return len(camera_placement_remind())
