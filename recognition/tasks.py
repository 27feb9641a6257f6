"""Celery tasks of the recognition queue. The engine is loaded once per worker process, on first use."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from common.jobs import single_flight

from .services import job_fail, job_run, jobs_requeue_stale

_recognizer = None


def recognizer():
    """The process's PlateRecognizer (model weights load once, not per image)."""
    global _recognizer
    if _recognizer is None:
        from .engine.pipeline import PlateRecognizer

        _recognizer = PlateRecognizer(weights_path=settings.RECOGNITION_DETECTOR_WEIGHTS or None)
    return _recognizer


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=3,
    # First use in a worker process loads the models (seconds); an image itself takes well under one.
    soft_time_limit=120,
    time_limit=180,
)
def recognize_job(self, job_id: int) -> str:
    try:
        return job_run(job_id=job_id, recognizer=recognizer()).status
    except Exception as exc:
        if self.request.retries >= self.max_retries:
            job_fail(job_id=job_id, error=f"{exc.__class__.__name__}: {exc}")
            return "failed"
        raise


@shared_task
@single_flight("recognition.tasks.requeue_stale_jobs")
def requeue_stale_jobs() -> int:
    return jobs_requeue_stale()
