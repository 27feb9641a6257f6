import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.utils import InternalError, ProgrammingError
from django.urls import reverse
from django.utils import timezone

from reads.access_log import access_log_verify
from reads.choices import ReadSource
from reads.models import AccessLogEntry, EvidenceHold, PurgedReadCount, PurgeRun, Read
from reads.partitions import partition_name, partitions_existing
from reads.purpose import PURPOSE_REQUIRED
from reads.services import HOLD_READS_NOT_FOUND, read_ingest, read_purge_expired

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"
PURPOSE = {"purpose": "criminal_investigation", "case_number": "PV-26-1"}


def _read_with_image(camera, plate="6TRJ244", when=None):
    when = when or timezone.now() - dt.timedelta(hours=2)
    item = {"camera": camera.pk, "captured_at": when.isoformat(), "plate": plate, "source_id": f"img-{plate}-{when}"}
    result = read_ingest(
        agency=camera.agency, items=[item], source=ReadSource.CAMERA_PUSH, images={item["source_id"]: JPEG}
    )
    return Read.objects.get(pk=result.reads[0].id)


def _image_url(read):
    return reverse("read-image", args=[read.pk])


def test_image_view_needs_purpose_and_is_logged(client_for, investigator, camera):
    read = _read_with_image(camera)
    client = client_for(investigator)
    refused = client.get(_image_url(read))
    assert refused.status_code == 400
    assert refused.json()["purpose"] == [PURPOSE_REQUIRED]
    assert AccessLogEntry.objects.count() == 0
    response = client.get(_image_url(read), PURPOSE)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG
    entry = AccessLogEntry.objects.get()
    assert entry.action == "image_view" and entry.query == {"read_id": read.pk, "kind": "rear"}
    assert entry.result_count == 1 and entry.case_number == "PV-26-1"


def test_image_of_another_agency_is_404_and_not_logged(client_for, make_user, other_agency, make_camera):
    read = _read_with_image(make_camera(other_agency, "Theirs"))
    response = client_for(make_user()).get(_image_url(read), PURPOSE)
    assert response.status_code == 404
    assert AccessLogEntry.objects.count() == 0


