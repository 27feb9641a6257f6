"""Vehicle description search: grouped by vehicle, plate kind, model, and OCR-tolerant ranked partial plates."""

import datetime as dt

import pytest

from reads.analysis.vehicles import confusions
from reads.models import AccessLogEntry
from reads.search import PLATE_KIND_UNKNOWN

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reads/search/"
M = dt.timedelta(minutes=1)


@pytest.fixture
def vehicles(cameras, plant, base_time):
    A, C = cameras["A"], cameras["C"]
    for n in range(3):
        plant(A, "7D3X111", base_time + n * M, vehicle_make="Toyota", vehicle_model="Tacoma", vehicle_type="pickup")
    plant(C, "7D3X111", base_time + 10 * M, vehicle_make="Toyota", vehicle_model="Tacoma", vehicle_type="pickup")
    for n in range(5):  # read more often than the plate as typed, yet ranked after it
        plant(A, "703X222", base_time + (15 + n) * M, vehicle_make="Toyota", vehicle_model="Tacoma",
              vehicle_type="pickup")  # fmt: skip
    plant(A, "7O3X333", base_time + 21 * M, vehicle_make="Honda", vehicle_model="Civic", vehicle_type="sedan")
    plant(A, "6D3X444", base_time + 22 * M, vehicle_make="Toyota", vehicle_model="Tacoma", vehicle_type="pickup")
    # Unplated (ingest takes a placeholder text for a read with no plate): one white pickup twice at A, once at C.
    for n in range(2):
        plant(A, "NOPLATE", base_time + (30 + n) * M, plate_kind="none", vehicle_make="Toyota", vehicle_type="pickup",
              vehicle_color="white", plate_state="")  # fmt: skip
    plant(C, "NOPLATE", base_time + 40 * M, plate_kind="none", vehicle_make="Toyota", vehicle_type="pickup",
          vehicle_color="white", plate_state="")  # fmt: skip
    plant(A, "TMP8812", base_time + 41 * M, plate_kind="paper", vehicle_make="Ford", vehicle_color="blue")


def test_grouped_by_vehicle_one_row_per_plate(client_for, investigator, vehicles, search_body):
    body = search_body(vehicle_make="Toyota", group_by="vehicle")
    response = client_for(investigator).post(SEARCH, body, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    plates = [(r["kind"], r["plate"], r["count"]) for r in results if r["kind"] == "plate"]
    assert plates == [("plate", "703X222", 5), ("plate", "7D3X111", 4), ("plate", "6D3X444", 1)]
    described = [r for r in results if r["kind"] == "description"]
    assert sorted((r["camera_name"], r["count"]) for r in described) == [("Camera A", 2), ("Camera C", 1)]
    assert all(r["vehicle_color"] == "white" and r["plate_kind"] == "none" for r in described)
    first = results[0]
    assert first["last_seen"] and first["first_seen"] and first["last_read_id"]
    entry = AccessLogEntry.objects.get()
    assert entry.query["group_by"] == "vehicle" and entry.result_count == len(results) == 5


def test_plate_kind_is_a_criterion(client_for, investigator, vehicles, search_body):
    client = client_for(investigator)
    paper = client.post(SEARCH, search_body(plate_kind="paper"), format="json").json()["results"]
    assert [r["plate"] for r in paper] == ["TMP8812"]
    none = client.post(SEARCH, search_body(plate_kind="none"), format="json").json()["results"]
    assert len(none) == 3 and {r["plate_kind"] for r in none} == {"none"}
    bad = client.post(SEARCH, search_body(plate_kind="stolen"), format="json")
    assert bad.status_code == 400
    assert bad.json()["plate_kind"] == [PLATE_KIND_UNKNOWN.format(choices="full, partial, paper, none")]


def test_model_is_a_criterion(client_for, investigator, vehicles, search_body):
    body = search_body(vehicle_model="civic", group_by="vehicle")
    results = client_for(investigator).post(SEARCH, body, format="json").json()["results"]
    assert [r["plate"] for r in results] == ["7O3X333"]


def test_ocr_tolerant_partial_plate_offers_confusions_ranked(client_for, investigator, vehicles, search_body):
    client = client_for(investigator)
    plain = client.post(SEARCH, search_body(plate="7D3*", group_by="vehicle"), format="json").json()["results"]
    assert [r["plate"] for r in plain] == ["7D3X111"]
    body = search_body(plate="7D3*", fuzzy=True, group_by="vehicle")
    results = client.post(SEARCH, body, format="json").json()["results"]
    # The plate as typed first, then those read with one confusion (D/O/0), most reads then last seen first;
    # 6D3X444 is no match.
    assert [(r["plate"], r["confusions"]) for r in results] == [("7D3X111", 0), ("703X222", 1), ("7O3X333", 1)]
    reads = client.post(SEARCH, search_body(plate="7D?X*", fuzzy=True), format="json").json()["results"]
    assert {r["plate"] for r in reads} == {"7D3X111", "703X222", "7O3X333"}


def test_confusions_count_only_confusable_differences():
    assert confusions("7D3X111", "7D3*") == 0
    assert confusions("703X222", "7D3*") == 1
    assert confusions("7O3X333", "7D?X*") == 1
    assert confusions("7ABO123", "7AB0123") == 1
