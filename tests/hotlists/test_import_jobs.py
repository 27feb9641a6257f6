"""Imports from the API and the admin run as background jobs: the request stores the file and queues it, the
record shows the stage and progress while a worker runs it, a worker that dies leaves the record saying so, and
the import stays all or nothing."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from hotlists import services
from hotlists.choices import ImportFormat, ImportOutcome, ImportStage
from hotlists.models import HotlistImport
from hotlists.services import IMPORT_INTERRUPTED, hotlist_import, hotlist_import_queue, hotlist_imports_sweep
from hotlists.tasks import IMPORT_TIME_LIMIT_S, hotlist_import_task

from .conftest import clew_text

pytestmark = pytest.mark.django_db


def _clew(plates):
    return clew_text([(plate, "CA", "12", "20190515") for plate in plates]).encode()


def _plates(hotlist):
    return sorted(hotlist.entries.values_list("plate", flat=True))


def _csv(count):
    return ("plate,state\n" + "".join(f"{n:07d},CA\n" for n in range(count))).encode()


def test_a_queued_import_reports_its_stages_and_progress(hotlist, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(services, "_PROGRESS_EVERY_S", 0.0)
    monkeypatch.setattr(services, "_PROGRESS_EVERY_LINES", 10_000)
    monkeypatch.setattr(services, "_COPY_CHUNK", 10_000)
    seen = []
    report = services._Progress.__call__

    def _spy(self, stage, done, **kwargs):
        report(self, stage, done, **kwargs)
        row = HotlistImport.objects.get(pk=self.record.pk)  # what the admin and the API show at that moment
        seen.append((row.outcome, row.stage, row.progress, row.total_lines))

    monkeypatch.setattr(services._Progress, "__call__", _spy)
    with django_capture_on_commit_callbacks(execute=True):
        record = hotlist_import_queue(hotlist=hotlist, content=_csv(30_000), file_name="big.csv",
                                      file_format=ImportFormat.CSV, channel="api")  # fmt: skip
    assert (record.outcome, record.stage) == (ImportOutcome.QUEUED, ImportStage.WAITING)
    assert seen[0] == ("running", "parsing", 0, 30_001)
    assert ("running", "parsing", 20_000, 30_001) in seen
    assert ("running", "staging", 20_000, 30_001) in seen and ("running", "staging", 30_000, 30_001) in seen
    assert seen[-1] == ("running", "applying", 0, 30_001)
    record.refresh_from_db()
    assert (record.outcome, record.stage, record.added, record.records_read) == ("succeeded", "done", 30_000, 30_000)
    assert record.finished_at >= record.started_at and record.progress_at is not None


def test_a_message_redelivered_after_the_worker_died_marks_the_import_interrupted(
    hotlist, django_capture_on_commit_callbacks
):
    hotlist_import(hotlist=hotlist, content=_clew(["AAA111"]), file_name="svs.tbl", file_format=ImportFormat.CLEW)
    with django_capture_on_commit_callbacks(execute=False):
        record = hotlist_import_queue(hotlist=hotlist, content=_clew(["BBB222"]), file_name="svs.tbl",
                                      file_format=ImportFormat.CLEW)  # fmt: skip
    # As a worker killed mid-import leaves it: running (its list changes and outcome never committed).
    HotlistImport.objects.filter(pk=record.pk).update(outcome=ImportOutcome.RUNNING, stage=ImportStage.STAGING)
    assert hotlist_import_task.apply(args=[record.pk]).get() == ImportOutcome.FAILED
    record.refresh_from_db()
    assert (record.outcome, record.stage, record.errors) == (
        "failed",
        "done",
        [{"line": 0, "reason": IMPORT_INTERRUPTED}],
    )
    assert _plates(hotlist) == ["AAA111"]
    # A finished import delivered again is left as it is.
    assert hotlist_import_task.apply(args=[record.pk]).get() == ImportOutcome.FAILED
    assert _plates(hotlist) == ["AAA111"]


def test_the_sweeper_fails_imports_whose_worker_is_gone_and_requeues_lost_ones(
    hotlist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        stuck = hotlist_import_queue(hotlist=hotlist, content=_clew(["AAA111"]), file_name="a.tbl",
                                     file_format=ImportFormat.CLEW)  # fmt: skip
        lost = hotlist_import_queue(hotlist=hotlist, content=_clew(["BBB222"]), file_name="b.tbl",
                                    file_format=ImportFormat.CLEW)  # fmt: skip
        running = hotlist_import_queue(hotlist=hotlist, content=_clew(["CCC333"]), file_name="c.tbl",
                                       file_format=ImportFormat.CLEW)  # fmt: skip
    long_ago = timezone.now() - dt.timedelta(seconds=IMPORT_TIME_LIMIT_S + 120)
    HotlistImport.objects.filter(pk=stuck.pk).update(outcome=ImportOutcome.RUNNING, started_at=long_ago)
    HotlistImport.objects.filter(pk=lost.pk).update(started_at=timezone.now() - dt.timedelta(minutes=30))
    HotlistImport.objects.filter(pk=running.pk).update(outcome=ImportOutcome.RUNNING)  # started just now: alive
    assert hotlist_imports_sweep() == {"failed": 1, "requeued": 1}
    outcomes = dict(HotlistImport.objects.values_list("pk", "outcome"))
    assert outcomes == {stuck.pk: "failed", lost.pk: "succeeded", running.pk: "running"}
    assert HotlistImport.objects.get(pk=stuck.pk).errors == [{"line": 0, "reason": IMPORT_INTERRUPTED}]
    assert _plates(hotlist) == ["BBB222"]


def test_a_failure_while_applying_changes_nothing(hotlist, monkeypatch, django_capture_on_commit_callbacks):
    hotlist_import(hotlist=hotlist, content=_clew(["AAA111", "BBB222"]), file_name="svs.tbl",
                   file_format=ImportFormat.CLEW)  # fmt: skip

    def _boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "match_historical", _boom)  # the last step of the applying transaction
    with django_capture_on_commit_callbacks(execute=True):
        record = hotlist_import_queue(hotlist=hotlist, content=_clew(["CCC333"]), file_name="svs.tbl",
                                      file_format=ImportFormat.CLEW)  # fmt: skip
    record.refresh_from_db()
    assert (record.outcome, record.errors) == ("failed", [{"line": 0, "reason": "System error: database went away"}])
    assert _plates(hotlist) == ["AAA111", "BBB222"]  # none removed, none added


def test_admin_upload_queues_the_import_and_its_page_shows_the_progress(
    hotlist, make_user, verified_client, django_capture_on_commit_callbacks
):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk")
    client = verified_client(clerk)
    url = reverse("admin:hotlists_hotlist_import", args=[hotlist.pk])
    upload = SimpleUploadedFile("svs.tbl", _clew(["AAA111", "BBB222"]))
    preview = client.post(url, {"file": upload, "format": "clew", "replace": "on"})
    assert preview.status_code == 200 and not HotlistImport.objects.exists()
    token = preview.content.decode().split('name="token" value="', 1)[1].split('"', 1)[0]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, {"token": token})
    record = HotlistImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:hotlists_hotlistimport_change", args=[record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "waiting for a worker" in page and "is queued for import" in page
    assert _plates(hotlist) == []
    for callback in queued:
        callback()
    page = client.get(response["Location"]).content.decode()
    assert "2 added, 0 updated, 0 removed" in page
    listing = client.get(reverse("admin:hotlists_hotlistimport_changelist")).content.decode()
    assert "2 added" in listing
    assert _plates(hotlist) == ["AAA111", "BBB222"]


def test_an_import_whose_file_is_gone_ends_failed(hotlist, django_capture_on_commit_callbacks):
    from django.core.files.storage import default_storage

    with django_capture_on_commit_callbacks(execute=False):
        record = hotlist_import_queue(hotlist=hotlist, content=_clew(["AAA111"]), file_name="svs.tbl",
                                      file_format=ImportFormat.CLEW)  # fmt: skip
    default_storage.delete(record.stored_file)
    assert hotlist_import_task.apply(args=[record.pk]).get() == "failed"
    record.refresh_from_db()
    assert (record.outcome, record.stage) == ("failed", "done")
    assert record.errors[0]["reason"].startswith("System error: ")
