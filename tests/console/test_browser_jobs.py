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


def _within(page, selector: str) -> None:
    """The element is on screen horizontally: not cut off at the page's right edge."""
    box = page.locator(selector).first.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (selector, box, width)


def test_clerk_previews_an_import_and_a_report(live_server, world, browser_page, tmp_path):
    from hotlists.models import Hotlist, HotlistImport
    from hotlists.services import hotlist_entry_create
    from transparency.models import PublishedReport

    page = browser_page
    clerk = UserFactory(username="clerk-browser", agency=world["agency"], role=Role.RECORDS_CLERK)
    # Lists as the demo has them (their long labels made the row wider than the window).
    Hotlist.objects.create(
        agency=world["agency"], name="CA DOJ stolen vehicles", source="ca_doj_svs",
        category="stolen_vehicle", match_strategy="canonical",
    )  # fmt: skip
    hotlist = Hotlist.objects.create(
        agency=world["agency"], name="Palm Vista PD vehicles of interest", source="custom",
        category="criminal_investigation", match_strategy="candidates",
    )  # fmt: skip
    for n in range(5):
        hotlist_entry_create(hotlist=hotlist, user=None, plate=f"5ABC{n:03d}", plate_state="CA")
    _sign_in(page, live_server, clerk)

    page.goto(f"{live_server.url}/")
    assert "MOUs to act on" in page.inner_text("main") and "Hotlist imports" in page.inner_text("main")
    _check_fits(page, "clerk-01-home")

    page.goto(f"{live_server.url}/admin/hotlists/hotlist/")
    _within(page, "text=Upload a file")
    _check_fits(page, "clerk-02-hotlists")
    page.click(f"tr:has-text('{hotlist.name}') >> text=Upload a file")
    upload = tmp_path / "two.csv"
    upload.write_text("plate,state\n7NEW001,CA\n5ABC000,CA\n")
    page.set_input_files("#id_file", str(upload))
    page.select_option("#id_format", "csv")
    page.click("input[type=submit][value='Preview the import']")
    page.wait_for_selector("#import-preview")
    assert page.inner_text("#import-preview .to-add") == "1" and page.inner_text("#import-preview .to-remove") == "0"
    _check_fits(page, "clerk-03-import-preview")
    page.click("input[type=submit][value='Import']")
    page.wait_for_selector("text=is queued for import")
    assert HotlistImport.objects.filter(hotlist=hotlist, replace=False).count() == 1

    page.goto(f"{live_server.url}/admin/transparency/publishedreport/add/")
    page.select_option("#id_agency", str(world["agency"].pk))
    page.select_option("#id_period_kind", "month")
    last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    page.fill("#id_period_start", last_month.isoformat())
    page.click("input[name=_save]")
    page.wait_for_selector("#report-preview")
    assert "cannot be changed" in page.inner_text("#report-final") and not PublishedReport.objects.exists()
    _check_fits(page, "clerk-04-report-preview")
    page.click("input[type=submit][value='Publish (final)']")
    page.wait_for_selector("text=Published the report")
    assert PublishedReport.objects.count() == 1

    page.goto(f"{live_server.url}/admin/sharing/mou/add/")
    _check_fits(page, "clerk-05-mou-add")
    assert page.csp_errors == []


