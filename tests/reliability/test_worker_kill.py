"""A Celery worker killed with SIGKILL in the middle of recognition jobs: every job still completes, once, and no
read is stored twice.

The worker runs as in production (acks_late, reject_on_worker_lost, prefetch 1) on the test database with a
private Redis as broker, and a visibility timeout of a few seconds (CELERY_VISIBILITY_TIMEOUT) so that Redis gives
the unacknowledged message of the dead worker to the next one quickly (in production it is 600 s).
"""

import os
import signal
import subprocess
import time

import pytest
from django.db import connection
from django.db.models import Count

from config.celery_app import app as celery_app
from reads.models import Read
from recognition.models import RecognitionJob
from recognition.services import job_create
from recognition.tasks import recognize_job

from ..recognition.scenes import plate_scene
from ..recognition.workers import recognition_worker

VISIBILITY_S = 4
PLATES = ["8WRK512", "7KIL001", "6DIE202", "5RUN303"]


def _start_worker(broker: str, name: str) -> subprocess.Popen:
    return recognition_worker(
        broker,
        name=name,
        env={"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_job_loses_and_duplicates_nothing(investigator, camera, private_redis, monkeypatch):
    broker = f"{private_redis.url}/2"
    monkeypatch.setattr("recognition.services._enqueue", lambda job_id: None)  # sent explicitly below
    jobs = [job_create(user=investigator, camera=camera, data=plate_scene(p), name=f"{p}.jpg")[0] for p in PLATES]
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    with celery_app.connection_for_write(broker) as conn:
        for job in jobs:
            recognize_job.apply_async(args=[job.pk], connection=conn)
    first = second = None
    try:
        first = _start_worker(broker, "doomed")
        # Kill it while a job is being processed (loaded the model, took a message, not yet acknowledged it).
        _wait(
            lambda: RecognitionJob.objects.filter(status="processing").exists() or first.poll() is not None,
            180,
            "the first worker to start a job",
        )
        assert first.poll() is None, "the worker died on its own"
        victim = RecognitionJob.objects.get(status="processing")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed_at = time.monotonic()
        second = _start_worker(broker, "survivor")
        _wait(
            lambda: not RecognitionJob.objects.exclude(status__in=("done", "failed")).exists(),
            240,
            "every job to finish after the kill",
        )
        assert time.monotonic() - killed_at >= VISIBILITY_S - 1  # the victim came back through the visibility timeout
        statuses = dict(RecognitionJob.objects.values_list("id", "status"))
        assert set(statuses.values()) == {"done"}, statuses
        victim.refresh_from_db()
        assert victim.attempts == 2  # started by the dead worker, finished by the survivor
        # No read twice: each job's reads are stored once (source ids job-<id>-<n>), and match its read count.
        counts = dict(
            Read.objects.filter(recognition_job_id__in=statuses)
            .values_list("recognition_job_id")
            .annotate(n=Count("id"))
        )
        assert Read.objects.values("source_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
        for job in RecognitionJob.objects.filter(id__in=statuses):
            assert counts.get(job.pk, 0) == job.read_count, (job.pk, job.read_count, counts.get(job.pk))
        assert sum(counts.values()) >= len(PLATES) - 1  # the pipeline found (nearly) every plate
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
        with connection.cursor() as cursor:  # the partitioned reads table is not Django's to flush
            cursor.execute("TRUNCATE reads_read")
