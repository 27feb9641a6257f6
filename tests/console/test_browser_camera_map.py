"""The records clerk's cameras on maps in admin (issue #20), in a real browser at a desktop and a phone size: a camera's
position set by clicking the map (the latitude and longitude inputs follow, and typing in them moves the marker), and
the map of the agency's cameras by health. With no tile server (the test settings), the maps draw on a plain
background with a scale. Screenshots go to artifacts/console/jobs/ (gitignored); a page wider than its window fails.
Set-up as in test_browser.py (a live server, a transactional database, Debian's chromium)."""

import datetime as dt

from django.contrib.gis.geos import Point
from django.utils import timezone

from agencies.choices import Role
from reads.models import Camera, CameraMove

from ..factories import AgencyFactory, UserFactory
from . import test_browser as _browser
from .test_browser_jobs import DESKTOP, PHONE, _check_fits, _sign_in, _within

pytestmark = _browser.pytestmark
world = _browser.world
browser_page = _browser.browser_page


def _not_cut_off_on_a_phone(page, *selectors) -> None:
    """Not only no sideways scrolling: each of these is whole on a phone's screen (admin's layout could clip it)."""
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(100)
    for selector in selectors:
        _within(page, selector)
    page.set_viewport_size(DESKTOP)


def test_clerk_places_a_camera_on_the_map_and_reads_the_camera_map(live_server, world, browser_page):
    page = browser_page
    agency = world["agency"]
    clerk = UserFactory(username="clerk-cameras", agency=agency, role=Role.RECORDS_CLERK)
    Camera.objects.filter(agency=agency).update(last_heartbeat_at=timezone.now() - dt.timedelta(hours=2))  # silent
    Camera.objects.filter(pk=world["camera"].pk).update(last_heartbeat_at=timezone.now())
    inactive = Camera.objects.create(agency=agency, name="Tahquitz Canyon Way", location=Point(-116.53, 33.82))
    other = AgencyFactory(name="Desert Springs Police Department", slug="desert-springs-pd", ori="CA0330500")
    Camera.objects.create(agency=other, name="Neighbour's camera", location=Point(-116.4, 33.7), is_active=True)
    _sign_in(page, live_server, clerk)

    # Set a position by clicking the map: the inputs are filled in, and saving stores that point.
    page.goto(f"{live_server.url}/admin/reads/camera/{inactive.pk}/change/")
    page.wait_for_selector("#id_location_map .leaflet-marker-icon")
    assert page.locator("#id_location_map .leaflet-control-scale").count() == 1  # no tiles: plain, with a scale
    before = (page.input_value("#id_location_0"), page.input_value("#id_location_1"))
    box = page.locator("#id_location_map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.3)
    clicked = (page.input_value("#id_location_0"), page.input_value("#id_location_1"))
    assert clicked != before and all(len(value.split(".")[1]) == 6 for value in clicked)
    # Keyboard way: typing the numbers moves the marker (its screen position changes).
    marker = page.locator("#id_location_map .leaflet-marker-icon")
    at = marker.bounding_box()
    page.fill("#id_location_0", str(round(float(clicked[0]) - 0.002, 6)))
    assert marker.bounding_box()["y"] > at["y"]
    page.fill("#id_location_0", clicked[0])
    _check_fits(page, "clerk-06-camera-position")
    _not_cut_off_on_a_phone(page, "#id_location_0", "#id_location_1", "#id_location_map")
    page.click("input[name=_save]")
    page.wait_for_selector("text=was changed successfully")
    inactive.refresh_from_db()
    assert (f"{inactive.location.y:.6f}", f"{inactive.location.x:.6f}") == clicked
    assert CameraMove.objects.filter(camera=inactive, reason="admin").count() == 1

    # A bad number: a clear error next to the field, nothing saved.
    page.goto(f"{live_server.url}/admin/reads/camera/{inactive.pk}/change/")
    page.fill("#id_location_0", "95")
    page.click("input[name=_save]")
    page.wait_for_selector(".field-location .errorlist")
    assert "between -90 and 90" in page.inner_text(".field-location .errorlist")
    _check_fits(page, "clerk-07-camera-position-error")
    inactive.refresh_from_db()
    assert f"{inactive.location.y:.6f}" == clicked[0]

    # The camera map, from the camera list: the agency's cameras only, health by colour and in words.
    page.goto(f"{live_server.url}/admin/reads/camera/")
    page.click("#content-main .object-tools >> text=Map")
    page.wait_for_selector("#camera-map path.map-camera")
    assert page.locator("#camera-map path.map-camera").count() == 3
    assert page.locator("#camera-map path.map-health-online").count() == 1
    assert page.locator("#camera-map path.map-health-offline").count() == 1
    assert page.locator("#camera-map path.map-health-inactive").count() == 1
    legend = page.inner_text("#camera-map-legend")
    assert "Online (1)" in legend and "Offline (1)" in legend and "Inactive (1)" in legend
    table = page.inner_text("#camera-health")
    assert "Neighbour" not in page.content() and "Tahquitz Canyon Way\tInactive" in table
    _check_fits(page, "clerk-08-camera-map")
    _not_cut_off_on_a_phone(page, "#camera-map", "#camera-map-legend", "#camera-health")
    # A camera on the map opens to its name and health, linking to its page.
    page.locator("#camera-map path.map-health-online").dispatch_event("click")
    popup = page.locator("#camera-map .leaflet-popup-content")
    assert "Online, last heard" in popup.inner_text()
    popup.locator("a").click()
    page.wait_for_url(f"**/admin/reads/camera/{world['camera'].pk}/change/")
    assert page.csp_errors == []


def test_the_camera_map_fits_a_phone_with_many_cameras(live_server, world, browser_page):
    page = browser_page
    clerk = UserFactory(username="clerk-many", agency=world["agency"], role=Role.RECORDS_CLERK)
    heard = timezone.now() - dt.timedelta(hours=1)
    for n in range(30):
        Camera.objects.create(
            agency=world["agency"], name=f"Palm Vista long camera name number {n} at the corner of two streets",
            location=Point(-116.55 + n / 300, 33.80 + (n % 7) / 200), is_active=n % 5 != 0, last_heartbeat_at=heard,
        )  # fmt: skip
    _sign_in(page, live_server, clerk)
    page.goto(f"{live_server.url}/admin/reads/camera/map/")
    page.wait_for_selector("#camera-map path.map-camera")
    assert page.locator("#camera-map path.map-camera").count() == 32
    _check_fits(page, "clerk-09-camera-map-many")
    assert page.csp_errors == []
