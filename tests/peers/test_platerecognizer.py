"""Plate Recognizer Stream and Snapshot webhooks: JSON, and multipart with the document in `json` and the image
in `upload`."""

import json

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotlists.models import Alert
from reads.choices import CameraPeer
from reads.models import Read
from reads.peers.common import PLATE_MISSING

from .conftest import document, document_json, jpeg, nothing_stored

pytestmark = pytest.mark.django_db
URL = reverse("ingest-platerecognizer")


@pytest.fixture
def cameras(peer_camera):
    return peer_camera(CameraPeer.PLATERECOGNIZER, "camera-1"), peer_camera(CameraPeer.PLATERECOGNIZER, "gate-east")


def test_stream_json_maps_every_field(camera_client, cameras, listed, found_by_search):
    listed("7ABC123")
    response = camera_client.post(URL, document_json("platerecognizer_stream.json"), format="json")
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.plate_state, read.camera_id) == ("7ABC123", "CA", cameras[0].pk)
    assert read.confidence == pytest.approx(0.902)
    assert read.candidates == [{"plate": "7ABC123", "confidence": 0.902}, {"plate": "7A8C123", "confidence": 0.761}]
    assert (read.vehicle_make, read.vehicle_model, read.vehicle_type, read.vehicle_color) == (
        "Toyota", "Corolla", "Sedan", "black",
    )  # fmt: skip
    assert read.direction == "approaching" and read.heading == 210
    assert found_by_search("7ABC123") == ["7ABC123"] and Alert.objects.count() == 1


def test_a_retried_webhook_stores_one_read(camera_client, cameras):
    body = document_json("platerecognizer_stream.json")
    assert camera_client.post(URL, body, format="json").status_code == 201
    retry = camera_client.post(URL, body, format="json")
    assert retry.status_code == 200 and retry.json()["duplicates"] == 1 and Read.objects.count() == 1


def test_multipart_with_the_image(camera_client, cameras):
    image = jpeg()
    response = camera_client.post(
        URL,
        {
            "json": document("platerecognizer_snapshot.json"),
            "upload": SimpleUploadedFile("gate.jpg", image, "image/jpeg"),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.plate_state, read.camera_id, read.vehicle_type) == (
        "7ABC123", "NV", cameras[1].pk, "Pickup Truck",
    )  # fmt: skip
    assert default_storage.open(read.image).read() == image


@pytest.mark.parametrize(
    "body, message",
    [
        ({"upload": SimpleUploadedFile("x.jpg", b"\xff\xd8", "image/jpeg")}, "'json'"),
        ({"json": "{not json"}, "not valid JSON"),
    ],
)
def test_bad_multipart_is_refused(camera_client, cameras, body, message):
    response = camera_client.post(URL, body, format="multipart")
    assert response.status_code == 400 and message in json.dumps(response.json()) and nothing_stored()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["data"].update(results=[]), PLATE_MISSING.format(field="data.results")),
        (lambda d: d["data"]["results"][0].pop("plate"), "data.results[0].plate"),
        (lambda d: d["data"].pop("camera_id"), "data.camera_id"),
        (lambda d: d["data"].update(timestamp="yesterday"), "data.timestamp"),
        (lambda d: d["data"].update(timestamp="1999-01-01T00:00:00Z"), "data.timestamp"),
        (lambda d: d["data"]["results"][0].update(score="0.9x"), "data.results[0].score"),
        (lambda d: d["hook"].update(event="camera.offline"), "camera.offline"),
        (lambda d: d["data"].update(camera_id="camera-9"), "camera-9"),
    ],
)
def test_bad_documents_are_refused(camera_client, cameras, change, message):
    body = document_json("platerecognizer_stream.json")
    change(body)
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()) and nothing_stored()


def test_wrong_content_type(camera_client, cameras):
    response = camera_client.post(URL, "<xml/>", content_type="application/xml")
    assert response.status_code == 415 and nothing_stored()
