"""Scheduled jobs of the transparency app (see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from common.jobs import single_flight

from .program_services import public_question_erase_stale_addresses


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
@single_flight("transparency.tasks.erase_stale_question_addresses")
def erase_stale_question_addresses() -> int:
    """Erase the e-mail address of questions left unanswered for PUBLIC_QUESTION_EMAIL_KEEP_DAYS."""
    return public_question_erase_stale_addresses()
