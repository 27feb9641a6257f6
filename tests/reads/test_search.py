import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.access import TRAINING_REQUIRED
from agencies.choices import Role
from common.prohibited import IMMIGRATION_ENFORCEMENT_REFUSED
from reads.models import AccessLogEntry
from reads.purpose import (
    CASE_NUMBER_REQUIRED,
    DETAIL_REQUIRED,
    PURPOSE_REQUIRED,
    PURPOSE_UNKNOWN,
    purpose_validate,
)
from reads.search import AGENCIES_NOT_REACHABLE, NEEDS_A_CRITERION, RADIUS_TOO_LARGE, WINDOW_REQUIRED

pytestmark = pytest.mark.django_db
SEARCH = reverse("read-search")


@pytest.fixture
def scene(agency, other_agency, camera, make_camera, store_reads):
    """Reads of our agency at two cameras 9 km apart, and of an unrelated agency."""
    far = make_camera(agency, "Highway 111 eastbound", at=(33.7700, -116.4700))
    store_reads(camera, ["7ABC123", "7ABD123", "8XYZ999"], vehicle_make="Toyota", vehicle_color="white")
    store_reads(far, ["7AB0123"], vehicle_make="Honda", vehicle_type="suv", vehicle_color="black", plate_state="CA")
    store_reads(make_camera(other_agency, "Their cam"), ["7ABC123"])
    return {"near": camera, "far": far}


def _plates(response):
    assert response.status_code == 200, response.content
    return sorted(read["plate"] for read in response.json()["results"])


def test_exact_plate(client_for, investigator, scene, search_body):
    assert _plates(client_for(investigator).post(SEARCH, search_body(plate="7abc123"), format="json")) == ["7ABC123"]


def test_wildcard_plate(client_for, investigator, scene, search_body):
    client = client_for(investigator)
    assert _plates(client.post(SEARCH, search_body(plate="7AB*123"), format="json")) == [
        "7AB0123",
        "7ABC123",
        "7ABD123",
    ]
    assert _plates(client.post(SEARCH, search_body(plate="7AB?123"), format="json")) == [
        "7AB0123",
        "7ABC123",
        "7ABD123",
    ]
    assert _plates(client.post(SEARCH, search_body(plate="*XYZ*"), format="json")) == ["8XYZ999"]


def test_ocr_tolerant_plate(client_for, investigator, scene, search_body):
    # D and 0 are alike to OCR; C is not.
    response = client_for(investigator).post(SEARCH, search_body(plate="7ABO123", fuzzy=True), format="json")
    assert _plates(response) == ["7AB0123", "7ABD123"]


def test_vehicle_description(client_for, investigator, scene, search_body):
    client = client_for(investigator)
    assert _plates(client.post(SEARCH, search_body(vehicle_make="honda"), format="json")) == ["7AB0123"]
    assert _plates(client.post(SEARCH, search_body(vehicle_type="SUV", vehicle_color="black"), format="json")) == [
        "7AB0123"
    ]
    assert _plates(client.post(SEARCH, search_body(vehicle_color="white", plate="8X*"), format="json")) == ["8XYZ999"]


def test_state_and_cameras(client_for, investigator, scene, search_body):
    client = client_for(investigator)
    body = search_body(plate="7AB*", plate_state="CA")
    assert _plates(client.post(SEARCH, body, format="json")) == ["7AB0123"]
    body = search_body(cameras=[scene["near"].pk])
    assert _plates(client.post(SEARCH, body, format="json")) == ["7ABC123", "7ABD123", "8XYZ999"]


def test_area(client_for, investigator, scene, search_body):
    near = {"latitude": 33.8300, "longitude": -116.5450, "radius_m": 500}
    assert _plates(client_for(investigator).post(SEARCH, search_body(near=near), format="json")) == [
        "7ABC123",
        "7ABD123",
        "8XYZ999",
    ]


def test_time_window(client_for, investigator, scene, search_body):
    now = timezone.now()
    body = search_body(plate="7ABC123", start=(now - dt.timedelta(minutes=5)).isoformat())
    assert _plates(client_for(investigator).post(SEARCH, body, format="json")) == []


def test_results_are_newest_first_and_paginated(client_for, investigator, camera, store_reads, search_body):
    store_reads(camera, [f"5PQR{n:03d}" for n in range(7)], step=dt.timedelta(seconds=10))
    client = client_for(investigator)
    first = client.post(SEARCH, search_body(plate="5PQR*", page_size=5), format="json").json()
    second = client.post(SEARCH, search_body(plate="5PQR*", page_size=5, page=2), format="json").json()
    assert first["count"] == 7
    times = [read["captured_at"] for read in first["results"] + second["results"]]
    assert times == sorted(times, reverse=True)
    assert len(second["results"]) == 2


def test_other_agencies_reads_are_invisible(client_for, investigator, scene, search_body, other_agency):
    response = client_for(investigator).post(SEARCH, search_body(plate="7ABC123"), format="json")
    assert {read["agency_id"] for read in response.json()["results"]} == {investigator.membership.agency_id}
    # Naming an agency the caller cannot reach is a 400 naming it, not "no results" (issue #20), and not logged.
    logged = AccessLogEntry.objects.count()
    own = investigator.membership.agency_id
    response = client_for(investigator).post(
        SEARCH, search_body(plate="7ABC123", agencies=[own, other_agency.pk, 999999]), format="json"
    )
    assert response.status_code == 400
    assert response.json()["agencies"] == [AGENCIES_NOT_REACHABLE.format(ids=f"{other_agency.pk}, 999999")]
    assert AccessLogEntry.objects.count() == logged
    response = client_for(investigator).post(SEARCH, search_body(plate="7ABC123", agencies=[own]), format="json")
    assert response.status_code == 200 and response.json()["results"]


