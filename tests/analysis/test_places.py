"""Multiple places through the API: vehicles read at several places, each in its own window."""

import datetime as dt

import pytest
from django.conf import settings

from reads.analysis.places import CAMERAS_NOT_SEARCHABLE, PLACE_NEEDS_WHERE, PLACES_COUNT
from reads.models import AccessLogEntry

from .conftest import SPOTS

pytestmark = pytest.mark.django_db

URL = "/api/v1/analysis/places/"
H = dt.timedelta(hours=1)


@pytest.fixture
def places_scene(cameras, plant, base_time):
    A, C, D = cameras["A"], cameras["C"], cameras["D"]
    day0, day1 = base_time, base_time + dt.timedelta(days=1)
    ids = {
        "1A": plant(A, "2PLC001", day0, vehicle_color="red", vehicle_make="Honda"),
        "1C": plant(C, "2PLC001", day0 + 4 * H),
        "1D": plant(D, "2PLC001", day1 + H),
    }
    plant(A, "2PLC002", day0 + dt.timedelta(minutes=5))
    plant(C, "2PLC002", day0 + 4 * H + dt.timedelta(minutes=5))
    plant(A, "2PLC003", day0 + dt.timedelta(minutes=10))
    plant(C, "2PLC003", day1 + 4 * H)  # outside the second place's window
    plant(D, "2PLC003", day1 + H + dt.timedelta(minutes=10))
    plant(D, "9OTHER9", day1 + H)
    return ids


def places_for(cameras, base_time):
    """Place 0: a point at camera A (radius 30 m, so not B); place 1: camera C chosen; place 2: a point at D."""
    day0, day1 = base_time, base_time + dt.timedelta(days=1)
    a, d = SPOTS["A"], SPOTS["D"]
    return [
        {"latitude": a[0], "longitude": a[1], "radius_m": 30, "start": (day0 - H).isoformat(),
         "end": (day0 + H).isoformat()},
        {"cameras": [cameras["C"].pk], "start": (day0 + 3 * H).isoformat(), "end": (day0 + 5 * H).isoformat()},
        {"near": {"latitude": d[0], "longitude": d[1], "radius_m": 200}, "start": day1.isoformat(),
         "end": (day1 + 2 * H).isoformat()},
    ]  # fmt: skip


def test_the_vehicle_seen_at_every_place_is_found(
    client_for, investigator, cameras, places_scene, base_time, analysis_body
):
    response = client_for(investigator).post(URL, analysis_body(places=places_for(cameras, base_time)), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["plate"], r["plate_state"], r["places_matched"]) for r in body["results"]] == [("2PLC001", "CA", 3)]
    evidence = body["results"][0]["evidence"]
    assert [(e["place"], e["read"]["id"]) for e in evidence] == [
        (0, places_scene["1A"]),
        (1, places_scene["1C"]),
        (2, places_scene["1D"]),
    ]
    entry = AccessLogEntry.objects.get()
    assert entry.query["analysis"] == "places" and len(entry.query["places"]) == 3
    assert entry.result_count == 1 and body["access_log_id"] == entry.pk


def test_min_places_ranks_by_places_matched(client_for, investigator, cameras, places_scene, base_time, analysis_body):
    body = analysis_body(places=places_for(cameras, base_time), min_places=2)
    results = client_for(investigator).post(URL, body, format="json").json()["results"]
    # 2PLC003's read at C falls outside that place's own window, so it matched A and D only.
    assert [(r["plate"], r["places_matched"]) for r in results] == [("2PLC001", 3), ("2PLC002", 2), ("2PLC003", 2)]
    assert [e["place"] for e in results[2]["evidence"]] == [0, 2]
    assert results[0]["score"] == 1.0 and results[1]["score"] == pytest.approx(2 / 3, abs=1e-3)


