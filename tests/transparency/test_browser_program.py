"""The program page in a real browser (Chromium driven by Playwright) against a live server, at 390 px (a phone)
and 1366 px (a laptop): a resident asks a question through the form, a clerk answers it in admin, the answer is
e-mailed and the address deleted, and the question and answer appear in the FAQ with the live counts. Screenshots
go to artifacts/."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import demo as agencies_demo
from agencies.choices import Role
from transparency import demo as transparency_demo
from transparency.program_models import PublicQuestion

from .test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium is not installed at /usr/bin/chromium")

QUESTION = "Are the cameras ever used to help immigration enforcement, and who decides where they go?"
ANSWER = "No, never: state law forbids it. [[active_cameras]] cameras are active and [[planned_cameras]] are planned."
WIDTHS = {"phone": (390, 844), "laptop": (1366, 900)}


@pytest.fixture
def demo_program(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_QUESTION_MIN_FILL_SECONDS = 600  # first, every post is too fast
    context: dict = {}
    agencies_demo.seed(context)
    transparency_demo.seed(context)
    yield context
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reads_read")


def _clerk_client(context) -> Client:
    agency = context["agencies"]["palm-vista-pd"]
    clerk = next(u for u in context["users"].values() if u.agency == agency and u.role == Role.RECORDS_CLERK)
    client = Client()
    device, _ = TOTPDevice.objects.get_or_create(user=clerk, name="Test authenticator", defaults={"confirmed": True})
    client.force_login(clerk)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _no_sideways_scroll(page, label: str) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways at {label} by {overflow}px"


def test_a_question_is_asked_answered_emailed_and_published_in_a_real_browser(
    live_server, demo_program, monkeypatch, settings
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    url = f"{live_server.url}/transparency/palm-vista-pd/"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name, (width, height) in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                errors: list[str] = []
                page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
                assert page.goto(url).status == 200
                assert page.get_by_role("heading", name="Questions and answers").is_visible()
                assert page.get_by_text("Is the data used for immigration enforcement?").is_visible()
                assert page.locator('[data-figure="planned_cameras"]').inner_text() == "6"
                assert page.locator('[data-figure-name="retention_days"]').first.inner_text() == "30"
                # The honeypot is in the form but out of a person's sight and out of the accessibility tree.
                assert not page.locator("#id_website").is_visible() or page.locator(".hp").bounding_box()["x"] < 0
                _no_sideways_scroll(page, f"{width}px")
                page.screenshot(path=str(ARTIFACTS / f"transparency-program-{name}.png"), full_page=True)

                # A question sent at once is refused as too fast, with a message; nothing is saved.
                page.get_by_label("Your question").fill(QUESTION)
                page.get_by_role("button", name="Send the question").click()
                assert page.get_by_role("alert").first.is_visible()
                assert "faster than a person" in page.get_by_role("alert").first.inner_text()
                assert PublicQuestion.objects.count() == 0
                _no_sideways_scroll(page, f"{width}px, refused")
                assert not errors, errors
                page.close()

            settings.PUBLIC_QUESTION_MIN_FILL_SECONDS = 1
            page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            page.goto(url)
            page.get_by_label("Your question").fill(QUESTION)
            page.get_by_label("Your e-mail address (optional)").fill("resident@example.com")
            page.wait_for_timeout(1200)  # a person takes longer than the minimum fill time
            page.get_by_role("button", name="Send the question").click()
            assert page.get_by_role("heading", name="Thank you: your question was received").is_visible()
            question = PublicQuestion.objects.get()
            assert question.email == "resident@example.com"

            # The clerk answers in admin and publishes the answer in the FAQ.
            response = _clerk_client(demo_program).post(
                reverse("admin:transparency_publicquestion_change", args=[question.pk]),
                {"answer": ANSWER, "published_in_faq": "on"},
            )
            assert response.status_code == 302
            assert [m.to for m in mail.outbox] == [["resident@example.com"]]
            question.refresh_from_db()
            assert question.email == "" and question.email_erased_at is not None

            for name, (width, height) in WIDTHS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url)
                assert page.get_by_text(QUESTION).is_visible()
                answer = page.locator("dd", has_text="state law forbids it").first
                assert answer.is_visible()
                assert "cameras are active and 6 are planned" in answer.inner_text()
                assert page.locator('[data-figure="questions_received"]').inner_text() == "1"
                assert page.locator('[data-figure="questions_answered"]').inner_text() == "1"
                _no_sideways_scroll(page, f"{width}px, answered")
                page.screenshot(path=str(ARTIFACTS / f"transparency-program-answered-{name}.png"), full_page=True)
                page.emulate_media(media="print")
                assert not page.locator(".question-form").is_visible()  # printable: the form is left out
                page.close()
        finally:
            browser.close()
