"""The portal in a real browser (Debian's Chromium driven by Playwright) against a live server: the demo agency's
page shows the figures counted from the tables, reads well at phone width, and leaves a screenshot in artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone

from agencies import demo as agencies_demo
from reads.choices import Purpose, ReadSource
from reads.models import Camera
from reads.services import read_ingest
from transparency import demo as transparency_demo

from .conftest import CAMERA_NAME, INVESTIGATOR, PLATES, Scene, record_search

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")


@pytest.fixture
def demo_portal(transactional_db, make_user, settings, tmp_path):
    """The demo agencies and policies, and a little activity at palm-vista-pd made through the real services."""
    settings.MEDIA_ROOT = tmp_path / "media"
    context: dict = {}
    agencies_demo.seed(context)
    transparency_demo.seed(context)
    agency = context["agencies"]["palm-vista-pd"]
    camera = Camera.objects.create(
        agency=agency, name=CAMERA_NAME, location=Point(-116.5468, 33.8237, srid=4326), is_active=True
    )
    now = timezone.now()
    items = [
        {
            "camera": camera.pk,
            "captured_at": (now - dt.timedelta(days=n % 5, minutes=n + 1)).isoformat(),
            "plate": plate,
            "source_id": f"browser-{n}",
        }
        for n, plate in enumerate(PLATES * 3)
    ]
    read_ingest(agency=agency, items=items, source=ReadSource.CAMERA_PUSH)
    investigator = make_user(agency=agency, username=INVESTIGATOR)
    for purpose in (Purpose.CRIMINAL_INVESTIGATION, Purpose.CRIMINAL_INVESTIGATION, Purpose.MISSING_PERSON):
        record_search(investigator, agency, purpose=purpose)
    yield Scene(agency)
    # The live server needs a committed database, emptied by TRUNCATE after the test. The reads table is
    # unmanaged (partitioned), so Django's flush does not know it and would refuse to truncate the cameras it
    # refers to: empty it first.
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reads_read")


def test_demo_agency_portal_in_a_real_browser(live_server, demo_portal, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM is not touched while it runs.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    expected = {
        "reads": f"{demo_portal.reads():,}",
        "searches": str(demo_portal.searches()),
        "searches_to_date": str(demo_portal.searches_to_date()),
        "hotlist_hits": str(demo_portal.hits()),
        "cameras": str(demo_portal.cameras()),
    }
    assert expected["reads"] == "12" and expected["searches"] == "3"
    ARTIFACTS.mkdir(exist_ok=True)
    url = f"{live_server.url}/transparency/palm-vista-pd/"

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
            page.on(
                "response",
                lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and "favicon" not in r.url else None,
            )
            response = page.goto(url)
            assert response.status == 200
            assert page.locator("h1").inner_text() == "Palm Vista Police Department"
            shown = {name: page.locator(f'[data-figure="{name}"]').inner_text() for name in expected}
            assert shown == expected
            assert page.locator('[data-purpose="missing_person"]').inner_text() == "1"
            assert page.locator("svg.chart").count() == 2
            assert page.locator("svg.chart").first.is_visible()
            assert page.get_by_role("heading", name="Usage and privacy policy").is_visible()
            assert page.get_by_text("Immigration enforcement", exact=False).first.is_visible()
            body = page.content()
            for secret in (*PLATES, INVESTIGATOR, CAMERA_NAME):
                assert secret not in body
            assert not errors, errors  # no CSP violation, no missing stylesheet
            page.screenshot(path=str(ARTIFACTS / "transparency-portal.png"), full_page=True)

            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
            phone.goto(url)
            overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow}px"
            phone.screenshot(path=str(ARTIFACTS / "transparency-portal-phone.png"), full_page=True)

            page.click("text=Monthly report")
            assert "report" in page.locator("h1").inner_text()
            assert page.locator('[data-figure="searches"]').is_visible()
        finally:
            browser.close()
    assert (ARTIFACTS / "transparency-portal.png").stat().st_size > 10_000
