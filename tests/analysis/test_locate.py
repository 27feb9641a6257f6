"""Likely locations through the API: where and when a plate is most often read."""

import datetime as dt

import pytest
from django.utils import timezone

from reads.analysis.locate import PLATE_NOT_FOUND
from reads.models import AccessLogEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/analysis/locate/"
PLATE = "1LOC001"


@pytest.fixture
def locate_scene(cameras, plant, base_time):
    """Six mornings at A, two at B (60 m from A: the same place), two evenings at C, one read at D."""
    ids = {"A": [], "B": [], "C": [], "D": []}
    for back in range(6):
        ids["A"].append(plant(cameras["A"], PLATE, base_time - dt.timedelta(days=back, minutes=-back)))
    for back in (1, 2):
        ids["B"].append(plant(cameras["B"], PLATE, base_time - dt.timedelta(days=back) + dt.timedelta(minutes=30)))
        ids["C"].append(plant(cameras["C"], PLATE, base_time - dt.timedelta(days=back) + dt.timedelta(hours=10)))
    ids["D"].append(plant(cameras["D"], PLATE, base_time + dt.timedelta(hours=3)))
    plant(cameras["D"], "9OTHER9", base_time)
    return ids


def test_places_ranked_by_reads_with_when(client_for, investigator, cameras, locate_scene, base_time, analysis_body):
    response = client_for(investigator).post(URL, analysis_body(plate=PLATE), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reads"] == 11 and body["count"] == 3
    first, second, third = body["places"]
    assert sorted(c["name"] for c in first["cameras"]) == ["Camera A", "Camera B"]
    assert [c["name"] for c in second["cameras"]] == ["Camera C"]
    assert [c["name"] for c in third["cameras"]] == ["Camera D"]
    assert (first["reads"], second["reads"], third["reads"]) == (8, 2, 1)
    assert first["score"] == pytest.approx(8 / 11, abs=1e-3)
    assert first["peak_hour"] == 8 and second["peak_hour"] == 18
    assert sum(first["by_hour"]) == 8 and first["by_hour"][8] == 8
    assert first["peak_weekday"] == timezone.localtime(base_time).weekday() or sum(first["by_weekday"]) == 8
    assert {r["id"] for r in first["evidence"]} == set(locate_scene["A"] + locate_scene["B"])
    assert body["slots"][0]["place"] == 0 and body["slots"][0]["hour"] == 8
    assert body["days"] == 6
    assert sum(body["by_hour"]) == 11


def test_group_m_zero_keeps_cameras_apart(client_for, investigator, cameras, locate_scene, analysis_body):
    body = client_for(investigator).post(URL, analysis_body(plate=PLATE, group_m=0), format="json").json()
    assert [p["reads"] for p in body["places"]] == [6, 2, 2, 1]


def test_one_access_log_row(client_for, investigator, locate_scene, analysis_body):
    body = client_for(investigator).post(URL, analysis_body(plate=PLATE), format="json").json()
    entry = AccessLogEntry.objects.get()
    assert entry.pk == body["access_log_id"] and entry.query["analysis"] == "locate"
    assert entry.query["plate"] == PLATE and entry.result_count == 3


def test_unknown_plate_is_refused_and_not_logged(client_for, investigator, locate_scene, analysis_body):
    response = client_for(investigator).post(URL, analysis_body(plate="9NOPE99"), format="json")
    assert response.status_code == 400
    assert response.json()["plate"] == [PLATE_NOT_FOUND.format(plate="9NOPE99")]
    assert not AccessLogEntry.objects.exists()


def test_window_is_required(client_for, investigator, locate_scene, analysis_body):
    body = analysis_body(plate=PLATE)
    del body["start"]
    response = client_for(investigator).post(URL, body, format="json")
    assert response.status_code == 400 and "start" in response.json()
    assert not AccessLogEntry.objects.exists()


def test_export(client_for, investigator, locate_scene, analysis_body):
    response = client_for(investigator).post(URL + "export/", analysis_body(plate=PLATE), format="json")
    assert response.status_code == 200
    assert len(response.content.decode().strip().splitlines()) == 1 + 8 + 2 + 1