def test_access_log_refuses_update_and_delete(client_for, investigator, camera):
    client_for(investigator).get(_image_url(_read_with_image(camera)), PURPOSE)
    entry = AccessLogEntry.objects.get()
    for statement in ("UPDATE reads_accesslogentry SET case_number = 'X'", "DELETE FROM reads_accesslogentry"):
        with (
            pytest.raises((InternalError, ProgrammingError)) as excinfo,
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(statement)
        assert "append-only" in str(excinfo.value)
    entry.refresh_from_db()
    assert entry.case_number == "PV-26-1"


def test_hash_chain_detects_a_row_changed_with_the_trigger_disabled(client_for, investigator, camera):
    client = client_for(investigator)
    read = _read_with_image(camera)
    for case in ("A-1", "A-2", "A-3"):
        client.get(_image_url(read), {**PURPOSE, "case_number": case})
    assert access_log_verify() == (3, None)
    second = AccessLogEntry.objects.order_by("id")[1]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks would block ALTER TABLE
        cursor.execute("ALTER TABLE reads_accesslogentry DISABLE TRIGGER reads_accesslogentry_append_only")
        cursor.execute("UPDATE reads_accesslogentry SET case_number = 'A-9' WHERE id = %s", [second.pk])
        cursor.execute("ALTER TABLE reads_accesslogentry ENABLE TRIGGER reads_accesslogentry_append_only")
    checked, broken = access_log_verify()
    assert checked == 1 and broken.pk == second.pk


def test_hold_place_and_release_through_the_api(client_for, investigator, camera, store_reads):
    result = store_reads(camera, ["4HLD001", "4HLD002"])
    ids = [read.id for read in result.reads]
    client = client_for(investigator)
    response = client.post(
        reverse("evidencehold-list"),
        {"case_number": "PV-26-9", "reason": "Burglary suspect vehicle", "read_ids": ids},
        format="json",
    )
    assert response.status_code == 201, response.content
    hold_id = response.json()["id"]
    assert response.json()["items"] == sorted(ids)
    assert client.get(reverse("evidencehold-list")).json()["count"] == 1
    missing_reason = client.post(reverse("evidencehold-release", args=[hold_id]), {}, format="json")
    assert missing_reason.status_code == 400
    released = client.post(reverse("evidencehold-release", args=[hold_id]), {"reason": "Case closed"}, format="json")
    assert released.status_code == 200
    assert released.json()["released_by"] == investigator.username
    again = client.post(reverse("evidencehold-release", args=[hold_id]), {"reason": "again"}, format="json")
    assert again.status_code == 400


def test_hold_refuses_reads_of_another_agency(client_for, investigator, other_agency, make_camera, store_reads):
    theirs = store_reads(make_camera(other_agency, "Theirs"), ["4OTH001"]).reads[0].id
    response = client_for(investigator).post(
        reverse("evidencehold-list"), {"case_number": "X", "reason": "Y", "read_ids": [theirs]}, format="json"
    )
    assert response.status_code == 400
    assert HOLD_READS_NOT_FOUND.format(ids=theirs) in str(response.json())
    assert EvidenceHold.objects.count() == 0


def test_holds_of_another_agency_are_404(client_for, investigator, make_user, other_agency, camera, store_reads):
    ids = [read.id for read in store_reads(camera, ["4HLD003"]).reads]
    hold = (
        client_for(investigator)
        .post(reverse("evidencehold-list"), {"case_number": "C", "reason": "R", "read_ids": ids}, format="json")
        .json()
    )
    stranger = make_user(agency=other_agency)
    assert client_for(stranger).get(reverse("evidencehold-detail", args=[hold["id"]])).status_code == 404
    release = client_for(stranger).post(
        reverse("evidencehold-release", args=[hold["id"]]), {"reason": "x"}, format="json"
    )
    assert release.status_code == 404


def _old_reads(camera, store_reads, days_ago, plates):
    """Reads taken `days_ago`, ingested back then (ingest refuses reads already past retention)."""
    at = timezone.now() - dt.timedelta(days=days_ago)
    return store_reads(camera, plates, at=at, step=dt.timedelta(seconds=5), now=at + dt.timedelta(minutes=5))


def _purged_counts() -> dict:
    return {(row.agency_id, row.day): row.reads for row in PurgedReadCount.objects.all()}


def _local_day(read) -> dt.date:
    return timezone.localtime(read.captured_at).date()


def test_purge_drops_whole_expired_days_and_keeps_recent(agency, camera, store_reads, monkeypatch):
    old = _old_reads(camera, store_reads, 29.9, ["1OLD001", "1OLD002"])
    _old_reads(camera, store_reads, 3, ["1NEW001"])
    later = timezone.now() + dt.timedelta(days=3)  # the old reads' day is now past every agency's 30 days
    day = old.reads[0].captured_at.astimezone(dt.UTC).date()
    run = read_purge_expired(now=later)
    assert partition_name(day) in run.partitions_dropped
    assert day not in {d for _, d in partitions_existing()}
    assert run.removed_by_agency == {str(agency.pk): 2}
    assert list(Read.objects.values_list("plate", flat=True)) == ["1NEW001"]
    assert PurgeRun.objects.get() == run and run.duration_ms >= 0
    assert _purged_counts() == {(agency.pk, _local_day(old.reads[0])): 2}  # counted for the transparency figures


def test_held_reads_survive_the_purge_and_go_after_release(client_for, investigator, camera, store_reads):
    old = _old_reads(camera, store_reads, 29.9, ["2OLD001", "2OLD002"])
    held_id = old.reads[0].id
    client = client_for(investigator)
    hold = client.post(
        reverse("evidencehold-list"), {"case_number": "H-1", "reason": "Homicide", "read_ids": [held_id]}, format="json"
    ).json()
    later = timezone.now() + dt.timedelta(days=3)
    run = read_purge_expired(now=later)
    assert run.partitions_dropped == []
    assert run.kept_for_holds == 1
    assert list(Read.objects.values_list("id", flat=True)) == [held_id]
    assert _purged_counts() == {(camera.agency_id, _local_day(old.reads[1])): 1}  # the held read is not counted
    client.post(reverse("evidencehold-release", args=[hold["id"]]), {"reason": "Adjudicated"}, format="json")
    read_purge_expired(now=later)
    assert not Read.objects.exists()
    assert _purged_counts() == {(camera.agency_id, _local_day(old.reads[1])): 2}  # added to, once released


def test_purge_follows_each_agencys_retention(agency, other_agency, camera, make_camera, store_reads):
    other_agency.retention_days = 365
    other_agency.save()
    ours = _old_reads(camera, store_reads, 40, ["3OURS01"])
    _old_reads(make_camera(other_agency, "Theirs"), store_reads, 40, ["3THEIR1"])
    run = read_purge_expired()
    assert run.partitions_dropped == []  # the other agency still keeps that day
    assert run.removed_by_agency == {str(agency.pk): 1}
    assert list(Read.objects.values_list("plate", flat=True)) == ["3THEIR1"]
    assert _purged_counts() == {(agency.pk, _local_day(ours.reads[0])): 1}


def test_purge_never_touches_the_access_log(client_for, investigator, camera):
    read = _read_with_image(camera, when=timezone.now() - dt.timedelta(days=29))
    client_for(investigator).get(_image_url(read), PURPOSE)
    read_purge_expired(now=timezone.now() + dt.timedelta(days=5))
    assert not Read.objects.exists()
    assert AccessLogEntry.objects.count() == 1


def test_purge_counts_reads_by_local_day_across_local_midnight(agency, camera, store_reads):
    # A day partition is a UTC day: it holds the end of one local (Pacific) day and the start of the next.
    midnight = timezone.make_aware(dt.datetime.combine(timezone.localdate() - dt.timedelta(days=29), dt.time.min))
    evening, morning = midnight - dt.timedelta(minutes=30), midnight + dt.timedelta(minutes=30)
    assert evening.astimezone(dt.UTC).date() == morning.astimezone(dt.UTC).date()
    store_reads(camera, ["5EVE001"], at=evening, now=evening + dt.timedelta(minutes=5))
    store_reads(camera, ["5MRN001", "5MRN002"], at=morning, now=morning + dt.timedelta(minutes=5))
    read_purge_expired(now=timezone.now() + dt.timedelta(days=5))
    assert not Read.objects.exists()
    assert _purged_counts() == {
        (agency.pk, midnight.date() - dt.timedelta(days=1)): 1,
        (agency.pk, midnight.date()): 2,
    }


def test_purge_counts_what_it_deletes_when_the_retention_boundary_falls_inside_a_day(
    agency, other_agency, camera, store_reads
):
    other_agency.retention_days = 365  # keeps the day partition from being dropped whole
    other_agency.save()
    day = timezone.now().astimezone(dt.UTC).date() - dt.timedelta(days=35)
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)
    early, late = noon - dt.timedelta(hours=2), noon + dt.timedelta(hours=2)
    store_reads(camera, ["6EARLY1"], at=early, now=early + dt.timedelta(minutes=5))
    store_reads(camera, ["6LATE01"], at=late, now=late + dt.timedelta(minutes=5))
    run = read_purge_expired(now=noon + dt.timedelta(days=30))  # the boundary: noon of that day
    assert run.removed_by_agency == {str(agency.pk): 1}
    assert list(Read.objects.values_list("plate", flat=True)) == ["6LATE01"]
    assert _purged_counts() == {(agency.pk, timezone.localdate(early)): 1}
