"""Imports: all or nothing, atomic replacement with counts, every import recorded, API / command / drop folder."""

import datetime as dt
import os
import time

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from agencies.choices import Role
from hotlists.choices import Category, HotlistSource, ImportFormat, ImportOutcome
from hotlists.models import Alert, HotlistEntry, HotlistImport
from hotlists.parsers.clew import CLEW_FOOTER_MISMATCH
from hotlists.parsers.csv import CSV_MISSING_COLUMN
from hotlists.rules import PROHIBITED_REASON
from hotlists.services import hotlist_import, hotlist_import_drop_folder

from .conftest import clew_text, ncic_line

pytestmark = pytest.mark.django_db


def _clew(plates, **kwargs):
    return clew_text([(plate, "CA", "12", "20190515") for plate in plates], **kwargs).encode()


def _plates(hotlist):
    return sorted(hotlist.entries.values_list("plate", flat=True))


def test_clew_import_replaces_the_list_and_counts(hotlist):
    first = hotlist_import(hotlist=hotlist, content=_clew(["AAA111", "BBB222", "CCC333"]), file_name="svs.tbl",
                           file_format=ImportFormat.CLEW)  # fmt: skip
    assert (first.outcome, first.added, first.removed, first.unchanged, first.replace) == ("succeeded", 3, 0, 0, True)
    assert first.header_date.year == 2018 and first.records_read == 3 and len(first.sha256) == 64
    second = hotlist_import(hotlist=hotlist, content=_clew(["BBB222", "CCC333", "DDD444", "DDD444"]),
                            file_name="svs.tbl", file_format=ImportFormat.CLEW)  # fmt: skip
    assert (second.added, second.removed, second.unchanged, second.updated, second.duplicates) == (1, 1, 2, 0, 1)
    assert _plates(hotlist) == ["BBB222", "CCC333", "DDD444"]
    entry = hotlist.entries.get(plate="DDD444")
    expected = ("000444", Category.STOLEN_VEHICLE, dt.date(2019, 5, 15))
    assert (entry.canonical, entry.reason, entry.listed_on) == expected


def test_changed_details_count_as_updated(hotlist):
    hotlist_import(hotlist=hotlist, content=_clew(["AAA111"]), file_name="svs.tbl", file_format=ImportFormat.CLEW)
    changed = clew_text([("AAA111", "CA", "19", "20200101")]).encode()
    record = hotlist_import(hotlist=hotlist, content=changed, file_name="svs.tbl", file_format=ImportFormat.CLEW)
    assert (record.updated, record.unchanged) == (1, 0)
    assert hotlist.entries.get().source_ref == "county 19"


def test_bad_file_is_refused_whole_and_recorded(hotlist):
    hotlist_import(hotlist=hotlist, content=_clew(["AAA111", "BBB222"]), file_name="svs.tbl",
                   file_format=ImportFormat.CLEW)  # fmt: skip
    short = _clew(["AAA111"], count=5)
    record = hotlist_import(hotlist=hotlist, content=short, file_name="svs.tbl", file_format=ImportFormat.CLEW)
    assert record.outcome == ImportOutcome.REFUSED
    assert record.errors == [{"line": 3, "reason": CLEW_FOOTER_MISMATCH.format(expected=5, actual=1)}]
    assert _plates(hotlist) == ["AAA111", "BBB222"]  # the current list stays as it was
    assert HotlistImport.objects.filter(hotlist=hotlist).count() == 2


def test_ncic_import(make_hotlist):
    hotlist = make_hotlist("NCIC", source=HotlistSource.NCIC)
    content = "\n".join([ncic_line("V", plate="AB123456"), ncic_line("P", plate="7PLATE1")]).encode()
    record = hotlist_import(hotlist=hotlist, content=content, file_name="ncic.txt", file_format=ImportFormat.NCIC)
    assert record.added == 2
    assert sorted(hotlist.entries.values_list("plate", "ncic_code", "reason")) == [
        ("7PLATE1", "P", Category.STOLEN_PLATE),
        ("AB123456", "V", Category.STOLEN_VEHICLE),
    ]


