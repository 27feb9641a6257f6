"""End to end in a real browser: sign in through the login page, run a search, open a result, watch a new hit
arrive on the live alert list, and confirm an alert through its verification step. Screenshots go to
artifacts/console/ (gitignored).

Debian's chromium at /usr/bin/chromium, driven by the installed `playwright` package (no `playwright install`).
The test runs against pytest-django's `live_server`, so it needs a transactional database. `available_apps`
makes Django re-create permissions and role groups at set-up (an earlier transactional test's flush empties
them), and the reads it stores are deleted at the end: the partitioned reads table is unmanaged, so the flush
does not empty it.
"""

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import timezone
from PIL import Image, ImageDraw

from agencies.choices import Role
from hotlists.choices import AlertStatus, Category, HotlistSource, Priority
from hotlists.models import Alert, Hotlist
from hotlists.services import alert_transition, hotlist_entry_create
from reads.choices import ReadSource
from reads.models import AccessLogEntry, Read
from reads.services import read_ingest

from ..factories import AgencyFactory, UserFactory
from ..reads.conftest import PALM_VISTA

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery-staple"  # tests.factories.UserFactory's
ARTIFACTS = Path(settings.BASE_DIR) / "artifacts" / "console"

pytestmark = [
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"Debian's chromium is not installed at {CHROMIUM}"),
    pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()]),
]


def _photo(plate: str) -> bytes:
    """A stand-in rear image: a grey car-ish block with a white plate bearing the text."""
    picture = Image.new("RGB", (640, 400), (96, 104, 112))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((120, 90, 520, 300), fill=(40, 44, 52))
    draw.rectangle((230, 230, 410, 290), fill=(250, 250, 250), outline=(20, 20, 20), width=3)
    draw.text((262, 250), plate, fill=(10, 10, 120), font_size=28)
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85)
    return out.getvalue()


def _ingest(camera, plate: str, when, n: int):
    source_id = f"browser-{plate}-{n}"
    item = {
        "camera": camera.pk,
        "captured_at": when.isoformat(),
        "plate": plate,
        "plate_state": "CA",
        "source_id": source_id,
        "vehicle_make": "Toyota",
        "vehicle_color": "silver",
    }
    return read_ingest(
        agency=camera.agency, items=[item], source=ReadSource.CAMERA_PUSH, images={source_id: _photo(plate)}
    )


def _hit(camera, plate: str, *, priority, when, n: int) -> Alert:
    hotlist = Hotlist.objects.create(
        agency=camera.agency,
        name=f"Stolen vehicles ({plate})",
        source=HotlistSource.MANUAL,
        category=Category.STOLEN_VEHICLE,
        priority=priority,
    )
    hotlist_entry_create(hotlist=hotlist, user=None, plate=plate, case_number="SV-2026-77")
    result = _ingest(camera, plate, when, n)
    return Alert.objects.get(read_id=result.reads[0].id)


