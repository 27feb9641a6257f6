"""Uploaded photos under retention: an upload leaves (its file and its job) once none of its reads remain, in the
same purge run as the reads (reads.retention's hooks, registered in RecognitionConfig.ready). A photo in which
nothing was recognised leaves when a read of its time would have."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from agencies.models import Agency
from reads.files import files_delete
from reads.models import Read
from reads.retention import PurgeContext

from .models import RecognitionJob

UPLOADS_ROOT = "recognition"
_FINISHED = (RecognitionJob.Status.DONE, RecognitionJob.Status.FAILED)


def uploads_purge_expired(ctx: PurgeContext) -> None:
    """Remove finished uploads past their agency's retention none of whose reads remain (held reads keep theirs).
    A job's reads are all captured at the job's time, so the lookup goes to that one day partition."""
    removed = files = 0
    for agency_id, days in Agency.objects.values_list("id", "retention_days"):
        cutoff = ctx.now - dt.timedelta(days=days)
        reads = Read.objects.filter(recognition_job_id=OuterRef("pk"), captured_at=OuterRef("captured_at"))
        jobs = RecognitionJob.objects.filter(agency_id=agency_id, captured_at__lt=cutoff, status__in=_FINISHED)
        gone = list(jobs.filter(~Exists(reads)).values_list("pk", "image"))
        if not gone:
            continue
        RecognitionJob.objects.filter(pk__in=[pk for pk, _ in gone]).delete()
        files += files_delete(image for _, image in gone)
        removed += len(gone)
    ctx.counts["uploads"] += removed
    ctx.counts["files"] += files


def uploads_referencing(paths: list[str]) -> set[str]:
    return set(RecognitionJob.objects.filter(image__in=paths).values_list("image", flat=True))
