"""A Celery worker killed with SIGKILL in the middle of a hotlist import: the list is unchanged (all or nothing),
and the import's record, instead of saying "running" for ever, says it failed and why, once the broker hands the
unacknowledged message to the next worker (a visibility timeout of a few seconds here; 600 s in production)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from config.celery_app import app as celery_app
from hotlists.choices import Category, HotlistSource, ImportFormat
from hotlists.models import Hotlist, HotlistImport
from hotlists.services import IMPORT_INTERRUPTED, hotlist_import, hotlist_import_queue
from hotlists.tasks import hotlist_import_task

from ..hotlists.conftest import clew_text

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_S = 3


def _worker(broker: str, name: str, env: dict[str, str]) -> subprocess.Popen:
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        **env,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "default", "-c", "1", "--pool", "solo",
         "-n", f"{name}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def broker(private_redis, monkeypatch):
    """Celery as in production (not eager), on a private Redis (never the machine's shared one)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setattr("hotlists.services._enqueue_import", lambda import_id: None)  # sent explicitly below
    return f"{private_redis.url}/3"


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_import_leaves_the_list_unchanged_and_the_import_failed(agency, broker):
    hotlist = Hotlist.objects.create(
        agency=agency, name="Stolen", source=HotlistSource.CA_DOJ_STOLEN_VEHICLES, category=Category.STOLEN_VEHICLE
    )
    hotlist_import(hotlist=hotlist, content=clew_text([("AAA111", "CA", "12", "20190515")]).encode(),
                   file_name="svs.tbl", file_format=ImportFormat.CLEW)  # fmt: skip
    big = clew_text([(f"{n:07d}", "CA", "12", "20190515") for n in range(300_000)]).encode()
    workers = []
    try:
        workers.append(_worker(broker, "doomed", {}))
        record = hotlist_import_queue(hotlist=hotlist, content=big, file_name="svs.tbl", file_format=ImportFormat.CLEW)
        with celery_app.connection_for_write(broker) as conn:
            hotlist_import_task.apply_async(args=[record.pk], connection=conn)

        def _mid_import():
            stage = HotlistImport.objects.filter(pk=record.pk).values_list("stage", flat=True).first()
            return stage in ("parsing", "staging") or workers[0].poll() is not None

        _wait(_mid_import, 120, "the worker to start the import")
        assert workers[0].poll() is None, "the worker died on its own"
        os.kill(workers[0].pid, signal.SIGKILL)
        workers[0].wait(timeout=10)
        assert HotlistImport.objects.get(pk=record.pk).outcome == "running"  # what the dead worker left
        workers.append(_worker(broker, "survivor", {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S)}))
        _wait(lambda: HotlistImport.objects.get(pk=record.pk).outcome != "running", 120, "the import to be settled")
        record.refresh_from_db()
        assert (record.outcome, record.errors) == ("failed", [{"line": 0, "reason": IMPORT_INTERRUPTED}])
        assert list(hotlist.entries.values_list("plate", flat=True)) == ["AAA111"]
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