@pytest.fixture
def world(live_server, settings, tmp_path, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls below are ordinary blocking ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.MEDIA_ROOT = tmp_path / "media"
    from reads.models import Camera
    from reads.partitions import _known_days

    _known_days.clear()
    agency = AgencyFactory(name="Palm Vista Police Department", slug="palm-vista-pd", ori="CA0330400")
    user = UserFactory(username="det-browser", agency=agency, role=Role.INVESTIGATOR)
    from django.contrib.gis.geos import Point

    camera = Camera.objects.create(
        agency=agency, name="Palm Canyon Dr northbound", location=Point(PALM_VISTA[1], PALM_VISTA[0]), is_active=True
    )
    airport = Camera.objects.create(
        agency=agency, name="Airport exit", location=Point(-116.5067, 33.8297), is_active=True
    )
    now = timezone.now()
    for n in range(3):
        _ingest(camera, "7ABC123", now - dt.timedelta(hours=3 - n), n)
    _ingest(airport, "7ABC123", now - dt.timedelta(hours=2, minutes=30), 3)
    alert = _hit(camera, "8HOT123", priority=Priority.HIGH, when=now - dt.timedelta(minutes=20), n=10)
    yield {"agency": agency, "user": user, "camera": camera, "alert": alert, "now": now}
    Read.objects.filter(owner_agency=agency).delete()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.csp_errors = []
        page.on(
            "console",
            lambda message: (
                page.csp_errors.append(message.text)
                if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text
                else None
            ),
        )
        try:
            yield page
        finally:
            context.close()
            browser.close()


def _loaded(page, selector: str) -> bool:
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


def test_search_open_a_result_and_confirm_an_alert(live_server, world, browser_page):
    page = browser_page
    shot = lambda name: page.screenshot(path=str(ARTIFACTS / name), full_page=True)  # noqa: E731

    # Sign in through the real login page (an investigator: no second factor).
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "det-browser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]:has-text('Sign in')")
    page.wait_for_selector("h1:has-text('ALPR console')")
    assert page.locator("#open-alerts-heading").inner_text().startswith("Open alerts")
    assert "8HOT123" in page.inner_text("main")
    shot("01-home.png")

    # Search: purpose and case number first, then the plate.
    page.click("nav >> text=Search")
    page.select_option("#id_purpose", "criminal_investigation")
    page.fill("#id_case_number", "PV-2026-001234")
    page.fill("#id_plate", "7ABC123")
    # The area by map: the cameras the investigator may see are drawn; a click centres the area there.
    page.click("details.area > summary")
    page.wait_for_selector("#area-map path.map-camera")
    assert page.locator("#area-map path.map-camera").count() == 2
    box = page.locator("#area-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 30)
    assert page.input_value("#id_latitude") and page.input_value("#id_longitude")
    assert page.input_value("#id_radius_m") == "500"
    page.fill("#id_radius_m", "20000")  # wide enough to hold both cameras
    page.wait_for_selector("#area-map path.map-area")
    shot("02a-search-area-map.png")
    page.click("button:has-text('Search')")
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == 4
    assert page.locator("#results-map .leaflet-marker-pane, #results-map path.map-read").count() >= 1
    page.wait_for_load_state("networkidle")
    assert _loaded(page, "table.results td.thumb img")
    shot("02-results.png")
    page.set_viewport_size({"width": 390, "height": 844})
    shot("02b-results-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Open a result: the full image, logged as an image view.
    page.click("table.results tbody tr >> nth=0 >> time")
    page.wait_for_selector("h1:has-text('Read of')")
    page.wait_for_load_state("networkidle")
    assert _loaded(page, ".read-image img")
    shot("03-read-detail.png")

    # Its plate's timeline, under the same purpose statement (logged as a timeline).
    page.click("button:has-text('Timeline of 7ABC123')")
    page.wait_for_selector("#timeline-map .leaflet-overlay-pane path.map-camera")
    assert page.locator("#timeline-map path.map-camera").count() == 2
    assert page.locator("#timeline-map .leaflet-control-scale").count() == 1  # no tiles here: points and a scale
    shot("03b-timeline.png")

    # The live alert list: a new high-priority hit appears without a reload, with the visual cue.
    page.click("nav >> text=Alerts")
    page.wait_for_selector("#alert-table")
    assert "8HOT123" in page.inner_text("#alert-table")
    _hit(world["camera"], "5NEW777", priority=Priority.CRITICAL, when=timezone.now() - dt.timedelta(minutes=1), n=20)
    page.wait_for_selector("#alert-table tbody tr.is-new:has-text('5NEW777')", timeout=20_000)
    assert page.is_visible("#hit-banner") and "5NEW777" in page.inner_text("#hit-banner")
    shot("04-alerts-live.png")
    # A colleague acknowledges it elsewhere: the status on this screen follows without a reload.
    colleague = UserFactory(agency=world["agency"], role=Role.OFFICER)
    alert_transition(alert=Alert.objects.get(plate="5NEW777"), user=colleague, to_status=AlertStatus.ACKNOWLEDGED)
    page.wait_for_selector("#alert-table tbody tr:has-text('5NEW777') .badge.status-acknowledged", timeout=20_000)

    # Work the first alert: acknowledge, then confirm with both verification checks.
    page.click("#alert-table >> text=8HOT123")
    page.wait_for_selector("h1:has-text('Hit:')")
    page.click("button:has-text('Acknowledge')")
    page.wait_for_selector("form.step-confirmed")
    page.click("form.step-confirmed button:has-text('Confirm hit')")  # without the checks: refused
    page.wait_for_selector("form.step-confirmed .errorlist")
    page.check("form.step-confirmed input[name=plate_verified]")
    page.check("form.step-confirmed input[name=database_checked]")
    shot("05-alert-verification.png")
    page.click("form.step-confirmed button:has-text('Confirm hit')")
    page.wait_for_selector("h1 .badge.status-confirmed")
    shot("06-alert-confirmed.png")

    assert page.csp_errors == []
    alert = Alert.objects.get(pk=world["alert"].pk)
    assert alert.status == AlertStatus.CONFIRMED and alert.plate_verified and alert.database_checked
    log = AccessLogEntry.objects.filter(user=world["user"])
    assert log.filter(action="search", channel="web", case_number="PV-2026-001234").count() == 1
    assert log.filter(action="timeline", channel="web", case_number="PV-2026-001234").count() == 1
    assert log.filter(action="image_view", channel="web", case_number="PV-2026-001234").count() == 2  # page, one
    assert log.filter(action="image_view", channel="web", purpose="alert_verification").count() == 1
