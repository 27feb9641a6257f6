"""Vehicle timeline and evidence holds in the console."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from agencies.access import TRAINING_REQUIRED, Scope
from agencies.choices import Role
from console.access import ROLE_NOT_ALLOWED
from console.forms import TIMELINE_NEEDS_FULL_PLATE
from console.maps import read_points
from console.views.holds import HOLD_PICK_READS
from console.views.timeline import gap_text
from reads.models import AccessLogEntry, EvidenceHold, Read
from reads.purpose import CASE_NUMBER_REQUIRED, PURPOSE_REQUIRED
from reads.services import HOLD_READS_NOT_FOUND, RELEASE_NEEDS_REASON, hold_place

from ..sharing.conftest import active_mou
from .conftest import run_search, search_form, text

pytestmark = pytest.mark.django_db


def _timeline(client, **fields):
    body = search_form(plate="7ABC123")
    body.update(fields)
    return client.post("/console/timeline/", body)


def _log_id(response) -> int:
    assert response.status_code == 302, text(response)[:2000]
    return int(response["Location"].rstrip("/").split("/")[-1])


# Timeline -----------------------------------------------------------------------------------------------------------


def test_timeline_lists_reads_oldest_first_with_cameras_and_a_map(
    investigator, signed_in, agency, make_camera, store_reads
):
    start = timezone.now() - dt.timedelta(hours=5)
    north = make_camera(agency, "Palm Canyon northbound", at=(33.8303, -116.5453))
    airport = make_camera(agency, "Airport exit", at=(33.8297, -116.5067))
    store_reads(north, ["7ABC123"], at=start, direction="approaching", heading=10)
    store_reads(airport, ["7ABC123"], at=start + dt.timedelta(minutes=12))
    store_reads(north, ["7ABC123"], at=start + dt.timedelta(hours=2))
    store_reads(north, ["5XYZ999"], at=start)
    client = signed_in(investigator)
    log_id = _log_id(_timeline(client))
    entry = AccessLogEntry.objects.get(pk=log_id)
    assert (entry.action, entry.channel, entry.result_count) == ("timeline", "web", 3)
    page = text(client.get(f"/console/timeline/{log_id}/"))
    first, second, third = (page.index(f"<td>{n}</td>") for n in (1, 2, 3))
    assert first < second < third
    assert page.index("Palm Canyon northbound", first) < page.index("Airport exit", second)
    assert "Approaching (10°)" in page and "12 min" in page and "1 h 48 min" in page
    assert 'data-map="path"' in page and "5XYZ999" not in page
    points = json.loads(page.split('id="timeline-map-points" type="application/json">', 1)[1].split("</script>", 1)[0])
    assert [(p["n"], p["camera"]) for p in points] == [
        (1, "Palm Canyon northbound"), (2, "Airport exit"), (3, "Palm Canyon northbound")
    ]  # fmt: skip
    assert points[1]["lat"] == 33.8297 and points[1]["lon"] == -116.5067


def test_timeline_without_purpose_is_a_form_error_and_not_logged(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"])
    response = _timeline(signed_in(investigator), purpose="", case_number=" ")
    assert response.status_code == 400
    page = text(response)
    assert PURPOSE_REQUIRED in page and CASE_NUMBER_REQUIRED in page
    assert AccessLogEntry.objects.count() == 0


def test_timeline_follows_one_full_plate(investigator, signed_in):
    response = _timeline(signed_in(investigator), plate="7AB*")
    assert response.status_code == 400 and TIMELINE_NEEDS_FULL_PLATE in text(response)
    assert AccessLogEntry.objects.count() == 0


def test_timeline_refuses_an_untrained_user(make_user, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"])
    client = signed_in(make_user(trained=False))
    response = _timeline(client)
    assert response.status_code == 403 and TRAINING_REQUIRED in text(response)
    assert client.get("/console/timeline/").status_code == 403
    assert AccessLogEntry.objects.count() == 0


def test_timeline_shows_partner_reads_under_an_mou_only(
    investigator, signed_in, agency, other_agency, camera, make_camera, store_reads
):
    store_reads(camera, ["7ABC123"])
    store_reads(make_camera(other_agency, "Desert camera"), ["7ABC123"])
    client = signed_in(investigator)
    assert "Desert camera" not in text(client.get(f"/console/timeline/{_log_id(_timeline(client))}/"))
    active_mou(other_agency, agency, scopes=(Scope.SEARCH,))
    page = text(client.get(f"/console/timeline/{_log_id(_timeline(client, attestation='on'))}/"))
    assert "Desert camera" in page and "Partner (MOU)" in page


def test_timeline_from_a_read_detail_keeps_the_statement(investigator, signed_in, camera, read_with_image):
    read = read_with_image(camera, "7ABC123")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123", case_number="PV-26-7777")
    page = text(client.get(f"/console/search/{log_id}/reads/{read.pk}/"))
    assert 'name="case_number" value="PV-26-7777"' in page
    timeline_id = _log_id(
        client.post(
            "/console/timeline/",
            search_form(plate="7ABC123", case_number="PV-26-7777"),
        )
    )
    assert AccessLogEntry.objects.get(pk=timeline_id).case_number == "PV-26-7777"
    # A timeline's reads open their detail (and image view) under the timeline's statement.
    assert client.get(f"/console/search/{timeline_id}/reads/{read.pk}/").status_code == 200
    assert AccessLogEntry.objects.filter(action="image_view", query__search=timeline_id).count() == 1


def test_map_points_are_numbered_in_order_and_skip_reads_without_a_place(agency, camera, make_camera, store_reads):
    nowhere = make_camera(agency, "Mobile unit 3", at=None)
    store_reads(camera, ["7ABC123"])
    store_reads(nowhere, ["7ABC123"])
    reads = list(Read.objects.select_related("camera").order_by("camera__name"))
    points = read_points(reads)
    assert [(p["n"], p["camera"]) for p in points] == [(1, "Main St & 1st Ave northbound")]
    assert read_points([]) == []


def test_gap_text():
    assert gap_text(dt.timedelta(seconds=45)) == "45 s"
    assert gap_text(dt.timedelta(days=2, hours=4, minutes=3)) == "2 d 4 h"


# Holds ----------------------------------------------------------------------------------------------------------------


def test_place_a_hold_on_checked_reads_then_list_and_release_it(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123", "7ABC123", "7ABC123"])
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    page = text(client.get(f"/console/search/{log_id}/"))
    assert 'form="hold-form"' in page and "Place hold" in page
    ids = list(Read.objects.filter(plate="7ABC123").values_list("id", flat=True))[:2]
    response = client.post(
        "/console/holds/place/",
        {"search": log_id, "read_ids": ids, "case_number": "PV-26-0042", "reason": "Burglary suspect vehicle"},
    )
    assert response.status_code == 302 and response["Location"] == "/console/holds/"
    hold = EvidenceHold.objects.get()
    assert sorted(hold.items.values_list("read_id", flat=True)) == sorted(ids)
    assert hold.created_by == investigator
    listing = text(client.get("/console/holds/"))
    assert "PV-26-0042" in listing and "Burglary suspect vehicle" in listing
    assert text(client.get(f"/console/search/{log_id}/")).count(">Held<") == 2
    refused = client.post(f"/console/holds/{hold.pk}/release/", {"reason": " "}, follow=True)
    assert EvidenceHold.objects.get().is_active
    assert "required" in text(refused) or RELEASE_NEEDS_REASON in text(refused)
    client.post(f"/console/holds/{hold.pk}/release/", {"reason": "Case closed"})
    assert not EvidenceHold.objects.get().is_active


def test_a_hold_needs_ticked_reads_of_the_search(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123", "5XYZ999"])
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    body = {"search": log_id, "case_number": "PV-1", "reason": "r"}
    assert HOLD_PICK_READS in text(client.post("/console/holds/place/", body, follow=True))
    outside = Read.objects.get(plate="5XYZ999").pk
    assert HOLD_PICK_READS in text(client.post("/console/holds/place/", {**body, "read_ids": [outside]}, follow=True))
    assert not EvidenceHold.objects.exists()


def test_partner_reads_cannot_be_held_here(investigator, signed_in, agency, other_agency, make_camera, store_reads):
    active_mou(other_agency, agency, scopes=(Scope.SEARCH,))
    store_reads(make_camera(other_agency, "Desert camera"), ["7ABC123"])
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123", attestation="on")
    page = text(client.get(f"/console/search/{log_id}/"))
    assert "Partner (MOU)" in page and 'form="hold-form"' not in page
    theirs = Read.objects.get().pk
    response = client.post(
        "/console/holds/place/",
        {"search": log_id, "read_ids": [theirs], "case_number": "PV-1", "reason": "r"},
        follow=True,
    )
    assert HOLD_READS_NOT_FOUND.format(ids=theirs) in text(response)
    assert not EvidenceHold.objects.exists()


def test_another_agencys_hold_is_404(investigator, signed_in, make_user, other_agency, make_camera, store_reads):
    theirs = make_user(Role.INVESTIGATOR, agency=other_agency, username="ds-inv")
    result = store_reads(make_camera(other_agency, "Theirs"), ["7ABC123"])
    hold = hold_place(user=theirs, agency=other_agency, case_number="DS-1", reason="r", read_ids=[result.reads[0].id])
    client = signed_in(investigator)
    assert "DS-1" not in text(client.get("/console/holds/?show=all"))
    assert client.post(f"/console/holds/{hold.pk}/release/", {"reason": "mine now"}).status_code == 404
    assert EvidenceHold.objects.get().is_active


def test_holds_need_the_role_and_training(officer, make_user, signed_in):
    response = signed_in(officer).get("/console/holds/")
    assert response.status_code == 403 and ROLE_NOT_ALLOWED in text(response)
    response = signed_in(make_user(trained=False, username="lapsed")).get("/console/holds/")
    assert response.status_code == 403 and TRAINING_REQUIRED in text(response)
