"""Cameras know their peer: peer, external_id (unique per agency and peer), time zone and date order, set in admin
and in the cameras API; a read never creates a camera."""

import pytest
from django.urls import reverse

from agencies.choices import Role
from reads.choices import CameraPeer
from reads.models import CAMERA_PEER_NEEDS_EXTERNAL_ID, CAMERA_TIME_ZONE_UNKNOWN, Camera, FrigateBroker

from .conftest import document_json

pytestmark = pytest.mark.django_db
CAMERAS = reverse("camera-list")


@pytest.fixture
def clerk(make_user):
    return make_user(Role.RECORDS_CLERK, username="clerk")


def test_clerk_creates_and_changes_a_peer_camera_through_the_api(client_for, clerk, agency):
    client = client_for(clerk)
    body = {"name": "HOA gate", "kind": "private_shared", "latitude": 33.83, "longitude": -116.54,
            "peer": "frigate", "external_id": "driveway", "time_zone": "America/Los_Angeles"}  # fmt: skip
    response = client.post(CAMERAS, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["peer"], data["external_id"], data["time_zone"], data["date_order"]) == (
        "frigate", "driveway", "America/Los_Angeles", "",
    )  # fmt: skip
    camera = Camera.objects.get(pk=data["id"])
    assert camera.agency == agency and not camera.is_active
    response = client.patch(reverse("camera-detail", args=[camera.pk]), {"date_order": "dmy"}, format="json")
    assert response.status_code == 200 and response.json()["date_order"] == "dmy"
    listed = client.get(CAMERAS, {"peer": "frigate", "external_id": "driveway"}).json()
    assert [row["id"] for row in listed["results"]] == [camera.pk]


def test_external_id_is_unique_per_agency_and_peer(client_for, clerk, agency, other_agency, make_camera):
    make_camera(agency, "Existing", peer=CameraPeer.FRIGATE, external_id="driveway")
    make_camera(other_agency, "Theirs", peer=CameraPeer.AXIS, external_id="B8A44F3A1C2D")
    client = client_for(clerk)
    base = {"kind": "mobile", "external_id": "driveway"}
    response = client.post(CAMERAS, {**base, "name": "Twin", "peer": "frigate"}, format="json")
    assert response.status_code == 400 and Camera.objects.filter(external_id="driveway").count() == 1
    assert client.post(CAMERAS, {**base, "name": "Genetec", "peer": "genetec"}, format="json").status_code == 201
    other = {"name": "Ours", "kind": "mobile", "peer": "axis", "external_id": "B8A44F3A1C2D"}
    assert client.post(CAMERAS, other, format="json").status_code == 201  # another agency's id is no clash


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"peer": "axis"}, "external_id", CAMERA_PEER_NEEDS_EXTERNAL_ID.format(peer="Axis License Plate Verifier")),
        (
            {"peer": "hikvision", "external_id": "x:1", "time_zone": "Mars/Olympus"},
            "time_zone",
            CAMERA_TIME_ZONE_UNKNOWN.format(value="Mars/Olympus"),
        ),
        ({"peer": "zoneminder", "external_id": "x"}, "peer", None),
        ({"peer": "genetec", "external_id": "x", "date_order": "ydm"}, "date_order", None),
    ],
)
def test_bad_camera_settings_are_refused(client_for, clerk, body, field, message):
    response = client_for(clerk).post(CAMERAS, {"name": "Bad", "kind": "mobile", **body}, format="json")
    assert response.status_code == 400 and field in response.json()
    if message:
        assert response.json()[field] == [message]
    assert not Camera.objects.exists()


def test_peer_fields_in_admin(verified_client, clerk, agency, make_camera):
    camera = make_camera(agency, peer=CameraPeer.GENETEC, external_id="SharpV North", time_zone="America/Los_Angeles")
    page = verified_client(clerk).get(reverse("admin:reads_camera_change", args=[camera.pk]))
    assert page.status_code == 200
    for name in ("peer", "external_id", "time_zone", "date_order"):
        assert f'name="{name}"' in page.content.decode()


def test_frigate_broker_in_admin(verified_client, clerk, agency):
    client = verified_client(clerk)
    form = {"agency": agency.pk, "name": "HOA", "url": "mqtt://hoa.example.org:1883", "topic_prefix": "frigate",
            "mqtt_version": "5", "camera_map": '{"driveway": "hoa-gate"}', "is_active": "on", "username": "u",
            "password": "p"}  # fmt: skip
    response = client.post(reverse("admin:reads_frigatebroker_add"), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    broker = FrigateBroker.objects.get()
    assert broker.camera_map == {"driveway": "hoa-gate"} and broker.session_client_id.startswith("alpr-records-")
    bad = client.post(reverse("admin:reads_frigatebroker_add"), {**form, "name": "Bad", "url": "http://x"})
    assert bad.status_code == 200 and FrigateBroker.objects.count() == 1


def test_a_read_never_creates_a_camera(ingest_client, agency):
    client = ingest_client(agency)
    response = client.post(reverse("ingest-frigate"), document_json("frigate_event_new.json"), format="json")
    assert response.status_code == 400 and "driveway" in response.json()["camera"][0]
    assert not Camera.objects.exists()


def test_cameras_without_custom_headers_send_the_token_as_basic_password_or_in_the_url(api_client, agency, make_camera):
    import base64

    from agencies.choices import TokenPurpose
    from agencies.models import ApiToken
    from tests.factories import UserFactory

    make_camera(agency, peer=CameraPeer.FRIGATE, external_id="driveway")
    account = UserFactory(agency=agency, role=Role.OFFICER, trained=False, username="hik-gate")
    _, secret = ApiToken.issue(user=account, name="gate", purpose=TokenPurpose.INGEST)
    url = reverse("ingest-frigate")
    basic = base64.b64encode(f"camera:{secret}".encode()).decode()
    response = api_client.post(url, document_json("frigate_event_new.json"), format="json",
                               HTTP_AUTHORIZATION=f"Basic {basic}")  # fmt: skip
    assert response.status_code == 201, response.content
    response = api_client.post(f"{url}?token={secret}", document_json("frigate_event_new.json", EVENT_ID="2"),
                               format="json")  # fmt: skip
    assert response.status_code == 201
    wrong = base64.b64encode(b"camera:nope").decode()
    response = api_client.post(url, {}, format="json", HTTP_AUTHORIZATION=f"Basic {wrong}")
    assert response.status_code in (401, 403)
    assert api_client.post(f"{url}?token=nope", {}, format="json").status_code in (401, 403)