def test_an_unknown_purpose_lists_the_valid_ones(client_for, investigator, scene, search_body):
    response = client_for(investigator).post(SEARCH, search_body(plate="7ABC123", purpose="curiosity"), format="json")
    assert response.status_code == 400
    message = response.json()["purpose"][0]
    assert "curiosity" in message and "criminal_investigation" in message and "stolen_vehicle" in message
    assert "hotlist_alert" not in message  # recorded by the system, never stated
    with pytest.raises(ValidationError) as refused:
        purpose_validate(purpose="curiosity", case_number="PV-1")
    assert refused.value.message_dict["purpose"] == [PURPOSE_UNKNOWN.format(input="curiosity")]


@pytest.mark.parametrize(
    "change,field,message",
    [
        ({"purpose": ""}, "purpose", PURPOSE_REQUIRED),
        ({"case_number": ""}, "case_number", CASE_NUMBER_REQUIRED),
        ({"purpose": "other", "purpose_detail": ""}, "purpose_detail", DETAIL_REQUIRED),
        (
            {"purpose": "other", "purpose_detail": "ICE detainer request"},
            "purpose_detail",
            IMMIGRATION_ENFORCEMENT_REFUSED,
        ),
        ({"start": None, "end": None}, "start", WINDOW_REQUIRED),
        ({"plate": "", "near": None}, "non_field_errors", NEEDS_A_CRITERION),
    ],
)
def test_search_is_refused_without_purpose_case_and_window(
    client_for, investigator, scene, search_body, change, field, message
):
    body = {key: value for key, value in {**search_body(plate="7ABC123"), **change}.items() if value is not None}
    response = client_for(investigator).post(SEARCH, body, format="json")
    assert response.status_code == 400
    assert message in response.json()[field]
    assert "results" not in response.json()
    assert AccessLogEntry.objects.count() == 0


def test_radius_too_large_is_refused(client_for, investigator, search_body):
    body = search_body(near={"latitude": 33.8, "longitude": -116.5, "radius_m": 500_000})
    response = client_for(investigator).post(SEARCH, body, format="json")
    assert response.status_code == 400
    assert response.json()["near"] == [RADIUS_TOO_LARGE.format(max=50000)]
    assert AccessLogEntry.objects.count() == 0


def test_each_search_writes_one_access_log_row(client_for, investigator, scene, search_body):
    client = client_for(investigator)
    response = client.post(
        SEARCH, search_body(plate="7AB*123", purpose="stolen_vehicle", case_number="PV-26-77"), format="json"
    )
    entry = AccessLogEntry.objects.get()
    assert entry.pk == response.json()["access_log_id"]
    assert entry.user == investigator and entry.username == investigator.username
    assert entry.agency == investigator.membership.agency
    assert entry.agencies_searched == [investigator.membership.agency_id]
    assert entry.action == "search" and entry.channel == "api"
    assert entry.purpose == "stolen_vehicle" and entry.case_number == "PV-26-77"
    assert entry.query["plate"] == "7AB*123" and "start" in entry.query
    assert entry.result_count == 3
    assert entry.oldest_result_at is not None
    assert entry.client_address == "127.0.0.1"
    client.post(SEARCH, search_body(plate="7ABC123"), format="json")
    assert AccessLogEntry.objects.count() == 2


def test_search_needs_the_search_permission(make_user, client_for, scene, search_body):
    clerk = make_user(Role.RECORDS_CLERK)
    assert client_for(clerk).post(SEARCH, search_body(plate="7ABC123"), format="json").status_code == 403
    assert AccessLogEntry.objects.count() == 0


def test_untrained_user_cannot_search(make_user, client_for, scene, search_body):
    response = client_for(make_user(trained=False)).post(SEARCH, search_body(plate="7ABC123"), format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == TRAINING_REQUIRED


def test_search_query_count_is_bounded(client_for, investigator, scene, search_body, django_assert_max_num_queries):
    client = client_for(investigator)
    with django_assert_max_num_queries(15):  # 14, and the agency's own prohibited-purpose terms
        client.post(SEARCH, search_body(plate="7AB*"), format="json")


def test_area_finds_mobile_reads_and_reads_of_a_camera_since_moved(
    client_for, investigator, agency, camera, make_camera, store_reads, search_body
):
    from django.contrib.gis.geos import Point

    from reads.services import camera_move

    car = make_camera(agency, "Unit 7", kind="mobile", at=None)
    store_reads(car, ["6MOB001"], latitude=33.8301, longitude=-116.5452)
    store_reads(car, ["6MOB002"], latitude=33.9000, longitude=-116.4000)
    store_reads(camera, ["6FIX001"])
    camera_move(camera=camera, location=Point(-116.40, 33.70, srid=4326), heading=0, moved_by=investigator)
    store_reads(camera, ["6FIX002"], at=timezone.now() - dt.timedelta(minutes=10))  # at the new place
    near = {"latitude": 33.8303, "longitude": -116.5453, "radius_m": 300}
    assert _plates(client_for(investigator).post(SEARCH, search_body(near=near), format="json")) == [
        "6FIX001",
        "6MOB001",
    ]
