"""Celery tasks: each takes ids (or nothing) and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from common.jobs import single_flight

from . import notifications, services

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
    return notifications.notification_dispatch_due()


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
