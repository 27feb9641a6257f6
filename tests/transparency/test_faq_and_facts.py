"""The FAQ with live figures, and the program's facts: no number on the program page is typed by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from agencies.access import Scope
from reads.choices import CameraPlacement
from reads.models import Camera
from transparency.faq import FIGURES, STARTER_FAQ, figure_names, render_with_figures
from transparency.program_models import (
    CommunityPresentation,
    CouncilAuthorization,
    FaqEntry,
    ProgramCost,
    ProgramFacts,
    fiscal_year_of,
)
from transparency.program_selectors import program_figures
from transparency.program_services import faq_add_starter_set
from transparency.validators import PROGRAM_DOCUMENT_NOT_PDF, PROGRAM_DOCUMENT_NOT_REALLY_PDF

from ..sharing.conftest import active_mou
from .conftest import record_search

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% test\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _portal(client, slug="palm-vista-pd") -> str:
    return client.get(reverse("transparency:portal", args=[slug])).content.decode()


def _live(html: str, name: str) -> str:
    """The first value the FAQ shows for the figure `name`."""
    marker = f'data-figure-name="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def _figure(html: str, name: str) -> str:
    marker = f'data-figure="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def _camera(agency, name, **fields):
    return Camera.objects.create(agency=agency, name=name, location=Point(-116.5, 33.8, srid=4326), **fields)


def test_every_figure_the_starter_set_names_is_known_and_every_figure_has_a_value(agency):
    for _, answer in STARTER_FAQ:
        assert set(figure_names(answer)) <= set(FIGURES)
    assert set(program_figures(agency)) == set(FIGURES)


def test_faq_figures_follow_the_live_tables_without_anyone_retyping_them(
    client, agency, other_agency, private_entity, make_user
):
    faq_add_starter_set(agency=agency)
    ProgramFacts.objects.create(agency=agency, cameras_planned=4, cameras_planned_by=dt.date(2027, 3, 1))
    _camera(agency, "North", is_active=True)
    html = _portal(client)
    assert _live(html, "active_cameras") == "1"
    assert _live(html, "planned_cameras") == "4"
    assert _live(html, "planned_cameras_by") == "March 1, 2027"
    assert _live(html, "retention_days") == "30"
    assert _live(html, "partner_agencies") == "0"
    assert _live(html, "private_entities_sharing_in") == "0"
    assert _live(html, "searches_to_date") == "0"
    assert _live(html, "public_comment_meeting_date") == "January 9, 2024"
    assert _live(html, "cost_this_fiscal_year") == "not recorded"
    assert _figure(html, "active_cameras") == "1" and _figure(html, "planned_cameras") == "4"

    # The live data changes; the page follows at once (no cache to clear, no clerk to retype anything).
    _camera(agency, "South", is_active=True)
    ends_on = timezone.localdate() + dt.timedelta(days=30)
    _camera(
        agency, "East", is_active=True, placement=CameraPlacement.RESIDENTIAL, placement_ends_on=ends_on,
        crime_trend="Car break-ins, Oak St",
    )  # fmt: skip
    ProgramFacts.objects.filter(agency=agency).update(cameras_planned=2)
    active_mou(agency, other_agency, scopes=(Scope.SEARCH,))
    active_mou(private_entity, agency, scopes=(Scope.SEARCH,))
    investigator = make_user(username="faq-det")
    record_search(investigator, agency)
    record_search(investigator, agency)
    agency.retention_days = 60
    agency.save()
    ProgramCost.objects.create(
        agency=agency, fiscal_year=fiscal_year_of(timezone.localdate()), acquisition=Decimal("25000"),
        installation=Decimal("5000"), annual_service=Decimal("12500"), maintenance=Decimal("500"),
    )  # fmt: skip
    html = _portal(client)
    assert _live(html, "active_cameras") == "3"
    assert _live(html, "temporarily_relocated_cameras") == "1"
    assert _live(html, "planned_cameras") == "2"
    assert _live(html, "retention_days") == "60"
    assert _live(html, "partner_agencies") == "1"
    assert _live(html, "private_entities_sharing_in") == "1"
    assert _live(html, "searches_to_date") == "2"
    assert _live(html, "cost_this_fiscal_year") == "$43,000"
    assert _figure(html, "active_cameras") == "3"
    assert _figure(html, "temporarily_relocated_cameras") == "1"
    assert _figure(html, "cost_this_fiscal_year") == "$43,000"


def test_unknown_figure_names_are_refused_on_save_with_the_names_listed(agency, clerk_client):
    response = clerk_client.post(
        reverse("admin:transparency_faqentry_add"),
        {"agency": agency.pk, "question": "How many?", "answer": "[[active_camras]] and [[cost]]", "position": 1},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Unknown figure names in double brackets: [[active_camras]], [[cost]]" in body
    assert "active_cameras" in body  # the message lists the names that exist
    assert FaqEntry.objects.count() == 0
    with pytest.raises(ValidationError):
        FaqEntry(agency=agency, question="Q", answer="[[nope]]").full_clean()
    response = clerk_client.post(
        reverse("admin:transparency_faqentry_add"),
        {"agency": agency.pk, "question": "How many?", "answer": "[[ active_cameras ]] cameras.", "position": 1},
    )
    assert response.status_code == 302 and FaqEntry.objects.count() == 1


def test_clerk_text_is_never_run_as_a_template(client, agency):
    FaqEntry.objects.create(
        agency=agency,
        question="<b>Tricky</b>",
        answer="{{ settings.SECRET_KEY }} {% load static %} <script>alert(1)</script> [[retention_days]]",
    )
    html = _portal(client)
    assert "{{ settings.SECRET_KEY }} {% load static %} &lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html and "&lt;b&gt;Tricky&lt;/b&gt;" in html
    assert render_with_figures("a [[x]] b", {})[0] == (
        'a <span class="live-figure" data-figure-name="x">not recorded</span> b'
    )


def test_the_starter_set_is_offered_in_admin_and_by_command_and_added_once(agency, clerk_client, client):
    facts = ProgramFacts.objects.create(agency=agency)
    response = clerk_client.post(
        reverse("admin:transparency_programfacts_changelist"),
        {"action": "add_starter_faq", "_selected_action": [facts.pk]},
    )
    assert response.status_code == 302
    assert FaqEntry.objects.filter(agency=agency).count() == len(STARTER_FAQ)
    call_command("faq_starter_set", agency.slug)
    assert FaqEntry.objects.filter(agency=agency).count() == len(STARTER_FAQ)
    html = _portal(client)
    assert "Is the data used for immigration enforcement?" in html


def test_program_documents_are_checked_like_mou_documents(agency, clerk_client):
    url = reverse("admin:transparency_programcost_add")
    base = {"agency": agency.pk, "fiscal_year": 2026, "acquisition": "1000", "installation": "0",
            "annual_service": "0", "maintenance": "0"}  # fmt: skip
    response = clerk_client.post(url, {**base, "document": SimpleUploadedFile("contract.docx", b"PK\x03\x04")})
    assert response.status_code == 200 and "must be a PDF file" in response.content.decode()
    response = clerk_client.post(url, {**base, "document": SimpleUploadedFile("contract.pdf", b"not a pdf")})
    assert response.status_code == 200
    assert PROGRAM_DOCUMENT_NOT_REALLY_PDF.replace("'", "&#x27;") in response.content.decode()
    assert ProgramCost.objects.count() == 0
    response = clerk_client.post(
        reverse("admin:transparency_communitypresentation_add"),
        {"agency": agency.pk, "date": "2026-02-03", "title": "Town hall",
         "document": SimpleUploadedFile("slides.pptx", b"PK")},
    )  # fmt: skip
    assert response.status_code == 200
    assert PROGRAM_DOCUMENT_NOT_PDF.replace("'", "&#x27;") in response.content.decode()
    assert CommunityPresentation.objects.count() == 0
    assert clerk_client.post(url, {**base, "document": SimpleUploadedFile("c.pdf", PDF)}).status_code == 302


def test_costs_council_votes_and_presentations_are_published(client, agency, clerk_client):
    clerk_client.post(
        reverse("admin:transparency_communitypresentation_add"),
        {"agency": agency.pk, "date": "2026-02-03", "title": "Town hall on plate cameras",
         "document": SimpleUploadedFile("slides.pdf", PDF)},
    )  # fmt: skip
    presentation = CommunityPresentation.objects.get()
    CouncilAuthorization.objects.create(
        agency=agency, date=dt.date(2025, 6, 10), title="Five-year ALPR contract", link="https://example.gov/m/1",
        ayes=4, noes=1,
    )  # fmt: skip
    ProgramCost.objects.create(agency=agency, fiscal_year=2025, acquisition=Decimal("1234.50"))
    html = _portal(client)
    assert "Five-year ALPR contract" in html and "4–1" in html
    assert "FY 2025-26" in html and "$1,234.50" in html
    url = reverse("transparency:presentation-document", args=[agency.slug, presentation.pk])
    assert url in html
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_fiscal_years_run_july_to_june():
    assert fiscal_year_of(dt.date(2026, 6, 30)) == 2025
    assert fiscal_year_of(dt.date(2026, 7, 1)) == 2026


def test_the_program_part_of_the_page_costs_a_bounded_number_of_queries(client, agency, django_assert_max_num_queries):
    faq_add_starter_set(agency=agency)
    for n in range(3):
        ProgramCost.objects.create(agency=agency, fiscal_year=2020 + n)
        CouncilAuthorization.objects.create(
            agency=agency, date=dt.date(2025, 1, 1 + n), title="T", link="https://e.gov", ayes=5
        )
    client.get(reverse("transparency:portal", args=[agency.slug]))  # fills the activity figures' cache
    # agency, policy, versions, reports; then the program part: cameras (2), program facts, MOUs, question counts
    # (3), searches, cost, FAQ, published questions, evaluation (2), costs, votes, presentations, compliance reports:
    # the same whatever the number of rows.
    with django_assert_max_num_queries(24):
        response = client.get(reverse("transparency:portal", args=[agency.slug]))
    assert response.status_code == 200
