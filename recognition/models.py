"""Image uploads and the recognition jobs that turn them into reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from agencies.access import alpr_access_refusal, membership_of
from agencies.models import Agency
from reads.models import Camera


class RecognitionJobQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An agency's own jobs: images not yet turned into reads are not shared under MOUs."""
        if alpr_access_refusal(user) is not None:
            return self.none()
        return self.filter(agency_id=membership_of(user).agency_id)


class RecognitionJob(models.Model):
    """One uploaded image and its recognition. Stored once per agency and content hash: the same image
    uploaded twice is the same job (and so, the same reads)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    class TimeSource(models.TextChoices):
        GIVEN = "given", "Given with the upload"
        EXIF = "exif", "The image's EXIF time"
        UPLOAD = "upload", "Upload time (no time given, no EXIF time)"

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="recognition_jobs")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="recognition_jobs")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    image = models.CharField(max_length=255, help_text="Storage path of the uploaded image.")
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=32)
    size_bytes = models.PositiveIntegerField()
    captured_at = models.DateTimeField()
    captured_at_source = models.CharField(max_length=8, choices=TimeSource.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    error = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    read_count = models.PositiveSmallIntegerField(default=0)
    detect_ms = models.FloatField(null=True, blank=True)
    ocr_ms = models.FloatField(null=True, blank=True)
    total_ms = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RecognitionJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["agency", "sha256"], name="recognition_job_unique_image")]
        indexes = [models.Index(fields=["status", "created_at"], name="recognition_job_status")]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.get_status_display()})"
