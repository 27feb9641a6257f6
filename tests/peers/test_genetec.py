"""Genetec AutoVu: the SharpV HTTP extension (JSON and XML) and the flat webhook."""

import base64
import datetime as dt
import json

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from hotlists.models import Alert
from reads.choices import CameraPeer, DateOrder
from reads.models import Read
from reads.peers.common import DATE_AMBIGUOUS, IMAGE_BAD, TIME_NEEDS_ZONE
from reads.peers.xml import XML_FORBIDDEN

from .conftest import document, document_json, jpeg, nothing_stored

pytestmark = pytest.mark.django_db
URL = reverse("ingest-genetec")


@pytest.fixture
def sharp(peer_camera):
    return peer_camera(CameraPeer.GENETEC, "SharpV North")


@pytest.fixture
def patrol(peer_camera):
    return peer_camera(CameraPeer.GENETEC, "Patrol 12 Left", date_order=DateOrder.MDY)


def test_sharpv_json(camera_client, sharp, listed, found_by_search):
    listed("7ABC123")
    at = timezone.now() - dt.timedelta(minutes=10)
    response = camera_client.post(URL, document_json("genetec_sharpv.json", at=at), format="json")
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.plate_state, read.camera_id, read.vehicle_type, read.direction) == (
        "7ABC123", "CA", sharp.pk, "Sedan", "approaching",
    )  # fmt: skip
    assert read.confidence == pytest.approx(0.91)  # "91" as a string, 0-100
    # Timestamp has no offset: placed in the camera's time zone (Pacific).
    assert abs(read.captured_at - at.replace(microsecond=0)) < dt.timedelta(seconds=1)
    assert default_storage.open(read.image).read() == jpeg() and read.plate_crop
    assert found_by_search("7ABC123") == ["7ABC123"] and Alert.objects.count() == 1


def test_sharpv_xml(camera_client, sharp):
    response = camera_client.post(URL, document("genetec_sharpv.xml"), content_type="application/xml")
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.plate_state, read.direction) == ("7ABC123", "CA", "receding")
    assert read.confidence == pytest.approx(0.91)
    again = camera_client.post(URL, document("genetec_sharpv.xml").replace("<Id>", "<Id>2-"), content_type="text/xml")
    assert again.status_code == 201


def test_flat_webhook_with_slash_dates(camera_client, patrol, found_by_search):
    at = timezone.now() - dt.timedelta(minutes=10)
    body = document_json("genetec_flat.json", at=at, CONFIDENCE="0.87")
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.plate_state, read.vehicle_make, read.vehicle_model, read.vehicle_color) == (
        "7ABC123", "CA", "Toyota", "Camry", "silver",
    )  # fmt: skip
    assert read.confidence == pytest.approx(0.87)  # "0.87": 0-1 as a string
    assert abs(read.captured_at - at.replace(microsecond=0)) < dt.timedelta(seconds=1)
    assert read.location.y == pytest.approx(33.8303)
    retry = camera_client.post(URL, body, format="json")
    assert retry.status_code == 200 and Read.objects.count() == 1
    assert found_by_search("7ABC123") == ["7ABC123"]


def test_local_date_and_time_when_no_utc(camera_client, patrol):
    body = document_json("genetec_flat.json")
    del body["DateUtc"], body["TimeUtc"]
    assert camera_client.post(URL, body, format="json").status_code == 201


def test_ambiguous_date_needs_the_camera_date_order(camera_client, patrol):
    patrol.date_order = ""
    patrol.save()
    body = document_json("genetec_flat.json", DATE_MDY="11/10/2026")
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == DATE_AMBIGUOUS.format(
        field="DateUtc / TimeUtc", value="11/10/2026", camera="Patrol 12 Left"
    )
    assert nothing_stored()


def test_day_month_order(camera_client, patrol):
    patrol.date_order = DateOrder.DMY
    patrol.save()
    at = timezone.now() - dt.timedelta(minutes=10)
    body = document_json("genetec_flat.json", at=at, DATE_MDY=at.strftime("%d/%m/%Y"))
    assert camera_client.post(URL, body, format="json").status_code == 201
    assert Read.objects.get().captured_at.date() == at.astimezone(dt.UTC).date()


def test_time_without_offset_needs_the_camera_time_zone(camera_client, sharp):
    sharp.time_zone = ""
    sharp.save()
    response = camera_client.post(URL, document_json("genetec_sharpv.json"), format="json")
    assert response.status_code == 400 and TIME_NEEDS_ZONE.split("{")[0] in response.json()["detail"]
    assert "SharpV North" in response.json()["detail"] and nothing_stored()


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(PlateRead=""), "PlateRead"),
        (lambda d: d.update(ContextImage="not base64!"), IMAGE_BAD.format(field="ContextImage")),
        (lambda d: d.update(Timestamp="2026-13-45T99:00:00"), "Timestamp"),
        (lambda d: d.update(Timestamp="1899-01-01T00:00:00"), "Timestamp"),
        (lambda d: d.update(LprCameraName="SharpV South", ContextCameraName=""), "SharpV South"),
        (lambda d: d.update(Latitude=123.0), "Latitude"),
    ],
)
def test_bad_sharpv_documents(camera_client, sharp, change, message):
    body = document_json("genetec_sharpv.json")
    change(body)
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()) and nothing_stored()


def test_bad_xml_and_content_types(camera_client, sharp):
    bomb = (
        '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><LprRead><PlateRead>&b;</PlateRead></LprRead>'
    )
    response = camera_client.post(URL, bomb, content_type="application/xml")
    assert response.status_code == 400 and response.json()["detail"] == XML_FORBIDDEN
    response = camera_client.post(URL, "<LprRead><PlateRead>7ABC", content_type="text/xml")
    assert response.status_code == 400 and "malformed" in response.json()["detail"]
    response = camera_client.post(URL, '{"PlateRead": ', content_type="application/json")
    assert response.status_code == 400
    response = camera_client.post(URL, base64.b64encode(b"x"), content_type="application/octet-stream")
    assert response.status_code == 415
    assert nothing_stored()


def test_flat_missing_time(camera_client, patrol):
    body = document_json("genetec_flat.json")
    for name in ("DateUtc", "TimeUtc", "DateLocal", "TimeLocal"):
        del body[name]
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 400 and "DateUtc" in response.json()["detail"] and nothing_stored()


def test_a_list_of_reads(camera_client, sharp, patrol):
    body = [document_json("genetec_sharpv.json"), document_json("genetec_flat.json", PLATE="5XYZ999")]
    response = camera_client.post(URL, body, format="json")
    assert response.status_code == 201 and response.json()["stored"] == 2
    body = [document_json("genetec_sharpv.json", PLATE="6AAA111"), {"PlateRead": ""}]
    assert camera_client.post(URL, body, format="json").status_code == 400 and Read.objects.count() == 2
