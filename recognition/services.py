"""Writes of the recognition app: accept an upload as a job, run a job through the engine into reads."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from reads.choices import PlateKind, ReadSource
from reads.models import Camera
from reads.services import IngestValidationError, read_ingest

from .engine import ImageError
from .models import RecognitionJob
from .uploads import check_image, exif_time

logger = logging.getLogger(__name__)

CAMERA_NOT_OURS = "Choose one of your agency's cameras."
NO_PLATE = "No plate found in the image."
POISON_IMAGE = (
    "Recognition was started {attempts} times on this image and never finished (the worker stopped or failed "
    "each time); given up so that it is not retried for ever."
)


def job_create(
    *, user, camera: Camera, data: bytes, name: str = "", captured_at: dt.datetime | None = None
) -> tuple[RecognitionJob, bool]:
    """Store an image once (per agency and content hash) and queue its recognition after commit.

    Returns (job, created). Raises uploads.UploadRejected (400/413/415) before anything is stored: every way in (the
    API, admin, the recognize command) gets the same checks, a full decode included.
    """
    content_type = check_image(data)
    agency = camera.agency
    digest = hashlib.sha256(data).hexdigest()
    existing = RecognitionJob.objects.filter(agency=agency, sha256=digest).first()
    if existing:
        return existing, False
    if captured_at is not None:
        source = RecognitionJob.TimeSource.GIVEN
    elif (captured_at := exif_time(data, settings.TIME_ZONE)) is not None:
        source = RecognitionJob.TimeSource.EXIF
    else:
        captured_at, source = timezone.now(), RecognitionJob.TimeSource.UPLOAD
    extension = "png" if content_type == "image/png" else "jpg"
    path = f"recognition/{agency.pk}/{digest[:2]}/{digest}.{extension}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(data))
    try:
        with transaction.atomic():
            job = RecognitionJob.objects.create(
                agency=agency,
                camera=camera,
                uploaded_by=user,
                image=path,
                sha256=digest,
                original_name=name[:255],
                content_type=content_type,
                size_bytes=len(data),
                captured_at=captured_at,
                captured_at_source=source,
            )
    except IntegrityError:  # the same image, uploaded at the same moment by someone else
        return RecognitionJob.objects.get(agency=agency, sha256=digest), False
    transaction.on_commit(lambda: _enqueue(job.pk))
    return job, True


def _enqueue(job_id: int) -> None:
    from .tasks import recognize_job

    try:
        recognize_job.delay(job_id)
    except Exception:  # noqa: BLE001 - a broker outage must not fail the upload; the sweeper re-queues it
        logger.warning("recognition job %s not queued (broker unavailable); the sweeper will queue it", job_id)


def job_run(*, job_id: int, recognizer) -> RecognitionJob:
    """Run one job: detect and read plates, then store the reads through the one ingest service.

    Idempotent: a job already done is left as it is, and a job redelivered after a worker died produces the same
    reads, which ingest stores once (source ids are derived from the job)."""
    with transaction.atomic():
        job = RecognitionJob.objects.select_for_update().select_related("camera", "agency").get(pk=job_id)
        if job.status in (RecognitionJob.Status.DONE, RecognitionJob.Status.FAILED):
            return job
        if job.status == RecognitionJob.Status.PROCESSING and job.attempts >= settings.RECOGNITION_MAX_ATTEMPTS:
            # Still "processing" from earlier starts: each ended with the worker gone (killed, out of memory, hard
            # time limit) before it could record anything. The message comes back after every death (acks_late), so
            # without this count an image that kills the worker would be retried for ever.
            _give_up(job)
            return job
        job.status = RecognitionJob.Status.PROCESSING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    started = time.perf_counter()
    try:
        with default_storage.open(job.image, "rb") as handle:
            data = handle.read()
        readings = recognizer.recognize(data)
    except ImageError as exc:
        return _finish(job, status=RecognitionJob.Status.FAILED, error=str(exc), started=started)
    items, crops = [], {}
    for index, reading in enumerate(readings):
        source_id = f"job-{job.pk}-{index}"
        items.append(
            {
                "camera": job.camera_id,
                "captured_at": job.captured_at.isoformat(),
                "plate": reading.plate,
                "plate_state": reading.state or "",
                "plate_kind": PlateKind.FULL,
                "confidence": round(float(reading.confidence), 4),
                "candidates": [{"plate": p, "confidence": round(float(c), 4)} for p, c in reading.candidates[:10]],
                "vehicle_color": reading.vehicle_color or "",
                "source_id": source_id,
            }
        )
        if reading.crop is not None:
            crops[source_id] = _jpeg(reading.crop)
    timings = [reading.timings for reading in readings]
    if not items:
        return _finish(job, status=RecognitionJob.Status.DONE, error=NO_PLATE, started=started, timings=timings)
    try:
        result = read_ingest(
            agency=job.agency,
            items=items,
            source=ReadSource.RECOGNITION,
            images={item["source_id"]: data for item in items},
            plate_crops=crops,
            recognition_job_id=job.pk,
        )
    except IngestValidationError as exc:
        return _finish(
            job, status=RecognitionJob.Status.FAILED, error=f"{exc.message} {exc.errors}"[:500], started=started
        )
    return _finish(
        job,
        status=RecognitionJob.Status.DONE,
        started=started,
        timings=timings,
        read_count=result.stored + result.duplicates,
    )


def _jpeg(crop) -> bytes:
    import cv2

    ok, encoded = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 90])
    return encoded.tobytes() if ok else b""


def _finish(job, *, status, started, error="", timings=(), read_count=0) -> RecognitionJob:
    job.status = status
    job.error = error[:500]
    job.read_count = read_count
    # one detection pass per image, then one refinement search per plate: both locate plates
    job.detect_ms = (
        max(t.get("detect_ms", 0) for t in timings) + sum(t.get("refine_ms", 0) for t in timings) if timings else None
    )
    job.ocr_ms = sum(t.get("ocr_ms", 0) for t in timings) if timings else None
    job.total_ms = (time.perf_counter() - started) * 1000
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "read_count", "detect_ms", "ocr_ms", "total_ms", "finished_at"])
    return job


def job_fail(*, job_id: int, error: str) -> None:
    """Give up on a job after its retries (the engine itself failed, not the image)."""
    RecognitionJob.objects.filter(pk=job_id).exclude(status=RecognitionJob.Status.DONE).update(
        status=RecognitionJob.Status.FAILED, error=error[:500], finished_at=timezone.now()
    )


def _give_up(job: RecognitionJob) -> None:
    job.status = RecognitionJob.Status.FAILED
    job.error = POISON_IMAGE.format(attempts=job.attempts)
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    logger.error("recognition job %s: %s", job.pk, job.error)


def jobs_requeue_stale(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Queue again jobs left queued (broker was down at upload) or processing (worker vanished) for too long."""
    cutoff = timezone.now() - older_than
    stale = Q(status=RecognitionJob.Status.QUEUED, created_at__lt=cutoff) | Q(
        status=RecognitionJob.Status.PROCESSING, started_at__lt=cutoff
    )
    ids = list(RecognitionJob.objects.filter(stale).values_list("id", flat=True)[:500])
    # Jobs that have used up their attempts are failed on their next delivery (job_run); queueing them once more
    # is what ends them, so they are not left "processing" for ever either.
    for job_id in ids:
        _enqueue(job_id)
    return len(ids)
