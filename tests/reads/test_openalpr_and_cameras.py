import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from reads import openalpr
from reads.models import CAMERA_NEEDS_PUBLIC_COMMENT, Camera, Read
from reads.services import camera_move

pytestmark = pytest.mark.django_db
WEBHOOK = reverse("ingest-openalpr")


@pytest.fixture
def agent_camera(make_camera, agency):
    return make_camera(agency, "Gate 2 agent", agent_uid="X8RmEkBcprSRbF7quG1h", agent_camera_id=1234567)


def _group(**overrides):
    epoch = int((timezone.now() - dt.timedelta(minutes=3)).timestamp() * 1000)
    document = {
        "version": 1,
        "data_type": "alpr_group",
        "epoch_start": epoch,
        "epoch_end": epoch + 800,
        "company_id": "c0ffee",
        "agent_uid": "X8RmEkBcprSRbF7quG1h",
        "camera_id": 1234567,
        "uuids": ["uuid-a", "uuid-b"],
        "best_uuid": "uuid-b",
        "best_plate_number": "6trj244",
        "best_confidence": 91.2,
        "best_region": "us-ca",
        "best_region_confidence": 88,
        "best_plate": {
            "plate": "6TRJ244",
            "confidence": 91.2,
            "region": "us-ca",
            "candidates": [
                {"plate": "6TRJ244", "confidence": 91.2, "matches_template": 1},
                {"plate": "6TRJ24A", "confidence": 72.5, "matches_template": 0},
            ],
        },
        "travel_direction": 182.5,
        "is_parked": False,
        "vehicle": {
            "color": [{"name": "silver-gray", "confidence": 80.1}],
            "make": [{"name": "toyota", "confidence": 77}],
            "make_model": [{"name": "toyota_camry", "confidence": 60}],
            "body_type": [{"name": "sedan-standard", "confidence": 90}],
            "year": [{"name": "2015-2019", "confidence": 40}],
        },
    }
    document.update(overrides)
    return document


def test_alpr_group_becomes_a_read(agency, agent_camera, ingest_client):
    document = _group()
    response = ingest_client(agency).post(WEBHOOK, document, format="json")
    assert response.status_code == 201, response.content
    read = Read.objects.get()
    assert read.plate == "6TRJ244" and read.plate_state == "CA"
    assert read.camera == agent_camera and read.source == "openalpr_agent" and read.source_id == "uuid-b"
    assert read.confidence == pytest.approx(0.912)
    assert read.candidates[1] == {"plate": "6TRJ24A", "confidence": 0.725}
    assert (read.vehicle_make, read.vehicle_model, read.vehicle_type) == ("toyota", "camry", "sedan-standard")
    assert read.vehicle_color == "silver-gray" and read.heading == 182
    replay = ingest_client(agency).post(WEBHOOK, document, format="json")
    assert replay.status_code == 200 and Read.objects.count() == 1


def test_region_mapping():
    assert openalpr.region_to_state("ca") == "CA"
    assert openalpr.region_to_state("us-nv") == "NV"
    assert openalpr.region_to_state("eu-de") == ""
    assert openalpr.region_to_state(None) == ""


def test_heartbeat_marks_the_camera_alive(agency, agent_camera, ingest_client):
    document = {
        "data_type": "heartbeat",
        "agent_uid": "X8RmEkBcprSRbF7quG1h",
        "video_streams": [{"camera_id": 1234567, "fps": 12, "is_streaming": True}],
    }
    response = ingest_client(agency).post(WEBHOOK, document, format="json")
    assert response.json() == {"cameras_alive": 1}
    agent_camera.refresh_from_db()
    assert agent_camera.is_online
    assert not Read.objects.exists()


@pytest.mark.parametrize(
    "overrides,status",
    [
        ({"camera_id": 99}, 400),
        ({"data_type": "alpr_results"}, 400),
        ({"best_plate_number": None}, 400),
        ({"epoch_start": "noon"}, 400),
        ({"best_plate_number": "6TRJ$44"}, 400),
        ({"vehicle_crop_jpeg": "***"}, 400),
    ],
)
def test_bad_webhooks_store_nothing(agency, agent_camera, ingest_client, overrides, status):
    assert ingest_client(agency).post(WEBHOOK, _group(**overrides), format="json").status_code == status
    assert not Read.objects.exists()


def test_webhook_with_a_bad_token_is_refused(api_client, agent_camera):
    api_client.credentials(HTTP_AUTHORIZATION="Token nope.nope")
    assert api_client.post(WEBHOOK, _group(), format="json").status_code == 401
    assert not Read.objects.exists()


def test_camera_cannot_be_activated_before_public_comment(agency):
    agency.public_comment_meeting_on = None
    agency.save()
    camera = Camera(agency=agency, name="New", location=Point(-116.5, 33.8, srid=4326), is_active=True)
    with pytest.raises(ValidationError) as excinfo:
        camera.full_clean()
    assert excinfo.value.message_dict["is_active"] == [CAMERA_NEEDS_PUBLIC_COMMENT]
    camera.is_active = False
    camera.full_clean()


def test_private_entity_camera_needs_no_council_meeting(private_entity):
    private_entity.public_comment_meeting_on = None
    Camera(agency=private_entity, name="Mall", kind="private_shared", is_active=True).full_clean()


def test_camera_moves_are_kept_as_history(camera, investigator):
    home = camera.location
    camera_move(
        camera=camera,
        location=Point(-116.50, 33.80, srid=4326),
        heading=90,
        moved_by=investigator,
        reason="Crime trend",
    )
    camera_move(camera=camera, location=home, heading=0, moved_by=investigator, reason="Back")
    reasons = [move.reason for move in camera.moves.order_by("moved_at")]
    assert reasons == ["Position before the first recorded move", "Crime trend", "Back"]
    assert camera.moves.order_by("moved_at").first().location == home


def test_cameras_of_other_agencies_are_404(client_for, investigator, other_agency, make_camera, camera):
    theirs = make_camera(other_agency, "Theirs")
    client = client_for(investigator)
    assert [c["id"] for c in client.get(reverse("camera-list")).json()["results"]] == [camera.pk]
    assert client.get(reverse("camera-detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("camera-detail", args=[camera.pk])).json()["online"] is False
