"""Hikvision ANPR cameras: multipart anpr.xml and its pictures (any order), or the XML alone; parsed with a
hardened parser."""

import json

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from hotlists.models import Alert
from reads.choices import CameraPeer
from reads.models import Read
from reads.peers.xml import XML_FORBIDDEN

from .conftest import document, jpeg, nothing_stored

pytestmark = pytest.mark.django_db
URL = reverse("ingest-hikvision")
BOUNDARY = "boundary"


def _part(name, data: bytes, content_type, filename=True):
    disposition = f'form-data; name="{name}"' + (f'; filename="{name}"' if filename else "")
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n"
    return head.encode() + f"Content-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n"


def _post(client, xml: str, pictures=None, *, xml_last=False):
    """The camera's own multipart: anpr.xml with a filename, then the pictures (or the pictures first)."""
    parts = [_part(name, data, "image/pjpeg") for name, data in (pictures or {}).items()]
    xml_part = _part("anpr.xml", xml.encode(), 'text/xml; charset="UTF-8"')
    parts = [*parts, xml_part] if xml_last else [xml_part, *parts]
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return client.post(URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


@pytest.fixture
def gate(peer_camera):
    return peer_camera(CameraPeer.HIKVISION, "68:6d:bc:7d:9e:27:1")


def test_event_with_pictures_becomes_a_read(camera_client, gate, listed, found_by_search):
    listed("7ABC123")
    plate_picture, scene = jpeg((0, 0, 0)), jpeg((255, 255, 255))
    response = _post(
        camera_client,
        document("hikvision_anpr.xml"),
        {"licensePlatePicture.jpg": plate_picture, "detectionPicture.jpg": scene},
    )
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert (read.plate, read.camera_id, read.direction, read.vehicle_color) == (
        "7ABC123",
        gate.pk,
        "approaching",
        "white",
    )
    assert read.confidence == pytest.approx(0.91) and read.plate_state == "CA"
    assert read.vehicle_make == ""  # vehicleLogoRecog is a numeric brand code, not a name
    assert read.location.y == pytest.approx(33.8303, abs=1e-4) and read.location.x == pytest.approx(-116.5453, abs=1e-4)
    assert default_storage.open(read.plate_crop).read() == plate_picture
    assert default_storage.open(read.image).read() == scene
    assert found_by_search("7ABC123") == ["7ABC123"] and Alert.objects.count() == 1


def test_pictures_before_the_xml_and_xml_alone(camera_client, gate):
    response = _post(camera_client, document("hikvision_anpr.xml"), {"licensePlatePicture.jpg": jpeg()}, xml_last=True)
    assert response.status_code == 201, response.content
    assert Read.objects.get().plate_crop
    response = camera_client.post(URL, document("hikvision_anpr.xml", PLATE="5XYZ999"), content_type="application/xml")
    assert response.status_code == 201 and Read.objects.count() == 2


def test_a_retransmitted_event_stores_nothing_twice(camera_client, gate):
    xml = document("hikvision_anpr.xml", UUID="4f0a1d9e-0000-4000-8000-000000000001")
    assert _post(camera_client, xml).status_code == 201
    again = _post(camera_client, xml.replace("<isDataRetransmission>false", "<isDataRetransmission>true"))
    assert again.status_code == 200 and Read.objects.count() == 1


def test_camera_mapped_by_channel_name(camera_client, peer_camera):
    camera = peer_camera(CameraPeer.HIKVISION, "gate north")  # matched regardless of case
    assert _post(camera_client, document("hikvision_anpr.xml")).status_code == 201
    assert Read.objects.get().camera_id == camera.pk


def test_time_without_offset_uses_the_camera_time_zone(camera_client, gate):
    xml = document("hikvision_anpr.xml")
    start = xml.index("<dateTime>") + len("<dateTime>")
    naive = xml[start : start + 19]
    xml = xml[:start] + naive + xml[xml.index("</dateTime>") :]
    assert _post(camera_client, xml).status_code == 201
    gate.time_zone = ""
    gate.save()
    response = _post(camera_client, xml.replace("<UUID>", "<UUID>x"))
    assert response.status_code == 400 and "time zone" in response.json()["detail"]


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<EventNotificationAlert><licensePlate>&lol3;</licensePlate></EventNotificationAlert>"""

EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<EventNotificationAlert><ANPR><licensePlate>&xxe;</licensePlate></ANPR></EventNotificationAlert>"""


@pytest.mark.parametrize(
    "xml, message",
    [
        (BOMB, XML_FORBIDDEN),
        (EXTERNAL, XML_FORBIDDEN),
        ("<EventNotificationAlert><ANPR>", "malformed"),
        (document("hikvision_anpr.xml", PLATE="unknown"), "ANPR/licensePlate"),
        (document("hikvision_anpr.xml").replace("<eventType>ANPR", "<eventType>VMD"), "VMD"),
        ("<config><x/></config>", "EventNotificationAlert"),
        (
            document("hikvision_anpr.xml")
            .replace("<dateTime>", "<dateTime>1970-01-01T00:00:00Z<x>", 1)
            .replace("</dateTime>", "</x></dateTime>", 1),
            "dateTime",
        ),
        (document("hikvision_anpr.xml", CONFIDENCE="250"), "confidenceLevel"),
    ],
)
def test_bad_xml_is_refused(camera_client, gate, xml, message):
    response = _post(camera_client, xml, {"licensePlatePicture.jpg": jpeg()})
    assert response.status_code == 400, response.content
    assert message in json.dumps(response.json()) and nothing_stored()


def test_wrong_content_type_and_missing_xml(camera_client, gate):
    assert camera_client.post(URL, {"plate": "7ABC123"}, format="json").status_code == 415
    body = _part("licensePlatePicture.jpg", jpeg(), "image/jpeg") + f"--{BOUNDARY}--\r\n".encode()
    response = camera_client.post(URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")
    assert response.status_code == 400 and "anpr.xml" in response.json()["detail"]
    assert nothing_stored()