def test_csv_import_adds_by_default_and_applies_default_lifetime(make_hotlist, investigator):
    hotlist = make_hotlist("Custom", source=HotlistSource.CUSTOM, default_entry_lifetime=dt.timedelta(days=30))
    hotlist_import(hotlist=hotlist, content=b"plate,state\nAAA111,CA\n", file_name="a.csv",
                   file_format=ImportFormat.CSV, user=investigator)  # fmt: skip
    record = hotlist_import(hotlist=hotlist, content=b"plate,state,expires_at\nBBB222,CA,2031-01-01\n",
                            file_name="b.csv", file_format=ImportFormat.CSV)  # fmt: skip
    assert (record.replace, record.added, record.removed) == (False, 1, 0)
    assert _plates(hotlist) == ["AAA111", "BBB222"]
    first = hotlist.entries.get(plate="AAA111")
    assert first.entered_by == investigator
    assert first.expires_at - timezone.now() > dt.timedelta(days=29)
    assert hotlist.entries.get(plate="BBB222").expires_at.year == 2031


@pytest.mark.parametrize(
    "content,expected",
    [
        (b"vin,state\nAAA111,CA\n", CSV_MISSING_COLUMN.format(column="plate", found="vin, state")),
        (b"plate,state,reason\nAAA111,CA,immigration enforcement\n", PROHIBITED_REASON),
    ],
)
def test_bad_csv_is_refused(make_hotlist, content, expected):
    hotlist = make_hotlist("Custom", source=HotlistSource.CUSTOM)
    record = hotlist_import(hotlist=hotlist, content=content, file_name="x.csv", file_format=ImportFormat.CSV)
    assert record.outcome == ImportOutcome.REFUSED
    assert expected in [error["reason"] for error in record.errors]
    assert not hotlist.entries.exists()


def test_import_finds_earlier_reads(hotlist, camera, store_reads):
    store_reads(camera, ["7ABC123"], plate_state="CA")
    record = hotlist_import(hotlist=hotlist, content=_clew(["7ABC123", "5NOPE12"]), file_name="svs.tbl",
                            file_format=ImportFormat.CLEW)  # fmt: skip
    assert record.historical_alerts == 1
    assert Alert.objects.get().historical
    # Unchanged entries are not checked again on the next day's extract.
    again = hotlist_import(hotlist=hotlist, content=_clew(["7ABC123", "5NOPE12"]), file_name="svs.tbl",
                           file_format=ImportFormat.CLEW)  # fmt: skip
    assert (again.unchanged, again.historical_alerts, Alert.objects.count()) == (2, 0, 1)


def test_entries_removed_by_a_replacement_leave_their_alerts(hotlist, camera, store_reads):
    hotlist_import(hotlist=hotlist, content=_clew(["7ABC123", "5KEEP12"]), file_name="svs.tbl",
                   file_format=ImportFormat.CLEW)  # fmt: skip
    store_reads(camera, ["7ABC123"], plate_state="CA")
    alert = Alert.objects.get()
    record = hotlist_import(hotlist=hotlist, content=_clew(["5KEEP12"]), file_name="svs.tbl",
                            file_format=ImportFormat.CLEW)  # fmt: skip
    assert (record.outcome, record.removed) == (ImportOutcome.SUCCEEDED, 1)
    alert.refresh_from_db()
    assert (alert.entry_id, alert.entry_plate, alert.list_name) == (None, "7ABC123", hotlist.name)


