"""Frigate over HTTP: frigate/events (new / update / end) and tracked_object_update (lpr) documents."""

import json

import pytest
from django.urls import reverse

from hotlists.models import Alert
from reads.choices import CameraPeer
from reads.models import Read
from reads.peers.common import CONFIDENCE_BAD, PLATE_MISSING, TIME_RANGE
from reads.peers.ingest import INACTIVE_CAMERA, UNKNOWN_CAMERA

from .conftest import document, document_json, nothing_stored

pytestmark = pytest.mark.django_db
URL = reverse("ingest-frigate")


@pytest.fixture
def driveway(peer_camera):
    return peer_camera(CameraPeer.FRIGATE, "driveway")


def _post(client, body):
    return client.post(URL, body, format="json")


def test_event_stores_a_read_found_by_search_and_alerted(camera_client, driveway, listed, found_by_search):
    entry = listed("7ABC123")
    response = _post(camera_client, document_json("frigate_event_new.json"))
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.camera_id, read.source) == ("7ABC123", driveway.pk, "frigate")
    assert read.confidence == pytest.approx(0.91) and read.vehicle_type == "car"
    assert read.source_id.startswith("frigate:driveway:")
    assert found_by_search("7ABC123") == ["7ABC123"]
    assert Alert.objects.get().entry_id == entry.pk and response.json()["alerts"] == 1


def test_new_update_end_and_lpr_update_of_one_object_store_one_read(camera_client, driveway, listed):
    listed("7ABC128")
    at_id = {"EVENT_ID": "1764500000.475377-mxklsc"}
    first = _post(camera_client, document_json("frigate_event_new.json", PLATE="7XBC12", SCORE=0.62, **at_id))
    assert first.status_code == 201
    worse = _post(camera_client, document_json("frigate_event_new.json", PLATE="7XBC1", SCORE=0.41, **at_id))
    assert worse.status_code == 200 and worse.json()["stored"] == 0
    assert Read.objects.get().plate == "7XBC12"  # the better reading stays
    better = document_json("frigate_event_new.json", PLATE="7ABC128", SCORE=0.88, **at_id)
    better["type"] = "update"
    response = _post(camera_client, better)
    assert response.status_code == 200 and response.json()["updated"] == 1, response.content
    assert response.json()["alerts"] == 1
    lpr = _post(camera_client, document_json("frigate_lpr_update.json", PLATE="7ABC128", SCORE=0.97, **at_id))
    assert lpr.status_code == 200 and lpr.json()["alerts"] == 0
    end = _post(camera_client, document_json("frigate_event_end.json", PLATE="7ABC128", SCORE=0.97, **at_id))
    assert end.status_code == 200
    read = Read.objects.get()
    assert (read.plate, read.confidence) == ("7ABC128", pytest.approx(0.97))
    assert Alert.objects.count() == 1  # one alert per pass, however many messages improve it


def test_an_improved_reading_is_matched_again(camera_client, driveway, listed):
    listed("7ABC123")
    ids = {"EVENT_ID": "1764500001.1-abcdef"}
    assert (
        _post(camera_client, document_json("frigate_event_new.json", PLATE="7ABC12", SCORE=0.5, **ids)).json()["alerts"]
        == 0
    )
    response = _post(camera_client, document_json("frigate_lpr_update.json", PLATE="7ABC123", SCORE=0.9, **ids))
    assert response.json()["alerts"] == 1 and Alert.objects.get().plate == "7ABC123"
    assert Read.objects.get().plate == "7ABC123"


def test_missing_score_is_kept_as_none(camera_client, driveway):
    body = document_json("frigate_event_new.json")
    del body["after"]["recognized_license_plate_score"]
    assert _post(camera_client, body).status_code == 201
    assert Read.objects.get().confidence is None


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda d: d["after"].pop("recognized_license_plate"),
            PLATE_MISSING.format(field="after.recognized_license_plate"),
        ),
        (lambda d: d["after"].update(recognized_license_plate=""), "after.recognized_license_plate"),
        (lambda d: d["after"].update(start_time=1e300), TIME_RANGE.format(field="after.start_time", value=1e300)),
        (lambda d: d["after"].update(start_time=5.0), "after.start_time"),
        (lambda d: d["after"].update(recognized_license_plate_score="high"), CONFIDENCE_BAD.split("{")[0]),
        (lambda d: d["after"].update(recognized_license_plate_score=3.5), "recognized_license_plate_score"),
        (lambda d: d.update(type="snapshot"), "'snapshot'"),
        (lambda d: d["after"].pop("camera"), "after.camera"),
    ],
)
def test_bad_documents_are_refused_naming_the_problem(camera_client, driveway, change, message):
    body = document_json("frigate_event_new.json")
    change(body)
    response = _post(camera_client, body)
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json())
    assert nothing_stored()


def test_future_time_is_refused(camera_client, driveway):
    import datetime as dt

    from django.utils import timezone

    body = document_json("frigate_event_new.json", at=timezone.now() + dt.timedelta(hours=2))
    response = _post(camera_client, body)
    assert response.status_code == 400 and "captured_at" in json.dumps(response.json()) and nothing_stored()


def test_wrong_content_type_and_malformed_json(camera_client, driveway):
    text = document("frigate_event_new.json")
    response = camera_client.post(URL, text, content_type="text/plain")
    assert response.status_code == 415 and "text/plain" in response.json()["detail"]
    response = camera_client.post(URL, text[:-20], content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]
    assert camera_client.post(URL, [1, 2], format="json").status_code == 400
    assert nothing_stored()


def test_unknown_and_inactive_cameras_are_refused_naming_the_identifier(camera_client, driveway):
    body = document_json("frigate_event_new.json")
    body["after"]["camera"] = "back_yard"
    response = _post(camera_client, body)
    assert response.status_code == 400
    assert response.json()["camera"] == [UNKNOWN_CAMERA.format(peer="Frigate NVR", identifier="back_yard")]
    driveway.is_active = False
    driveway.save()
    response = _post(camera_client, document_json("frigate_event_new.json"))
    assert response.status_code == 400
    assert response.json()["camera"] == [
        INACTIVE_CAMERA.format(peer="Frigate NVR", identifier="driveway", name=driveway.name)
    ]
    assert nothing_stored()


def test_needs_an_ingest_token(api_client, driveway):
    assert api_client.post(URL, document_json("frigate_event_new.json"), format="json").status_code == 401


def test_a_pass_that_raised_an_alert_raises_no_second_one(camera_client, driveway, listed):
    """Both readings are listed: the pass alerted on the first, and the better second reading adds no alert."""
    listed("7ABC12")
    listed("7ABC123")
    ids = {"EVENT_ID": "1764500002.2-ghijkl"}
    first = _post(camera_client, document_json("frigate_event_new.json", PLATE="7ABC12", SCORE=0.5, **ids))
    assert first.json()["alerts"] == 1
    better = _post(camera_client, document_json("frigate_lpr_update.json", PLATE="7ABC123", SCORE=0.95, **ids))
    assert better.status_code == 200 and better.json()["updated"] == 1 and better.json()["alerts"] == 0
    assert Read.objects.get().plate == "7ABC123" and Alert.objects.count() == 1
