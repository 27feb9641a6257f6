"""Questions from the public: asked with no sign-in, protected against abuse without third-party services,
answered in admin, e-mailed, the address deleted, published in the FAQ, and counted live on the portal."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from transparency import program_services as services
from transparency.program_models import QUESTION_MAX_CHARS, PublicQuestion
from transparency.question_form import (
    REFUSED_FLOOD,
    REFUSED_ROBOT,
    REFUSED_STALE,
    REFUSED_TOO_FAST,
    form_stamp,
)
from transparency.tasks import erase_stale_question_addresses

pytestmark = pytest.mark.django_db

QUESTION = "How long do you keep the pictures of my car, and who can see them?"


def ask(
    client, *, slug="palm-vista-pd", question=QUESTION, email="", website="", age=30, stamp=None, address="203.0.113.7"
):
    data = {
        "question": question,
        "email": email,
        "website": website,
        "stamp": stamp if stamp is not None else form_stamp(time.time() - age),
    }
    return client.post(reverse("transparency:ask", args=[slug]), data, REMOTE_ADDR=address)


def _figure(html: str, name: str) -> str:
    marker = f'data-figure="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def test_a_question_is_asked_without_sign_in_and_stored_without_the_askers_address(client, agency):
    response = ask(client, email="resident@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("transparency:question-thanks", args=[agency.slug])
    question = PublicQuestion.objects.get()
    assert question.agency == agency and question.question == QUESTION and question.email == "resident@example.com"
    assert "203.0.113.7" not in str(question.__dict__)
    assert client.get(response["Location"]).status_code == 200


def test_the_portal_has_the_form_with_labels_and_a_hidden_honeypot(client, agency):
    page = client.get(reverse("transparency:ask", args=[agency.slug]))
    assert page.status_code == 200 and 'name="stamp"' in page.content.decode()
    html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert 'action="/transparency/palm-vista-pd/questions/"' in html
    assert '<label for="id_question">' in html and '<label for="id_email">' in html
    assert 'class="hp" aria-hidden="true"' in html and 'name="website"' in html
    assert 'name="stamp"' in html


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"question": ""}, 400, services.QUESTION_EMPTY),
        ({"question": "   \n  "}, 400, services.QUESTION_EMPTY),
        ({"question": "x" * (QUESTION_MAX_CHARS + 1)}, 400, "Your question is too long"),
        ({"question": "why?"}, 400, "Your question is too short"),
        ({"email": "not-an-address"}, 400, services.EMAIL_MALFORMED),
        ({"email": "a@b"}, 400, services.EMAIL_MALFORMED),
        ({"website": "http://spam.example"}, 400, REFUSED_ROBOT),
        ({"age": 0}, 400, REFUSED_TOO_FAST),
        ({"stamp": "1700000000:forged"}, 400, REFUSED_STALE),
        ({"stamp": ""}, 400, REFUSED_STALE),
        ({"age": 2 * 24 * 3600}, 400, REFUSED_STALE),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(client, agency, overrides, status, message):
    response = ask(client, **overrides)
    assert response.status_code == status
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert PublicQuestion.objects.count() == 0
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_a_flood_from_one_address_is_refused_and_other_addresses_still_get_through(client, agency, settings):
    settings.PUBLIC_QUESTIONS_PER_ADDRESS = 2
    assert ask(client).status_code == 302
    assert ask(client).status_code == 302
    response = ask(client)
    assert response.status_code == 429
    assert REFUSED_FLOOD.replace("'", "&#x27;") in response.content.decode()
    assert PublicQuestion.objects.count() == 2
    assert ask(client, address="198.51.100.20").status_code == 302
    assert PublicQuestion.objects.count() == 3


def test_robots_and_bad_questions_do_not_use_up_a_persons_quota(client, agency, settings):
    settings.PUBLIC_QUESTIONS_PER_ADDRESS = 1
    ask(client, website="spam")
    ask(client, age=0)
    assert ask(client).status_code == 302


def test_an_unknown_agency_has_no_form(client, db):
    assert ask(client, slug="nowhere-pd").status_code == 404


def _answer_in_admin(clerk_client, question, answer, publish=True):
    data = {"answer": answer}
    if publish:
        data["published_in_faq"] = "on"
    return clerk_client.post(reverse("admin:transparency_publicquestion_change", args=[question.pk]), data)


def test_clerk_answers_in_admin_the_answer_is_emailed_the_address_deleted_and_the_faq_shows_it(
    client, agency, clerk_client
):
    ask(client, email="resident@example.com")
    question = PublicQuestion.objects.get()
    changelist = clerk_client.get(reverse("admin:transparency_publicquestion_changelist"))
    assert changelist.status_code == 200 and "How long do you keep" in changelist.content.decode()

    response = _answer_in_admin(clerk_client, question, "Reads are deleted after [[retention_days]] days.")
    assert response.status_code == 302, response.content.decode()[:2000]
    question.refresh_from_db()
    assert question.is_answered and question.published_in_faq
    assert question.email == "" and question.email_erased_at is not None and question.answer_emailed_at is not None
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["resident@example.com"]
    assert "Reads are deleted after 30 days." in sent.body and QUESTION in sent.body

    html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert "How long do you keep the pictures of my car" in html
    assert 'Reads are deleted after <span class="live-figure" data-figure-name="retention_days">30</span> days.' in html
    assert _figure(html, "questions_received") == "1"
    assert _figure(html, "questions_answered") == "1"


def test_an_answer_is_sent_once_and_can_be_unpublished(agency, clerk):
    question = services.public_question_ask(agency=agency, question=QUESTION, email="r@example.com")
    services.public_question_answer(question=question, answer="Thirty days.", user=clerk, publish=True)
    with pytest.raises(Exception, match="already answered"):
        services.public_question_answer(question=question, answer="Again.", user=clerk)
    assert len(mail.outbox) == 1
    services.public_question_set_published(question=question, published=False)
    question.refresh_from_db()
    assert not question.published_in_faq


def test_no_address_no_mail_and_empty_answers_or_unknown_figures_are_refused_in_admin(agency, clerk_client, client):
    question = services.public_question_ask(agency=agency, question=QUESTION)
    response = _answer_in_admin(clerk_client, question, "  ")
    assert response.status_code == 200 and services.ANSWER_EMPTY in response.content.decode()
    response = _answer_in_admin(clerk_client, question, "We keep [[retention_dayz]] days.")
    assert response.status_code == 200 and "[[retention_dayz]]" in response.content.decode()
    question.refresh_from_db()
    assert not question.is_answered
    assert _answer_in_admin(clerk_client, question, "Thirty days.", publish=False).status_code == 302
    question.refresh_from_db()
    assert question.is_answered and not question.published_in_faq and mail.outbox == []
    html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert "Thirty days." not in html  # answered, but not published


def test_an_unanswered_questions_address_is_deleted_after_the_stated_days(agency, settings):
    settings.PUBLIC_QUESTION_EMAIL_KEEP_DAYS = 30
    old = services.public_question_ask(
        agency=agency, question=QUESTION, email="old@example.com", now=timezone.now() - dt.timedelta(days=31)
    )
    recent = services.public_question_ask(agency=agency, question=QUESTION, email="new@example.com")
    assert erase_stale_question_addresses.delay().get() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.email == "" and old.email_erased_at is not None
    assert recent.email == "new@example.com"


def test_the_median_time_to_answer_is_computed_live(client, agency, clerk):
    url = reverse("transparency:portal", args=[agency.slug])
    assert _figure(client.get(url).content.decode(), "median_days_to_answer") == "no answers yet"
    now = timezone.now()
    for days in (1, 3):
        question = services.public_question_ask(agency=agency, question=QUESTION, now=now - dt.timedelta(days=days))
        services.public_question_answer(question=question, answer="Answered.", user=clerk, now=now)
    html = client.get(url).content.decode()
    assert _figure(html, "median_days_to_answer") == "2.0 days"
    assert _figure(html, "questions_answered") == "2"
    question = services.public_question_ask(agency=agency, question=QUESTION, now=now - dt.timedelta(days=8))
    services.public_question_answer(question=question, answer="Answered.", user=clerk, now=now)
    services.public_question_ask(agency=agency, question=QUESTION)
    html = client.get(url).content.decode()  # no cache to clear: the page follows the table at once
    assert _figure(html, "median_days_to_answer") == "3.0 days"
    assert _figure(html, "questions_received") == "4"
    assert _figure(html, "questions_answered") == "3"


def test_the_scheduled_jobs_of_the_program_page_are_registered_tasks(settings):
    from config.celery_app import app

    app.loader.import_default_modules()
    for name in ("transparency-erase-question-addresses", "reads-camera-placement-reminders"):
        assert settings.CELERY_BEAT_SCHEDULE[name]["task"] in app.tasks
