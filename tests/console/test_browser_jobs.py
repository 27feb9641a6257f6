"""Daily jobs in a real browser (issue #20), at a desktop (1366x900) and a phone (390x844) size: each page must fit
its width (no sideways scrolling). Screenshots go to artifacts/console/jobs/ (gitignored). Fixtures and set-up as in
test_browser.py (a live server, a transactional database, Debian's chromium)."""

import datetime as dt

from django.conf import settings
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.choices import Role
from hotlists.choices import AlertStatus, Priority
from hotlists.models import Alert

from ..factories import UserFactory
from . import test_browser as _browser
from .test_browser import ARTIFACTS, _hit

# The same live server set-up, world and browser as test_browser.py.
pytestmark = _browser.pytestmark
world = _browser.world
browser_page = _browser.browser_page

JOBS = ARTIFACTS / "jobs"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def _sign_in(page, live_server, user) -> None:
    """The session of a full sign-in (second factor verified), handed to the browser as its cookie."""
    client = Client()
    device, _ = TOTPDevice.objects.get_or_create(user=user, name="Browser test", defaults={"confirmed": True})
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def _check_fits(page, name: str) -> None:
    """Screenshot the page at both sizes and fail if it is wider than the window at either."""
    JOBS.mkdir(parents=True, exist_ok=True)
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.wait_for_timeout(100)
        page.screenshot(path=str(JOBS / f"{name}-{label}.png"), full_page=True)
        overflow = page.evaluate(OVERFLOW)
        assert overflow <= 0, f"{name} overflows its width by {overflow}px at {label} size"
    page.set_viewport_size(DESKTOP)


def test_officer_sees_priority_first_and_confirms_with_the_image(live_server, world, browser_page):
    page = browser_page
    now = timezone.now()
    officer = UserFactory(username="officer-browser", agency=world["agency"], role=Role.OFFICER)
    normal = _hit(world["camera"], "2NORM22", priority=Priority.NORMAL, when=now - dt.timedelta(minutes=2), n=30)
    old = _hit(world["camera"], "6PAST66", priority=Priority.NORMAL, when=now - dt.timedelta(days=3), n=31)
    Alert.objects.filter(pk=old.pk).update(historical=True)
    _sign_in(page, live_server, officer)

    page.goto(f"{live_server.url}/console/alerts/")
    page.wait_for_selector("#alert-table")
    rows = page.locator("#alert-table tbody tr").all_inner_texts()
    # The high-priority hit read 20 minutes ago sits above the normal one read 2 minutes ago.
    assert "8HOT123" in rows[0] and normal.plate in rows[1]
    assert "6PAST66" in page.inner_text("#historical-table") and "6PAST66" not in page.inner_text("#alert-table")
    _check_fits(page, "officer-01-alerts")

    page.click("#alert-table >> text=8HOT123")
    page.wait_for_selector("h1:has-text('Hit:')")
    assert "Toyota, silver" in page.inner_text("#vehicle")
    page.wait_for_load_state("networkidle")
    assert page.eval_on_selector(".read-image img", "img => img.complete && img.naturalWidth > 0")
    page.click("button:has-text('Acknowledge')")
    page.wait_for_selector("form.step-confirmed")
    assert "compared the plate in the image" in page.inner_text("form.step-confirmed")
    page.check("form.step-confirmed input[name=plate_verified]")
    page.check("form.step-confirmed input[name=database_checked]")
    _check_fits(page, "officer-02-confirm")
    page.click("form.step-confirmed button:has-text('Confirm hit')")
    page.wait_for_selector("h1 .badge.status-confirmed")
    assert Alert.objects.get(pk=world["alert"].pk).status == AlertStatus.CONFIRMED
    assert page.csp_errors == []
