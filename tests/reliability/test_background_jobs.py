"""Background work in production: every task has time limits below the broker's visibility timeout, a scheduled
job never runs twice at once, and an image that keeps killing the worker ends as failed instead of coming back."""

import contextlib
import importlib
import os
import time

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test import override_settings

from common.jobs import SKIPPED, heartbeat_age, job_lock_key
from config.celery_app import app as celery_app
from hotlists.choices import Category, HotlistSource
from hotlists.models import Hotlist, HotlistImport
from recognition import tasks as recognition_tasks
from recognition.models import RecognitionJob
from recognition.services import POISON_IMAGE, job_create

from ..hotlists.conftest import clew_text
from ..recognition.scenes import plate_scene

pytestmark = pytest.mark.django_db

# Scheduled tasks that may overlap by design: the dispatcher takes rows with SKIP LOCKED, heartbeats write a key.
OVERLAP_ALLOWED = {"hotlists.tasks.notification_dispatch_due_task", "config.celery_app.worker_heartbeat"}


def _our_tasks():
    for config in apps.get_app_configs():
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(f"{config.name}.tasks")
    return {name: task for name, task in celery_app.tasks.items() if not name.startswith("celery.")}


def test_every_task_has_soft_and_hard_time_limits_below_the_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    tasks = _our_tasks()
    assert "recognition.tasks.recognize_job" in tasks and "hotlists.tasks.hotlist_drop_folder_task" in tasks
    for name, task in tasks.items():
        soft = task.soft_time_limit or celery_app.conf.task_soft_time_limit
        hard = task.time_limit or celery_app.conf.task_time_limit
        assert soft and hard, f"{name} has no time limit"
        assert soft < hard < visibility, f"{name}: soft {soft} s, hard {hard} s, visibility timeout {visibility} s"


@pytest.fixture
def other_session():
    """A second database session (another worker), on the same database as the test."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as conn:
        yield conn


@pytest.mark.parametrize(
    "schedule",
    sorted(
        name
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["task"] not in OVERLAP_ALLOWED and not name.startswith("health-")
    ),
)
def test_a_scheduled_job_is_skipped_while_its_previous_run_holds_the_lock(schedule, other_session):
    task_name = settings.CELERY_BEAT_SCHEDULE[schedule]["task"]
    task = _our_tasks()[task_name]
    other_session.execute("SELECT pg_advisory_lock(%s)", [job_lock_key(task_name)])
    assert task.apply().get() == SKIPPED
    other_session.execute("SELECT pg_advisory_unlock(%s)", [job_lock_key(task_name)])
    assert task.apply().get() != SKIPPED
    assert heartbeat_age(task_name) < 60  # a run that happened is visible to /healthz


def test_a_slow_drop_folder_import_is_not_picked_up_twice(agency, other_session, tmp_path):
    from hotlists.tasks import hotlist_drop_folder_task

    hotlist = Hotlist.objects.create(
        agency=agency, name="Stolen", source=HotlistSource.CA_DOJ_STOLEN_VEHICLES,
        category=Category.STOLEN_VEHICLE, drop_file_name="svs.tbl",
    )  # fmt: skip
    folder = tmp_path / hotlist.agency.slug
    folder.mkdir()
    extract = folder / "svs.tbl"
    extract.write_text(clew_text([("7SLOW01", "CA", "12", "20190515")]))
    os.utime(extract, (time.time() - 3600, time.time() - 3600))
    key = job_lock_key("hotlists.tasks.hotlist_drop_folder_task")
    with override_settings(HOTLIST_DROP_DIR=tmp_path, HOTLIST_DROP_SETTLE_S=1):
        other_session.execute("SELECT pg_advisory_lock(%s)", [key])  # the first run, still importing
        assert hotlist_drop_folder_task.apply().get() == SKIPPED
        assert extract.exists() and not HotlistImport.objects.exists()
        other_session.execute("SELECT pg_advisory_unlock(%s)", [key])
        [import_id] = hotlist_drop_folder_task.apply().get()
    assert HotlistImport.objects.get(pk=import_id).added == 1 and not extract.exists()


class _Recognizer:
    def __init__(self):
        self.calls = 0

    def recognize(self, data):
        self.calls += 1
        return []


@pytest.fixture
def fake_recognizer(monkeypatch):
    recognizer = _Recognizer()
    monkeypatch.setattr(recognition_tasks, "_recognizer", recognizer)
    return recognizer


def test_an_image_that_keeps_killing_the_worker_ends_failed(investigator, camera, fake_recognizer, monkeypatch):
    monkeypatch.setattr("recognition.services._enqueue", lambda job_id: None)
    job, _ = job_create(user=investigator, camera=camera, data=plate_scene("7POISN1"), name="poison.jpg")
    # As the database looks after the worker died on it RECOGNITION_MAX_ATTEMPTS times (acks_late redelivers).
    RecognitionJob.objects.filter(pk=job.pk).update(status="processing", attempts=settings.RECOGNITION_MAX_ATTEMPTS)
    assert recognition_tasks.recognize_job.apply(args=[job.pk]).get() == "failed"
    job.refresh_from_db()
    assert job.status == "failed" and job.error == POISON_IMAGE.format(attempts=settings.RECOGNITION_MAX_ATTEMPTS)
    assert fake_recognizer.calls == 0  # not tried again
    # A job the worker died on fewer times is tried again.
    other, _ = job_create(user=investigator, camera=camera, data=plate_scene("7POISN2"), name="ok.jpg")
    RecognitionJob.objects.filter(pk=other.pk).update(status="processing", attempts=1)
    assert recognition_tasks.recognize_job.apply(args=[other.pk]).get() == "done"
    assert fake_recognizer.calls == 1