def test_partial_plate_and_description_narrow_it(
    client_for, investigator, cameras, places_scene, base_time, analysis_body
):
    client = client_for(investigator)
    places = places_for(cameras, base_time)
    body = analysis_body(places=places, min_places=2, plate="2PLC00?")
    assert len(client.post(URL, body, format="json").json()["results"]) == 3
    body = analysis_body(places=places[:1] + places[1:2], min_places=1, vehicle_color="red")
    assert [r["plate"] for r in client.post(URL, body, format="json").json()["results"]] == ["2PLC001"]


@pytest.mark.parametrize("count", [1, 11])
def test_two_to_ten_places(client_for, investigator, cameras, base_time, analysis_body, count):
    place = places_for(cameras, base_time)[1]
    response = client_for(investigator).post(URL, analysis_body(places=[place] * count), format="json")
    assert response.status_code == 400
    assert response.json()["places"] == [PLACES_COUNT.format(min=2, max=10, n=count)]
    assert not AccessLogEntry.objects.exists()


def test_a_radius_over_the_bound_is_refused(client_for, investigator, cameras, base_time, analysis_body):
    places = places_for(cameras, base_time)
    places[0]["radius_m"] = settings.ALPR_SEARCH_RADIUS_MAX_M + 1
    response = client_for(investigator).post(URL, analysis_body(places=places), format="json")
    assert response.status_code == 400
    assert response.json()["places"] == [f"Place 1: A radius is at most {settings.ALPR_SEARCH_RADIUS_MAX_M} meters."]
    assert not AccessLogEntry.objects.exists()


def test_a_place_window_longer_than_allowed_is_refused(client_for, investigator, cameras, base_time, analysis_body):
    places = places_for(cameras, base_time)
    places[1]["start"] = (base_time - dt.timedelta(days=800)).isoformat()
    response = client_for(investigator).post(URL, analysis_body(places=places), format="json")
    assert response.status_code == 400
    [problem] = response.json()["places"]
    assert problem.startswith("Place 2: An analysis window spans at most")
    assert not AccessLogEntry.objects.exists()


def test_a_camera_the_caller_may_not_search_is_named(
    client_for, investigator, cameras, base_time, analysis_body, make_camera, other_agency
):
    theirs = make_camera(other_agency, "Their camera")
    places = places_for(cameras, base_time)
    places[1]["cameras"] = [cameras["C"].pk, theirs.pk]
    response = client_for(investigator).post(URL, analysis_body(places=places), format="json")
    assert response.status_code == 400
    assert response.json()["places"] == ["Place 2: " + CAMERAS_NOT_SEARCHABLE.format(ids=theirs.pk)]
    assert not AccessLogEntry.objects.exists()


def test_a_place_needs_a_point_or_cameras(client_for, investigator, cameras, base_time, analysis_body):
    places = places_for(cameras, base_time)
    places[2] = {"start": places[2]["start"], "end": places[2]["end"]}
    response = client_for(investigator).post(URL, analysis_body(places=places), format="json")
    assert response.status_code == 400
    assert response.json()["places"] == ["Place 3: " + PLACE_NEEDS_WHERE]
    assert not AccessLogEntry.objects.exists()


def test_export_lists_a_row_per_place(client_for, investigator, cameras, places_scene, base_time, analysis_body):
    response = client_for(investigator).post(
        URL + "export/", analysis_body(places=places_for(cameras, base_time)), format="json"
    )
    assert response.status_code == 200
    lines = response.content.decode().strip().splitlines()
    assert len(lines) == 1 + 3
    assert AccessLogEntry.objects.get().action == "export"


def test_radius_may_be_named_radius(client_for, investigator, cameras, places_scene, base_time, analysis_body):
    places = places_for(cameras, base_time)
    places[0]["radius"] = places[0].pop("radius_m")
    response = client_for(investigator).post(URL, analysis_body(places=places), format="json")
    assert [r["plate"] for r in response.json()["results"]] == ["2PLC001"]
