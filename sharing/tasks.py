"""Scheduled work of the sharing app."""

from celery import shared_task

from .services import mou_expire_due


@shared_task
def expire_mous() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): mark MOUs past their expiry date expired and remove their permissions.
    Requests do not depend on it: the selectors check the dates on every call."""
    return mou_expire_due()
