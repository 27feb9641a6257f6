"""Celery tasks: each takes ids (or nothing) and calls one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from common.jobs import heartbeat_write, single_flight

from . import notifications, services

logger = logging.getLogger(__name__)

NOTIFICATIONS_QUEUE = "notifications"


@shared_task(
    queue=NOTIFICATIONS_QUEUE,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def notification_deliver_task(outbox_id: int) -> str:
    """Deliver one outbox row. A failed delivery is recorded on the row and retried by the dispatcher with
    backoff (the row is the source of truth); only database trouble retries the task itself."""
    try:
        return notifications.notification_deliver(outbox_id=outbox_id)
    except notifications.NotificationDeliveryError:
        return "rescheduled"


@shared_task(queue=NOTIFICATIONS_QUEUE, ignore_result=True)
def notification_dispatch_due_task() -> int:
    """Beat, every ~10 s: deliver pending outbox rows the broker never carried or that are due for a retry."""
    delivered = notifications.notification_dispatch_due()
    heartbeat_write("hotlists.tasks.notification_dispatch_due_task")  # /healthz: when the dispatcher last ran
    return delivered


# An import of a million-entry extract takes about a minute: longer limits than the default, still under the
# broker's visibility timeout (600 s).
IMPORT_SOFT_TIME_LIMIT_S = 480
IMPORT_TIME_LIMIT_S = 540


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT_S,
    time_limit=IMPORT_TIME_LIMIT_S,
)
@single_flight("hotlists.tasks.hotlist_drop_folder_task")
def hotlist_drop_folder_task() -> list[int]:
    """Beat: import new extracts from HOTLIST_DROP_DIR. Returns the ids of the HotlistImport rows written."""
    return services.hotlist_import_drop_folder()


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=IMPORT_SOFT_TIME_LIMIT_S,
    time_limit=IMPORT_TIME_LIMIT_S,
)
def hotlist_import_task(import_id: int) -> str:
    """Run a queued import (`services.hotlist_import_queue`). Not retried: a failure is recorded on the import
    (outcome failed, and why), and an import is all or nothing, so the user uploads the file again. Acknowledged
    late: if the worker dies, the message comes back and the next worker marks the import interrupted."""
    try:
        return services.hotlist_import_run(import_id=import_id).outcome
    except Exception:  # noqa: BLE001 - recorded on the import (see the service); a retry would not help
        logger.exception("hotlist import %s failed", import_id)
        return "failed"


@shared_task
@single_flight("hotlists.tasks.hotlist_imports_sweep_task")
def hotlist_imports_sweep_task() -> dict[str, int]:
    """Beat, every minute: imports whose worker is gone end as failed; imports the broker lost are queued again."""
    return services.hotlist_imports_sweep()
