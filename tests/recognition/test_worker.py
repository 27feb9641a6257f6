"""A real Celery worker process, a real broker (Redis) and the real database: the upload path end to end."""

import signal
import subprocess
import time

import pytest
from django.db import connection

from config.celery_app import app as celery_app
from reads.models import Read
from recognition.models import RecognitionJob
from recognition.services import job_create
from recognition.tasks import recognize_job

from .scenes import levenshtein, plate_scene
from .workers import recognition_worker

BROKER = "redis://localhost:6379/6"  # a broker database of its own, so no other worker takes these tasks


@pytest.fixture
def worker(transactional_db):
    """Start `celery worker` on the test database; stop it after the test."""
    subprocess.run(["redis-cli", "-n", "6", "FLUSHDB"], check=False, capture_output=True)
    process = recognition_worker(BROKER, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    with connection.cursor() as cursor:  # the partitioned reads table is not Django's to flush
        cursor.execute("TRUNCATE reads_read")


def _send(job_id: int, monkeypatch) -> None:
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    with celery_app.connection_for_write(BROKER) as conn:
        recognize_job.apply_async(args=[job_id], connection=conn)


def _wait_for(job_id: int, process, timeout: float = 120) -> RecognitionJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = RecognitionJob.objects.get(pk=job_id)
        if job.status in ("done", "failed"):
            return job
        if process.poll() is not None:
            pytest.fail(f"worker exited: {process.stdout.read().decode(errors='replace')[-2000:]}")
        time.sleep(0.5)
    pytest.fail(f"job {job_id} not finished in {timeout} s")


def test_a_real_worker_turns_an_upload_into_reads(worker, investigator, camera, monkeypatch):
    monkeypatch.setattr("recognition.services._enqueue", lambda job_id: None)  # sent explicitly below
    job, _ = job_create(user=investigator, camera=camera, data=plate_scene("8WRK512"), name="rear.jpg")
    _send(job.pk, monkeypatch)
    job = _wait_for(job.pk, worker)
    assert job.status == "done", job.error
    read = Read.objects.get(recognition_job_id=job.pk)
    assert levenshtein(read.plate, "8WRK512") <= 1
    _send(job.pk, monkeypatch)  # a redelivered message: the job is done, nothing is stored twice
    time.sleep(3)
    assert Read.objects.filter(recognition_job_id=job.pk).count() == 1