def test_auditor_filters_opens_a_samples_log_row_and_exports(live_server, world, browser_page):
    from reads.audits import audit_open

    page = browser_page
    auditor = UserFactory(username="auditor-browser", agency=world["agency"], role=Role.AUDITOR)
    _sign_in(page, live_server, auditor)
    # An investigator's search, through the one writer, then an audit of today drawing it.
    from reads.access_log import access_log_write

    access_log_write(
        user=world["user"], agency=world["agency"], action="search", channel="web", purpose="criminal_investigation",
        case_number="PV-2026-0099", query={"plate": "7ABC123", "agencies": [world["agency"].pk]}, result_count=4,
        agencies_searched=[world["agency"].pk],
    )  # fmt: skip
    today = timezone.localdate()
    audit = audit_open(agency=world["agency"], opened_by=auditor, period_start=today, period_end=today, sample_size=1)

    page.goto(f"{live_server.url}/")
    assert "Open audits" in page.inner_text("main")
    _check_fits(page, "auditor-01-home")

    page.goto(f"{live_server.url}/admin/reads/searchaudit/{audit.pk}/change/")
    _within(page, "textarea[name='samples-0-note']")
    _check_fits(page, "auditor-02-audit-review")
    page.click("text=Access-log row")
    page.wait_for_selector("text=PV-2026-0099")
    page.go_back()
    page.click("text=Their other searches")
    page.wait_for_selector("#result_list")
    assert "PV-2026-0099" in page.inner_text("#result_list")
    _check_fits(page, "auditor-03-access-log-filtered")
    with page.expect_download() as download:
        page.click("a.export-link")
    assert download.value.suggested_filename.endswith(".csv")
    assert page.csp_errors == []


def test_public_portal_on_a_phone_has_readable_charts(live_server, world, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/transparency/{world['agency'].slug}/")
    page.wait_for_selector("svg.chart")
    sizes = page.eval_on_selector_all(
        "svg.chart text.chart-axis", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    # A text box is about 1.15 x its font size: 12 px labels are boxes of 13.8 px or more.
    assert sizes and min(sizes) >= 12 * 1.1, sizes
    labels = page.eval_on_selector_all("svg.chart text.chart-axis", "els => els.map(e => e.textContent)")
    assert not any("." in label for label in labels), labels
    _check_fits(page, "public-01-portal")


def test_investigator_refines_widens_a_timeline_and_opens_held_reads(live_server, world, browser_page):
    from reads.models import Read
    from reads.services import hold_place

    page = browser_page
    _sign_in(page, live_server, world["user"])
    page.goto(f"{live_server.url}/console/search/")
    page.select_option("#id_purpose", "criminal_investigation")
    page.fill("#id_case_number", "PV-2026-000777")
    page.fill("#id_plate", "7AB?")  # ? is one character: no four-character plate was read
    page.click("button:has-text('Search')")
    page.wait_for_selector("#wildcard-hint")
    page.click("#wildcard-hint a")
    assert page.input_value("#id_plate") == "7AB*" and page.input_value("#id_case_number") == "PV-2026-000777"
    page.click("summary:has-text('Vehicle description')")
    page.fill("#id_vehicle_make", "Toyota")
    page.click("button:has-text('Search')")
    page.wait_for_selector("table.results")
    assert "make Toyota" in page.inner_text("#search-criteria")
    _check_fits(page, "investigator-01-results")
    page.click("#refine-link")
    page.wait_for_selector("#id_plate")
    assert page.input_value("#id_plate") == "7AB*" and page.input_value("#id_vehicle_make") == "Toyota"
    _check_fits(page, "investigator-02-refine")

    page.goto(f"{live_server.url}/console/timeline/?plate=7ABC123")
    page.select_option("#id_purpose", "criminal_investigation")
    page.fill("#id_case_number", "PV-2026-000777")
    page.click("button:has-text('Show timeline')")
    page.wait_for_selector("#widen-form")
    page.click("#widen-form button")
    page.wait_for_selector("#widen-form")
    _check_fits(page, "investigator-03-timeline-widened")

    held = list(Read.objects.filter(plate="7ABC123").values_list("pk", flat=True)[:2])
    hold_place(
        user=world["user"], agency=world["agency"], case_number="PV-2026-000777", reason="Robbery", read_ids=held
    )
    page.goto(f"{live_server.url}/console/holds/")
    page.click("details.hold-reads > summary")
    page.select_option("details.hold-reads select[name=purpose]", "criminal_investigation")
    _check_fits(page, "investigator-04-holds")
    page.click("details.hold-reads button")
    page.wait_for_selector("table.results")
    assert page.locator("table.results tbody tr").count() == 2
    assert page.csp_errors == []
