import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from reads.models import Read
from recognition.models import RecognitionJob
from recognition.services import NO_PLATE
from recognition.uploads import IMAGE_EMPTY, IMAGE_TOO_LARGE, IMAGE_TYPE

from .scenes import empty_scene, levenshtein, plate_scene

pytestmark = pytest.mark.django_db
UPLOAD = reverse("recognition-upload")


@pytest.fixture
def upload(client_for, investigator, camera, django_capture_on_commit_callbacks):
    """Upload files as the investigator and run the queued job(s) (Celery eager, after commit)."""

    def _upload(*files, user=investigator, **data):
        with django_capture_on_commit_callbacks(execute=True):
            return client_for(user).post(
                UPLOAD, {"camera": camera.pk, "images": list(files), **data}, format="multipart"
            )

    return _upload


def _jobs(response) -> list[RecognitionJob]:
    """The jobs an upload answered with, as they are now (the answer is written before the jobs run)."""
    ids = [job["id"] for job in response.json()["jobs"]]
    return sorted(RecognitionJob.objects.filter(pk__in=ids), key=lambda job: ids.index(job.pk))


def _file(data: bytes, name="rear.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_uploaded_image_becomes_a_read_through_ingest(upload, camera):
    taken = timezone.localtime().replace(microsecond=0) - dt.timedelta(days=2, hours=3)
    response = upload(_file(plate_scene("5KDJ244")), captured_at=taken.isoformat())
    assert response.status_code == 202, response.content
    job = RecognitionJob.objects.get(pk=response.json()["jobs"][0]["id"])
    assert job.status == "done", job.error
    assert job.read_count == 1 and job.detect_ms and job.total_ms
    read = Read.objects.get()
    assert read.source == "recognition" and read.recognition_job_id == job.pk and read.camera == camera
    assert levenshtein(read.plate, "5KDJ244") <= 1
    assert read.candidates and read.candidates[0]["plate"] == read.plate
    assert read.plate_crop and read.image
    assert read.captured_at == taken


def test_same_image_twice_is_one_job(upload):
    data = plate_scene("6ABC321")
    first = upload(_file(data))
    second = upload(_file(data, "copy.jpg"))
    assert first.json()["created"] == [True] and second.json()["created"] == [False]
    assert first.json()["jobs"][0]["id"] == second.json()["jobs"][0]["id"]
    assert RecognitionJob.objects.count() == 1
    assert Read.objects.count() == 1


def test_exif_time_is_used_when_none_is_given(upload):
    response = upload(_file(plate_scene("7EXF123", exif_time="2026:11:20 07:45:10")))
    job = RecognitionJob.objects.get(pk=response.json()["jobs"][0]["id"])
    assert job.captured_at_source == "exif"
    assert job.captured_at.isoformat() == "2026-11-20T15:45:10+00:00"


def test_several_images_in_one_upload(upload):
    response = upload(_file(plate_scene("5KDJ244"), "a.jpg"), _file(empty_scene(), "b.jpg"))
    assert response.status_code == 202
    assert [job.status for job in _jobs(response)] == ["done", "done"]


def test_image_without_a_plate_ends_done_with_zero_reads(upload):
    (job,) = _jobs(upload(_file(empty_scene())))
    assert (job.status, job.read_count, job.error) == ("done", 0, NO_PLATE)
    assert not Read.objects.exists()


@pytest.mark.parametrize("data", [b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, plate_scene()[:2000]])
def test_corrupt_or_truncated_image_is_refused_at_upload(upload, data):
    """Decoded before it is accepted (recognition.uploads.check_decodes): a 400, not a 202 and a job that fails."""
    response = upload(_file(plate_scene("5KDJ244"), "good.jpg"), _file(data, "bad.jpg"))
    assert response.status_code == 400
    assert response.json()["file"] == "bad.jpg"
    assert response.json()["detail"].startswith("The image cannot be decoded")
    assert not RecognitionJob.objects.exists()


@pytest.mark.parametrize("data", [b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, plate_scene()[:2000]])
def test_an_image_damaged_in_storage_after_upload_fails_its_job_with_a_reason(
    client_for, investigator, camera, django_capture_on_commit_callbacks, data
):
    """The worker still names the failure when the stored file is damaged after it was accepted."""
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client_for(investigator).post(UPLOAD, {"camera": camera.pk, "images": [_file(plate_scene())]},
                                                 format="multipart")  # fmt: skip
    (job,) = _jobs(response)
    with default_storage.open(job.image, "wb") as handle:
        handle.write(data)
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.read_count == 0 and job.error
    assert not Read.objects.exists()


@pytest.mark.parametrize("data,message", [(b"", IMAGE_EMPTY), (b"%PDF-1.7 not an image", IMAGE_TYPE)])
def test_non_images_are_refused_415_and_change_nothing(upload, data, message):
    response = upload(_file(plate_scene("5KDJ244"), "good.jpg"), _file(data, "bad.jpg"))
    assert response.status_code == 415
    assert response.json()["detail"] == message
    assert not RecognitionJob.objects.exists()


@override_settings(RECOGNITION_MAX_IMAGE_BYTES=10_000)
def test_too_large_is_refused_413(upload):
    response = upload(_file(plate_scene("5KDJ244")))
    assert response.status_code == 413
    assert response.json()["detail"] == IMAGE_TOO_LARGE.format(mb=0.01)
    assert not RecognitionJob.objects.exists()


def test_camera_of_another_agency_is_refused(client_for, investigator, other_agency, make_camera):
    theirs = make_camera(other_agency, "Theirs")
    response = client_for(investigator).post(
        UPLOAD, {"camera": theirs.pk, "images": [_file(plate_scene())]}, format="multipart"
    )
    assert response.status_code == 400
    assert not RecognitionJob.objects.exists()


def test_upload_needs_the_role_permission_and_training(client_for, make_user, camera):
    auditor = make_user(Role.AUDITOR)
    response = client_for(auditor).post(
        UPLOAD, {"camera": camera.pk, "images": [_file(plate_scene())]}, format="multipart"
    )
    assert response.status_code == 403
    untrained = make_user(trained=False)
    response = client_for(untrained).post(
        UPLOAD, {"camera": camera.pk, "images": [_file(plate_scene())]}, format="multipart"
    )
    assert response.status_code == 403


def test_jobs_of_another_agency_are_404(upload, client_for, make_user, other_agency):
    job_id = upload(_file(plate_scene())).json()["jobs"][0]["id"]
    stranger = make_user(agency=other_agency)
    assert client_for(stranger).get(reverse("recognition-job-detail", args=[job_id])).status_code == 404
