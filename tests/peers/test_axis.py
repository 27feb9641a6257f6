"""Axis License Plate Verifier: multipart `event` (JSON) and `image`, one read per car (carID) however many of its
new / update / lost events arrive."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from django.urls import reverse

from hotlists.models import Alert
from reads.choices import CameraPeer
from reads.models import Read
from reads.peers.common import TIME_NEEDS_ZONE

from .conftest import document, document_json, jpeg, nothing_stored

pytestmark = pytest.mark.django_db
URL = reverse("ingest-axis")


@pytest.fixture
def lpv(peer_camera):
    return peer_camera(CameraPeer.AXIS, "B8A44F3A1C2D")


def _multipart(client, event: str, image: bytes | None = None, *, image_first=False, event_as_file=True):
    parts = []
    event_part = SimpleUploadedFile("event.json", event.encode(), "application/json") if event_as_file else event
    if image is not None:
        parts.append(("image", SimpleUploadedFile("image.jpg", image, "image/jpeg")))
    parts.insert(0 if not image_first else len(parts), ("event", event_part))
    body = encode_multipart("BoUnDaRy", dict(parts))
    return client.post(URL, body, content_type="multipart/form-data; boundary=BoUnDaRy")


def test_event_and_image_become_a_read(camera_client, lpv, listed, found_by_search):
    listed("7ABC123")
    image = jpeg()
    response = _multipart(camera_client, document("axis_event.json"), image)
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.camera_id, read.direction, read.plate_state) == ("7ABC123", lpv.pk, "approaching", "")
    assert read.confidence == pytest.approx(0.91)  # sent as the string "0.91"
    assert read.location.y == pytest.approx(33.8303) and read.location.x == pytest.approx(-116.5453)
    assert default_storage.open(read.image).read() == image
    assert found_by_search("7ABC123") == ["7ABC123"] and Alert.objects.count() == 1


def test_parts_in_any_order_and_the_event_as_a_field(camera_client, lpv):
    response = _multipart(camera_client, document("axis_event.json"), jpeg(), image_first=True, event_as_file=False)
    assert response.status_code == 201, response.content
    assert Read.objects.get().image


def test_new_update_lost_of_one_car_store_one_read(camera_client, lpv, listed):
    listed("7ABC123")
    for state, plate, confidence in (("new", "7A8C12", "45"), ("update", "7ABC123", "88"), ("lost", "7ABC123", "71")):
        response = _multipart(
            camera_client,
            document("axis_event.json", CAR_STATE=state, PLATE=plate, CONFIDENCE_TEXT=confidence),
        )
        assert response.status_code in (200, 201), response.content
    read = Read.objects.get()
    assert (read.plate, read.confidence) == ("7ABC123", pytest.approx(0.88))  # 0-100 strings too
    assert Alert.objects.count() == 1
    assert _multipart(camera_client, document("axis_event.json", CAR_ID="13")).status_code == 201  # another car
    assert Read.objects.count() == 2


def test_local_datetime_needs_the_camera_time_zone(camera_client, lpv):
    body = document_json("axis_event.json")
    del body["capture_timestamp"]
    assert _multipart(camera_client, json.dumps(body)).status_code == 201
    Read.objects.all().delete()
    lpv.time_zone = ""
    lpv.save()
    response = _multipart(camera_client, json.dumps(body))
    assert response.status_code == 400
    assert TIME_NEEDS_ZONE.split("{")[0] in response.json()["detail"] and "B8A44F3A1C2D" in response.json()["detail"]


def test_event_as_json_body(camera_client, lpv):
    assert camera_client.post(URL, document_json("axis_event.json"), format="json").status_code == 201


@pytest.mark.parametrize(
    "event, message",
    [
        ("{broken", "not valid JSON"),
        (
            json.dumps(
                {
                    **json.loads(document("axis_event.json")),
                    "plateText": "",
                    "plateUTF8": "",
                    "plateUnicode": "",
                    "plateASCII": "",
                }
            ),
            "plateText",
        ),
        (
            json.dumps({**json.loads(document("axis_event.json")), "capture_timestamp": "99999999999999999"}),
            "capture_timestamp",
        ),
        (json.dumps({**json.loads(document("axis_event.json")), "camera_info": {}}), "SerialNumber"),
        (json.dumps({**json.loads(document("axis_event.json")), "plateConfidence": "n/a"}), "plateConfidence"),
    ],
)
def test_bad_events_are_refused(camera_client, lpv, event, message):
    response = _multipart(camera_client, event, jpeg())
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()) and nothing_stored()


def test_missing_event_part_and_wrong_content_type(camera_client, lpv):
    body = encode_multipart("B", {"image": SimpleUploadedFile("image.jpg", jpeg(), "image/jpeg")})
    response = camera_client.post(URL, body, content_type="multipart/form-data; boundary=B")
    assert response.status_code == 400 and "'event'" in json.dumps(response.json())
    assert camera_client.post(URL, "plate=7ABC123", content_type="text/plain").status_code == 415
    assert nothing_stored()


def test_a_worse_message_keeps_the_stored_image_and_fills_in_a_missing_one(camera_client, lpv):
    first, second, third = jpeg((10, 10, 10)), jpeg((250, 250, 250)), jpeg((10, 250, 10))
    assert _multipart(camera_client, document("axis_event.json", CONFIDENCE_TEXT="0.9"), None).status_code == 201
    assert not Read.objects.get().image
    _multipart(camera_client, document("axis_event.json", CAR_STATE="update", CONFIDENCE_TEXT="0.5"), first)
    assert default_storage.open(Read.objects.get().image).read() == first  # filled in, though worse
    _multipart(camera_client, document("axis_event.json", CAR_STATE="update", CONFIDENCE_TEXT="0.6"), second)
    assert default_storage.open(Read.objects.get().image).read() == first  # worse again: kept
    _multipart(camera_client, document("axis_event.json", CAR_STATE="lost", CONFIDENCE_TEXT="0.95"), third)
    assert default_storage.open(Read.objects.get().image).read() == third  # the best reading's image