def test_api_import_is_queued_and_its_record_shows_the_outcome(
    hotlist, make_user, client_for, other_agency, make_hotlist, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = make_user(Role.RECORDS_CLERK, username="clerk")
    client = client_for(clerk)
    url = f"/api/v1/hotlists/{hotlist.pk}/import/"
    good = SimpleUploadedFile("svs.tbl", _clew(["AAA111", "BBB222"]))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(url, {"file": good, "format": "clew"}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["outcome"], body["stage"], body["added"]) == ("queued", "waiting", 0)
    assert response["Location"].endswith(f"/api/v1/hotlist-imports/{body['id']}/")
    assert _plates(hotlist) == []  # nothing imported in the request
    for callback in queued:  # the worker (Celery eager here) runs it after commit
        callback()
    record = client.get(response["Location"]).json()
    assert (record["outcome"], record["stage"], record["added"], record["total_lines"]) == ("succeeded", "done", 2, 4)
    assert _plates(hotlist) == ["AAA111", "BBB222"]
    assert not HotlistImport.objects.get(pk=body["id"]).stored_file  # the upload is not kept once imported
    bad = SimpleUploadedFile("svs.tbl", _clew(["AAA111"], count=3))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"file": bad, "format": "clew"}, format="multipart")
    assert response.status_code == 202
    record = client.get(response["Location"]).json()
    assert record["outcome"] == "refused"
    assert record["errors"][0]["reason"] == CLEW_FOOTER_MISMATCH.format(expected=3, actual=1)
    assert _plates(hotlist) == ["AAA111", "BBB222"]
    # An investigator may not import; another agency's list is not even visible.
    investigator = make_user(Role.INVESTIGATOR, username="inv2")
    again = SimpleUploadedFile("svs.tbl", _clew(["AAA111"]))
    assert client_for(investigator).post(url, {"file": again, "format": "clew"}).status_code == 403
    theirs = make_hotlist("Theirs", owner=other_agency)
    again = SimpleUploadedFile("svs.tbl", _clew(["AAA111"]))
    response = client.post(f"/api/v1/hotlists/{theirs.pk}/import/", {"file": again, "format": "clew"})
    assert response.status_code == 404
    response = client.get("/api/v1/hotlist-imports/")
    assert [row["outcome"] for row in response.json()["results"]] == ["refused", "succeeded"]


def test_management_command(hotlist, tmp_path, capsys):
    path = tmp_path / "svs.tbl"
    path.write_bytes(_clew(["AAA111", "BBB222"]))
    call_command("hotlist_import", str(hotlist.pk), str(path), verbosity=0)
    assert _plates(hotlist) == ["AAA111", "BBB222"]
    path.write_bytes(_clew(["AAA111"], count=9))
    with pytest.raises(CommandError, match="Refused"):
        call_command("hotlist_import", f"{hotlist.agency.slug}/{hotlist.name}", str(path), verbosity=0)
    assert HotlistImport.objects.filter(channel="command").count() == 2


def test_drop_folder_job(hotlist, tmp_path):
    hotlist.drop_file_name = "svs.tbl"
    hotlist.save()
    folder = tmp_path / hotlist.agency.slug
    folder.mkdir()
    (folder / "svs.tbl").write_bytes(_clew(["AAA111"]))
    (folder / "unknown.tbl").write_bytes(b"whatever")
    old = time.time() - 120
    os.utime(folder / "svs.tbl", (old, old))
    os.utime(folder / "unknown.tbl", (old, old))
    with override_settings(HOTLIST_DROP_DIR=tmp_path, HOTLIST_DROP_SETTLE_S=30):
        [import_id] = hotlist_import_drop_folder()
    assert HotlistImport.objects.get(pk=import_id).channel == "drop_folder"
    assert _plates(hotlist) == ["AAA111"]
    assert not (folder / "svs.tbl").exists()
    assert len(list((folder / "processed").iterdir())) == 1
    assert (folder / "unknown.tbl").exists()


def test_entries_api(hotlist, make_user, client_for, investigator):
    client = client_for(investigator)
    response = client.post("/api/v1/hotlist-entries/", {"hotlist": hotlist.pk, "plate": "7abc 123", "plate_state": "CA",
                                                        "case_number": "PV-7"})  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["plate"] == "7ABC123"
    refused = client.post("/api/v1/hotlist-entries/", {"hotlist": hotlist.pk, "plate": "8XYZ111",
                                                       "description": "Hold for ICE"})  # fmt: skip
    assert refused.status_code == 400
    assert refused.json()["reason"] == [PROHIBITED_REASON]
    assert client.get("/api/v1/hotlist-entries/?plate=7ABC123").json()["count"] == 1
    assert HotlistEntry.objects.count() == 1
