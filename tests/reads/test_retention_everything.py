"""Retention removes every trace of a read: its row, images, plate crop, the upload it came from, its alert with its
image and history, and its plate-index entry, in the same purge run, counted in the purge record; holds keep what
they name; the portal still counts what went; orphan files are swept after a grace period."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from hotlists.models import Alert, AlertEvent, AlertHoldItem, Hotlist, PurgedAlertCount
from hotlists.services import alert_hold_place, alert_transition, hotlist_entry_create
from reads.choices import ReadSource
from reads.files import day_folder
from reads.models import Plate, PurgeRun, Read
from reads.partitions import utc_day
from reads.retention import files_sweep_orphans
from reads.services import hold_place, hold_release, read_ingest, read_purge_expired
from recognition.models import RecognitionJob
from transparency.selectors import transparency_figures

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"
PLATE = "9ZQX731"
# Where the plate may still appear after its read is gone: the hotlist entry, its change history, the access log.
ALLOWED_TABLES = {"hotlists_hotlistentry", "auditlog_logentry", "reads_accesslogentry"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def entry(agency, investigator):
    hotlist = Hotlist.objects.create(
        agency=agency, name="Stolen vehicles", source="ca_doj_svs", category="stolen_vehicle"
    )
    return hotlist_entry_create(
        hotlist=hotlist, user=investigator, plate=PLATE, plate_state="CA", reason="stolen_vehicle"
    )


def _ingest(camera, plate=PLATE, *, when=None, job=None, key=None):
    when = when or timezone.now() - dt.timedelta(hours=2)
    key = key or f"{plate}-{when.timestamp()}"
    item = {"camera": camera.pk, "captured_at": when.isoformat(), "plate": plate, "plate_state": "CA", "source_id": key}
    result = read_ingest(
        agency=camera.agency,
        items=[item],
        source=ReadSource.RECOGNITION if job else ReadSource.CAMERA_PUSH,
        images={key: JPEG},
        plate_crops={key: JPEG + b"crop"},
        recognition_job_id=job.pk if job else None,
    )
    return Read.objects.get(pk=result.reads[0].id)


def _upload(camera, user, when) -> RecognitionJob:
    data = JPEG + b"upload"
    digest = hashlib.sha256(data).hexdigest()
    path = default_storage.save(f"recognition/{camera.agency_id}/{digest[:2]}/{digest}.jpg", ContentFile(data))
    return RecognitionJob.objects.create(
        agency=camera.agency,
        camera=camera,
        uploaded_by=user,
        image=path,
        sha256=digest,
        content_type="image/jpeg",
        size_bytes=len(data),
        captured_at=when,
        captured_at_source=RecognitionJob.TimeSource.GIVEN,
        status=RecognitionJob.Status.DONE,
        read_count=1,
    )


def _files(root: Path) -> list[str]:
    return sorted(str(Path(d, n).relative_to(root)) for d, _, names in os.walk(root) for n in names)


def _tables_naming(plate: str) -> set[str]:
    """Every table with a text or JSON column holding the plate (partitions of reads_read included)."""
    found = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
            "AND c.data_type IN ('text', 'character varying', 'jsonb', 'json')"
        )
        for table, column in cursor.fetchall():
            cursor.execute(
                f'SELECT 1 FROM "{table}" WHERE "{column}"::text LIKE %s LIMIT 1',  # noqa: S608 - catalog names
                [f"%{plate}%"],
            )
            if cursor.fetchone():
                found.add(table)
    return found


def test_a_read_past_retention_leaves_no_file_and_no_row_naming_its_plate(
    camera, investigator, entry, agency, _media_root
):
    when = timezone.now() - dt.timedelta(hours=2)
    job = _upload(camera, investigator, when)
    read = _ingest(camera, when=when, job=job)
    alert = Alert.objects.get(read_id=read.pk)
    alert_transition(alert=alert, user=investigator, to_status="acknowledged")
    assert alert.image == read.image and read.plate_crop and job.image
    assert len(_files(_media_root)) == 3
    assert _tables_naming(PLATE) - ALLOWED_TABLES  # the read, its partition, the alert, the plate index...
    before = transparency_figures(agency, period_start=timezone.localdate(), period_end=timezone.localdate())

    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=40))

    assert _files(_media_root) == []
    assert _tables_naming(PLATE) <= ALLOWED_TABLES
    assert not Read.objects.exists() and not Alert.objects.exists() and not AlertEvent.objects.exists()
    assert not RecognitionJob.objects.exists() and not Plate.objects.filter(plate=PLATE).exists()
    assert (run.removed_total, run.alerts_removed, run.uploads_removed, run.plates_removed) == (1, 1, 1, 1)
    assert run.files_removed == 3
    # The portal's figures still count the read and the hit that went.
    after = transparency_figures(agency, period_start=timezone.localdate(), period_end=timezone.localdate())
    assert (after["reads"], after["hotlist_hits"]) == (before["reads"], before["hotlist_hits"]) == (1, 1)


def test_a_whole_day_goes_as_one_folder(camera, _media_root):
    when = timezone.now() - dt.timedelta(hours=2)
    reads = [_ingest(camera, f"7DAY{n:03d}", when=when) for n in range(3)]
    folder = day_folder(camera.agency_id, utc_day(when))
    assert all(read.image.startswith(folder + "/") for read in reads)
    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=40))
    assert run.files_removed == 6
    assert not default_storage.exists(folder)


def test_held_reads_keep_their_files_and_alerts_and_lose_them_after_release(
    camera, investigator, entry, agency, _media_root
):
    kept = _ingest(camera)
    gone = _ingest(camera, "4GONE01")
    hold = hold_place(user=investigator, agency=agency, case_number="PV-1", reason="Evidence", read_ids=[kept.pk])
    later = timezone.now() + dt.timedelta(days=40)
    run = read_purge_expired(now=later)
    assert Read.objects.filter(pk=kept.pk).exists() and not Read.objects.filter(pk=gone.pk).exists()
    assert Alert.objects.filter(read_id=kept.pk).exists()  # its read is held
    assert default_storage.exists(kept.image) and default_storage.exists(kept.plate_crop)
    assert not default_storage.exists(gone.image) and not default_storage.exists(gone.plate_crop)
    assert run.files_removed == 2 and run.alerts_removed == 0
    assert Plate.objects.filter(plate=PLATE).exists() and not Plate.objects.filter(plate="4GONE01").exists()
    hold_release(hold=hold, user=investigator, reason="Case closed")
    read_purge_expired(now=later)
    assert _files(_media_root) == [] and not Alert.objects.exists()


def test_a_held_alert_outlives_its_read_with_its_image(camera, investigator, entry, agency, client_for):
    read = _ingest(camera)
    alert = Alert.objects.get(read_id=read.pk)
    response = client_for(investigator).post(
        reverse("alert-hold", args=[alert.pk]), {"case_number": "PV-7", "reason": "Stolen car case"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["alerts"] == [alert.pk]
    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=40))
    assert run.removed_total == 1 and run.alerts_removed == 0
    assert Alert.objects.filter(pk=alert.pk).exists()
    assert default_storage.exists(alert.image)  # the alert still shows it
    assert not default_storage.exists(read.plate_crop)


def test_an_alert_hold_of_another_agency_is_refused(camera, investigator, entry, other_agency, make_user):
    alert = Alert.objects.get(read_id=_ingest(camera).pk)
    with pytest.raises(Exception, match="not your agency"):
        alert_hold_place(
            user=make_user(agency=other_agency), agency=other_agency, case_number="X", reason="Y", alert_ids=[alert.pk]
        )
    assert not AlertHoldItem.objects.exists()


def test_alerts_follow_the_agencys_alert_retention(camera, entry, agency):
    agency.alert_retention_days = 5
    agency.save()
    read = _ingest(camera)
    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=10))
    assert run.alerts_removed == 1 and run.removed_total == 0
    assert Read.objects.filter(pk=read.pk).exists()
    assert default_storage.exists(read.image)  # the read still has it
    assert sum(PurgedAlertCount.objects.values_list("alerts", flat=True)) == 1


def test_by_default_alerts_stay_as_long_as_reads(camera, entry):
    _ingest(camera)
    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=20))
    assert run.alerts_removed == 0 and Alert.objects.count() == 1


def test_an_upload_stays_while_one_of_its_reads_is_held(camera, investigator, agency):
    when = timezone.now() - dt.timedelta(hours=2)
    job = _upload(camera, investigator, when)
    first = _ingest(camera, "5UPL001", when=when, job=job, key="u1")
    _ingest(camera, "5UPL002", when=when, job=job, key="u2")
    hold_place(user=investigator, agency=agency, case_number="PV-2", reason="Evidence", read_ids=[first.pk])
    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=40))
    assert run.uploads_removed == 0 and RecognitionJob.objects.filter(pk=job.pk).exists()
    assert default_storage.exists(job.image)


def test_orphan_files_are_swept_after_the_grace_period(camera, _media_root):
    read = _ingest(camera)
    orphan = default_storage.save(
        f"{day_folder(camera.agency_id, utc_day(timezone.now()))}/orphan-rear.jpg", ContentFile(JPEG)
    )
    upload_orphan = default_storage.save("recognition/1/ab/orphan.jpg", ContentFile(JPEG))
    assert files_sweep_orphans() == 0  # younger than the grace period: its ingest may still commit
    assert files_sweep_orphans(now=timezone.now() + dt.timedelta(days=2)) == 2
    assert not default_storage.exists(orphan) and not default_storage.exists(upload_orphan)
    assert default_storage.exists(read.image) and default_storage.exists(read.plate_crop)


def test_the_purge_record_counts_files_alerts_uploads_and_plates_in_the_api(client_for, make_user, camera):
    from agencies.choices import Role

    _ingest(camera)
    read_purge_expired(now=timezone.now() + dt.timedelta(days=40))
    admin = make_user(Role.AGENCY_ADMIN, username="purge-admin")
    response = client_for(admin).get(reverse("purgerun-list"))
    if response.status_code == 200:
        row = response.json()["results"][0]
        assert row["files_removed"] == 2 and row["plates_removed"] == 1
    else:  # the role may not see purge runs; the record itself holds the counts
        run = PurgeRun.objects.get()
        assert run.files_removed == 2 and run.plates_removed == 1


def test_the_purge_command_reports_every_kind_and_sweeps_on_request(camera):
    from io import StringIO

    from django.core.management import call_command

    _ingest(camera, when=timezone.now() - dt.timedelta(days=29, hours=23, minutes=59))
    out = StringIO()
    call_command("purge_expired_reads", "--sweep", stdout=out)
    assert "files" in out.getvalue() and "plate-index entries" in out.getvalue()
    assert "Swept 0 orphan files." in out.getvalue()
