"""The console's Analysis page: reached from a search result and a read, run and logged like a search, results
with their evidence openable, exportable and holdable; bad input is a form error and nothing is logged."""

import datetime as dt

import pytest
from django.utils import timezone

from reads.analysis.convoy import TARGET_NOT_FOUND
from reads.models import AccessLogEntry, EvidenceHold

from .conftest import run_search, search_form, text

pytestmark = pytest.mark.django_db

S = dt.timedelta(seconds=1)


@pytest.fixture
def convoy(agency, make_camera, store_reads):
    """7ABC123 read at two cameras on two days, 8CMP002 beside it each time."""
    north = make_camera(agency, "Palm Canyon northbound", at=(33.8303, -116.5453))
    airport = make_camera(agency, "Airport exit", at=(33.8297, -116.5067))
    now = timezone.now()
    ids = {}
    for camera, at in ((north, now - dt.timedelta(hours=2)), (airport, now - dt.timedelta(days=1, hours=2))):
        ids.setdefault("target", []).append(store_reads(camera, ["7ABC123"], at=at, plate_state="CA").reads[0].id)
        ids.setdefault("companion", []).append(
            store_reads(camera, ["8CMP002"], at=at + 20 * S, plate_state="CA").reads[0].id
        )
    return ids


def _run(client, **fields):
    return client.post("/console/analysis/", search_form(**fields))


def _log_id(response) -> int:
    assert response.status_code == 302, text(response)[:3000]
    return int(response["Location"].rstrip("/").split("/")[-1])


def test_reachable_from_a_result_and_a_read_with_the_statement_filled_in(investigator, signed_in, convoy):
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    results = text(client.get(f"/console/search/{log_id}/"))
    read_id = convoy["target"][0]
    link = f"/console/analysis/?kind=convoy&read={read_id}&from={log_id}"
    assert link in results
    assert f"/console/analysis/?kind=convoy&read={read_id}&from={log_id}" in text(
        client.get(f"/console/search/{log_id}/reads/{read_id}/")
    )
    page = text(client.get(link))
    assert 'value="PV-26-0042"' in page and f'value="{read_id}"' in page
    assert AccessLogEntry.objects.count() == 1  # the search only: opening the form runs nothing


def test_convoy_runs_logged_and_shows_its_evidence(investigator, signed_in, convoy):
    client = signed_in(investigator)
    log_id = _log_id(_run(client, kind="convoy", plate="7ABC123", seconds=60, min_together=2))
    entry = AccessLogEntry.objects.get(pk=log_id)
    assert (entry.action, entry.channel, entry.query["analysis"], entry.result_count) == ("search", "web", "convoy", 1)
    page = text(client.get(f"/console/analysis/{log_id}/"))
    assert "8CMP002" in page and "Together 2 times at 2 cameras" in page
    for read_id in convoy["companion"]:
        assert f"/console/search/{log_id}/reads/{read_id}/" in page
    # An evidence read opens (no image, so nothing more is logged), and leads back to the analysis.
    detail = client.get(f"/console/search/{log_id}/reads/{convoy['companion'][0]}/")
    assert detail.status_code == 200 and f"/console/analysis/{log_id}/" in text(detail)
    # Showing the page again runs nothing again.
    client.get(f"/console/analysis/{log_id}/")
    assert AccessLogEntry.objects.count() == 1


def test_export_is_logged_as_an_export(investigator, signed_in, convoy):
    client = signed_in(investigator)
    log_id = _log_id(_run(client, kind="convoy", plate="7ABC123"))
    response = client.post(f"/console/analysis/{log_id}/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "8CMP002" in response.content.decode()
    export = AccessLogEntry.objects.latest("id")
    assert (export.action, export.channel, export.query["analysis"]) == ("export", "export", "convoy")


def test_evidence_reads_can_be_held(investigator, signed_in, convoy):
    client = signed_in(investigator)
    log_id = _log_id(_run(client, kind="convoy", plate="7ABC123"))
    evidence = convoy["target"] + convoy["companion"]
    response = client.post(
        "/console/holds/place/",
        {"search": log_id, "read_ids": evidence, "case_number": "PV-26-0042", "reason": "Convoy evidence"},
    )
    assert response.status_code == 302 and response["Location"].endswith("/console/holds/")
    assert sorted(EvidenceHold.objects.get().items.values_list("read_id", flat=True)) == sorted(evidence)


def test_places_and_locate_run_from_the_same_page(investigator, signed_in, convoy):
    client = signed_in(investigator)
    places = "33.8303 -116.5453 50\n33.8297 -116.5067 50"
    log_id = _log_id(_run(client, kind="places", places=places))
    page = text(client.get(f"/console/analysis/{log_id}/"))
    assert "7ABC123" in page and "8CMP002" in page and "At 2 places" in page
    log_id = _log_id(_run(client, kind="locate", plate="7ABC123"))
    page = text(client.get(f"/console/analysis/{log_id}/"))
    assert "Palm Canyon northbound" in page and "Airport exit" in page and 'data-map="points"' in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "convoy", "plate": "9NOPE99"}, TARGET_NOT_FOUND.format(plate="9NOPE99")),
        ({"kind": "places", "places": "33.8 -116.5"}, "Line 1:"),
        ({"kind": "places", "places": "33.8 -116.5 100"}, "Give from 2 to 10 places"),
        ({"kind": "convoy", "plate": "7ABC123", "case_number": ""}, "Give the case or incident number"),
    ],
)
def test_bad_input_is_a_form_error_and_not_logged(investigator, signed_in, convoy, fields, message):
    response = _run(signed_in(investigator), **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert not AccessLogEntry.objects.exists()


def test_the_search_form_takes_a_plate_kind(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["TMP8812"], plate_kind="paper")
    store_reads(camera, ["7ABC123"])
    client = signed_in(investigator)
    log_id = run_search(client, plate_kind="paper")
    assert AccessLogEntry.objects.get(pk=log_id).query["plate_kind"] == "paper"
    page = text(client.get(f"/console/search/{log_id}/"))
    assert "TMP8812" in page and "7ABC123" not in page


def test_search_grouped_by_vehicle(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123", "7ABC123", "7ABC123"], vehicle_make="Toyota")
    store_reads(camera, ["7ABO123"], vehicle_make="Toyota")
    store_reads(camera, ["NOPLATE", "NOPLATE"], plate_kind="none", vehicle_make="Toyota", vehicle_color="white")
    client = signed_in(investigator)
    log_id = run_search(client, vehicle_make="Toyota", group_by_vehicle="on")
    entry = AccessLogEntry.objects.get(pk=log_id)
    assert (entry.action, entry.query["group_by"], entry.result_count) == ("search", "vehicle", 3)
    page = text(client.get(f"/console/analysis/{log_id}/"))
    assert "Search results by vehicle" in page
    assert page.index("7ABC123") < page.index("7ABO123") < page.index("none: white Toyota")
    assert "<td>3</td>" in page and "<td>2</td>" in page
