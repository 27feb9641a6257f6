"""Scheduled work of the sharing app."""

from celery import shared_task

from common.jobs import single_flight

from .services import mou_expire_due


@shared_task
@single_flight("sharing.tasks.expire_mous")
def expire_mous() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): mark MOUs past their expiry date expired and remove their permissions.
    Requests do not depend on it: the selectors check the dates on every call."""
    return mou_expire_due()
