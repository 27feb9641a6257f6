"""Cameras on maps in admin (issue #20): the position picked on a map or typed as latitude and longitude (no GIS widget
from a CDN), bad coordinates refused with a clear error and nothing saved, and the map of the cameras a user may see
with their health, through the camera admin's choke point."""

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from reads.camera_location import LATITUDE_OUT_OF_RANGE, LOCATION_HALF_GIVEN, LONGITUDE_OUT_OF_RANGE
from reads.models import CAMERA_FIXED_NEEDS_LOCATION, Camera, CameraMove

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:reads_camera_add")
MAP = reverse("admin:reads_camera_map")


@pytest.fixture
def clerk(make_user):
    return make_user(Role.RECORDS_CLERK, username="camclerk")


def _form(agency, **fields) -> dict:
    form = {
        "agency": agency.pk, "name": "Indian Canyon Dr southbound", "kind": "fixed", "placement": "",
        "placement_ends_on": "", "crime_trend": "", "location_latitude": "33.842100",
        "location_longitude": "-116.547300", "heading": "180", "expected_interval_s": "300", "peer": "native",
        "external_id": "", "time_zone": "", "date_order": "", "agent_uid": "", "agent_camera_id": "",
        "moves-TOTAL_FORMS": "0", "moves-INITIAL_FORMS": "0", "moves-MIN_NUM_FORMS": "0", "moves-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    return {**form, **fields}


def _change_form(camera, **fields) -> dict:
    position = {"location_latitude": str(camera.location.y), "location_longitude": str(camera.location.x)}
    return _form(camera.agency, **{"name": camera.name, "heading": "", **position, **fields})


def test_the_clerk_sets_a_cameras_position_by_latitude_and_longitude(verified_client, clerk, agency):
    client = verified_client(clerk)
    response = client.post(ADD, _form(agency))
    assert response.status_code == 302, response.content.decode()[:2000]
    camera = Camera.objects.get(name="Indian Canyon Dr southbound")
    assert (round(camera.location.y, 6), round(camera.location.x, 6)) == (33.8421, -116.5473)

    # Moved on the map (the inputs carry the new numbers): the move is kept in the camera's history.
    response = client.post(
        reverse("admin:reads_camera_change", args=[camera.pk]),
        _change_form(camera, location_latitude="33.8300", location_longitude="-116.5450"),
    )
    assert response.status_code == 302
    camera.refresh_from_db()
    assert (camera.location.y, camera.location.x) == (33.83, -116.545)
    # Kept in the camera's history: where it stood before (area searches find its older reads there), then the move.
    history = CameraMove.objects.filter(camera=camera).order_by("moved_at")
    assert [(move.location.y, move.location.x) for move in history] == [(33.8421, -116.5473), (33.83, -116.545)]
    assert history.last().reason == "admin" and history.last().moved_by == clerk
    page = client.get(reverse("admin:reads_camera_change", args=[camera.pk])).content.decode()
    assert "33.842100, -116.547300" in page and "33.830000, -116.545000" in page  # the history, as the inputs write


def test_an_unchanged_position_is_not_a_move(verified_client, clerk, agency, make_camera):
    camera = make_camera(agency, at=(33.8303123456789, -116.5453123456789))
    response = verified_client(clerk).post(reverse("admin:reads_camera_change", args=[camera.pk]), _change_form(camera))
    assert response.status_code == 302
    assert not CameraMove.objects.filter(camera=camera).exists()


@pytest.mark.parametrize(
    "latitude, longitude, message",
    [
        ("95", "-116.5", LATITUDE_OUT_OF_RANGE),
        ("-90.0001", "-116.5", LATITUDE_OUT_OF_RANGE),
        ("33.8", "-200", LONGITUDE_OUT_OF_RANGE),
        ("33.8", "180.5", LONGITUDE_OUT_OF_RANGE),
        ("north", "-116.5", LATITUDE_OUT_OF_RANGE),
        ("NaN", "-116.5", LATITUDE_OUT_OF_RANGE),
        ("33.8", "inf", LONGITUDE_OUT_OF_RANGE),
        ("1e400", "-116.5", LATITUDE_OUT_OF_RANGE),
        ("33.8", "", LOCATION_HALF_GIVEN),
        ("", "-116.5", LOCATION_HALF_GIVEN),
        ("", "", CAMERA_FIXED_NEEDS_LOCATION),
    ],
)
def test_bad_coordinates_are_refused_with_a_clear_error(verified_client, clerk, agency, latitude, longitude, message):
    response = verified_client(clerk).post(ADD, _form(agency, location_latitude=latitude, location_longitude=longitude))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["location"] == [message]
    assert not Camera.objects.exists()


def test_bad_coordinates_leave_a_camera_where_it_was(verified_client, clerk, agency, make_camera):
    camera = make_camera(agency)
    before = camera.location.coords
    response = verified_client(clerk).post(
        reverse("admin:reads_camera_change", args=[camera.pk]), _change_form(camera, location_latitude="333.8")
    )
    assert response.status_code == 200 and LATITUDE_OUT_OF_RANGE in response.content.decode()
    camera.refresh_from_db()
    assert camera.location.coords == before and not CameraMove.objects.exists()


def _scripts_and_styles(html: str) -> list[str]:
    """What the Content-Security-Policy would block: inline scripts (other than JSON data) and style attributes, and
    anything from another origin."""
    problems = []
    for tag in re.findall(r"<script\b[^>]*>", html):
        if "src=" not in tag and 'type="application/json"' not in tag:
            problems.append(tag)
        if re.search(r'src="(https?:)?//', tag):
            problems.append(tag)
    problems += re.findall(r"<[^>]+\sstyle=\"[^\"]*\"", html)
    problems += re.findall(r'<link\b[^>]*href="(?:https?:)?//[^"]*"', html)
    return problems


def test_the_change_page_has_the_map_picker_from_this_site_only(verified_client, clerk, agency, make_camera):
    camera = make_camera(agency)
    page = verified_client(clerk).get(reverse("admin:reads_camera_change", args=[camera.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-map="point"' in html and 'data-map-lat="id_location_0"' in html
    assert '<label for="id_location_0">Latitude</label>' in html and 'name="location_longitude"' in html
    assert 'value="33.8303"' in html and 'value="-116.5453"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/console/map.js" in html
    assert 'id="map-config"' in html
    assert "openlayers" not in html.lower() and "cdn" not in html.lower()
    assert _scripts_and_styles(html) == []


def test_the_camera_list_links_to_the_map_and_says_health_in_words(verified_client, clerk, agency, make_camera):
    make_camera(agency, "Quiet camera")
    html = verified_client(clerk).get(reverse("admin:reads_camera_changelist")).content.decode()
    assert f'href="{MAP}"' in html
    assert '<span class="camera-health camera-health-offline">Offline</span>' in html
    assert _scripts_and_styles(html) == []


@pytest.fixture
def cameras(agency, other_agency, make_camera):
    now = timezone.now()
    online = make_camera(agency, "Airport exit", at=(33.8297, -116.5067))
    Camera.objects.filter(pk=online.pk).update(last_heartbeat_at=now - dt.timedelta(seconds=30))
    make_camera(agency, "Palm Canyon Dr northbound")  # never heard from
    off = make_camera(agency, "Tahquitz Canyon Way", at=(33.8237, -116.5301))
    Camera.objects.filter(pk=off.pk).update(is_active=False)
    make_camera(agency, "Patrol car 12", kind="mobile", at=None)
    make_camera(other_agency, "Neighbour's secret camera", at=(33.7, -116.3))
    return online


def _points(response) -> list[dict]:
    html = response.content.decode()
    match = re.search(r'<script id="camera-map-cameras" type="application/json">(.*?)</script>', html)
    return json.loads(match.group(1)) if match else []


def test_the_map_shows_the_clerks_own_cameras_with_their_health(verified_client, clerk, cameras):
    response = verified_client(clerk).get(MAP)
    assert response.status_code == 200
    points = {point["name"]: point for point in _points(response)}
    assert set(points) == {"Airport exit", "Palm Canyon Dr northbound", "Tahquitz Canyon Way"}
    assert {name: point["health"] for name, point in points.items()} == {
        "Airport exit": "online", "Palm Canyon Dr northbound": "offline", "Tahquitz Canyon Way": "inactive",
    }  # fmt: skip
    assert points["Airport exit"]["url"] == reverse("admin:reads_camera_change", args=[cameras.pk])
    assert points["Palm Canyon Dr northbound"]["health_label"] == "Offline, last heard never"
    html = response.content.decode()
    # In words, not by colour alone: the legend and the table say each camera's health.
    table = html[html.index('<table id="camera-health">') :]
    assert re.search(r"Airport exit</a></th>\s*<td><span class=\"camera-health camera-health-online\">Online<", table)
    assert re.search(r"Tahquitz Canyon Way</a></th>\s*<td><span[^>]*>Inactive<", table)
    assert "<strong>Online</strong> (1)" in html and "<strong>Offline</strong> (2)" in html
    assert "Patrol car 12" in table and "not set: set it" in table
    # Another agency's camera is not on the page at all, nor its position.
    assert "Neighbour" not in html and "-116.3" not in html
    assert _scripts_and_styles(html) == []


def test_the_map_costs_the_same_queries_for_more_cameras(
    verified_client, clerk, agency, make_camera, django_assert_max_num_queries
):
    client = verified_client(clerk)
    make_camera(agency, "First")
    client.get(MAP)  # the session's first request warms what it caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(MAP).status_code == 200
    for n in range(5):
        make_camera(agency, f"Camera {n}", at=(33.8 + n / 100, -116.5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(_points(client.get(MAP))) == 6


def test_the_map_is_refused_to_those_who_may_not_see_cameras(client, verified_client, make_user, cameras):
    login = reverse("admin:login")
    assert client.get(MAP).url.startswith(login)  # anonymous
    investigator = make_user(Role.INVESTIGATOR, username="inv-map")  # not staff: no admin
    assert verified_client(investigator).get(MAP).url.startswith(login)
    # Staff with no agency and so no camera permission: refused, not an empty map.
    nobody = UserFactory(username="staff-of-no-agency", agency=None, is_staff=True)
    assert verified_client(nobody).get(MAP).status_code == 403


def test_an_auditor_reads_a_cameras_position_as_latitude_and_longitude(verified_client, make_user, agency, make_camera):
    """View-only people see the position in degrees, not the database's `SRID=4326;POINT(...)`."""
    camera = make_camera(agency, "Ramon Rd eastbound")
    auditor = make_user(Role.AUDITOR, username="camauditor")
    page = verified_client(auditor).get(reverse("admin:reads_camera_change", args=[camera.pk])).content.decode()
    assert f"{camera.location.y:.6f}, {camera.location.x:.6f}" in page
    assert "SRID=" not in page and "POINT" not in page
