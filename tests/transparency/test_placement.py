"""Camera placement: a residential placement is temporary (an end date and the crime trend it answers), refused
otherwise in the model, the service, the admin, the API and the database; clerks are reminded when it ends; the
portal counts active, planned and temporarily relocated cameras and never shows where."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from reads.choices import CameraPlacement
from reads.models import (
    CAMERA_RESIDENTIAL_NEEDS_END,
    CAMERA_RESIDENTIAL_NEEDS_TREND,
    Camera,
    CameraPlacementNotice,
)
from reads.placement import camera_placement_set
from reads.tasks import camera_placement_reminders
from transparency.program_models import ProgramFacts

pytestmark = pytest.mark.django_db

TREND = "Catalytic converter thefts around Oak Street"
SECRET_NAME = "Oak St & 5th residential pole"


@pytest.fixture
def cam(agency):
    return Camera.objects.create(
        agency=agency, name=SECRET_NAME, location=Point(-116.53, 33.81, srid=4326), is_active=True
    )


def _later(days=30):
    return timezone.localdate() + dt.timedelta(days=days)


def test_the_model_refuses_a_permanent_residential_placement(cam):
    cam.placement = CameraPlacement.RESIDENTIAL
    with pytest.raises(ValidationError) as error:
        cam.full_clean()
    assert error.value.message_dict["placement_ends_on"] == [CAMERA_RESIDENTIAL_NEEDS_END]
    assert error.value.message_dict["crime_trend"] == [CAMERA_RESIDENTIAL_NEEDS_TREND]
    cam.placement_ends_on, cam.crime_trend = _later(), TREND
    cam.full_clean()


def test_the_database_refuses_it_too(cam):
    with pytest.raises(IntegrityError), transaction.atomic():
        Camera.objects.filter(pk=cam.pk).update(placement=CameraPlacement.RESIDENTIAL)


@pytest.mark.parametrize(
    ("ends_on", "trend", "field"),
    [(None, TREND, "placement_ends_on"), ("later", "", "crime_trend"), ("past", TREND, "placement_ends_on")],
)
def test_the_service_refuses_and_changes_nothing(cam, ends_on, trend, field):
    ends = {"later": _later(), "past": timezone.localdate() - dt.timedelta(days=1), None: None}[ends_on]
    with pytest.raises(ValidationError) as error:
        camera_placement_set(camera=cam, placement=CameraPlacement.RESIDENTIAL, ends_on=ends, crime_trend=trend)
    assert field in error.value.message_dict
    cam.refresh_from_db()
    assert cam.placement == "" and cam.placement_ends_on is None


def test_api_refuses_a_permanent_residential_placement_with_400_and_accepts_a_temporary_one(cam, make_user, client_for):
    clerk = make_user(Role.RECORDS_CLERK, username="placer")
    api = client_for(clerk)
    url = reverse("camera-placement", args=[cam.pk])
    response = api.post(url, {"placement": "residential"}, format="json")
    assert response.status_code == 400
    assert response.json()["placement_ends_on"] == [CAMERA_RESIDENTIAL_NEEDS_END]
    cam.refresh_from_db()
    assert cam.placement == ""
    response = api.post(url, {"placement": "residential", "placement_ends_on": str(_later()), "crime_trend": TREND})
    assert response.status_code == 200, response.content
    assert response.json()["placement"] == "residential"
    response = api.post(url, {"placement": "arterial"})
    assert response.status_code == 200 and response.json()["placement_ends_on"] is None
    assert api.post(url, {"placement": "moon"}).status_code == 400


def test_api_placement_is_the_owner_agencys_only(cam, make_user, client_for, other_agency):
    outsider = make_user(Role.RECORDS_CLERK, agency=other_agency, username="outsider")
    response = client_for(outsider).post(
        reverse("camera-placement", args=[cam.pk]), {"placement": "arterial"}, format="json"
    )
    assert response.status_code in (403, 404)
    investigator = make_user(Role.INVESTIGATOR, username="no-change-perm")
    response = client_for(investigator).post(reverse("camera-placement", args=[cam.pk]), {"placement": "arterial"})
    assert response.status_code == 403


def test_admin_refuses_a_permanent_residential_placement(cam, agency, make_user, verified_client):
    clerk = make_user(Role.RECORDS_CLERK, username="camclerk")
    url = reverse("admin:reads_camera_change", args=[cam.pk])
    form = {
        "agency": agency.pk, "name": cam.name, "kind": "fixed", "is_active": "on", "placement": "residential",
        "placement_ends_on": "", "crime_trend": "", "location_latitude": cam.location.y,
        "location_longitude": cam.location.x, "heading": "",
        "expected_interval_s": 300, "peer": "native", "external_id": "", "time_zone": "", "date_order": "",
        "agent_uid": "", "agent_camera_id": "",
        "moves-TOTAL_FORMS": 0, "moves-INITIAL_FORMS": 0, "moves-MIN_NUM_FORMS": 0, "moves-MAX_NUM_FORMS": 1000,
    }  # fmt: skip
    client = verified_client(clerk)
    response = client.post(url, form)
    assert response.status_code == 200
    assert "give the date its temporary placement ends" in response.content.decode()
    cam.refresh_from_db()
    assert cam.placement == ""
    response = client.post(url, {**form, "placement_ends_on": str(_later()), "crime_trend": TREND})
    assert response.status_code == 302, response.content.decode()[:3000]
    cam.refresh_from_db()
    assert cam.placement == CameraPlacement.RESIDENTIAL


def test_clerks_are_reminded_once_when_a_temporary_placement_ends(cam, make_user, verified_client):
    camera_placement_set(camera=cam, placement=CameraPlacement.RESIDENTIAL, ends_on=_later(3), crime_trend=TREND)
    assert camera_placement_reminders.delay().get() == 0
    Camera.objects.filter(pk=cam.pk).update(placement_ends_on=timezone.localdate() - dt.timedelta(days=1))
    assert camera_placement_reminders.delay().get() == 1
    assert camera_placement_reminders.delay().get() == 0  # once per camera and end date
    notice = CameraPlacementNotice.objects.get()
    clerk = make_user(Role.RECORDS_CLERK, username="remindme")
    client = verified_client(clerk)
    page = client.get(reverse("admin:reads_cameraplacementnotice_changelist"))
    assert page.status_code == 200 and SECRET_NAME.replace("&", "&amp;") in page.content.decode()
    client.post(
        reverse("admin:reads_cameraplacementnotice_changelist"),
        {"action": "resolve_selected", "_selected_action": [notice.pk]},
    )
    notice.refresh_from_db()
    assert notice.resolved_at is not None and notice.resolved_by == clerk


def test_portal_counts_active_planned_and_temporarily_relocated_never_where(client, agency, cam):
    def figures():
        html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
        for secret in (SECRET_NAME, SECRET_NAME.replace("&", "&amp;"), TREND, "33.81"):
            assert secret not in html
        return {
            name: html.split(f'data-figure="{name}">', 1)[1].split("<", 1)[0]
            for name in ("active_cameras", "planned_cameras", "temporarily_relocated_cameras")
        }

    assert figures() == {"active_cameras": "1", "planned_cameras": "0", "temporarily_relocated_cameras": "0"}
    camera_placement_set(camera=cam, placement=CameraPlacement.RESIDENTIAL, ends_on=_later(), crime_trend=TREND)
    ProgramFacts.objects.create(agency=agency, cameras_planned=5)
    Camera.objects.create(agency=agency, name="Second", location=Point(-116.5, 33.8, srid=4326), is_active=True)
    assert figures() == {"active_cameras": "2", "planned_cameras": "5", "temporarily_relocated_cameras": "1"}
