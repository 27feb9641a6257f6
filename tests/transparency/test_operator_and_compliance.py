"""Operator access is accountable (purpose, access log, seen by the agency's auditors), and the quarterly compliance
report counts it with the rest, is published on the portal as HTML, CSV and PDF, and is frozen once published."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from agencies.access import NO_AGENCY, alpr_access_refusal
from agencies.choices import Role
from agencies.models import User
from reads.choices import Channel, Purpose
from reads.models import AccessLogEntry, PurgeRun
from reads.operator import operator_read_lookup
from reads.purpose import CASE_NUMBER_REQUIRED, PURPOSE_REQUIRED
from sharing.models import SharingRefusal
from transparency import program_services as services
from transparency.program_models import ComplianceReport
from transparency.program_selectors import compliance_figures
from transparency.selectors import portal_window, transparency_figures

from .conftest import record_search

pytestmark = pytest.mark.django_db

LOOKUP = "admin:reads_accesslogentry_operator_lookup"
TICKET = "OPS-4411"


@pytest.fixture
def root(db):
    return User.objects.create_superuser(username="root-operator", email="ops@example.gov", password="x" * 20)


@pytest.fixture
def reads_of_agency(camera, store_reads):
    store_reads(camera, ["7ABC123", "7ABC123", "5XYZ999"])
    return camera


def _last_quarter(today=None):
    today = today or timezone.localdate()
    first_this = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    end = first_this - dt.timedelta(days=1)
    return dt.date(end.year, (end.month - 1) // 3 * 3 + 1, 1), end


def test_a_superuser_has_no_way_around_the_choke_point(root):
    assert alpr_access_refusal(root) == NO_AGENCY


def test_operator_lookup_needs_a_purpose_and_is_logged_under_the_agency(root, agency, reads_of_agency, verified_client):
    client = verified_client(root)
    assert client.get(reverse(LOOKUP)).status_code == 200
    response = client.post(reverse(LOOKUP), {"agency": agency.pk, "plate": "7ABC123"})
    assert response.status_code == 400
    body = response.content.decode()
    assert PURPOSE_REQUIRED.replace("'", "&#x27;") in body and CASE_NUMBER_REQUIRED in body
    assert "7ABC123</td>" not in body
    assert AccessLogEntry.objects.count() == 0

    response = client.post(
        reverse(LOOKUP),
        {"agency": agency.pk, "plate": "7abc 123", "purpose": Purpose.PROSECUTION, "case_number": TICKET},
    )
    assert response.status_code == 200
    assert response.content.decode().count("7ABC123</td>") == 2
    entry = AccessLogEntry.objects.get()
    assert entry.channel == Channel.OPERATOR and entry.agency == agency and entry.user == root
    assert entry.case_number == TICKET and entry.result_count == 2 and entry.agencies_searched == [agency.pk]


def test_operator_lookup_refuses_immigration_and_non_operators(root, agency, make_user, verified_client):
    with pytest.raises(ValidationError):
        operator_read_lookup(
            user=root, agency=agency, plate="7ABC123", purpose=Purpose.OTHER,
            purpose_detail="ICE detainer request", case_number=TICKET,
        )  # fmt: skip
    clerk = make_user(Role.AGENCY_ADMIN, username="not-an-operator")
    assert verified_client(clerk).get(reverse(LOOKUP)).status_code == 403
    assert AccessLogEntry.objects.count() == 0


def test_the_agencys_auditors_see_operator_access_to_their_data_and_others_do_not(
    root, agency, other_agency, reads_of_agency, make_user, verified_client, client
):
    operator_read_lookup(user=root, agency=agency, plate="7ABC123", purpose=Purpose.PROSECUTION, case_number=TICKET)
    second = User.objects.create_superuser(username="second-operator", email="ops2@example.gov", password="x" * 20)
    operator_read_lookup(user=second, agency=agency, plate="7ABC123", purpose=Purpose.PROSECUTION, case_number=TICKET)
    auditor = make_user(Role.AUDITOR, username="pv-auditor")
    other_auditor = make_user(Role.AUDITOR, agency=other_agency, username="ds-auditor")
    changelist = reverse("admin:reads_accesslogentry_changelist") + f"?channel__exact={Channel.OPERATOR}"
    page = verified_client(auditor).get(changelist).content.decode()
    assert "root-operator" in page and TICKET in page
    everything = verified_client(auditor).get(reverse("admin:reads_accesslogentry_changelist"))
    specs = everything.context["cl"].get_filters(everything.wsgi_request)[0]
    person_filter = next((spec for spec in specs if getattr(spec, "field_path", "") == "user"), None)
    people = dict(person_filter.lookup_choices) if person_filter else {}
    assert people.get(root.pk, "").startswith("root-operator")  # the person filter offers operators too
    assert people.get(second.pk, "").startswith("second-operator")
    page = verified_client(other_auditor).get(changelist).content.decode()
    assert "root-operator" not in page
    assert AccessLogEntry.objects.visible_to(auditor).filter(channel=Channel.OPERATOR).count() == 2
    assert AccessLogEntry.objects.visible_to(other_auditor).count() == 0
    # Not the agency's own use of the system: the portal's staff searches do not count it.
    start, end, _ = portal_window()
    assert transparency_figures(agency, period_start=start, period_end=end)["searches"] == 0


def test_compliance_figures_count_each_kind_of_event(root, agency, other_agency, reads_of_agency, make_user, clerk):
    operator_read_lookup(user=root, agency=agency, plate="7ABC123", purpose=Purpose.PROSECUTION, case_number=TICKET)
    partner = make_user(Role.INVESTIGATOR, agency=other_agency, username="partner-det")
    record_search(partner, other_agency, searched=[other_agency.pk, agency.pk])
    record_search(make_user(Role.INVESTIGATOR, username="own-det"), agency)
    SharingRefusal.objects.create(owner=agency, partner=other_agency, where="api", reason="No MOU.")
    SharingRefusal.objects.create(owner=other_agency, partner=other_agency, where="api", reason="Not ours.")
    PurgeRun.objects.create(finished_at=timezone.now(), removed_by_agency={str(agency.pk): 7})
    question = services.public_question_ask(agency=agency, question="Do you share with ICE?")
    services.public_question_answer(question=question, answer="No.", user=clerk)
    today = timezone.localdate()
    figures = compliance_figures(agency, period_start=today - dt.timedelta(days=1), period_end=today)
    assert figures["operator_accesses"] == 1
    assert figures["partner_searches"] == 1
    assert figures["staff_searches"] == 1
    assert figures["sharing_refusals"] == 1
    assert figures["purge_runs"] == 1 and figures["reads_purged"] == 7
    assert figures["questions_received"] == 1 and figures["questions_answered"] == 1
    assert figures["audits_done"] == 0


def test_a_quarterly_report_is_published_downloadable_and_frozen(client, agency, other_agency, clerk, clerk_client):
    start, end = _last_quarter()
    inside = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=10), dt.time(12)))
    SharingRefusal.objects.create(owner=agency, partner=other_agency, where="api", reason="No MOU.", at=inside)
    question = services.public_question_ask(agency=agency, question="How long is data kept?", now=inside)
    services.public_question_answer(question=question, answer="30 days.", user=clerk, now=inside)

    response = clerk_client.post(
        reverse("admin:transparency_compliancereport_add"), {"agency": agency.pk, "period_start": start.isoformat()}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ComplianceReport.objects.get()
    assert report.period_end == end
    assert report.figures["sharing_refusals"] == 1 and report.figures["questions_answered"] == 1

    # Later events in the same quarter change nothing in the published report.
    SharingRefusal.objects.create(owner=agency, partner=other_agency, where="api", reason="Again.", at=inside)
    report.refresh_from_db()
    assert report.figures["sharing_refusals"] == 1
    with pytest.raises(DatabaseError), transaction.atomic():
        ComplianceReport.objects.filter(pk=report.pk).update(figures={})
    with pytest.raises(DatabaseError), transaction.atomic():
        ComplianceReport.objects.filter(pk=report.pk).delete()
    with pytest.raises(ValidationError, match="already published"):
        services.compliance_report_publish(agency=agency, period_start=start, user=clerk)
    response = clerk_client.post(
        reverse("admin:transparency_compliancereport_add"), {"agency": agency.pk, "period_start": start.isoformat()}
    )
    assert response.status_code == 200 and "already published" in response.content.decode()

    html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert f"Compliance report: {report.period_label}" in html
    page = client.get(reverse("transparency:compliance", args=[agency.slug, report.pk])).content.decode()
    assert 'data-figure="sharing_refusals">1<' in page and 'data-figure="operator_accesses">0<' in page
    download = client.get(reverse("transparency:compliance-csv", args=[agency.slug, report.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode())))
    assert ["questions_answered", "Questions answered", "1"] in rows
    pdf = client.get(reverse("transparency:compliance-pdf", args=[agency.slug, report.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert client.get(reverse("transparency:compliance", args=[other_agency.slug, report.pk])).status_code == 404


@pytest.mark.parametrize(
    "start",
    [dt.date(2026, 2, 1), "this quarter"],
)
def test_a_compliance_report_covers_a_whole_quarter_that_is_over(agency, clerk, start):
    if start == "this quarter":
        today = timezone.localdate()
        start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    with pytest.raises(ValidationError):
        services.compliance_report_publish(agency=agency, period_start=start, user=clerk)
    assert ComplianceReport.objects.count() == 0


def test_a_superuser_cannot_browse_alerts_in_admin_unlogged(root, scene, make_user, verified_client):
    from .conftest import PLATE_ON_HOTLIST

    changelist = reverse("admin:hotlists_alert_changelist")
    admin_page = verified_client(make_user(Role.AGENCY_ADMIN, username="pv-admin")).get(changelist)
    assert PLATE_ON_HOTLIST in admin_page.content.decode()
    page = verified_client(root).get(changelist)
    assert page.status_code == 200 and PLATE_ON_HOTLIST not in page.content.decode()
    jobs = verified_client(root).get(reverse("admin:recognition_recognitionjob_changelist"))
    assert jobs.status_code == 200
